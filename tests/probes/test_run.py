"""Probe outcomes: one record, one wire form, and a reader that trusts nothing a worker sends."""

import pytest

from autograder import wire
from autograder.probes.run import ProbeOutcome, run_probe
from autograder.worker.execute import CellOutcome, run_cell
from tests.calls import ASSIGNMENT as CALLS


def test_a_probe_outcome_survives_the_wire():
    outcome = ProbeOutcome({"x": [1.0]}, forbidden=("torch.optim.Adam",))
    assert ProbeOutcome.from_wire(wire.decode(wire.encode(outcome.to_wire()))) == outcome
    failed = ProbeOutcome(error="your code raised ValueError: no")
    assert ProbeOutcome.from_wire(wire.decode(wire.encode(failed.to_wire()))) == failed


@pytest.mark.parametrize(
    "message",
    [
        None,
        {"result": {}},
        {"result": {}, "error": "both", "forbidden": []},
        {"result": None, "error": None, "forbidden": []},
        {"result": [], "error": None, "forbidden": []},
        {"result": None, "error": 3, "forbidden": []},
        {"result": {}, "error": None, "forbidden": "torch.optim.Adam"},
        {"result": {}, "error": None, "forbidden": [], "extra": 1},
    ],
)
def test_anything_else_from_a_worker_is_refused(message):
    with pytest.raises(ValueError):
        ProbeOutcome.from_wire(message)


def test_student_errors_become_sentences_with_the_line_of_their_cell():
    namespace: dict = {}
    run_cell("def worker_helper(x):\n    raise ValueError('bad input')\n", namespace, 4)
    outcome = run_probe(CALLS, namespace, "worker_test_call", {"name": "worker_helper", "x": [1.0]})
    assert outcome.result is None
    assert outcome.error == "your code raised ValueError (line 2 of worker_helper): bad input"
    missing = run_probe(CALLS, {}, "worker_test_call", {"name": "nowhere", "x": [1.0]})
    assert missing.error == "nowhere is not defined at the top level of your notebook"


def test_cell_outcomes_from_a_worker_are_checked_and_capped():
    assert CellOutcome.from_json({"cell": 2, "status": "timeout", "message": "x" * 5000}).message == "x" * 2000
    for bad in ({"cell": 1, "status": "fine"}, {"cell": "1", "status": "ok"}, ["ok"]):
        with pytest.raises(ValueError):
            CellOutcome.from_json(bad)
