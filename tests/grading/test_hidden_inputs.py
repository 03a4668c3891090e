"""Public tests never send an input of a hidden test, for every assignment (issue 12 item 6).

The plugin records a digest of every input each test sends to student code (a call's arguments, a chain of calls
as one input); public tests run first, in their own phase. Here every assignment's graders run on its solution
and the inputs of public tests must be disjoint from those of hidden tests: nothing a hidden test asks can reach
the worker, hence the visible feedback, before grades are published.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from autograder.assignment import Assignment, choose, load
from autograder.grading.implementations import reference
from autograder.grading.plugin import run_plugin
from tests.grading.inprocess import in_process

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "course"


def _assignments() -> list[Assignment]:
    return [load("optim_reg"), load("norm_sched"), choose("toy", FIXTURE)]


@pytest.mark.parametrize("assignment", _assignments(), ids=lambda a: a.name)
def test_public_tests_send_no_input_of_a_hidden_test(assignment: Assignment):
    nb = nbformat.read(assignment.solution_notebook, as_version=4)
    solution = in_process([c.source for c in nb.cells if c.cell_type == "code"], assignment)
    plugin = run_plugin(assignment, solution, reference(assignment))
    recorded = plugin._student.inputs
    public = {d for phase, digests in recorded.values() if phase == "visible" for d in digests}
    hidden = {d for phase, digests in recorded.values() if phase != "visible" for d in digests}
    assert public and hidden, "every assignment has public and hidden tests that call student code"
    shared = {test for test, (phase, digests) in recorded.items() if phase == "visible" and digests & hidden}
    assert not shared, f"public tests that send an input a hidden test sends too: {sorted(shared)}"


@pytest.mark.parametrize("name", ["optim_reg", "norm_sched"])
def test_public_tests_run_before_any_hidden_test(name: str):
    assignment = load(name)
    nb = nbformat.read(assignment.solution_notebook, as_version=4)
    solution = in_process([c.source for c in nb.cells if c.cell_type == "code"], assignment)
    plugin = run_plugin(assignment, solution, reference(assignment))
    phases = [phase for phase, _ in plugin._student.inputs.values()]
    assert phases == sorted(phases, key=lambda p: p != "visible"), phases
