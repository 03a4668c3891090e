"""A full grade into a folder graded before leaves the results.json of submissions that are no longer in the batch
(a name that changed, a submission a newer export no longer holds). grades.csv, the written pages and the Canvas
import list only the batch; the class report must too, or it counts students that grades.csv does not have."""

import json

from autograder.gradebook.grades import GradesTable, Row
from autograder.output import OutputFolder
from autograder.reports.results import read_batch
from tests.reports.fixtures import SUBMISSIONS


def test_the_report_reads_the_submissions_grades_csv_lists(tmp_path):
    out = OutputFolder(tmp_path / "graded")
    kept, stale = list(SUBMISSIONS)[:2], list(SUBMISSIONS)[2:]
    for name, data in SUBMISSIONS.items():
        out.write_text(name, "results.json", text=json.dumps(data))
    GradesTable({"q": 1.0}, [Row(name, {}, {"q": 1.0}) for name in kept]).write(out)
    assert sorted(s.name for s in read_batch(out.root).submissions) == sorted(kept) and stale


def test_without_grades_csv_every_results_json_is_read(tmp_path):
    out = OutputFolder(tmp_path / "graded")
    for name, data in SUBMISSIONS.items():
        out.write_text(name, "results.json", text=json.dumps(data))
    assert len(read_batch(out.root).submissions) + len(read_batch(out.root).unreadable) == len(SUBMISSIONS)
