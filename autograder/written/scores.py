"""written_scores.csv: the sheet graders fill in, one row per submission and one column per written question.

Rows are in the order of the anonymous answer ids the pages show (`answer_id`), so a grader reading the page of one
question fills in one column from top to bottom. Merging checks every cell before anything is merged: a score must be
a number from 0 to the question's points, or empty (not scored yet).
"""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

from autograder.authoring.written import WrittenQuestion
from autograder.gradebook.cells import csv_text, points
from autograder.gradebook.grades import POINTS_POSSIBLE

WRITTEN_SCORES = "written_scores.csv"
ANSWER_ID = "answer_id"


class WrittenScoresError(ValueError):
    """The filled-in sheet cannot be merged; str() lists every cell to fix."""


def anonymous_ids(submissions: list[str]) -> dict[str, str]:
    """A stable id per submission ("A007") in an order that tells nothing about names (their SHA-256)."""
    ordered = sorted(submissions, key=lambda s: hashlib.sha256(s.encode()).hexdigest())
    width = max(3, len(str(len(ordered))))
    return {s: f"A{i:0{width}d}" for i, s in enumerate(ordered, start=1)}


def blank_sheet(questions: list[WrittenQuestion], submissions: list[str]) -> str:
    ids = anonymous_ids(submissions)
    rows = [
        [ANSWER_ID, "submission", *(q.id for q in questions)],
        ["", POINTS_POSSIBLE, *(points(q.points) for q in questions)],
    ]
    rows += [[ids[s], s, *("" for _ in questions)] for s in sorted(submissions, key=ids.__getitem__)]
    return csv_text(rows)


def has_scores(path: Path) -> bool:
    """True when a sheet at `path` already holds any score (it must not be overwritten)."""
    if not path.is_file():
        return False
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    return any(value.strip() for row in rows[2:] for value in row[2:])


def read_scores(
    path: Path, questions: list[WrittenQuestion], submissions: list[str]
) -> dict[str, dict[str, float | None]]:
    """The scores by submission and question; WrittenScoresError naming every cell that is wrong."""
    try:
        reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")))
        rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise WrittenScoresError(f"{path} could not be read ({exc}).") from None
    maxima = {q.id: q.points for q in questions}
    header = reader.fieldnames or []
    errors = [f"{path} has no column {q}." for q in maxima if q not in header]
    errors += [f"{path} has a column {c} that is not a written question ({', '.join(maxima)})."
               for c in header if c not in (ANSWER_ID, "submission", *maxima)]  # fmt: skip
    if "submission" not in header:
        errors.append(f"{path} has no submission column; start from the sheet `autograder written` wrote.")
    scores: dict[str, dict[str, float | None]] = {}
    for line, row in enumerate(rows, start=2):
        name = (row.get("submission") or "").strip()
        if name == POINTS_POSSIBLE or "submission" not in header:
            continue
        if name not in submissions:
            errors.append(f"{path}, line {line}: {name!r} is not a submission of this batch.")
            continue
        if name in scores:
            errors.append(f"{path}, line {line}: {name} is listed twice.")
        scores[name] = {}
        for qid, most in maxima.items():
            text = (row.get(qid) or "").strip()
            try:
                value = float(text) if text else None
            except ValueError:
                value = -1.0
            if value is not None and not 0 <= value <= most:
                errors.append(f"{path}, line {line}, {qid}: {text!r} is not a score from 0 to {points(most)}.")
            scores[name][qid] = value
    if errors:
        raise WrittenScoresError("\n".join(errors))
    return scores
