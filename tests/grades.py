"""One way to read what `autograder grade` wrote: grades.csv as numbers, by submission."""

from __future__ import annotations

import csv
from pathlib import Path


def read_grades(out: Path) -> dict[str, dict[str, float]]:
    """``out/grades.csv``: submission -> column -> points (``Points Possible`` holds each maximum)."""
    with (out / "grades.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return {row["submission"]: {k: float(v) for k, v in row.items() if k != "submission"} for row in rows}
