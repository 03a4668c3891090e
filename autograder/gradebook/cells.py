"""Spreadsheet cells that are only ever data: CSV text no spreadsheet reads as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> str:
    """Text for one cell; text a spreadsheet would evaluate gets a leading apostrophe (shown as text)."""
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_START) else text


def points(value: float | None) -> str:
    """Points as grades.csv writes them: 12, 12.5; empty when not scored."""
    return "" if value is None else f"{value + 0.0:g}"  # + 0.0 turns -0.0 into 0


def csv_text(rows: Iterable[Iterable[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return buffer.getvalue()
