"""The run-time recorder of forbidden calls reads each assignment's own list: one assignment's names never cost
another's students, and only calls made from student code count."""

from pathlib import Path

from autograder.assignment import choose, load
from autograder.probes.forbidden import recording
from autograder.worker.execute import run_cell

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "course"


def test_each_assignment_records_its_own_names_only():
    optim_reg, toy = load("optim_reg"), choose("toy", FIXTURE)
    namespace: dict = {}
    cell = "import torch\ndef both(x):\n    torch.nn.init.zeros_(x)\n    return torch.relu(x)\n"
    assert run_cell(cell, namespace, 1).status == "ok"
    with recording(optim_reg.forbidden) as calls_optim_reg:
        namespace["both"](__import__("torch").ones(2))
    with recording(toy.forbidden) as calls_toy:
        namespace["both"](__import__("torch").ones(2))
    assert calls_optim_reg == ["torch.nn.init.zeros_"] and calls_toy == ["torch.relu"]


def test_library_code_calling_a_forbidden_function_is_not_the_students():
    import torch

    with recording(load("optim_reg").forbidden) as calls:
        torch.nn.Linear(3, 3)  # initialises itself with torch.nn.init: not student code
        torch.nn.functional.dropout(torch.ones(3), 0.5)  # called from this test file, not a notebook cell
    assert calls == []
