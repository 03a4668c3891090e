"""The hidden graders of [init], [l2] and [dropout] against trusted notebooks.

- the solution notebook gets full points on the three questions, the template none;
- correct alternatives (one function's source replaced in the solution's cells) keep full points;
- realistic single bugs (of initialization, dropout and the L2 penalty) lose points on their own question only,
  with feedback that names the mistake.

The solution and template go through ``grade_in_process`` (every grader of the assignment); the variants run only
the three grader modules tested here, which keeps this file fast.
"""

from __future__ import annotations

import nbformat
import pytest

from autograder.assignment import load
from autograder.grading.results import TestResult
from tests.edit import code_cells, solution_cells, with_definitions
from tests.grading.inprocess import grade_in_process, scores_by_question

OPTIM_REG = load("optim_reg")
QUESTIONS = ("init", "l2", "dropout")
MAX = {q: p for q, p in OPTIM_REG.points().items() if q in QUESTIONS}


def variant(**replacements: str) -> tuple[str, ...]:
    """The solution's code cells with each named top-level def/class replaced by the given source."""
    return with_definitions(solution_cells(), *replacements.values())


def scores(results: list[TestResult]) -> dict[str, tuple[float, float]]:
    return {q: v for q, v in scores_by_question(results).items() if q in QUESTIONS}


# --- solution and template -------------------------------------------------------------------------------------


def test_solution_gets_full_points():
    results = grade_in_process(list(solution_cells()))
    assert not [r for r in results if r.grader_error and r.question in QUESTIONS]
    assert scores(results) == {q: (m, m) for q, m in MAX.items()}, [
        (r.name, r.feedback) for r in results if r.question in QUESTIONS and not r.passed
    ]
    visible = {q: [r for r in results if r.question == q and r.visibility == "visible"] for q in QUESTIONS}
    assert all(1 <= len(v) <= 3 for v in visible.values()), visible


def test_template_gets_nothing():
    results = grade_in_process(code_cells(nbformat.read(OPTIM_REG.template_notebook, as_version=4)))
    assert not [r for r in results if r.grader_error and r.question in QUESTIONS]
    assert scores(results) == {q: (0.0, m) for q, m in MAX.items()}
    for r in results:
        if r.question in QUESTIONS:
            assert "NotImplementedError" in r.feedback or "not implemented" in r.feedback, (r.name, r.feedback)


# --- correct alternatives --------------------------------------------------------------------------------------

