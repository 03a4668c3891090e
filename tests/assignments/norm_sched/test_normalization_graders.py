"""The hidden graders of [batchnorm], [layernorm] and [training] against trusted notebooks.

- the solution notebook gets full points on the three questions, the template none;
- each realistic single bug (one function's source replaced in the solution's cells) loses points on its own
  question only, and the feedback names the mistake;
- correct alternatives keep full points.

Everything runs in this process (tests/grading/inprocess.py), graded only by the modules of the question at stake.
[training] trains three networks per notebook, so only a few notebooks are graded on it.
"""

from __future__ import annotations

import nbformat
import pytest

from autograder.assignment import load
from autograder.grading.results import TestResult
from tests.edit import code_cells, solution_cells, with_definitions
from tests.grading.inprocess import grade_in_process, scores_by_question

NORM_SCHED = load("norm_sched")
QUESTIONS = ("batchnorm", "layernorm", "training")
MAX = {q: p for q, p in NORM_SCHED.points().items() if q in QUESTIONS}


def grade(cells: tuple[str, ...], questions: tuple[str, ...]) -> list[TestResult]:
    return grade_in_process(cells, questions, assignment="norm_sched")


def variant(*sources: str) -> tuple[str, ...]:
    return with_definitions(solution_cells("norm_sched"), *sources)


def scores(results: list[TestResult]) -> dict[str, tuple[float, float]]:
    return {q: v for q, v in scores_by_question(results).items() if q in QUESTIONS}


def test_solution_gets_full_points():
    results = grade(solution_cells("norm_sched"), QUESTIONS)
    assert scores(results) == {q: (m, m) for q, m in MAX.items()}, [(r.name, r.feedback) for r in results if not r.passed]
    visible = {q: sum(r.max_points for r in results if r.question == q and r.visibility == "visible") for q in QUESTIONS}
    assert all(0.25 <= visible[q] / MAX[q] <= 0.4 for q in QUESTIONS), visible


def test_template_gets_nothing():
    template = code_cells(nbformat.read(NORM_SCHED.template_notebook, as_version=4))
    results = grade(template, QUESTIONS)
    assert scores(results) == {q: (0.0, m) for q, m in MAX.items()}
    for r in results:
        assert "NotImplementedError" in r.feedback or "not implemented" in r.feedback, (r.name, r.feedback)


# --- single bugs: each named, each costing its own question only ---------------------------------------------------

FORWARD = '''
def batchnorm_forward(x, gamma, beta, running_mean, running_var, training=True, momentum=0.1, eps=1e-5):
    if training{eval_also}:
        n = x.shape[0]
        mean = x.mean(dim=0)
        var = {var}
        {update}
    else:
        mean, var = running_mean, running_var
    inv_std = {inv_std}
    x_hat = (x - mean) * inv_std
    out = {out}
    return out, running_mean, running_var, (x_hat, gamma, inv_std, training{eval_also})
'''
OK = {
    "eval_also": "",
    "var": "((x - mean) ** 2).mean(dim=0)",
    "update": "running_mean = (1 - momentum) * running_mean + momentum * mean.detach()\n"
              "        running_var = (1 - momentum) * running_var + momentum * x.var(dim=0).detach()",
    "inv_std": "1.0 / torch.sqrt(var + eps)",
    "out": "gamma * x_hat + beta",
}


def forward_bug(**change: str) -> str:
    return FORWARD.format(**{**OK, **change})


BACKWARD = '''
def batchnorm_backward(grad_out, cache):
    x_hat, gamma, inv_std, training = cache
    dgamma = {dgamma}
    dbeta = grad_out.sum(dim=0)
    dx_hat = grad_out * gamma
    if not training{always}:
        return dx_hat * inv_std, dgamma, dbeta
    n = grad_out.shape[0]
    dx = inv_std / n * (n * dx_hat - dx_hat.sum(dim=0) - x_hat * (dx_hat * x_hat).sum(dim=0))
    return dx, dgamma, dbeta
'''

MODULE_FORWARD = '''
class BatchNorm1d(nn.Module):
    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        super().__init__()
        self.eps = eps
        self.momentum = momentum
        self.weight = nn.Parameter(torch.ones(num_features))
        self.bias = nn.Parameter(torch.zeros(num_features))
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))

    def forward(self, x):
        out, running_mean, running_var, _ = batchnorm_forward(
            x, self.weight, self.bias, self.running_mean, self.running_var, {training}, self.momentum, self.eps
        )
        {store}
        return out
'''
STORE = "if self.training:\n            self.running_mean, self.running_var = running_mean, running_var"

