"""Pick the one notebook to grade from what a student uploaded, and say in a sentence which one and why.

Students upload extra files, copies ("<name> (1).ipynb") and Jupyter's checkpoints; the grade must not depend
on the order Gradescope lists them in, so the choice is a fixed ranking of names and paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from autograder.grading.submissions import find_notebooks


@dataclass(frozen=True)
class Choice:
    notebook: Path | None
    note: str  # for the student; empty when the submission is exactly the expected notebook
    shown: str | None = None  # the notebook's path within the submission, as students know it


def _relative(path: Path, folder: Path) -> str:
    return path.relative_to(folder).as_posix()


def _no_notebook(folder: Path, expected: str) -> Choice:
    files = sorted(_relative(p, folder) for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
    found = f"It contains {', '.join(files[:10])}{', …' if len(files) > 10 else ''}." if files else "It is empty."
    return Choice(
        None,
        f"No Jupyter notebook (.ipynb) was found in your submission. {found} "
        f"Download your notebook as {expected} (in Jupyter: File > Download, .ipynb) and submit that file.",
    )


def _reason(chosen: Path, expected: str, assignment: str) -> str:
    if chosen.name == expected:
        return f"it is named {expected}"
    if assignment in chosen.stem:
        return f"none is named {expected} and its name is the closest"
    return f"none is named {expected} or contains '{assignment}', so the first in alphabetical order was taken"


def choose_notebook(folder: Path, assignment: str) -> Choice:
    """The notebook in ``folder`` to grade: named ``<assignment>.ipynb``, else the closest name, else the first."""
    expected = f"{assignment}.ipynb"
    folder = folder.resolve()
    # find_notebooks resolves links: one pointing outside the submission (at the grader's files) is not a notebook
    notebooks = [p for p in find_notebooks([folder]) if p.is_relative_to(folder)] if folder.is_dir() else []
    if not notebooks:
        return _no_notebook(folder, expected)

    def rank(path: Path) -> tuple[bool, bool, int, str]:
        relative = _relative(path, folder)
        return path.name != expected, assignment not in path.stem, relative.count("/"), relative

    chosen, *others = sorted(notebooks, key=rank)
    graded = _relative(chosen, folder)
    if not others:
        note = "" if chosen.name == expected else f"Graded {graded}, the only notebook in your submission."
        return Choice(chosen, note, graded)
    skipped = ", ".join(_relative(p, folder) for p in others)
    return Choice(
        chosen,
        f"Your submission has {len(notebooks)} notebooks; graded {graded} because "
        f"{_reason(chosen, expected, assignment)}. Not graded: {skipped}. Submit only {expected} to avoid this.",
        graded,
    )