ALTERNATIVES = {
    "init: rand*2a-a and randn*std, list from compute_fans": {
        "compute_fans": """
        def compute_fans(shape):
            if len(shape) < 2:
                raise ValueError("need at least 2 dims")
            rf = 1
            for k in shape[2:]:
                rf *= k
            return [shape[1] * rf, shape[0] * rf]
        """,
        "xavier_uniform": """
        def xavier_uniform(shape, gain=1.0, generator=None):
            fan_in, fan_out = compute_fans(shape)
            a = gain * math.sqrt(6 / (fan_in + fan_out))
            return torch.rand(shape, generator=generator) * 2 * a - a
        """,
        "xavier_normal": """
        def xavier_normal(shape, gain=1.0, generator=None):
            fan_in, fan_out = compute_fans(shape)
            return torch.randn(shape, generator=generator) * (gain * math.sqrt(2 / (fan_in + fan_out)))
        """,
        "he_uniform": """
        def he_uniform(shape, mode="fan_in", generator=None):
            b = math.sqrt(6 / _fan(shape, mode))
            return (torch.rand(*shape, generator=generator) - 0.5) * 2 * b
        """,
        "he_normal": """
        def he_normal(shape, mode="fan_in", generator=None):
            std = math.sqrt(2.0 / _fan(shape, mode))
            return torch.normal(0.0, std, size=tuple(shape), generator=generator)
        """,
    },
    "init: he via numpy-free torch.empty(...).normal_ in float64 then .float()": {
        "he_normal": """
        def he_normal(shape, mode="fan_in", generator=None):
            std = (2.0 / _fan(shape, mode)) ** 0.5
            return torch.empty(shape, dtype=torch.float64).normal_(0, std, generator=generator).float()
        """,
    },
    "dropout: float bernoulli mask, copies, zeros_like at p=1, custom autograd module": {
        "dropout_forward": """
        def dropout_forward(x, p, training=True, generator=None):
            if p < 0 or p > 1:
                raise ValueError("p must be in [0, 1]")
            if not training or p == 0:
                return x.clone(), torch.ones_like(x)
            if p == 1:
                return torch.zeros_like(x), torch.zeros_like(x)
            mask = torch.bernoulli(torch.full_like(x, 1 - p), generator=generator)
            return x * (mask / (1 - p)), mask
        """,
        "dropout_backward": """
        def dropout_backward(grad_out, mask, p):
            if p == 1:
                return torch.zeros_like(grad_out)
            return grad_out * mask * (1.0 / (1 - p))
        """,
        "Dropout": """
        class _DropFn(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x, p):
                out, mask = dropout_forward(x, p, True)
                ctx.save_for_backward(mask)
                ctx.p = p
                return out

            @staticmethod
            def backward(ctx, grad):
                (mask,) = ctx.saved_tensors
                return dropout_backward(grad, mask, ctx.p), None


        class Dropout(torch.nn.Module):
            def __init__(self, p=0.5):
                super().__init__()
                self.p = p

            def forward(self, x):
                return _DropFn.apply(x, self.p) if self.training else x
        """,
    },
    "dropout: rand > p bool mask, x * mask / (1 - p), module with its own mask": {
        "dropout_forward": """
        def dropout_forward(x, p, training=True, generator=None):
            if not 0.0 <= p <= 1.0:
                raise ValueError(p)
            if not training:
                return x, torch.ones(x.shape, dtype=torch.bool)
            mask = torch.rand(x.shape, generator=generator) > p
            if p == 1:
                return x * 0.0 * mask, mask
            return x * mask / (1 - p), mask
        """,
        "Dropout": """
        class Dropout(torch.nn.Module):
            def __init__(self, p=0.5):
                super().__init__()
                self.p = p

            def forward(self, x):
                if not self.training or self.p == 0:
                    return x
                keep = 1 - self.p
                mask = (torch.rand_like(x) < keep).to(x.dtype)
                return x * mask / keep if keep > 0 else x * mask
        """,
    },
    "l2: python sum, 0.5 * lam": {
        "l2_penalty": """
        def l2_penalty(params, lam):
            return 0.5 * lam * sum((w ** 2).sum() for w in params)
        """,
    },
    "l2: concatenation": {
        "l2_penalty": """
        def l2_penalty(params, lam):
            flat = torch.cat([w.reshape(-1) for w in params])
            return lam / 2 * torch.dot(flat, flat)
        """,
    },
    "l2: squared norms, float32 accumulator": {
        "l2_penalty": """
        def l2_penalty(params, lam):
            total = torch.tensor(0.0)
            for w in params:
                total = total + w.norm() ** 2
            return total * lam / 2
        """,
    },
}


@pytest.mark.parametrize("name", list(ALTERNATIVES))
def test_correct_alternative_gets_full_points(name):
    results = grade_in_process(variant(**ALTERNATIVES[name]), QUESTIONS)
    assert scores(results) == {q: (m, m) for q, m in MAX.items()}, [
        (r.question, r.name, r.feedback) for r in results if not r.passed
    ]


# --- single bugs -----------------------------------------------------------------------------------------------

