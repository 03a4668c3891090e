"""Calls to library versions of what students must write are found in the source and caught at run time."""

from autograder.assignment import load
from autograder.grading.forbidden import forbidden_references
from autograder.probes.run import run_probe
from autograder.worker.execute import run_cell
from tests.calls import ASSIGNMENT as CALLS

OPTIM_REG = load("optim_reg")


def test_static_scan_resolves_aliases_per_question():
    source = (
        "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\nfrom torch.optim import Adam\n"
        "from torch.nn import init\n"
        "def adam_update(p, g, m, v, t):\n    return Adam([p]), m, v\n"
        "def dropout_forward(x, p, training=True, generator=None):\n    return F.dropout(x, p), None\n"
        "class Dropout(nn.Module):\n    def forward(self, x):\n        return nn.Dropout(0.5)(x)\n"
        "def he_normal(shape, mode='fan_in', generator=None):\n    return init.kaiming_normal_(torch.empty(shape))\n"
        "def sgd_momentum_update(p, g, v, lr=0.01, beta=0.9):\n    return p - lr * v, torch.bernoulli(v)\n"
        "def helper():\n    return torch.optim.SGD\n"
    )
    assert forbidden_references(source, OPTIM_REG) == {
        "adam": ["torch.optim.Adam"],
        "dropout": ["torch.nn.functional.dropout", "torch.nn.Dropout"],
        "init": ["torch.nn.init.kaiming_normal_"],
    }


def test_subclassing_optimizer_and_unparsable_sources_are_fine():
    source = "import torch\nclass EarlyStopping(torch.optim.Optimizer):\n    pass\n"
    assert forbidden_references(source, OPTIM_REG) == {}
    assert forbidden_references("def f(:\n", OPTIM_REG) == {}


def test_calls_from_student_code_are_recorded_at_run_time_but_torch_internals_are_not():
    namespace: dict = {}
    cell = (
        "import torch\nopt_cls = getattr(torch, 'op' + 'tim').Adam\n"
        "def adam_update(p, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):\n"
        "    p = p.clone().requires_grad_(True)\n    p.grad = g.clone()\n    opt = opt_cls([p], lr=lr)\n"
        "    opt.step()\n    torch.nn.Linear(3, 3)\n    return p.detach(), m, v\n"
    )
    assert run_cell(cell, namespace, 1).status == "ok"
    outcome = run_probe(CALLS, namespace, "forbidden_test_adam", {})
    assert outcome.forbidden == ("torch.optim.Adam",)
    assert outcome.error is None and "p" in outcome.result

    from solutions import optim_reg

    assert run_probe(CALLS, vars(optim_reg), "forbidden_test_adam", {}).forbidden == ()
