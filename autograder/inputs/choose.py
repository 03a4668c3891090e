"""Pick the one notebook to grade among the files of one submission, and say in a sentence which one and why.

Students upload extra files, copies ("<name> (1).ipynb") and Jupyter's checkpoints; the grade must not depend
on the order an LMS lists them in, so the choice is a fixed ranking of names and paths.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath


@dataclass(frozen=True)
class Pick:
    index: int | None  # into the paths given; None when none is a notebook
    note: str  # for the student; empty when the submission is exactly the expected notebook


def is_notebook(path: str) -> bool:
    return path.lower().endswith(".ipynb")


def _letters(text: str) -> str:
    return re.sub(r"[\W_]", "", text.casefold())


def mentions(stem: str, assignment: str) -> bool:
    """True when a file name (without extension) names the assignment, in any case and however its words are joined
    ('Optim_Reg', 'HW3 optim-reg final', 'OPTIMREG' all name optim_reg)."""
    return _letters(assignment) in _letters(stem)


def _is_expected(name: str, expected: str) -> bool:
    return name.casefold() == expected.casefold()


def _reason(chosen: PurePosixPath, expected: str, assignment: str) -> str:
    if _is_expected(chosen.name, expected):
        return f"it is named {expected}"
    if mentions(chosen.stem, assignment):
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
        named = _is_expected(path.name, expected)
        return not named, not mentions(path.stem, assignment), len(path.parts), paths[index]

    chosen, *others = sorted(notebooks, key=rank)
    graded = paths[chosen]
    if not others:
        only = f"Graded {graded}, the only notebook in your submission."
        return Pick(chosen, "" if _is_expected(PurePosixPath(graded).name, expected) else only)
    return Pick(
        chosen,
        f"Your submission has {len(notebooks)} notebooks; graded {graded} because "
        f"{_reason(PurePosixPath(graded), expected, assignment)}. Not graded: {', '.join(paths[i] for i in others)}. "
        f"Submit only {expected} to avoid this.",
    )
