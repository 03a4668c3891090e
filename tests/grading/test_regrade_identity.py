"""A submission graded in full by a regrade (its notebook changed: a resubmission in a newer export) gets the identity
columns of the notebook now graded (its new submission time), not those of the one graded before."""

from autograder.gradebook.grades import read_grades
from autograder.grading.outputs import write_batch, write_regrade
from autograder.inputs.identity import Origin, Submitter
from tests.grading.test_outputs import ALICE, OutputFolder, outcome


def test_a_fully_regraded_submission_gets_its_new_identity(tmp_path):
    out = OutputFolder(tmp_path)
    write_batch(out, outcome(), previous=None)
    resubmitted = outcome()
    later = Origin(ALICE.source.replace("submission_1", "submission_9"), (Submitter("Alice", "a@x.edu", "S1"),),
                   "2026-12-01T08:00:00")  # fmt: skip
    resubmitted.submissions[0] = resubmitted.submissions[0].__class__(
        "alice", later, cells=("x = 2",), answers=resubmitted.submissions[0].answers
    )
    write_regrade(out, resubmitted, ["adam"], set(), read_grades(out))
    assert read_grades(out).row("alice").identity["submitted_at"] == "2026-12-01T08:00:00"
