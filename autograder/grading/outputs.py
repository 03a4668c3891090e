"""What a batch leaves in its output folder: one results.json per submission, and grades.csv.

results.json is Gradescope's format (see :mod:`autograder.grading.report`) plus, in its top-level ``extra_data``,
where the submission came from (:mod:`autograder.inputs.identity`) and its answers to the written questions. A
regrade (``--question``) replaces only the asked questions' tests in each results.json and their columns in
grades.csv; everything else stays as it was. Every file goes through the output folder's one writer.
"""

from __future__ import annotations

import json
from typing import Any

from autograder.gradebook.grades import GradesError, GradesTable, Row, read_grades
from autograder.grading.batch import BatchOutcome
from autograder.grading.report import parse_test_json, results_json
from autograder.grading.results import SubmissionResult, TestResult
from autograder.grading.submissions import Submission
from autograder.inputs.identity import IDENTITY_COLUMNS
from autograder.output import OutputFolder

RESULTS = "results.json"


def results_data(submission: Submission, result: SubmissionResult, outcome: BatchOutcome) -> dict[str, Any]:
    """The submission's results.json: Gradescope's results, where it came from, and its written answers."""
    data = results_json(result, outcome.max_points, outcome.assignment)
    data["extra_data"] |= submission.origin.extra_data()
    data["extra_data"]["written"] = {qid: answer.as_json() for qid, answer in submission.answers.items()}
    data["extra_data"]["sha256"] = submission.digest
    return data


def _write_results(out: OutputFolder, data: dict[str, Any], name: str) -> None:
    out.write_text(name, RESULTS, text=json.dumps(data, indent=1))


def _row(table: GradesTable, submission: Submission, result: SubmissionResult) -> Row:
    identity = submission.origin.columns() if table.identity else {}
    return Row(submission.name, identity, dict(result.by_question(list(table.questions))))


def write_batch(out: OutputFolder, outcome: BatchOutcome, previous: GradesTable | None) -> GradesTable:
    """Every results.json and grades.csv; written scores merged earlier into `previous` are kept for the same names."""
    identified = any(s.origin.identified for s in outcome.submissions)
    table = GradesTable(dict(outcome.max_points), [], IDENTITY_COLUMNS if identified else ())
    if previous and previous.written:
        table.written, table.count_written = dict(previous.written), previous.count_written
    for submission, result in zip(outcome.submissions, outcome.results):
        _write_results(out, results_data(submission, result, outcome), submission.name)
        row = _row(table, submission, result)
        before = previous.row(submission.name) if previous else None
        row.points |= {q: before.points.get(q) if before else None for q in table.written}
        table.rows.append(row)
    table.write(out)
    return table


def read_results(out: OutputFolder, name: str) -> dict[str, Any] | None:
    """A submission's earlier results.json, if it has one that can be read."""
    try:
        data = json.loads(out.path(name, RESULTS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def graded_before(out: OutputFolder, table: GradesTable) -> set[str]:
    """The submissions of grades.csv whose results.json holds their tests: only these can be regraded in part."""
    return {
        row.submission
        for row in table.rows
        if (data := read_results(out, row.submission)) and isinstance(data.get("tests"), list) and data["tests"]
    }


def recorded_digest(out: OutputFolder, name: str) -> str | None:
    """The SHA-256 of the notebook a submission's results.json was graded from (None when it records none)."""
    digest = ((read_results(out, name) or {}).get("extra_data") or {}).get("sha256")
    return digest if isinstance(digest, str) else None


def recorded_assignment(out: OutputFolder) -> str | None:
    """The assignment the folder was graded with, as its results.json files record it (None when none does)."""
    try:
        rows = read_grades(out).rows
    except GradesError:
        return None
    for row in rows:
        name = ((read_results(out, row.submission) or {}).get("extra_data") or {}).get("assignment")
        if isinstance(name, str):
            return name
    return None


def _replace(old: list[TestResult], new: list[TestResult], asked: list[str]) -> list[TestResult]:
    """The old tests with each asked question's tests replaced by the new ones, where the old ones were."""
    merged: list[TestResult] = []
    for test in old:
        if test.question not in asked:
            merged.append(test)
        elif not any(t.question == test.question for t in merged):
            merged += [t for t in new if t.question == test.question]
    return merged + [t for t in new if not any(m.question == t.question for m in merged)]


def write_regrade(
    out: OutputFolder, outcome: BatchOutcome, asked: list[str], partial: set[str], table: GradesTable
) -> GradesTable:
    """Merge a regrade into the folder: for submissions in `partial`, only the `asked` questions change."""
    table.questions |= {q: outcome.max_points[q] for q in asked}
    for submission, result in zip(outcome.submissions, outcome.results):
        data = read_results(out, submission.name) if submission.name in partial else None
        merged = data is not None and not result.problem
        if merged:
            result.tests = _replace([parse_test_json(t) for t in data["tests"]], result.tests, asked)
        _write_results(out, results_data(submission, result, outcome), submission.name)
        row = table.row(submission.name)
        if row is None:
            row = _row(table, submission, result)
            row.points |= {q: None for q in table.written}
            table.rows.append(row)
        else:
            scores = result.by_question(list(outcome.max_points))
            row.points |= {q: scores[q] for q in (asked if merged else outcome.max_points)}
            if not merged and table.identity:  # graded in full: who and when are the notebook's graded now
                row.identity = submission.origin.columns()
    table.write(out)
    return table
