"""Probe outcomes: one record, one stored form; student failures become sentences, grader faults propagate."""

import pytest

from autograder import wire
from autograder.probes.proxy import LocalTarget
from autograder.probes.run import ProbeOutcome, run_probe
from autograder.worker.execute import CellOutcome, run_cell
from tests.calls import ASSIGNMENT as CALLS


def test_a_probe_outcome_survives_the_wire():
    outcome = ProbeOutcome({"x": [1.0]}, forbidden=("torch.optim.Adam",), tampered=("t",), inputs=("abc",))
    assert ProbeOutcome.from_wire(wire.decode(wire.encode(outcome.to_wire()))) == outcome
    failed = ProbeOutcome(error="your code raised ValueError: no")
    assert ProbeOutcome.from_wire(wire.decode(wire.encode(failed.to_wire()))) == failed


@pytest.mark.parametrize(
    "message",
    [
        None,
        {"result": {}},
        {"result": {}, "error": "both", "forbidden": [], "tampered": [], "inputs": []},
        {"result": None, "error": None, "forbidden": [], "tampered": [], "inputs": []},
        {"result": [], "error": None, "forbidden": [], "tampered": [], "inputs": []},
        {"result": None, "error": 3, "forbidden": [], "tampered": [], "inputs": []},
        {"result": {}, "error": None, "forbidden": "torch.optim.Adam", "tampered": [], "inputs": []},
        {"result": {}, "error": None, "forbidden": [], "tampered": [], "inputs": [], "extra": 1},
    ],
)
def test_anything_else_stored_is_refused(message):
    with pytest.raises(ValueError):
        ProbeOutcome.from_wire(message)


def test_student_errors_become_sentences_with_the_line_of_their_cell():
    namespace: dict = {}
    run_cell("def worker_helper(x):\n    raise ValueError('bad input')\n", namespace, 4)
    outcome = run_probe(CALLS, LocalTarget(namespace), "worker_test_call", {"name": "worker_helper", "x": [1.0]})
    assert outcome.result is None
    assert outcome.error == "your code raised ValueError (line 2 of worker_helper): “bad input”"
    missing = run_probe(CALLS, LocalTarget({}), "worker_test_call", {"name": "nowhere", "x": [1.0]})
    assert missing.error == "nowhere is not defined at the top level of your notebook"


def test_a_fault_of_the_grader_propagates():
    with pytest.raises(TypeError):
        run_probe(CALLS, LocalTarget({}), "worker_test_call", {"name": "nowhere", "no_such_param": 1})


def test_cell_outcomes_from_a_worker_are_checked_capped_and_made_one_line():
    long = CellOutcome.from_json({"cell": 2, "status": "timeout", "message": "x" * 5000})
    assert len(long.message) == 500
    forged = CellOutcome.from_json({"cell": 2, "status": "error", "error_type": "E\nScore", "message": "a\nScore 100"})
    assert "\n" not in forged.error_type + forged.message
    for bad in ({"cell": 1, "status": "fine"}, {"cell": "1", "status": "ok"}, ["ok"]):
        with pytest.raises(ValueError):
            CellOutcome.from_json(bad)
