"""Written grading around a graded folder: pages and a blank sheet out (`autograder written`), scores back in
(`autograder grade --written-scores`).

The answers come from each submission's results.json (`extra_data.written`, recorded when it was graded), so the
pages need neither the notebooks nor the inputs again.
"""

from __future__ import annotations

import json
from pathlib import Path

from autograder.authoring.written import WrittenQuestion
from autograder.gradebook.grades import GradesTable, read_grades
from autograder.output import OutputFolder
from autograder.written.answers import Answer
from autograder.written.pages import page_name, render_page
from autograder.written.scores import (
    WRITTEN_SCORES,
    anonymous_ids,
    blank_sheet,
    extended_sheet,
    has_scores,
    read_scores,
    sheet_ids,
)


class NoAnswers(ValueError):
    """The graded folder holds no recorded answers; the message says what to do."""


def collect_answers(out: OutputFolder, questions: list[WrittenQuestion]) -> dict[str, dict[str, Answer]]:
    """Every graded submission's answers, by submission (in grades.csv's order) and question."""
    collected = {}
    for row in read_grades(out).rows:
        path = out.path(row.submission, "results.json")
        try:
            extra = json.loads(path.read_text(encoding="utf-8")).get("extra_data", {})
        except (OSError, ValueError, AttributeError) as exc:
            raise NoAnswers(f"{path} could not be read ({exc}); grade the submissions into {out.root} again.") from None
        if "written" not in extra:
            raise NoAnswers(f"{path} records no written answers; grade the submissions into {out.root} again.")
        written = extra["written"] if isinstance(extra["written"], dict) else {}
        collected[row.submission] = {q.id: Answer.from_json(written.get(q.id)) for q in questions}
    return collected


def write_written(
    out: OutputFolder, assignment: str, questions: list[WrittenQuestion], show_names: bool = False
) -> tuple[list[Path], str]:
    """One page per question and written_scores.csv (kept if it already holds scores); the pages and a sentence."""
    answers = collect_answers(out, questions)
    sheet = out.path(WRITTEN_SCORES)
    kept = has_scores(sheet)
    ids = anonymous_ids(list(answers), sheet_ids(sheet) if kept else None)
    pages = [
        out.write_text(
            page_name(q), text=render_page(q, assignment, {n: a[q.id] for n, a in answers.items()}, show_names, ids)
        )
        for q in questions
    ]
    if kept:
        out.write_text(WRITTEN_SCORES, text=extended_sheet(sheet, questions, ids))
        return pages, (
            f"{sheet} already holds scores, so it was kept (submissions new to it got rows of their own, and every "
            "answer keeps its id); delete it to start a blank one."
        )
    out.write_text(WRITTEN_SCORES, text=blank_sheet(questions, list(answers)))
    return pages, f"Fill in {sheet}, then merge it: autograder grade --out {out.root} --written-scores {sheet}"


def merge_written(table: GradesTable, questions: list[WrittenQuestion], sheet: Path, count: bool) -> GradesTable:
    """grades.csv with the sheet's scores in their own columns; in `total` only when `count`."""
    scores = read_scores(sheet, questions, [r.submission for r in table.rows])
    table.written = {q.id: q.points for q in questions}
    table.count_written = count
    for row in table.rows:
        for question in questions:
            row.points.setdefault(question.id, None)
        row.points.update(scores.get(row.submission, {}))
    return table