# (id, question it belongs to, feedback that must appear in a failing test of that question, replacements)
MUTANTS = [
    (
        "I1 fans swapped",
        "init",
        "swapped",
        {
            "compute_fans": """
        def compute_fans(shape):
            if len(shape) < 2:
                raise ValueError(shape)
            rf = math.prod(shape[2:])
            return shape[0] * rf, shape[1] * rf
        """
        },
    ),
    (
        "I2 receptive field omitted",
        "init",
        "receptive field",
        {
            "compute_fans": """
        def compute_fans(shape):
            if len(shape) < 2:
                raise ValueError(shape)
            return shape[1], shape[0]
        """
        },
    ),
    (
        "I3 numel as fan",
        "init",
        "number of",
        {
            "compute_fans": """
        def compute_fans(shape):
            if len(shape) < 2:
                raise ValueError(shape)
            return math.prod(shape), math.prod(shape)
        """
        },
    ),
    (
        "I4 std used as uniform bound",
        "init",
        "used as the uniform bound",
        {
            "he_uniform": """
        def he_uniform(shape, mode="fan_in", generator=None):
            b = math.sqrt(2.0 / _fan(shape, mode))
            return torch.empty(tuple(shape)).uniform_(-b, b, generator=generator)
        """
        },
    ),
    (
        "I5 uniform bound used as std",
        "init",
        "used as the normal's std",
        {
            "xavier_normal": """
        def xavier_normal(shape, gain=1.0, generator=None):
            fan_in, fan_out = compute_fans(shape)
            s = gain * math.sqrt(6.0 / (fan_in + fan_out))
            return torch.empty(tuple(shape)).normal_(0.0, s, generator=generator)
        """
        },
    ),
    (
        "I6 variance used as std",
        "init",
        "variance 2/fan was used as the std",
        {
            "he_normal": """
        def he_normal(shape, mode="fan_in", generator=None):
            s = 2.0 / _fan(shape, mode)
            return torch.empty(tuple(shape)).normal_(0.0, s, generator=generator)
        """
        },
    ),
    (
        "I7 gain on the variance",
        "init",
        "applied to the variance",
        {
            "xavier_normal": """
        def xavier_normal(shape, gain=1.0, generator=None):
            fan_in, fan_out = compute_fans(shape)
            s = math.sqrt(gain * 2.0 / (fan_in + fan_out))
            return torch.empty(tuple(shape)).normal_(0.0, s, generator=generator)
        """
        },
    ),
    (
        "I8 Xavier used for He",
        "init",
        "Xavier",
        {
            "he_normal": """
        def he_normal(shape, mode="fan_in", generator=None):
            _fan(shape, mode)
            fan_in, fan_out = compute_fans(shape)
            s = math.sqrt(2.0 / (fan_in + fan_out))
            return torch.empty(tuple(shape)).normal_(0.0, s, generator=generator)
        """
        },
    ),
    (
        "I8 LeCun used for He",
        "init",
        "LeCun",
        {
            "he_normal": """
        def he_normal(shape, mode="fan_in", generator=None):
            return torch.randn(tuple(shape), generator=generator) / math.sqrt(_fan(shape, mode))
        """
        },
    ),
    (
        "I10 rand*a",
        "init",
        "U(0, a)",
        {
            "xavier_uniform": """
        def xavier_uniform(shape, gain=1.0, generator=None):
            fan_in, fan_out = compute_fans(shape)
            a = gain * math.sqrt(6.0 / (fan_in + fan_out))
            return torch.rand(tuple(shape), generator=generator) * a
        """
        },
    ),
    (
        "mode ignored",
        "init",
        "mode",
        {
            "_fan": """
        def _fan(shape, mode):
            return compute_fans(shape)[0]
        """
        },
    ),
    (
        "generator ignored",
        "init",
        "generator",
        {
            "he_uniform": """
        def he_uniform(shape, mode="fan_in", generator=None):
            b = math.sqrt(6.0 / _fan(shape, mode))
            return torch.empty(tuple(shape)).uniform_(-b, b)
        """
        },
    ),
    (
        "normal drawn in a uniform initializer",
        "init",
        "normally distributed",
        {
            "xavier_uniform": """
        def xavier_uniform(shape, gain=1.0, generator=None):
            fan_in, fan_out = compute_fans(shape)
            return torch.randn(tuple(shape), generator=generator) * gain * math.sqrt(2.0 / (fan_in + fan_out))
        """
        },
    ),
    (
        "D1 keep/drop confused",
        "dropout",
        "KEPT",
        {
            "dropout_forward": """
        def dropout_forward(x, p, training=True, generator=None):
            _check_drop_probability(p)
            if not training or p == 0:
                return x, torch.ones_like(x, dtype=torch.bool)
            mask = torch.rand(x.shape, generator=generator) < p
            return x * mask / p, mask
        """
        },
    ),
    (
        "D2 scaled by 1/p",
        "dropout",
        "divided by p instead",
        {
            "dropout_forward": """
        def dropout_forward(x, p, training=True, generator=None):
            _check_drop_probability(p)
            if not training or p == 0:
                return x, torch.ones_like(x, dtype=torch.bool)
            mask = torch.rand(x.shape, generator=generator) > p
            return (x * mask / p if p < 1 else x * 0.0), mask
        """
        },
    ),
    (
        "D3 not scaled",
        "dropout",
        "not scaled at all",
        {
            "dropout_forward": """
        def dropout_forward(x, p, training=True, generator=None):
            _check_drop_probability(p)
            if not training or p == 0:
                return x, torch.ones_like(x, dtype=torch.bool)
            mask = torch.rand(x.shape, generator=generator) >= p
            return x * mask, mask
        """
        },
    ),
    (
        "D5 training ignored in dropout_forward",
        "dropout",
        "training is False",
        {
            "dropout_forward": """
        def dropout_forward(x, p, training=True, generator=None):
            _check_drop_probability(p)
            if p == 0:
                return x, torch.ones_like(x, dtype=torch.bool)
            mask = torch.rand(x.shape, generator=generator) >= p
            scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
            return torch.where(mask, x * scale, 0.0), mask
        """
        },
    ),
    (
        "D5 module active in eval",
        "dropout",
        "self.training",
        {
            "Dropout": """
        class Dropout(torch.nn.Module):
            def __init__(self, p=0.5):
                super().__init__()
                self.p = p

            def forward(self, x):
                return dropout_forward(x, self.p, training=True)[0]
        """
        },
    ),
    (
        "D6 backward draws a fresh mask",
        "dropout",
        "use the mask argument",
        {
            "dropout_backward": """
        def dropout_backward(grad_out, mask, p):
            if p == 1:
                return torch.zeros_like(grad_out)
            fresh = torch.rand(grad_out.shape) >= p
            return grad_out * fresh / (1.0 - p)
        """
        },
    ),
    (
        "D7 backward unscaled",
        "dropout",
        "scale of the forward pass is missing",
        {
            "dropout_backward": """
        def dropout_backward(grad_out, mask, p):
            return grad_out * mask
        """
        },
    ),
    (
        "D9 NaN at p=1",
        "dropout",
        "NaN",
        {
            "dropout_forward": """
        def dropout_forward(x, p, training=True, generator=None):
            _check_drop_probability(p)
            if not training or p == 0:
                return x, torch.ones_like(x, dtype=torch.bool)
            mask = torch.rand(x.shape, generator=generator) >= p
            return x * mask / torch.tensor(1.0 - p), mask
        """
        },
    ),
    (
        "D9 backward NaN at p=1",
        "dropout",
        "NaN",
        {
            "dropout_backward": """
        def dropout_backward(grad_out, mask, p):
            return grad_out * mask / torch.tensor(1.0 - p)
        """
        },
    ),
    (
        "D11 one mask per column",
        "dropout",
        "dropped together",
        {
            "dropout_forward": """
        def dropout_forward(x, p, training=True, generator=None):
            _check_drop_probability(p)
            if not training or p == 0:
                return x, torch.ones_like(x, dtype=torch.bool)
            mask = (torch.rand(x.shape[-1:], generator=generator) >= p).expand(x.shape)
            scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
            return torch.where(mask, x * scale, 0.0), mask
        """
        },
    ),
    (
        "D13 input modified in place",
        "dropout",
        "in-place operation",
        {
            "dropout_forward": """
        def dropout_forward(x, p, training=True, generator=None):
            _check_drop_probability(p)
            if not training or p == 0:
                return x, torch.ones_like(x, dtype=torch.bool)
            mask = torch.rand(x.shape, generator=generator) >= p
            if p == 1:
                return x.zero_(), mask
            x.mul_(mask).div_(1 - p)
            return x, mask
        """
        },
    ),
    (
        "p not validated",
        "dropout",
        "ValueError",
        {
            "_check_drop_probability": """
        def _check_drop_probability(p):
            pass
        """
        },
    ),
    (
        "module ignores p",
        "dropout",
        "hard-coded 0.5",
        {
            "Dropout": """
        class Dropout(torch.nn.Module):
            def __init__(self, p=0.5):
                super().__init__()
                self.p = p

            def forward(self, x):
                return dropout_forward(x, 0.5, training=self.training)[0]
        """
        },
    ),
    (
        "module detached",
        "dropout",
        "not connected",
        {
            "Dropout": """
        class Dropout(torch.nn.Module):
            def __init__(self, p=0.5):
                super().__init__()
                self.p = p

            def forward(self, x):
                if not self.training:
                    return x
                return dropout_forward(x.detach(), self.p)[0]
        """
        },
    ),
    (
        "L2 missing 1/2",
        "l2",
        "1/2",
        {
            "l2_penalty": """
        def l2_penalty(params, lam):
            return lam * sum((w * w).sum() for w in params)
        """
        },
    ),
    (
        "L2 sqrt of the sum",
        "l2",
        "not the squared norm",
        {
            "l2_penalty": """
        def l2_penalty(params, lam):
            return lam / 2 * torch.sqrt(sum((w * w).sum() for w in params))
        """
        },
    ),
    (
        "L2 python float",
        "l2",
        "python number",
        {
            "l2_penalty": """
        def l2_penalty(params, lam):
            return lam / 2 * sum(float((w * w).sum()) for w in params)
        """
        },
    ),
    (
        "L2 rewrapped in torch.tensor",
        "l2",
        "not connected",
        {
            "l2_penalty": """
        def l2_penalty(params, lam):
            return torch.tensor(lam / 2 * sum((w * w).sum().item() for w in params))
        """
        },
    ),
    (
        "L2 sum of norms",
        "l2",
        "sum of the norms",
        {
            "l2_penalty": """
        def l2_penalty(params, lam):
            return lam / 2 * sum(w.norm() for w in params)
        """
        },
    ),
    (
        "L2 len(params)",
        "l2",
        "TypeError",
        {
            "l2_penalty": """
        def l2_penalty(params, lam):
            return lam / 2 * sum((params[i] ** 2).sum() for i in range(len(params)))
        """
        },
    ),
]


@pytest.mark.parametrize(("name", "question", "feedback", "replacements"), MUTANTS, ids=[m[0] for m in MUTANTS])
def test_single_bug_loses_points_on_its_question_only(name, question, feedback, replacements):
    results = grade_in_process(variant(**replacements), QUESTIONS)
    got = scores(results)
    assert got[question][0] < MAX[question], f"{name}: no points lost on [{question}]"
    for other in QUESTIONS:
        if other != question:
            assert got[other] == (MAX[other], MAX[other]), (
                f"{name}: lost points on [{other}]",
                [(r.name, r.feedback) for r in results if r.question == other and not r.passed],
            )
    failed = [r.feedback for r in results if r.question == question and not r.passed]
    assert any(feedback in text for text in failed), (name, failed)
    for text in failed:  # feedback never leaks the numbers the reference produced
        assert "expected 0." not in text and "expected (" not in text, text
