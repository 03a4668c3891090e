"""Pick the one notebook to grade from what a student uploaded to Gradescope (the ranking is `inputs.choose`'s)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from autograder.inputs.choose import pick_notebook


@dataclass(frozen=True)
class Choice:
    notebook: Path | None
    note: str  # for the student; empty when the submission is exactly the expected notebook
    shown: str | None = None  # the notebook's path within the submission, as students know it


def choose_notebook(folder: Path, assignment: str) -> Choice:
    """The notebook in ``folder`` to grade: named ``<assignment>.ipynb``, else the closest name, else the first."""
    folder = folder.resolve()
    if not folder.is_dir():
        return Choice(None, pick_notebook([], assignment).note)
    files = [p for p in folder.rglob("*") if p.is_file() and ".ipynb_checkpoints" not in p.parts]
    # a link pointing outside the submission (at the grader's files) is not a notebook
    inside = [p for p in files if p.resolve().is_relative_to(folder)]
    notebooks = {p.relative_to(folder).as_posix(): p for p in inside if p.suffix == ".ipynb"}
    others = [p.relative_to(folder).as_posix() for p in inside if p.suffix != ".ipynb"]
    paths = sorted(notebooks) + sorted(others)
    pick = pick_notebook(paths, assignment)
    if pick.index is None:
        return Choice(None, pick.note)
    return Choice(notebooks[paths[pick.index]], pick.note, paths[pick.index])
