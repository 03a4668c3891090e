"""The class report and the feedback pages on a graded folder written to the results.json contract.

Counts are computed here from the JSON files, independently of autograder.reports; pages are read with an HTML
parser, as a browser would read them.
"""

from __future__ import annotations

import html
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from autograder.assignment import load
from autograder.reports.pages import write_pages
from tests.reports import fixtures
from tests.reports.html import Page, parse


@pytest.fixture
def batch(tmp_path: Path) -> Path:
    return fixtures.write_batch(tmp_path / "graded")


def _read(path: Path) -> Page:
    return parse(path.read_text(encoding="utf-8"))


def _results(folder: Path) -> dict[str, dict]:
    return {p.parent.name: json.loads(p.read_text()) for p in folder.glob("*/results.json")}


def test_mistake_counts_and_who_equal_the_results_files_most_frequent_first(batch):
    write_pages(batch)
    students: dict[str, set[str]] = {}
    for name, data in _results(batch).items():
        for t in data["tests"]:
            if "mistake" in t.get("extra_data", {}):
                students.setdefault(t["extra_data"]["mistake"]["id"], set()).add(name)
    page = _read(batch / "report.html")
    rows = page.having("data-mistake")
    assert {r.attrs["data-mistake"]: int(r.attrs["data-students"]) for r in rows} == {
        k: len(v) for k, v in students.items()
    }
    counts = [int(r.attrs["data-students"]) for r in rows]
    assert counts == sorted(counts, reverse=True) and counts[0] == 3  # eps: one student saw it on two tests
    for row in rows:
        assert all(name in row.content for name in students[row.attrs["data-mistake"]]), row.content
    eps = next(r for r in rows if r.attrs["data-mistake"] == fixtures.EPS[0])
    assert fixtures.EPS[1] in eps.content and "fans_and_eps" in eps.content and "perfect" not in eps.content


def test_anomalies_name_each_submission_and_why(batch):
    write_pages(batch)
    page = _read(batch / "report.html")
    assert [e.attrs["data-not-graded"] for e in page.having("data-not-graded")] == ["broken"]
    assert "The file is not valid JSON" in page.having("data-not-graded")[0].content
    stopped = {e.attrs["data-stopped"]: e.content for e in page.having("data-stopped")}
    assert set(stopped) == {"slow_cell", "exits"}
    assert "code cell 2 timed out" in stopped["slow_cell"] and "code cell 6 ended its process" in stopped["exits"]
    forbidden = page.having("data-forbidden")
    assert [e.attrs["data-forbidden"] for e in forbidden] == ["uses_library"]
    assert "[beta]" in forbidden[0].content and "torch.optim.Adam" in forbidden[0].content
    # Two submissions failed the same test with the same unexplained numbers and the same cell error; the three
    # that share a *named* mistake are not a cluster worth a look.
    assert [e.attrs["data-cluster"].split("\n") for e in page.having("data-cluster")] == [["copy_one", "copy_two"]]


def test_hidden_tests_are_absent_from_feedback_pages_unless_revealed(batch):
    write_pages(batch)
    hidden_only = _read(batch / "eps_hidden_only" / "feedback.html")
    for secret in (fixtures.HIDDEN_NAME, fixtures.HIDDEN_FEEDBACK, fixtures.EPS[1]):
        assert secret not in hidden_only.text
    assert "Public checks" in hidden_only.text and "7 / 7 points" in hidden_only.text
    assert "Hidden tests worth 3 more points ran too" in hidden_only.text
    # The per-question "Public checks" never add the hidden points a student lost.
    assert "10 / 10" not in hidden_only.text and "7 / 10" not in hidden_only.text

    write_pages(batch, reveal_hidden=True)
    revealed = _read(batch / "eps_hidden_only" / "feedback.html")
    for secret in (fixtures.HIDDEN_NAME, fixtures.HIDDEN_FEEDBACK, fixtures.EPS[1]):
        assert secret in revealed.text
    assert "7 / 10 points" in revealed.text and "Where to look: question [beta]" in revealed.text


def test_feedback_shows_the_named_mistake_and_failed_cells_and_nothing_beyond_what_students_may_see(batch):
    data_file = batch / "fans_and_eps" / "results.json"
    data = json.loads(data_file.read_text())
    data["tests"][1]["extra_data"]["expected"] = [0.6180339887]  # whatever a grader keeps beside the contract
    data["extra_data"]["reference_output"] = "0.6180339887"
    data_file.write_text(json.dumps(data))
    write_pages(batch, reveal_hidden=True)
    assert "6180339887" not in (batch / "fans_and_eps" / "feedback.html").read_text()
    assert "6180339887" not in (batch / "report.html").read_text()
    write_pages(batch)
    page = _read(batch / "fans_and_eps" / "feedback.html")
    assert fixtures.FANS[1] in page.text and "fan_in differs" in page.text
    assert "✗ failed fans of a conv layer (0/2)" in page.text
    copy = _read(batch / "copy_one" / "feedback.html")
    assert "Code cell 4 raised ZeroDivisionError" in copy.text and "division by zero" in copy.text
    broken = _read(batch / "broken" / "feedback.html")
    assert "This submission could not be graded" in broken.text and "not valid JSON" in broken.text