BUGS = {
    "batchnorm.unbiased_variance": ("batchnorm", forward_bug(var="x.var(dim=0)")),
    "batchnorm.running_var_biased": ("batchnorm", forward_bug(
        update="running_mean = (1 - momentum) * running_mean + momentum * mean.detach()\n"
               "        running_var = (1 - momentum) * running_var + momentum * var.detach()")),
    "batchnorm.momentum_swapped": ("batchnorm", forward_bug(
        update="running_mean = momentum * running_mean + (1 - momentum) * mean.detach()\n"
               "        running_var = momentum * running_var + (1 - momentum) * x.var(dim=0).detach()")),
    "batchnorm.eval_batch_statistics": ("batchnorm", forward_bug(eval_also=" or True")),
    "batchnorm.running_not_updated": ("batchnorm", forward_bug(update="pass")),
    "batchnorm.eps_outside_sqrt": ("batchnorm", forward_bug(inv_std="1.0 / (torch.sqrt(var) + eps)")),
    "batchnorm.gamma_beta_ignored": ("batchnorm", forward_bug(out="x_hat")),
    "batchnorm.backward_without_batch_terms": ("batchnorm", BACKWARD.format(
        dgamma="(grad_out * x_hat).sum(dim=0)", always=" or True")),
    "batchnorm.backward_dgamma_without_x_hat": ("batchnorm", BACKWARD.format(dgamma="grad_out.sum(dim=0)", always="")),
    "batchnorm.module_running_not_stored": ("batchnorm", MODULE_FORWARD.format(training="self.training", store="")),
    "batchnorm.module_ignores_eval": ("batchnorm", MODULE_FORWARD.format(
        training="True", store="self.running_mean, self.running_var = running_mean, running_var")),
    "layernorm.wrong_dim": ("layernorm", '''
def layernorm_forward(x, gamma, beta, eps=1e-5):
    mean = x.mean(dim=0, keepdim=True)
    var = x.var(dim=0, unbiased=False, keepdim=True)
    return gamma * (x - mean) / torch.sqrt(var + eps) + beta
'''),
    "layernorm.unbiased_variance": ("layernorm", '''
def layernorm_forward(x, gamma, beta, eps=1e-5):
    mean = x.mean(-1, keepdim=True)
    return gamma * (x - mean) / torch.sqrt(x.var(-1, keepdim=True) + eps) + beta
'''),
    "layernorm.eps_outside_sqrt": ("layernorm", '''
def layernorm_forward(x, gamma, beta, eps=1e-5):
    mean = x.mean(-1, keepdim=True)
    std = ((x - mean) ** 2).mean(-1, keepdim=True).sqrt()
    return gamma * (x - mean) / (std + eps) + beta
'''),
    "layernorm.gamma_beta_ignored": ("layernorm", '''
def layernorm_forward(x, gamma, beta, eps=1e-5):
    mean = x.mean(-1, keepdim=True)
    var = x.var(-1, unbiased=False, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps)
'''),
}


MODULE_SYMPTOMS = {"batchnorm.module_running_not_stored", "batchnorm.module_ignores_eval"}


@pytest.mark.parametrize("mistake", list(BUGS))
def test_single_bug_is_named_on_its_question(mistake):
    question, source = BUGS[mistake]
    others = tuple(q for q in ("batchnorm", "layernorm") if q != question)
    results = grade(variant(source), (question, *others))
    got = scores(results)
    assert got[question][0] < MAX[question], got
    assert all(got[q] == (MAX[q], MAX[q]) for q in others), got
    named = {r.mistake.id for r in results if r.mistake is not None}
    # a bug of batchnorm_forward also shows in BatchNorm1d, whose tests name the module's symptom
    assert mistake in named and named <= {mistake} | MODULE_SYMPTOMS, (named, [(r.name, r.feedback) for r in results if not r.passed])


# --- correct alternatives ---------------------------------------------------------------------------------------

