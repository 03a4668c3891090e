"""Pick the one notebook to grade among the files of one submission, and say in a sentence which one and why.

Students upload extra files, copies ("<name> (1).ipynb") and Jupyter's checkpoints; the grade must not depend
on the order an LMS lists them in, so the choice is a fixed ranking of names and paths.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath


@dataclass(frozen=True)
class Pick:
    index: int | None  # into the paths given; None when none is a notebook
    note: str  # for the student; empty when the submission is exactly the expected notebook


def is_notebook(path: str) -> bool:
    return path.lower().endswith(".ipynb")


def _reason(chosen: PurePosixPath, expected: str, assignment: str) -> str:
    if chosen.name == expected:
        return f"it is named {expected}"
    if assignment in chosen.stem:
        return f"none is named {expected} and its name is the closest"
    return f"none is named {expected} or contains '{assignment}', so the first in alphabetical order was taken"


def pick_notebook(paths: Sequence[str], assignment: str) -> Pick:
    """Among `paths` ('/'-separated, relative to the submission): `<assignment>.ipynb`, else the closest name, else
    the first."""
    expected = f"{assignment}.ipynb"
    notebooks = [i for i, p in enumerate(paths) if is_notebook(p)]
    if not notebooks:
        shown = sorted(paths)
        found = f"It contains {', '.join(shown[:10])}{', …' if len(shown) > 10 else ''}." if shown else "It is empty."
        return Pick(
            None,
            f"No Jupyter notebook (.ipynb) was found in your submission. {found} "
            f"Download your notebook as {expected} (in Jupyter: File > Download, .ipynb) and submit that file.",
        )

    def rank(index: int) -> tuple[bool, bool, int, str]:
        path = PurePosixPath(paths[index])
        return path.name != expected, assignment not in path.stem, len(path.parts), paths[index]

    chosen, *others = sorted(notebooks, key=rank)
    graded = paths[chosen]
    if not others:
        return Pick(
            chosen,
            "" if PurePosixPath(graded).name == expected else f"Graded {graded}, the only notebook in your submission.",
        )
    return Pick(
        chosen,
        f"Your submission has {len(notebooks)} notebooks; graded {graded} because "
        f"{_reason(PurePosixPath(graded), expected, assignment)}. Not graded: {', '.join(paths[i] for i in others)}. "
        f"Submit only {expected} to avoid this.",
    )
