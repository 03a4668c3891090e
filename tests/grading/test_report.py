"""results.json follows Gradescope's format (grades.csv's layout: tests/gradebook/test_grades_table.py)."""

import json

from autograder.assignment import load
from autograder.grading.api import Mistake
from autograder.grading.report import parse_test_json, results_json
from autograder.grading.results import SubmissionResult, TestResult
from autograder.worker.execute import CellOutcome

MAX = {"init": 2.0, "adam": 3.0}
ASSIGNMENT = load("optim_reg")
EPS_INSIDE = Mistake("adam.eps_inside", "eps is added inside the square root")


def sample() -> SubmissionResult:
    tests = [
        TestResult("init", "fans of a conv shape", 2.0, 2.0, "visible"),
        TestResult("adam", "one step", 1.0, 1.0, "visible"),
        TestResult("adam", "tiny gradients", 0.0, 2.0, "after_published", "eps is added inside the square root",
                   mistake=EPS_INSIDE),
    ]  # fmt: skip
    cells = [CellOutcome(3, "error", "NameError", "NameError (line 2): name 'x'")]
    return SubmissionResult("alice", tests, cells, seconds=1.234)


def results(result: SubmissionResult) -> dict:
    return results_json(result, MAX, ASSIGNMENT)


def test_results_json_has_gradescope_fields_and_visibility():
    data = results(sample())
    assert data["score"] == 3.0 and data["execution_time"] == 1.23
    assert data["stdout_visibility"] == "hidden"
    hidden = data["tests"][2]
    assert hidden == {
        "name": "[adam] tiny gradients", "number": "2.3", "score": 0.0, "max_score": 2.0, "status": "failed",
        "output": "eps is added inside the square root", "visibility": "after_published", "tags": ["adam"],
        "extra_data": {"question": "adam", "mistake": {"id": "adam.eps_inside", "text": EPS_INSIDE.text}},
    }  # fmt: skip
    assert data["tests"][0]["extra_data"] == {"question": "init"}, "no mistake when none was recognised"
    assert {t["visibility"] for t in data["tests"][:2]} == {"visible"}
    assert data["extra_data"]["assignment"] == "optim_reg"
    assert data["extra_data"]["cells"] == [
        {"cell": 3, "status": "error", "error_type": "NameError", "message": "NameError (line 2): name 'x'"}
    ]


def test_a_submission_result_survives_its_json_form():
    result = sample()
    assert SubmissionResult.from_json(json.loads(json.dumps(result.to_json()))) == result


def test_summary_tells_public_checks_and_failing_cells_but_not_hidden_scores_before_publishing():
    output = results(sample())["output"]
    assert output.startswith("Public checks: 3/3 points.\nEvery public check passed.")
    assert "Code cell 3 raised “NameError (line 2): name 'x'”" in output  # the submission's own text, quoted
    assert (
        "Hidden tests (2 points) ran too; your score and their results are shown after grades are published." in output
    )
    assert "[adam]" not in output and "/5" not in output


def test_without_hidden_tests_the_summary_gives_the_score_and_where_points_were_lost():
    result = sample()
    result.tests = [t for t in result.tests if t.visibility == "visible"]
    result.tests[1].points = 0.0
    output = results(result)["output"]
    assert output.startswith("Score 2/5.\nPoints were lost on [adam]")


def test_a_worker_that_stopped_part_way_is_explained():
    result = sample()
    result.stopped = "the worker running your notebook stopped responding"
    assert (
        "Grading stopped early: the worker running your notebook stopped responding"
        in results(result)["output"]
    )


def test_an_ungradable_submission_gets_zero_and_the_reason():
    data = results(SubmissionResult("bob", problem="The file is empty."))
    assert data["score"] == 0 and data["tests"] == []
    assert data["output"] == "Score 0/5: this submission could not be graded. The file is empty."


def test_a_test_read_back_from_results_json_is_the_test_that_was_written():
    """A regrade keeps the tests it does not redo by reading them back from results.json, with the mistake and the
    forbidden calls that cost them (the class report counts both)."""
    result = sample()
    result.tests.append(
        TestResult("adam", "trajectories", 0.0, 2.0, "after_published", "adam_update called torch.optim.Adam",
                   forbidden=["torch.optim.Adam"])
    )  # fmt: skip
    for entry, test in zip(results(result)["tests"], result.tests, strict=True):
        assert parse_test_json(entry) == test