ALTERNATIVES = {
    "var_mean, rsqrt, a dict cache, backward from x, in-place buffer updates": ('''
def batchnorm_forward(x, gamma, beta, running_mean, running_var, training=True, momentum=0.1, eps=1e-5):
    if training:
        var, mean = torch.var_mean(x, dim=0, unbiased=False)
        n = x.size(0)
        with torch.no_grad():
            running_mean.mul_(1 - momentum).add_(momentum * mean)
            running_var.mul_(1 - momentum).add_(momentum * var * n / (n - 1))
    else:
        mean, var = running_mean, running_var
    rstd = torch.rsqrt(var + eps)
    out = (x - mean) * rstd * gamma + beta
    return out, running_mean, running_var, {"x": x, "mean": mean, "rstd": rstd, "gamma": gamma, "train": training}
''', '''
def batchnorm_backward(grad_out, cache):
    x, mean, rstd, gamma, train = cache["x"], cache["mean"], cache["rstd"], cache["gamma"], cache["train"]
    xc = x - mean
    dgamma = (grad_out * xc * rstd).sum(0)
    dbeta = grad_out.sum(0)
    g = grad_out * gamma
    if not train:
        return g * rstd, dgamma, dbeta
    n = x.shape[0]
    dvar = (g * xc).sum(0) * -0.5 * rstd ** 3
    dmean = -(g * rstd).sum(0) - 2.0 * dvar * xc.mean(0)
    return g * rstd + dvar * 2.0 * xc / n + dmean / n, dgamma, dbeta
''', '''
class BatchNorm1d(nn.Module):
    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        super().__init__()
        self.eps, self.momentum = eps, momentum
        self.weight = nn.Parameter(torch.ones(num_features))
        self.bias = nn.Parameter(torch.zeros(num_features))
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))

    def forward(self, x):
        if self.training:
            var, mean = torch.var_mean(x, dim=0, correction=0)
            n = x.shape[0]
            with torch.no_grad():
                self.running_mean.lerp_(mean, self.momentum)
                self.running_var.lerp_(var * n / (n - 1), self.momentum)
        else:
            mean, var = self.running_mean, self.running_var
        return self.weight * (x - mean) / (var + self.eps).sqrt() + self.bias
'''),
    "BatchNorm1d as an autograd.Function on batchnorm_forward and batchnorm_backward": ('''
class _BatchNormFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, weight, bias, module):
        out, mean, var, cache = batchnorm_forward(x, weight, bias, module.running_mean, module.running_var,
                                                  module.training, module.momentum, module.eps)
        if module.training:
            module.running_mean, module.running_var = mean, var
        ctx.cache = cache
        return out

    @staticmethod
    def backward(ctx, grad_out):
        dx, dgamma, dbeta = batchnorm_backward(grad_out, ctx.cache)
        return dx, dgamma, dbeta, None


class BatchNorm1d(nn.Module):
    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        super().__init__()
        self.eps = eps
        self.momentum = momentum
        self.weight = nn.Parameter(torch.ones(num_features))
        self.bias = nn.Parameter(torch.zeros(num_features))
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))

    def forward(self, x):
        return _BatchNormFunction.apply(x, self.weight, self.bias, self)
''',),
    "layernorm: var_mean and rsqrt": ('''
def layernorm_forward(x, gamma, beta, eps=1e-5):
    var, mean = torch.var_mean(x, dim=x.dim() - 1, keepdim=True, correction=0)
    return (x - mean) * torch.rsqrt(var + eps) * gamma + beta
''',),
}


@pytest.mark.parametrize("name", list(ALTERNATIVES))
def test_correct_alternative_gets_full_points(name):
    results = grade(variant(*ALTERNATIVES[name]), ("batchnorm", "layernorm"))
    assert scores(results) == {q: (MAX[q], MAX[q]) for q in ("batchnorm", "layernorm")}, [
        (r.name, r.feedback) for r in results if not r.passed
    ]


# --- [training]: broken running statistics fail it, a correct alternative passes --------------------------------

TRAINING = {
    "eval using the batch statistics": (BUGS["batchnorm.module_ignores_eval"][1], False),
    "running statistics never stored": (BUGS["batchnorm.module_running_not_stored"][1], False),
    "another correct BatchNorm": (ALTERNATIVES["BatchNorm1d as an autograd.Function on batchnorm_forward and batchnorm_backward"][0], True),
}


@pytest.mark.parametrize("name", list(TRAINING))
def test_training_separates_broken_batchnorm(name):
    source, passes = TRAINING[name]
    results = grade(variant(source), ("training",))
    points, most = scores(results)["training"]
    assert (points == most) if passes else points <= most - 8, [(r.name, r.feedback) for r in results]
