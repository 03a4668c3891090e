"""Reading submissions: anything unreadable becomes a sentence on that one submission, never a crash."""

from pathlib import Path

import nbformat
import pytest

from autograder.grading import submissions
from autograder.grading.submissions import read_submission
from autograder.inputs.discover import find_submissions
from tests.inputs.lms_fixtures import notebook

ROOT = Path(__file__).resolve().parents[2]


def read(path: Path):
    (named,), _ = find_submissions([path], "optim_reg")
    return read_submission(named)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "The file is empty"),
        (bytes(range(256)) * 4, "not a text file"),
        (b'{"cells": [{"cell_type": "code", "sou', "not valid JSON (line 1)"),
        (b'{"hello": "world"}', "JSON but not a Jupyter notebook"),
        (b"print('hello')\n", "not valid JSON"),
        (b'{"nbformat": 4, "cells": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "could not be read as a notebook"),
        (b'{"nbformat": 4, "cells": [], "n": ' + b"1" * 5000 + b"}", "could not be read as a notebook"),
    ],
    ids=["empty", "binary", "truncated", "other-json", "python-file", "deep-json", "long-integer"],
)
def test_unreadable_files_say_why(tmp_path, content, expected):
    path = tmp_path / "bad.ipynb"
    path.write_bytes(content)
    submission = read(path)
    assert submission.cells == ()
    assert expected in submission.problem


def test_any_failure_while_reading_one_submission_is_its_problem(tmp_path, monkeypatch):
    """The boundary, not a list of known inputs: whatever a reader raises costs only that submission."""

    def explode(data: bytes):
        raise ZeroDivisionError("a reader failed in a way nobody foresaw")

    monkeypatch.setattr(submissions, "parse_notebook", explode)
    (tmp_path / "x.ipynb").write_bytes(notebook())
    submission = read(tmp_path / "x.ipynb")
    assert submission.problem.startswith("The file could not be read as a notebook (ZeroDivisionError: a reader")


def test_an_old_v3_notebook_is_upgraded(tmp_path):
    nb = nbformat.read(ROOT / "solutions/optim_reg.ipynb", as_version=4)
    path = tmp_path / "old.ipynb"
    nbformat.write(nbformat.convert(nb, 3), path, version=3)
    assert '"nbformat": 3' in path.read_text()
    submission = read(path)
    assert submission.problem is None
    assert any("def adam_update" in cell for cell in submission.cells)


def test_code_cells_are_read_in_order():
    submission = read(ROOT / "solutions/optim_reg.ipynb")
    assert submission.cells[0].startswith("import math")
    assert sum("def adam_update" in c for c in submission.cells) == 1
    assert submission.origin.source == str(ROOT / "solutions/optim_reg.ipynb")
