"""Give every submission of a batch its own name, safe as a folder name and as a spreadsheet cell.

A name is derived from the submission's own path (never a link's target), reduced to letters, digits, '-', '_' and
'+', never starting with anything a spreadsheet would read as a formula. It holds no '.', so it can never be one of
the batch's own files (grades.csv, report.html, ...), and never reads as grades.csv's `Points Possible` row.
Names are compared as a case-insensitive file system would; a name that is taken is never handed out again, so
one submission can never overwrite another's results.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence

from autograder.inputs.tree import display

MAX_NAME = 80
FALLBACK = "submission"
_RESERVED = {"pointspossible", "con", "prn", "aux", "nul"} | {f"{d}{n}" for d in ("com", "lpt") for n in range(10)}
_UNSAFE = re.compile(r"[^\w+-]|_", re.UNICODE)  # '_' joins the class so runs of it collapse below
_LEADING = "_-+"


def safe_name(text: str) -> str:
    """`text` as a name: other characters become '_', no leading '-' or '+', at most MAX_NAME characters."""
    text = unicodedata.normalize("NFKC", display(text))
    name = re.sub(r"_+", "_", _UNSAFE.sub("_", text)).strip(_LEADING)[:MAX_NAME].rstrip(_LEADING)
    return name or FALLBACK


def _key(name: str) -> str:
    return name.casefold()


def reserved(name: str) -> bool:
    """Names the batch's own rows or the operating system claim."""
    return re.sub(r"[_+-]", "", name.casefold()) in _RESERVED


def unique_names(items: Sequence[tuple[str, str]]) -> list[str]:
    """One distinct name per (label, context): the label alone when no other shares it, else context-label.

    `label` is what the submission is called (a notebook's file name without .ipynb, a student's name); `context`
    tells apart those that share it (the folder, the LMS's submission id). A name already handed out, or claimed
    by a label that is unique on its own, is never given again: a numbered suffix is added until the name is free.
    """
    labels = [safe_name(label) for label, _ in items]
    counts = Counter(_key(n) for n in labels)
    names: list[str | None] = [n if counts[_key(n)] == 1 and not reserved(n) else None for n in labels]
    taken = {_key(n) for n in names if n}
    for i, (label, context) in enumerate(items):
        if names[i] is None:
            base = safe_name(f"{context}-{label}")
            name, number = base, 1
            while _key(name) in taken or reserved(name):
                number += 1
                name = f"{base}-{number}"
            names[i] = name
            taken.add(_key(name))
    return [n for n in names if n]
