"""JSON may escape lone UTF-16 surrogates ("\\ud800"), which no UTF-8 file can hold. A notebook carrying them in a code
cell was reported as "the grader itself failed" (exit 1) and one carrying them in a written answer made `autograder
written` crash for the whole class. Such text is read as the replacement character: the notebook is graded like any
other and the pages are written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.grading.submissions import parse_notebook
from autograder.inputs.naming import safe_name
from autograder.inputs.tree import display

ROOT = Path(__file__).resolve().parents[2]
COURSE = ROOT / "tests" / "fixtures" / "course"
TOY = ["--assignment", "toy", "--root", str(COURSE)]


def with_surrogates() -> bytes:
    nb = json.loads((COURSE / "solutions" / "toy.ipynb").read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if "answer:w_relu_zero" in cell.get("metadata", {}).get("tags", []):
            cell["source"] = "A kink \ud800 at zero."
        if cell["cell_type"] == "code" and "def relu" in "".join(cell["source"]):
            cell["source"] = "".join(cell["source"]) + "\n# \udfff\nnote = '\ud800'\n"
    return json.dumps(nb).encode()  # ensure_ascii writes each surrogate as a \\u escape


def test_a_notebook_reads_as_text_any_file_can_hold():
    nb = parse_notebook(with_surrogates())
    for cell in nb.cells:
        cell.source.encode("utf-8")
    assert any("\ufffd" in cell.source for cell in nb.cells)


@pytest.mark.parametrize("name", ["\ud800.ipynb", "a\udfffb", "\udcff.ipynb"])
def test_names_with_lone_surrogates_display_and_name_safely(name):
    display(name).encode("utf-8")
    safe_name(name).encode("utf-8")


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder.cli", *args], capture_output=True, text=True, timeout=600)


def test_the_notebook_is_graded_and_the_written_pages_are_written(tmp_path):
    batch, out = tmp_path / "batch", tmp_path / "out"
    batch.mkdir()
    (batch / "surrogates.ipynb").write_bytes(with_surrogates())
    graded = run("grade", str(batch), "--out", str(out), *TOY)
    assert graded.returncode == 0, graded.stderr[-3000:]
    results = json.loads((out / "surrogates" / "results.json").read_text(encoding="utf-8"))
    assert results["score"] == 5
    written = run("written", str(out), *TOY)
    assert written.returncode == 0, written.stderr[-3000:]
    assert "A kink \ufffd at zero." in (out / "written_w_relu_zero.html").read_text(encoding="utf-8")
