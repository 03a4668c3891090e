"""A real batch, graded by `autograder grade`: what the browser tests, the real-batch counts and docs' screenshots use.

The solution, the untouched template (twice, under two names: an identical-output cluster), a correct
alternative and single-bug variants from the corpus (two of them made by two students each), an Adam that refers to
`torch.optim.Adam`, a file that is not a notebook, a notebook whose cell never ends, and, in a Gradescope export
beside them, one whose student's name and error message are HTML (a file name never reaches the pages as it is:
`autograder grade` makes every submission's name safe).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from autograder.assignment import load
from autograder.inputs.naming import safe_name
from tests.assignments.optim_reg.corpus.variants import ADAM_STEP, BUGS, CORRECT, Variant, notebook
from tests.inputs.lms_fixtures import GradescopeSubmission, gradescope_export, zipped

VARIANTS = ("A7-eps-inside-sqrt", "R1-eps-inside-sqrt", "A1-no-bias-correction", "D3-no-scaling",
            "I1-fans-swapped", "adam-torch-arrangement")  # fmt: skip
TWICE = ("A7-eps-inside-sqrt", "A1-no-bias-correction")  # a second student makes the same mistake
LIBRARY_ADAM = Variant("uses-torch-optim", "adam", ((ADAM_STEP, "    torch.optim.Adam\n" + ADAM_STEP),))
HOSTILE_NAME = "<img src=x onerror=window.pwned=1>"  # the student's name in the Gradescope export
HOSTILE_FOLDER = safe_name(HOSTILE_NAME)  # the submission's name: its folder in the graded directory
HOSTILE_CELL = 'raise ValueError("<b>bold</b><script>window.pwned = 2</script>")'


def write_submissions(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    by_name = {v.name: v for v in [*BUGS, *CORRECT]}
    for name in VARIANTS:
        nbformat.write(notebook(by_name[name]), folder / f"{name}.ipynb")
    for name in TWICE:
        nbformat.write(notebook(by_name[name]), folder / f"{name}-again.ipynb")
    nbformat.write(notebook(LIBRARY_ADAM), folder / f"{LIBRARY_ADAM.name}.ipynb")
    assignment = load("optim_reg")
    solution = nbformat.read(assignment.solution_notebook, as_version=4)
    nbformat.write(solution, folder / "solution.ipynb")
    shutil.copy(assignment.template_notebook, folder / "template.ipynb")
    shutil.copy(assignment.template_notebook, folder / "template-again.ipynb")
    (folder / "unreadable.ipynb").write_text('{"cells": [', encoding="utf-8")
    looping = nbformat.from_dict(solution)
    looping.cells.insert(3, nbformat.v4.new_code_cell("while True:\n    pass"))
    nbformat.write(looping, folder / "looping.ipynb")
    hostile = nbformat.from_dict(solution)
    hostile.cells.insert(3, nbformat.v4.new_code_cell(HOSTILE_CELL))
    student = GradescopeSubmission(1, [(HOSTILE_NAME, "1001", "h@example.edu")])
    student.files["optim_reg.ipynb"] = nbformat.writes(hostile).encode()
    _export(folder).write_bytes(zipped(gradescope_export([student])))
    return folder


def _export(submissions: Path) -> Path:
    """The Gradescope export written beside the folder of notebooks."""
    return submissions.with_name(f"{submissions.name}-gradescope.zip")


def grade(submissions: Path, out: Path) -> Path:
    """`autograder grade` on the submissions (and the export beside them) into out; out."""
    run = subprocess.run(
        [sys.executable, "-m", "autograder.cli", "grade", str(submissions), str(_export(submissions)),
         "--assignment", "optim_reg", "--out", str(out), "--jobs", "2", "--cell-timeout", "3"],
        capture_output=True, text=True, timeout=1200,
    )  # fmt: skip
    if run.returncode != 0:
        raise RuntimeError(f"autograder grade failed ({run.returncode}): {run.stderr[-3000:]}")
    return out