def test_student_controlled_text_renders_as_text_never_as_markup(batch):
    write_pages(batch, reveal_hidden=True)
    pages = [batch / "report.html", *batch.glob("*/feedback.html")]
    assert len(pages) == len(fixtures.SUBMISSIONS) + 1
    for path in pages:
        raw = path.read_text(encoding="utf-8")
        page = parse(raw)
        assert fixtures.HOSTILE_NAME not in raw and "<b>bold</b>" not in raw and "<script>window" not in raw
        assert not [e for e in page.elements if e.tag in ("script", "img", "b", "iframe", "object")]
        assert not [(e.tag, a) for e in page.elements for a in e.attrs if a.startswith("on")]
    hostile = _read(batch / fixtures.HOSTILE_NAME / "feedback.html")
    assert fixtures.HOSTILE_NAME in hostile.text and html.unescape(fixtures.HOSTILE_MESSAGE) in hostile.text
    assert fixtures.HOSTILE_NAME in _read(batch / "report.html").text


def test_pages_are_self_contained(batch):
    write_pages(batch)
    for path in [batch / "report.html", batch / "perfect" / "feedback.html"]:
        raw = path.read_text(encoding="utf-8")
        page = parse(raw)
        assert not [e for e in page.elements if e.tag in ("link", "script", "iframe", "img", "object", "embed")]
        external = [
            (e.tag, a, v) for e in page.elements for a, v in e.attrs.items()
            if a in ("src", "href", "xlink:href", "action") and not v.startswith("#") and "//" in v
        ]  # fmt: skip
        assert not external
        assert "@import" not in raw and "url(http" not in raw and "@font-face" not in raw


def test_charts_are_inline_svg_with_text_alternatives_and_ids_unique_in_the_page(batch):
    write_pages(batch)
    page = _read(batch / "report.html")
    svgs = [e for e in page.elements if e.tag == "svg"]
    assert len(svgs) == 2 * (2 + 2)  # total, per question, a pass-rate chart per question; wide and narrow
    assert all(s.attrs.get("role") == "img" and s.attrs.get("aria-label") for s in svgs)
    ids = Counter(e.attrs["id"] for e in page.having("id"))
    assert not [i for i, n in ids.items() if n > 1]
    anchors = {e.attrs["href"][1:] for e in page.having("href") if e.attrs["href"].startswith("#")}
    assert anchors <= set(ids), anchors - set(ids)


def test_questions_come_from_the_assignment_when_this_installation_has_it(batch):
    for data_file in batch.glob("*/results.json"):
        data = json.loads(data_file.read_text())
        data["extra_data"]["assignment"] = "optim_reg"
        for t in data["tests"]:
            t["extra_data"]["question"] = {"alpha": "init", "beta": "adam"}[t["extra_data"]["question"]]
            if "mistake" in t["extra_data"]:
                t["extra_data"]["mistake"]["id"] = "adam.eps_inside_sqrt"
        data_file.write_text(json.dumps(data))
    write_pages(batch, reveal_hidden=True)
    report = _read(batch / "report.html")
    points = load("optim_reg").points()
    assert f"Initialization [init] · {points['init']:g} points" in report.text
    assert f"Adam [adam] · {points['adam']:g} points" in report.text
    assert "Dropout [dropout]" in report.text  # no submission ran it: its points come from the assignment too
    feedback = _read(batch / "eps_hidden_only" / "feedback.html").text
    assert "Where to look: the notebook's section “Adam” [adam]" in feedback


def test_writes_stay_inside_the_graded_folder(batch, tmp_path):
    outside = tmp_path / "outside"
    fixtures.write_batch(outside)
    (batch / "linked").symlink_to(outside / "perfect", target_is_directory=True)
    victim = tmp_path / "victim.html"
    victim.write_text("keep me")
    (batch / "perfect" / "feedback.html").symlink_to(victim)
    written = write_pages(batch)
    assert not (outside / "perfect" / "feedback.html").exists()
    assert victim.read_text() == "keep me"
    assert not (batch / "perfect" / "feedback.html").is_symlink()
    assert all(p.resolve().is_relative_to(batch.resolve()) for p in written)


def test_an_unreadable_results_file_is_reported_not_fatal(batch):
    (batch / "garbled").mkdir()
    (batch / "garbled" / "results.json").write_text("{not json")
    write_pages(batch)
    page = _read(batch / "report.html")
    garbled = [e for e in page.having("data-not-graded") if e.attrs["data-not-graded"] == "garbled"]
    assert garbled and "could not be read" in garbled[0].content


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "autograder.cli", "report", *args], capture_output=True, text=True, timeout=300
    )


def test_cli_writes_the_pages_and_says_where(batch):
    run = _cli(str(batch))
    assert run.returncode == 0, run.stderr
    assert f"Wrote {batch.resolve() / 'report.html'} and {len(fixtures.SUBMISSIONS)} feedback pages" in run.stdout
    assert "--reveal-hidden" in run.stdout
    assert (batch / "broken" / "feedback.html").is_file()


def test_cli_on_a_folder_without_results_is_a_usage_error(tmp_path):
    run = _cli(str(tmp_path))
    assert run.returncode == 2 and "run `autograder grade" in run.stderr
    run = _cli(str(tmp_path / "missing"))
    assert run.returncode == 2 and "is not a folder" in run.stderr
