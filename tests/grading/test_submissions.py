"""Finding, naming and reading submissions: anything unreadable becomes a sentence, never a crash."""

from pathlib import Path

import nbformat
import pytest

from autograder.grading.submissions import find_notebooks, read_submission, unique_names

ROOT = Path(__file__).resolve().parents[2]


def test_folders_are_searched_and_checkpoints_skipped(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / ".ipynb_checkpoints").mkdir()
    for p in ("a/x.ipynb", "a/.ipynb_checkpoints/x-checkpoint.ipynb", "y.ipynb", "notes.txt"):
        (tmp_path / p).write_text("{}")
    assert [p.name for p in find_notebooks([tmp_path])] == ["x.ipynb", "y.ipynb"]
    with pytest.raises(FileNotFoundError, match="does not exist"):
        find_notebooks([tmp_path / "missing"])


def test_shared_names_get_their_folder_in_front_everywhere():
    paths = [Path("s1/hw.ipynb"), Path("s2/hw.ipynb"), Path("s3/other.ipynb"), Path("x/s1/hw.ipynb")]
    names = unique_names(paths)
    assert names == ["s1-hw-1", "s2-hw", "other", "s1-hw-2"]
    assert len(set(names)) == len(names)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "The file is empty"),
        (bytes(range(256)) * 4, "not a text file"),
        (b'{"cells": [{"cell_type": "code", "sou', "not valid JSON (line 1)"),
        (b'{"hello": "world"}', "JSON but not a Jupyter notebook"),
        (b"print('hello')\n", "not valid JSON"),
    ],
    ids=["empty", "binary", "truncated", "other-json", "python-file"],
)
def test_unreadable_files_say_why(tmp_path, content, expected):
    path = tmp_path / "bad.ipynb"
    path.write_bytes(content)
    submission = read_submission(path, "bad")
    assert submission.cells == ()
    assert expected in submission.problem


def test_an_old_v3_notebook_is_upgraded(tmp_path):
    nb = nbformat.read(ROOT / "solutions/optim_reg.ipynb", as_version=4)
    path = tmp_path / "old.ipynb"
    nbformat.write(nbformat.convert(nb, 3), path, version=3)
    assert '"nbformat": 3' in path.read_text()
    submission = read_submission(path, "old")
    assert submission.problem is None
    assert any("def adam_update" in cell for cell in submission.cells)


def test_code_cells_are_read_in_order():
    submission = read_submission(ROOT / "solutions/optim_reg.ipynb", "sol")
    assert submission.cells[0].startswith("import math")
    assert sum("def adam_update" in c for c in submission.cells) == 1
