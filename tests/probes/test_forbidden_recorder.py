"""The run-time recorder of forbidden calls: every entry point an assignment's list names is recorded while the
grader calls student code, whoever invokes it (a helper, a lambda, torch itself on the student's behalf), and the
grader keeps the names of the assignment graded: one assignment's names never cost another's students."""

from pathlib import Path

from autograder.assignment import choose, load
from autograder.probes.proxy import LocalTarget
from autograder.probes.run import run_probe
from autograder.worker import recorder
from autograder.worker.execute import run_cell
from tests.calls import ASSIGNMENT as CALLS

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "course"


def _installed(*assignments):
    for assignment in assignments:
        recorder.install(assignment.forbidden.names, assignment.forbidden.allowed)


def test_each_assignment_keeps_its_own_names_only():
    optim_reg, toy = load("optim_reg"), choose("toy", FIXTURE)
    _installed(optim_reg, toy)
    namespace: dict = {}
    cell = "import torch\ndef adam_update(x, *rest, **kw):\n    torch.nn.init.zeros_(x)\n    return torch.relu(x), x, x\n"
    assert run_cell(cell, namespace, 1).status == "ok"
    seen_by_calls = run_probe(CALLS, LocalTarget(namespace), "forbidden_test_adam", {}).forbidden
    assert seen_by_calls == ("torch.nn.init.zeros_",)  # CALLS forbids what optim_reg forbids, not torch.relu


def test_any_route_during_a_call_is_recorded_and_nothing_outside_one():
    _installed(CALLS)
    import torch

    namespace: dict = {}
    cell = (
        "import torch\nopt_cls = getattr(torch, 'op' + 'tim').Adam\n"
        "_make = compile('lambda p: opt_cls([p])', 'library_looking_name.py', 'eval')\n"
        "def adam_update(p, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):\n"
        "    p = p.clone().requires_grad_(True)\n    p.grad = g.clone()\n    opt = eval(_make)(p)\n"
        "    opt.step()\n    return p.detach(), m, v\n"
    )
    assert run_cell(cell, namespace, 1).status == "ok"
    outcome = run_probe(CALLS, LocalTarget(namespace), "forbidden_test_adam", {})
    assert outcome.forbidden[0] == "torch.optim.Adam"  # then Adam.step's own functional adam
    assert outcome.error is None and "p" in outcome.result
    with recorder.recording() as outside:
        pass
    torch.nn.Linear(3, 3)  # outside any call of student code: never recorded
    assert outside == []

    from solutions import optim_reg

    assert run_probe(CALLS, LocalTarget(vars(optim_reg)), "forbidden_test_adam", {}).forbidden == ()
