"""A Canvas gradebook export as Canvas writes it, and a re-import that applies a CSV the way Canvas's importer does."""

from __future__ import annotations

import csv
import io
from pathlib import Path

HEADER = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Quiz 1 (1001)", "Current Score", "Final Score"]
STUDENTS = [
    ["Smith, Alice", "3401", "S1001", "asmith", "DL-01"],
    ["Jones, Bob", "3402", "S1002", "bjones", "DL-01"],
    ["Diaz, Carol", "3403", "S1003", "cdiaz", "DL-02"],
    ["Lee, Dan", "3404", "S1004", "dlee", "DL-02"],
    ["Student, Test", "3499", "", "test_student", "DL-01"],
]


def write_roster(path: Path) -> Path:
    """Canvas's export: a UTF-8 BOM, read-only columns, a Points Possible row, the test student."""
    rows = [HEADER, ["    Points Possible", "", "", "", "", "10.00", "(read only)", "(read only)"]]
    rows += [[*s, "7.00", "70.00", "70.00"] for s in STUDENTS]
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path.write_text("\ufeff" + buffer.getvalue(), encoding="utf-8")
    return path


def reimport(gradebook: dict[str, dict[str, str]], csv_path: Path) -> dict[str, dict[str, str]]:
    """Apply an import CSV to a gradebook (by Canvas user id) as Canvas does: rows matched by ID, else SIS User ID,
    else SIS Login ID; the Points Possible row and empty cells change nothing; a new column is a new assignment."""
    rows = list(csv.DictReader(io.StringIO(csv_path.read_text(encoding="utf-8-sig"))))
    updated = {k: dict(v) for k, v in gradebook.items()}
    for row in rows:
        if row["Student"].strip() == "Points Possible":
            continue
        match = next(
            (uid for uid, s in gradebook.items() for key in ("ID", "SIS User ID", "SIS Login ID")
             if row[key] and s[key] == row[key]),
            None,
        )  # fmt: skip
        assert match is not None, f"Canvas would reject the row {row}"
        for column, value in row.items():
            if column not in ("Student", "ID", "SIS User ID", "SIS Login ID", "Section") and value != "":
                updated[match][column] = value
    return updated


def gradebook() -> dict[str, dict[str, str]]:
    return {s[1]: dict(zip(HEADER[:5], s)) for s in STUDENTS}
