"""Written questions end to end, on the toy assignment of the fixture course: answers found in the notebooks (by
tag, and by text when the tag was lost), one page per question, the sheet filled in and merged, a regrade that
keeps the merged scores."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
COURSE = ROOT / "tests" / "fixtures" / "course"
TOY = ["--assignment", "toy", "--root", str(COURSE)]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder.cli", *args], capture_output=True, text=True, timeout=600)


def answered(text: str, keep_tags: bool) -> nbformat.NotebookNode:
    nb = nbformat.read(COURSE / "solutions" / "toy.ipynb", as_version=4)
    for cell in nb.cells:
        if "answer:w_relu_zero" in cell.metadata.get("tags", []):
            cell.source = text
        if not keep_tags:
            cell.metadata = {}
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("written")
    batch, out = base / "batch", base / "out"
    batch.mkdir()
    nbformat.write(answered("It has a **kink** at 0: <b>no</b> derivative.", keep_tags=True), batch / "tagged.ipynb")
    nbformat.write(answered("Any value in [0, 1] works.", keep_tags=False), batch / "colab.ipynb")
    (batch / "blank.ipynb").write_bytes((COURSE / "student_template" / "toy.ipynb").read_bytes())
    graded = run("grade", str(batch), "--out", str(out), *TOY)
    assert graded.returncode == 0, graded.stderr[-3000:]
    written = run("written", str(out), "--root", str(COURSE))  # the assignment is read from the folder
    return out, written


def test_answers_are_recorded_by_tag_or_by_text(graded):
    out, _ = graded
    answers = {
        n: json.loads((out / n / "results.json").read_text())["extra_data"]["written"]
        for n in ("tagged", "colab", "blank")
    }
    assert answers["tagged"] == {
        "w_relu_zero": {"answer": "It has a **kink** at 0: <b>no</b> derivative.", "found": "tag"}
    }
    assert answers["colab"] == {"w_relu_zero": {"answer": "Any value in [0, 1] works.", "found": "text"}}
    assert answers["blank"] == {"w_relu_zero": {"answer": "", "found": "tag"}}


def test_one_page_per_question_with_the_key_and_every_answer_escaped(graded):
    out, written = graded
    assert written.returncode == 0, written.stderr
    page = (out / "written_w_relu_zero.html").read_text()
    assert "1 point: any value in [0, 1] is a valid subgradient" in page
    assert "<strong>kink</strong>" in page and "&lt;b&gt;no&lt;/b&gt;" in page and "<b>no</b>" not in page
    assert "Any value in [0, 1] works." in page and "No answer written." in page
    assert not any(name in page for name in ("tagged", "colab", "blank")), "anonymous by default"


def fill(sheet: Path, scores: dict[str, str]) -> None:
    rows = list(csv.DictReader(sheet.open(encoding="utf-8")))
    for row in rows:
        row["w_relu_zero"] = scores.get(row["submission"], row["w_relu_zero"])
    with sheet.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def grades(out: Path) -> dict[str, dict[str, str]]:
    return {r["submission"]: r for r in csv.DictReader((out / "grades.csv").open(encoding="utf-8"))}


def test_scores_merge_into_their_own_column_and_count_only_when_asked(graded):
    out, _ = graded
    sheet = out / "written_scores.csv"
    fill(sheet, {"tagged": "2", "colab": "1.5", "blank": "0"})
    before = grades(out)
    merged = run("grade", "--out", str(out), "--written-scores", str(sheet), "--root", str(COURSE))
    assert merged.returncode == 0, merged.stderr
    after = grades(out)
    assert after["colab"]["w_relu_zero"] == "1.5" and after["colab"]["total"] == before["colab"]["total"]
    counted = run("grade", "--out", str(out), "--written-scores", str(sheet), "--count-written", "--root", str(COURSE))
    assert counted.returncode == 0, counted.stderr
    after = grades(out)
    assert float(after["colab"]["total"]) == float(before["colab"]["total"]) + 1.5
    assert float(after["Points Possible"]["max_total"]) == float(before["Points Possible"]["max_total"]) + 2


def test_a_wrong_score_is_named_and_nothing_is_merged(graded):
    out, _ = graded
    sheet = out.parent / "wrong.csv"
    sheet.write_bytes((out / "written_scores.csv").read_bytes())
    fill(sheet, {"colab": "3"})
    before = (out / "grades.csv").read_bytes()
    merged = run("grade", "--out", str(out), "--written-scores", str(sheet), "--root", str(COURSE))
    assert merged.returncode == 2 and "'3' is not a score from 0 to 2" in merged.stderr
    assert (out / "grades.csv").read_bytes() == before


def test_a_regrade_keeps_the_merged_scores_and_their_counting(graded):
    out, _ = graded
    before = grades(out)
    regraded = run("grade", str(out.parent / "batch"), "--out", str(out), "--question", "relu", *TOY)
    assert regraded.returncode == 0, regraded.stderr[-3000:]
    assert grades(out) == before
