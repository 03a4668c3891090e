"""written_scores.csv: the sheet graders fill in, one row per submission and one column per written question.

Rows are in the order of the anonymous answer ids the pages show (`answer_id`), so a grader reading the page of one
question fills in one column from top to bottom. Merging checks every cell before anything is merged: a score must be
a number from 0 to the question's points, or empty (not scored yet).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Mapping
from pathlib import Path

from autograder.authoring.written import WrittenQuestion
from autograder.gradebook.cells import csv_text, points
from autograder.gradebook.grades import POINTS_POSSIBLE

WRITTEN_SCORES = "written_scores.csv"
ANSWER_ID = "answer_id"
_ID = re.compile(r"A\d+")


class WrittenScoresError(ValueError):
    """The filled-in sheet cannot be merged; str() lists every cell to fix."""


def anonymous_ids(submissions: list[str], kept: Mapping[str, str] | None = None) -> dict[str, str]:
    """An id per submission ("A007") in an order that tells nothing about names (their SHA-256).

    Ids in `kept` (a sheet's, by submission) stay with their submissions: a grader may already have filled in rows
    by them. The others are numbered after the highest kept id.
    """
    kept = {s: i for s, i in (kept or {}).items() if _ID.fullmatch(i)}
    numbers = [int(i[1:]) for i in kept.values()]  # an id a removed submission keeps in the sheet is never reused
    kept = {s: i for s, i in kept.items() if s in submissions}
    new = sorted((s for s in submissions if s not in kept), key=lambda s: hashlib.sha256(s.encode()).hexdigest())
    width = max(3, len(str(len(submissions))))
    start = max(numbers, default=0) + 1
    return kept | {s: f"A{n:0{width}d}" for n, s in enumerate(new, start=start)}


def id_order(answer_id: str) -> tuple[int, str]:
    """Sorts ids by their number (A999 before A1000)."""
    return len(answer_id), answer_id


def _rows(questions: list[WrittenQuestion], ids: Mapping[str, str]) -> list[list[str]]:
    return [[ids[s], s, *("" for _ in questions)] for s in sorted(ids, key=lambda s: id_order(ids[s]))]


def blank_sheet(questions: list[WrittenQuestion], submissions: list[str]) -> str:
    rows = [
        [ANSWER_ID, "submission", *(q.id for q in questions)],
        ["", POINTS_POSSIBLE, *(points(q.points) for q in questions)],
    ]
    return csv_text(rows + _rows(questions, anonymous_ids(submissions)))


def _sheet_text(path: Path) -> str:
    """A filled-in sheet's text; WrittenScoresError saying how to save it when it is not UTF-8."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise WrittenScoresError(
            f"{path} is not UTF-8 text, so it was left as it is: save it from the spreadsheet as 'CSV UTF-8'."
        ) from None


def sheet_ids(path: Path) -> dict[str, str]:
    """The answer id each submission has in the sheet at `path`; the first id wins if one is listed twice."""
    rows = csv.DictReader(io.StringIO(_sheet_text(path)))
    ids: dict[str, str] = {}
    for row in rows:
        name, answer_id = (row.get("submission") or "").strip(), (row.get(ANSWER_ID) or "").strip()
        if name and answer_id and name not in ids and answer_id not in ids.values():
            ids[name] = answer_id
    return ids


def extended_sheet(path: Path, questions: list[WrittenQuestion], ids: Mapping[str, str]) -> str:
    """The sheet at `path`, untouched, with a blank row added for each submission of `ids` it does not list."""
    text = _sheet_text(path)
    listed = sheet_ids(path)
    added = _rows(questions, {s: i for s, i in ids.items() if s not in listed})
    if not added:
        return text
    return text + ("" if text.endswith("\n") else "\r\n") + csv_text(added)


def has_scores(path: Path) -> bool:
    """True when a sheet at `path` already holds any score (it must not be overwritten)."""
    if not path.is_file():
        return False
    rows = list(csv.reader(io.StringIO(_sheet_text(path))))
    return any(value.strip() for row in rows[2:] for value in row[2:])


def read_scores(
    path: Path, questions: list[WrittenQuestion], submissions: list[str]
) -> dict[str, dict[str, float | None]]:
    """The scores by submission and question; WrittenScoresError naming every cell that is wrong."""
    try:
        reader = csv.DictReader(io.StringIO(_sheet_text(path)))
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
