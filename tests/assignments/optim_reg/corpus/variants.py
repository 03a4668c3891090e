"""The grading corpus: the solution notebook with one change each — a real student mistake or a correct alternative.

Each variant is a list of text replacements applied to the solution notebook's code cells, and optionally whole
top-level definitions that replace the solution's (tests/edit.py); every ``old`` text must occur exactly once, so a
change to the notebook that invalidates a variant fails loudly. Bug names follow the project's catalogue of real
student mistakes (I = initialization, S = SGD with momentum, R = RMSProp, A = Adam/AdamW, D = dropout, E = early
stopping). The issue-15 sections at the end hold the gaps a fresh review found (each failed on the graders of
that time) and the fresh alternatives and bugs added with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from tests.edit import notebook_with, solution_cells, with_definitions, with_text

ADAM_DOC = '"""One Adam step at 1-based step number t, with bias correction; returns (param, m, v)."""\n'
ADAMW_DOC = (
    '"""One AdamW step: decoupled weight decay on the old parameter plus Adam\'s step; returns (param, m, v)."""\n'
)
ADAM_STEP = "    param = param - lr * m_hat / (v_hat.sqrt() + eps)\n"
ADAMW_STEP = "    param = param - lr * weight_decay * param - lr * m_hat / (v_hat.sqrt() + eps)\n"
MOMENTUM_BODY = "    velocity = beta * velocity + (1 - beta) * grad\n    param = param - lr * velocity\n"
RMS_BODY = (
    "    square_avg = alpha * square_avg + (1 - alpha) * grad * grad\n"
    "    param = param - lr * grad / (square_avg.sqrt() + eps)\n"
)
DROP_MASK = "    mask = torch.rand(x.shape, generator=generator, device=x.device) >= p\n"
DROP_SCALE = "    scale = 0.0 if p == 1 else 1.0 / (1.0 - p)\n"
DROP_OUT = "    return torch.where(mask, x * scale, 0.0), mask\n"
ES_IMPROVE = "            self.best, self.best_epoch, self.counter = metric, self._epoch, 0\n"
XAVIER_UNIFORM = "    return torch.empty(tuple(shape), dtype=torch.float32).uniform_(-a, a, generator=generator)\n"
ES_SAVE = "                self._best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}\n"


@dataclass(frozen=True)
class Variant:
    name: str
    question: str | None  # the question the mistake belongs to; None for a correct alternative
    replacements: tuple[tuple[str, str], ...]
    diagnosis: str = ""  # a phrase the feedback on that question and the named mistake's text should contain
    # Questions the bug also costs, by design: SPEC A9 grades [training] by training a network with the student's
    # own init, Adam, dropout and early stopping, so a bug that stops that network from learning costs it too.
    also: tuple[str, ...] = ()
    definitions: tuple[str, ...] = ()  # whole top-level definitions (with their imports) replacing the solution's
    mistake: str = ""  # the id results.json must give the recognised mistake
    says: str = ""  # a phrase the question's feedback must contain (not a mistake's text)
    # Grader tests by function name: `only` are the only tests of the question that may lose points (the others must
    # earn full marks); `nothing` must earn no points at all (what the bug leaves cannot be faked into points).
    only: tuple[str, ...] = ()
    nothing: tuple[str, ...] = ()


def bug(name: str, question: str, *replacements: tuple[str, str], **expected: Any) -> Variant:
    return Variant(name, question, replacements, **expected)


def correct(name: str, *replacements: tuple[str, str], definitions: tuple[str, ...] = ()) -> Variant:
    return Variant(name, None, replacements, definitions=definitions)


BUGS = [
    # [init] (§4.6)
    bug("I1-fans-swapped", "init", (
        "    return shape[1] * receptive_field, shape[0] * receptive_field\n",
        "    return shape[0] * receptive_field, shape[1] * receptive_field\n")),
    bug("I2-no-receptive-field", "init", ("    receptive_field = math.prod(shape[2:])\n", "    receptive_field = 1\n")),
    bug("I3-fan-is-numel", "init", (
        "    return shape[1] * receptive_field, shape[0] * receptive_field\n",
        "    return math.prod(shape), math.prod(shape)\n")),
    bug("I4-uniform-bound-from-std", "init", (
        "    a = gain * math.sqrt(6.0 / (fan_in + fan_out))\n", "    a = gain * math.sqrt(2.0 / (fan_in + fan_out))\n")),
    bug("I5-normal-std-from-bound", "init", (
        "    s = gain * math.sqrt(2.0 / (fan_in + fan_out))\n", "    s = gain * math.sqrt(6.0 / (fan_in + fan_out))\n")),
    bug("I6-variance-as-std", "init", ("    s = math.sqrt(2.0 / _fan(shape, mode))\n", "    s = 2.0 / _fan(shape, mode)\n")),
    bug("I7-gain-on-variance", "init", (
        "    s = gain * math.sqrt(2.0 / (fan_in + fan_out))\n", "    s = math.sqrt(gain * 2.0 / (fan_in + fan_out))\n")),
    bug("I8-lecun-for-he", "init", ("    s = math.sqrt(2.0 / _fan(shape, mode))\n", "    s = math.sqrt(1.0 / _fan(shape, mode))\n")),
    bug("I10-uniform-from-zero", "init", (
        "uniform_(-b, b, generator=generator)", "uniform_(0.0, b, generator=generator)")),
    bug("mode-ignored", "init", ('    return fan_in if mode == "fan_in" else fan_out\n', "    return fan_in\n")),
    bug("generator-ignored", "init", ("uniform_(-a, a, generator=generator)", "uniform_(-a, a)"), only=("test_generator",)),
    # [momentum] (§4.1)
    bug("S1-sign-error", "momentum", (MOMENTUM_BODY, MOMENTUM_BODY.replace("param - lr", "param + lr"))),
    bug("S2-old-velocity", "momentum", (
        MOMENTUM_BODY, "    param = param - lr * velocity\n    velocity = beta * velocity + (1 - beta) * grad\n")),
    bug("S3-heavy-ball-form", "momentum", (MOMENTUM_BODY, MOMENTUM_BODY.replace("(1 - beta) * grad", "grad"))),
    bug("S11-hard-coded-beta", "momentum", (
        MOMENTUM_BODY, MOMENTUM_BODY.replace("beta * velocity + (1 - beta)", "0.9 * velocity + 0.1"))),
    # [rmsprop] (§4.2)
    bug("R1-eps-inside-sqrt", "rmsprop", (RMS_BODY, RMS_BODY.replace("(square_avg.sqrt() + eps)", "(square_avg + eps).sqrt()")),
        diagnosis="inside"),
    bug("R2-old-cache", "rmsprop", (RMS_BODY, "".join(reversed(RMS_BODY.splitlines(keepends=True))))),
    bug("R3-weights-swapped", "rmsprop", (
        RMS_BODY, RMS_BODY.replace("alpha * square_avg + (1 - alpha)", "(1 - alpha) * square_avg + alpha"))),
    bug("R4-no-sqrt", "rmsprop", (RMS_BODY, RMS_BODY.replace("square_avg.sqrt()", "square_avg"))),
    bug("R5-adagrad", "rmsprop", (RMS_BODY, RMS_BODY.replace("alpha * square_avg + (1 - alpha) *", "square_avg +"))),
    bug("R12-hard-coded-alpha", "rmsprop", (RMS_BODY, RMS_BODY.replace("alpha", "0.99"))),
    # [adam] (§4.3)
    bug("A1-no-bias-correction", "adam", (
        "    m_hat = m / (1 - beta1**t)\n    v_hat = v / (1 - beta2**t)\n" + ADAM_STEP,
        "    m_hat = m\n    v_hat = v\n" + ADAM_STEP), diagnosis="bias correction"),
    bug("A2-only-m-corrected", "adam", (
        "    v_hat = v / (1 - beta2**t)\n" + ADAM_STEP, "    v_hat = v\n" + ADAM_STEP)),
    bug("A4-step-off-by-one", "adam", (
        "    m_hat = m / (1 - beta1**t)\n    v_hat = v / (1 - beta2**t)\n" + ADAM_STEP,
        "    m_hat = m / (1 - beta1**(t + 1))\n    v_hat = v / (1 - beta2**(t + 1))\n" + ADAM_STEP)),
    bug("A6-stores-corrected-moments", "adam", (ADAM_STEP + "    return param, m, v", ADAM_STEP + "    return param, m_hat, v_hat"),
        also=("training",)),
    bug("A7-eps-inside-sqrt", "adam", (ADAM_STEP, ADAM_STEP.replace("(v_hat.sqrt() + eps)", "(v_hat + eps).sqrt()")),
        diagnosis="inside"),
    bug("A8-betas-swapped", "adam", (
        ADAM_DOC + "    m = beta1 * m + (1 - beta1) * grad\n    v = beta2 * v + (1 - beta2) * grad * grad\n",
        ADAM_DOC + "    m = beta2 * m + (1 - beta2) * grad\n    v = beta1 * v + (1 - beta1) * grad * grad\n"), also=("training",)),
    bug("A9-one-minus-beta-on-wrong-term", "adam", (
        ADAM_DOC + "    m = beta1 * m + (1 - beta1) * grad\n", ADAM_DOC + "    m = (1 - beta1) * m + beta1 * grad\n")),
    bug("A11-hard-coded-lr", "adam", (ADAM_STEP, ADAM_STEP.replace("param - lr *", "param - 1e-3 *"))),
    bug("eps-hat-form", "adam", (ADAM_STEP, "    param = param - lr * (1 - beta2**t) ** 0.5 / (1 - beta1**t) * m / (v.sqrt() + eps)\n")),
    # [adamw] (§4.3)
    bug("A14-decay-without-lr", "adamw", (ADAMW_STEP, ADAMW_STEP.replace("lr * weight_decay * param", "weight_decay * param"))),
    bug("A15-l2-in-gradient", "adamw", (
        ADAMW_DOC + "    m = beta1", ADAMW_DOC + "    grad = grad + weight_decay * param\n    m = beta1"),
        (ADAMW_STEP, ADAM_STEP)),
    bug("A16-decay-after-step", "adamw", (ADAMW_STEP, ADAM_STEP + "    param = param - lr * weight_decay * param\n")),
    bug("adamw-without-decay", "adamw", (ADAMW_STEP, ADAM_STEP)),
    bug("adamw-no-bias-correction", "adamw", (
        "    m_hat = m / (1 - beta1**t)\n    v_hat = v / (1 - beta2**t)\n" + ADAMW_STEP,
        "    m_hat = m\n    v_hat = v\n" + ADAMW_STEP)),
    # [l2]
    bug("l2-missing-half", "l2", ("    return lam / 2 * total", "    return lam * total")),
    bug("l2-norm-not-squared", "l2", ("    return lam / 2 * total", "    return lam / 2 * total.sqrt()")),
    bug("l2-python-float", "l2", ("    return lam / 2 * total", "    return float(lam / 2 * total)")),
    bug("l2-first-tensor-only", "l2", ("    for w in params:\n", "    for w in list(params)[:1]:\n")),
    # [dropout] (§4.4)
    bug("D1-keep-drop-confused", "dropout", (DROP_MASK, DROP_MASK.replace(">= p", "< p")), also=("training",)),
    bug("D2-scaled-by-p", "dropout", (DROP_SCALE, DROP_SCALE.replace("1.0 / (1.0 - p)", "1.0 / p"))),
    bug("D3-no-scaling", "dropout", (DROP_SCALE, DROP_SCALE.replace("1.0 / (1.0 - p)", "1.0"))),
    bug("D5-active-when-not-training", "dropout", ("    if not training or p == 0:\n", "    if p == 0:\n")),
    bug("D5-module-active-in-eval", "dropout", (
        "        if not self.training:\n            return x\n        out, _ = dropout_forward",
        "        out, _ = dropout_forward")),
    bug("D6-fresh-mask-in-backward", "dropout", (
        "    return grad_out * mask / (1.0 - p)\n", "    return grad_out * (torch.rand(grad_out.shape) >= p) / (1.0 - p)\n")),
    bug("D7-backward-unscaled", "dropout", ("    return grad_out * mask / (1.0 - p)\n", "    return grad_out * mask\n")),
    bug("D9-nan-at-p-one", "dropout", (DROP_SCALE + DROP_OUT, "    return x * mask / (1.0 - p), mask\n")),
    bug("D11-one-mask-per-column", "dropout", (
        DROP_MASK, "    mask = (torch.rand(x.shape[-1:], generator=generator) >= p).expand(x.shape)\n")),
    bug("D13-modifies-input", "dropout", (DROP_OUT, "    x.mul_(mask * scale)\n    return x, mask\n")),
    # [early_stopping] (§4.5)
    bug("E1-weights-aliased", "early_stopping", (ES_SAVE, "                self._best_state = model.state_dict()\n")),
    bug("E2-buffers-not-saved", "early_stopping", (
        ES_SAVE, "                self._best_state = {k: v.detach().clone() for k, v in model.named_parameters()}\n"),
        ("        model.load_state_dict(self._best_state)", "        model.load_state_dict(self._best_state, strict=False)")),
    bug("E4-off-by-one", "early_stopping", (
        "            self.should_stop = self.counter >= self.patience\n", "            self.should_stop = self.counter > self.patience\n")),
    bug("E5-counter-not-reset", "early_stopping", (ES_IMPROVE, "            self.best, self.best_epoch = metric, self._epoch\n")),
    bug("E6-compares-with-previous-epoch", "early_stopping", (
        "            self.counter += 1\n", "            self.counter += 1\n            self.best = metric\n")),
    bug("E7-min-delta-sign", "early_stopping", (
        "            return metric < self.best - self.min_delta\n", "            return metric < self.best + self.min_delta\n")),
    bug("E8-ties-improve", "early_stopping", (
        "            return metric < self.best - self.min_delta\n", "            return metric <= self.best - self.min_delta\n")),
    bug("E9-mode-max-ignored", "early_stopping", (
        '        if self.mode == "min":\n            return metric < self.best - self.min_delta\n'
        "        return metric > self.best + self.min_delta\n", "        return metric < self.best - self.min_delta\n")),
    bug("E12-best-epoch-one-based", "early_stopping", (ES_IMPROVE, ES_IMPROVE.replace("self._epoch, 0", "self._epoch + 1, 0")),
        also=("training",)),  # [training] restores the epoch best_epoch names: one too far, or none at all
    bug("E16-nan-improves", "early_stopping", ("        if math.isnan(metric):\n            return False\n", "")),
]  # fmt: skip

CORRECT = [
    correct("reference"),
    correct("in-place-updates", (
        MOMENTUM_BODY, "    velocity.mul_(beta).add_(grad, alpha=1 - beta)\n    param.sub_(lr * velocity)\n"), (
        RMS_BODY, "    square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)\n"
        "    param.sub_(lr * grad / (square_avg.sqrt() + eps))\n")),
    correct("adam-torch-arrangement", (
        ADAM_STEP, "    param = param - (lr / (1 - beta1**t)) * m / (v.sqrt() / math.sqrt(1 - beta2**t) + eps)\n")),
    correct("adam-lerp-moments", (
        ADAM_DOC + "    m = beta1 * m + (1 - beta1) * grad\n", ADAM_DOC + "    m = m + (1 - beta1) * (grad - m)\n")),
    correct("adamw-decay-from-old-param-after-step", (
        ADAMW_STEP, "    old = param\n" + ADAM_STEP + "    param = param - lr * weight_decay * old\n")),
    correct("init-from-rand-and-randn", (
        "    return torch.empty(tuple(shape), dtype=torch.float32).uniform_(-a, a, generator=generator)\n",
        "    return (torch.rand(tuple(shape), generator=generator) * 2 - 1) * a\n"), (
        "    s = math.sqrt(2.0 / _fan(shape, mode))\n    return torch.empty(tuple(shape), dtype=torch.float32)"
        ".normal_(0.0, s, generator=generator)",
        "    s = math.sqrt(2.0 / _fan(shape, mode))\n    return torch.randn(tuple(shape), generator=generator) * s")),
    correct("dropout-bernoulli-float-mask", (
        DROP_MASK + DROP_SCALE + DROP_OUT,
        "    mask = torch.bernoulli(torch.full(x.shape, 1.0 - p), generator=generator)\n"
        "    return x * mask * (0.0 if p == 1 else 1.0 / (1.0 - p)), mask\n")),
    correct("dropout-eval-returns-copy", (
        "        return x, torch.ones_like(x, dtype=torch.bool)\n", "        return x.clone(), torch.ones_like(x, dtype=torch.bool)\n")),
    correct("early-stopping-deepcopy-and-rewritten-test", (
        ES_SAVE, "                self._best_state = copy.deepcopy(model.state_dict())\n"), (
        "            return metric < self.best - self.min_delta\n", "            return self.best - metric > self.min_delta\n"), (
        "import math\n\nimport torch", "import copy\nimport math\n\nimport torch")),
    correct("l2-sum-of-generator", (
        "    total = torch.zeros(())\n    for w in params:\n        total = total + (w * w).sum()\n",
        "    total = torch.stack([w.pow(2).sum() for w in params]).sum()\n")),
]  # fmt: skip


# ----------------------------------------------------------------------------------------------------------------
# Issue 15: the gaps a fresh review found. Each one earned points it should not have, or lost them without saying
# why, on the graders of that time.

HE_UNIFORM = "    b = math.sqrt(6.0 / _fan(shape, mode))\n"
HE_NORMAL = (
    "    s = math.sqrt(2.0 / _fan(shape, mode))\n    return torch.empty(tuple(shape), dtype=torch.float32)"
    ".normal_(0.0, s, generator=generator)"
)
XAVIER_STD = "    s = gain * math.sqrt(2.0 / (fan_in + fan_out))\n"
ADAM_MOMENTS = ADAM_DOC + "    m = beta1 * m + (1 - beta1) * grad\n    v = beta2 * v + (1 - beta2) * grad * grad\n"
ADAM_HATS = "    m_hat = m / (1 - beta1**t)\n    v_hat = v / (1 - beta2**t)\n" + ADAM_STEP
ADAMW_MOMENTS = ADAMW_DOC + "    m = beta1 * m + (1 - beta1) * grad\n    v = beta2 * v + (1 - beta2) * grad * grad\n"
L2_LOOP = "    total = torch.zeros(())\n    for w in params:\n        total = total + (w * w).sum()\n"
L2_RETURN = "    return lam / 2 * total"
BACKWARD = "    return grad_out * mask / (1.0 - p)\n"
DROPOUT_FORWARD_TESTS = (
    "test_forward_shapes", "test_forward_identity", "test_forward_keep_rate", "test_forward_inverted_scaling",
    "test_forward_p_one", "test_forward_independence_and_generator",
)  # fmt: skip
ADAM_FLOAT64_TESTS = ("test_one_step", "test_few_steps", "test_trajectories", "test_resume_at_later_step", "test_tiny_gradients")
ES_INIT = "        self.p = p\n"
INIT_DRAW_TESTS = (
    "test_initializers_return_float32_tensors", "test_generator", "test_xavier_uniform_distribution",
    "test_xavier_normal_distribution", "test_he_uniform_distribution", "test_he_normal_distribution",
)  # fmt: skip
MODULE_FORWARD = "        out, _ = dropout_forward(x, self.p, training=True)\n        return out"
RAVINE_RUNS = "runs = {\n"

GAPS = [
    bug("D-module-reuses-its-mask", "dropout", (ES_INIT, ES_INIT + "        self.mask = None\n"), (
        MODULE_FORWARD,
        "        if self.mask is None or self.mask.shape != x.shape:\n"
        "            _, self.mask = dropout_forward(x, self.p, training=True)\n"
        "        scale = 0.0 if self.p == 1 else 1.0 / (1.0 - self.p)\n"
        "        return torch.where(self.mask, x * scale, 0.0)")),
    bug("I-he-normal-default-fan-out", "init", (
        'def he_normal(shape, mode="fan_in", generator=None):', 'def he_normal(shape, mode="fan_out", generator=None):'),
        mistake="init.he_default_fan_out"),
    bug("I-he-defaults-fan-out", "init", (
        'def he_normal(shape, mode="fan_in", generator=None):', 'def he_normal(shape, mode="fan_out", generator=None):'), (
        'def he_uniform(shape, mode="fan_in", generator=None):', 'def he_uniform(shape, mode="fan_out", generator=None):'),
        mistake="init.he_default_fan_out"),
    # do-nothing code earns nothing from the properties it satisfies trivially
    bug("D-identity-forward", "dropout", (DROP_MASK + DROP_SCALE + DROP_OUT, "    return x, torch.ones_like(x, dtype=torch.bool)\n"),
        nothing=DROPOUT_FORWARD_TESTS, also=("training",)),
    bug("D-does-nothing", "dropout", definitions=(
        "def dropout_forward(x, p, training=True, generator=None):\n    return x, torch.ones_like(x, dtype=torch.bool)\n",
        "def dropout_backward(grad_out, mask, p):\n    return grad_out\n",
        "class Dropout(torch.nn.Module):\n    def __init__(self, p=0.5):\n        super().__init__()\n        self.p = p\n\n"
        "    def forward(self, x):\n        return x\n",
    ), nothing=("*",), also=("training",)),
    bug("E-never-stops", "early_stopping", (
        "            self.should_stop = self.counter >= self.patience\n", "            self.should_stop = False\n"),
        nothing=("test_should_stop_after_each_call",)),
    bug("E-does-nothing", "early_stopping", definitions=('''
        class EarlyStopping:
            def __init__(self, patience=5, min_delta=0.0, mode="min", restore_best_weights=False):
                self.patience = patience
                self.best = math.inf if mode == "min" else -math.inf
                self.best_epoch = -1
                self.counter = 0
                self.should_stop = False

            def step(self, metric, model=None):
                return False

            def restore(self, model):
                raise RuntimeError("no weights were saved")
        ''',), nothing=("*",), also=("training",)),
    bug("I-initializers-return-zeros", "init", (XAVIER_UNIFORM, "    return torch.zeros(tuple(shape))\n"), (
        "    s = gain * math.sqrt(2.0 / (fan_in + fan_out))\n    return torch.empty(tuple(shape), dtype=torch.float32)"
        ".normal_(0.0, s, generator=generator)\n", "    return torch.zeros(tuple(shape))\n"), (
        "    return torch.empty(tuple(shape), dtype=torch.float32).uniform_(-b, b, generator=generator)\n",
        "    return torch.zeros(tuple(shape))\n"), (
        HE_NORMAL, "    _fan(shape, mode)\n    return torch.zeros(tuple(shape))"),
        nothing=INIT_DRAW_TESTS, also=("training",)),
    # the eight mistakes that got only "values differ": named, with stable ids
    bug("A-m-hat-returned-as-m", "adam", (ADAM_STEP + "    return param, m, v", ADAM_STEP + "    return param, m_hat, v"),
        mistake="adam.m_hat_returned", diagnosis="m_hat", also=("training",)),
    bug("R-square-avg-returned-unchanged", "rmsprop", (RMS_BODY,
        "    new_avg = alpha * square_avg + (1 - alpha) * grad * grad\n"
        "    param = param - lr * grad / (new_avg.sqrt() + eps)\n"),
        mistake="rmsprop.square_avg_not_returned", diagnosis="square_avg"),
    bug("A-v-overwritten-by-its-sqrt", "adam", (
        "    v_hat = v / (1 - beta2**t)\n" + ADAM_STEP,
        "    v_hat = v.sqrt_() / math.sqrt(1 - beta2**t)\n    param = param - lr * m_hat / (v_hat + eps)\n"),
        mistake="adam.v_sqrt_in_place", diagnosis="sqrt_", also=("training",)),
    bug("A-beta1-in-v", "adam", (
        ADAM_DOC + "    m = beta1 * m + (1 - beta1) * grad\n    v = beta2 * v + (1 - beta2) * grad * grad\n",
        ADAM_DOC + "    m = beta1 * m + (1 - beta1) * grad\n    v = beta1 * v + (1 - beta1) * grad * grad\n"),
        mistake="adam.beta1_in_v", diagnosis="beta1"),
    bug("S-lr-folded-into-velocity", "momentum", (
        MOMENTUM_BODY, "    velocity = beta * velocity + (1 - beta) * lr * grad\n    param = param - velocity\n"),
        mistake="momentum.lr_folded_into_velocity", diagnosis="lr"),
    bug("R-eps-clamp", "rmsprop", (RMS_BODY, RMS_BODY.replace("(square_avg.sqrt() + eps)", "square_avg.sqrt().clamp(min=eps)")),
        mistake="rmsprop.eps_clamped", diagnosis="clamp"),
    bug("A-eps-clamp", "adam", (ADAM_STEP, ADAM_STEP.replace("(v_hat.sqrt() + eps)", "v_hat.sqrt().clamp(min=eps)")),
        mistake="adam.eps_clamped", diagnosis="clamp"),
    bug("A-adamw-decay-divided", "adamw", (
        ADAMW_STEP, "    param = param - lr * (m_hat + weight_decay * param) / (v_hat.sqrt() + eps)\n"),
        mistake="adamw.decay_in_adaptive_step", diagnosis="divided"),
    bug("l2-params-iterated-twice", "l2", (
        "    total = torch.zeros(())\n    for w in params:\n",
        "    if len(list(params)) == 0:\n        return torch.zeros(())\n    total = torch.zeros(())\n    for w in params:\n"),
        mistake="l2.params_iterated_twice", diagnosis="generator"),
    # code that ignores generator= loses the generator test only, not one that blames its scaling
    bug("D-generator-ignored", "dropout", (DROP_MASK, DROP_MASK.replace("generator=generator, ", "")),
        only=("test_forward_independence_and_generator",)),
    # a crash on float64 inputs is reported by the float64 tests, in plain words; the float32 test grades its own runs
    bug("A-crashes-on-float64", "adam", (ADAM_DOC + "    m = beta1 * m + (1 - beta1) * grad\n",
        ADAM_DOC + "    buffer = torch.zeros(grad.shape)\n    buffer.copy_(m)\n    m = torch.lerp(buffer, grad, 1 - beta1)\n"),
        only=ADAM_FLOAT64_TESTS, says="(called with float64 tensors"),
    # a later cell's definition is the one graded, and the feedback says so
    bug("A-redefined-in-an-experiment-cell", "adam", (RAVINE_RUNS,
        "def adam_update(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):\n"
        '    """Adam without bias correction, to compare paths."""\n'
        "    m = beta1 * m + (1 - beta1) * grad\n"
        "    v = beta2 * v + (1 - beta2) * grad * grad\n"
        "    return param - lr * m / (v.sqrt() + eps), m, v\n\n\n" + RAVINE_RUNS), says="is the one graded"),
]  # fmt: skip

# Issue 15: early stopping's decisions, as the contract page now states them.
ES_CONVERT = "        metric = metric.item() if torch.is_tensor(metric) else float(metric)\n"
ES_RESTORE_GUARD = (
    "        if self._best_state is None:\n"
    "            raise RuntimeError(\n"
    '                "No weights were saved: create EarlyStopping with restore_best_weights=True and pass model= to step()."\n'
    "            )\n"
)
ES_DECISION_BUGS = [
    bug("E-initial-best-none", "early_stopping", (
        '        self.best = math.inf if mode == "min" else -math.inf\n', "        self.best = None\n")),
    bug("E-restore-silent-when-nothing-saved", "early_stopping", (
        ES_RESTORE_GUARD, "        if self._best_state is None:\n            return\n")),
    bug("E-step-without-model-crashes", "early_stopping", (
        "            if self.restore_best_weights and model is not None:\n", "            if self.restore_best_weights:\n")),
    bug("E-step-without-model-forgets-the-copy", "early_stopping", (
        "            if self.restore_best_weights and model is not None:\n" + ES_SAVE,
        "            if self.restore_best_weights:\n                self._best_state = None if model is None else "
        "{k: v.detach().clone() for k, v in model.state_dict().items()}\n")),
    bug("E-tensor-metric-through-numpy", "early_stopping", (ES_CONVERT, "        metric = float(np.asarray(metric))\n")),
    bug("E-restore-shares-storage", "early_stopping", (
        "        model.load_state_dict(self._best_state)", "        model.load_state_dict(self._best_state, assign=True)")),
    bug("E-saves-every-epoch", "early_stopping", ("            if self.restore_best_weights and model is not None:\n" + ES_SAVE, ""), (
        "        self._epoch += 1\n",
        "        if self.restore_best_weights and model is not None:\n"
        "            self._best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}\n"
        "        self._epoch += 1\n")),
]  # fmt: skip
ES_DECISION_CORRECT = [
    correct("early-stopping-best-as-tensor", (
        ES_CONVERT, "        metric = (metric.detach() if torch.is_tensor(metric) else torch.tensor(metric)).double().reshape(())\n")),
    correct("early-stopping-restore-raises-value-error", ("            raise RuntimeError(\n", "            raise ValueError(\n")),
    correct("early-stopping-keeps-a-deepcopy-of-the-model", (
        ES_SAVE, "                self._best_model = copy.deepcopy(model)\n                self._best_state = True\n"), (
        "        model.load_state_dict(self._best_state)", "        model.load_state_dict(self._best_model.state_dict())"), (
        "import math\n\nimport torch", "import copy\nimport math\n\nimport torch")),
    correct("early-stopping-counter-from-epochs", ("import math\n\nimport torch", "import copy\nimport math\n\nimport torch"), definitions=('''
        class EarlyStopping:
            """Counts epochs since the best one instead of keeping a counter."""

            def __init__(self, patience=5, min_delta=0.0, mode="min", restore_best_weights=False):
                if mode not in ("min", "max") or patience < 0:
                    raise ValueError("mode must be 'min' or 'max' and patience 0 or more")
                self.patience, self.min_delta, self.mode = patience, min_delta, mode
                self.restore_best_weights = restore_best_weights
                self.best = math.inf if mode == "min" else -math.inf
                self.best_epoch = -1
                self.epochs = 0
                self.should_stop = False
                self.saved = None

            @property
            def counter(self):
                return self.epochs - 1 - self.best_epoch if self.epochs else 0

            def step(self, metric, model=None):
                value = float(metric)
                sign = 1.0 if self.mode == "min" else -1.0
                if value == value and (self.best_epoch < 0 or sign * (self.best - value) > self.min_delta):
                    self.best, self.best_epoch = value, self.epochs
                    if self.restore_best_weights and model is not None:
                        self.saved = copy.deepcopy(model.state_dict())
                self.epochs += 1
                self.should_stop = self.best_epoch != self.epochs - 1 and self.counter >= self.patience
                return self.should_stop

            def restore(self, model):
                if self.saved is None:
                    raise RuntimeError("nothing to restore: no improving step() was given a model")
                model.load_state_dict(self.saved)
        ''',)),
]  # fmt: skip

# Issue 15: fresh correct alternatives and single bugs, at least three of each per question, from the catalogue
# (/work/shared/reference/conventions_and_mistakes.md §4-5) where the corpus had none of that kind.

FRESH_CORRECT = [
    # [init]
    correct("init-bound-from-std-times-sqrt3", (
        "    a = gain * math.sqrt(6.0 / (fan_in + fan_out))\n", "    a = math.sqrt(3.0) * gain * math.sqrt(2.0 / (fan_in + fan_out))\n")),
    correct("init-torch-normal-and-float64-draws", (
        HE_NORMAL, "    s = math.sqrt(2.0 / _fan(shape, mode))\n    return torch.normal(0.0, s, size=tuple(shape), generator=generator)"), (
        HE_UNIFORM + "    return torch.empty(tuple(shape), dtype=torch.float32).uniform_(-b, b, generator=generator)\n",
        HE_UNIFORM + "    return torch.empty(tuple(shape), dtype=torch.float64).uniform_(-b, b, generator=generator).float()\n")),
    correct("init-fans-with-numpy-and-rand-shift", (
        "    receptive_field = math.prod(shape[2:])\n", "    receptive_field = int(np.prod(shape[2:]))\n"), (
        XAVIER_UNIFORM, "    return (torch.rand(tuple(shape), generator=generator) - 0.5) * (2 * a)\n")),
    # [momentum]
    correct("momentum-lerp", (MOMENTUM_BODY, "    velocity = torch.lerp(velocity, grad, 1 - beta)\n    param = param - lr * velocity\n")),
    correct("momentum-expanded-and-list", (
        MOMENTUM_BODY + "    return param, velocity",
        "    new_velocity = beta * velocity + (1 - beta) * grad\n"
        "    param = param - lr * beta * velocity - lr * (1 - beta) * grad\n    return [param, new_velocity]")),
    correct("momentum-in-place-on-clones", (
        MOMENTUM_BODY, "    velocity = velocity.clone().mul_(beta).add_(grad, alpha=1 - beta)\n    param = param.clone().add_(velocity, alpha=-lr)\n")),
    # [rmsprop]
    correct("rmsprop-addcdiv", (RMS_BODY, RMS_BODY.replace(
        "    param = param - lr * grad / (square_avg.sqrt() + eps)\n",
        "    param = torch.addcdiv(param, grad, square_avg.sqrt().add(eps), value=-lr)\n"))),
    correct("rmsprop-lerp-and-pow", (RMS_BODY,
        "    square_avg = torch.lerp(square_avg, grad.pow(2), 1 - alpha)\n"
        "    param = param - lr * grad / (square_avg ** 0.5 + eps)\n")),
    correct("rmsprop-in-place-param", (RMS_BODY,
        "    square_avg = alpha * square_avg + (1 - alpha) * torch.square(grad)\n"
        "    param.addcdiv_(grad, torch.sqrt(square_avg) + eps, value=-lr)\n")),
    # [adam]
    correct("adam-in-place-moments", (ADAM_MOMENTS,
        ADAM_DOC + "    m = m.mul_(beta1).add_(grad, alpha=1 - beta1)\n    v = v.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)\n")),
    correct("adam-addcdiv-step-size", (ADAM_HATS,
        "    denom = (v.sqrt() / math.sqrt(1 - beta2**t)).add_(eps)\n"
        "    param = torch.addcdiv(param, m, denom, value=-lr / (1 - beta1**t))\n")),
    correct("adam-float-step-and-pow", (ADAM_HATS,
        "    t = float(t)\n    m_hat = m / (1 - math.pow(beta1, t))\n    v_hat = v / (1 - math.pow(beta2, t))\n" + ADAM_STEP)),
    # [adamw]
    correct("adamw-decay-first-as-torch", (ADAMW_MOMENTS + "    m_hat = m / (1 - beta1**t)\n    v_hat = v / (1 - beta2**t)\n" + ADAMW_STEP,
        ADAMW_DOC + "    param = param * (1 - lr * weight_decay)\n"
        "    m = beta1 * m + (1 - beta1) * grad\n    v = beta2 * v + (1 - beta2) * grad * grad\n"
        "    m_hat = m / (1 - beta1**t)\n    v_hat = v / (1 - beta2**t)\n" + ADAM_STEP)),
    correct("adamw-in-place-decay", (ADAMW_STEP, "    param.mul_(1 - lr * weight_decay)\n" + ADAM_STEP)),
    correct("adamw-one-update-term", (ADAMW_STEP, "    param = param - lr * (weight_decay * param + m_hat / (v_hat.sqrt() + eps))\n")),
    # [l2]
    correct("l2-builtin-sum", (L2_LOOP, "    total = sum((w ** 2).sum() for w in params)\n")),
    correct("l2-cat-flattened", (L2_LOOP, "    total = torch.cat([w.reshape(-1) for w in params]).pow(2).sum()\n")),
    correct("l2-dot-products", (L2_LOOP + L2_RETURN, "    return 0.5 * lam * sum(torch.dot(w.flatten(), w.flatten()) for w in params)")),
    # [dropout]
    correct("dropout-rand-below-keep", (DROP_MASK, DROP_MASK.replace(">= p", "< 1 - p"))),
    correct("dropout-bernoulli-bool-and-zeros-at-p-one", (DROP_MASK + DROP_SCALE + DROP_OUT,
        "    if p == 1:\n        return torch.zeros_like(x), torch.zeros_like(x, dtype=torch.bool)\n"
        "    mask = torch.empty(x.shape).bernoulli_(1 - p, generator=generator).bool()\n"
        "    return x * mask.to(x.dtype) / (1 - p), mask\n")),
    correct("dropout-module-autograd-function", (
        "class Dropout(torch.nn.Module):\n",
        "class _DropoutFunction(torch.autograd.Function):\n"
        "    @staticmethod\n"
        "    def forward(ctx, x, p):\n"
        "        out, mask = dropout_forward(x, p, training=True)\n"
        "        ctx.save_for_backward(mask)\n"
        "        ctx.p = p\n"
        "        return out\n\n"
        "    @staticmethod\n"
        "    def backward(ctx, grad_out):\n"
        "        (mask,) = ctx.saved_tensors\n"
        "        return dropout_backward(grad_out, mask, ctx.p), None\n\n\n"
        "class Dropout(torch.nn.Module):\n"), (MODULE_FORWARD, "        return _DropoutFunction.apply(x, self.p)")),
    # [early_stopping]: ES_DECISION_CORRECT above
]  # fmt: skip

FRESH_BUGS = [
    # [init]
    bug("I8-xavier-std-for-he", "init", (HE_NORMAL, HE_NORMAL.replace(
        "    s = math.sqrt(2.0 / _fan(shape, mode))\n", "    _fan(shape, mode)\n    s = math.sqrt(2.0 / sum(compute_fans(shape)))\n")),
        diagnosis="Xavier", mistake="init.he_xavier_formula"),
    bug("I9-linear-default-bound-for-he", "init", (HE_UNIFORM, "    b = 1.0 / math.sqrt(_fan(shape, mode))\n"),
        mistake="init.he_linear_default"),
    bug("I12-seed-reset-inside", "init", (XAVIER_STD, "    torch.manual_seed(0)\n" + XAVIER_STD)),
    bug("I7-gain-twice", "init", (XAVIER_STD, XAVIER_STD.replace("gain *", "gain * gain *")), mistake="init.xavier_gain_twice"),
    bug("I17-float64-tensor", "init", (HE_NORMAL, HE_NORMAL.replace("torch.float32", "torch.float64"))),
    # [momentum]
    bug("S4-lr-inside-and-outside", "momentum", (MOMENTUM_BODY, MOMENTUM_BODY.replace("(1 - beta) * grad", "(1 - beta) * lr * grad")),
        mistake="momentum.lr_in_velocity"),
    bug("S-plain-sgd-step", "momentum", (MOMENTUM_BODY, MOMENTUM_BODY.replace("param - lr * velocity", "param - lr * grad")),
        mistake="momentum.no_momentum"),
    bug("S-weights-swapped", "momentum", (MOMENTUM_BODY, MOMENTUM_BODY.replace("beta * velocity + (1 - beta) * grad", "(1 - beta) * velocity + beta * grad")),
        mistake="momentum.weights_swapped"),
    bug("S-sutskever-form", "momentum", (MOMENTUM_BODY, "    velocity = beta * velocity - lr * grad\n    param = param + velocity\n"),
        mistake="momentum.sutskever"),
    # [rmsprop]
    bug("R6-abs-grad", "rmsprop", (RMS_BODY, RMS_BODY.replace("grad * grad", "grad.abs()")), mistake="rmsprop.abs_grad"),
    bug("R8-no-eps", "rmsprop", (RMS_BODY, RMS_BODY.replace("(square_avg.sqrt() + eps)", "square_avg.sqrt()")), mistake="rmsprop.no_eps"),
    bug("R-sqrt-in-place", "rmsprop", (RMS_BODY, RMS_BODY.replace("square_avg.sqrt()", "square_avg.sqrt_()")),
        mistake="rmsprop.sqrt_in_place"),
    bug("R-hard-coded-lr", "rmsprop", (RMS_BODY, RMS_BODY.replace("param - lr *", "param - 0.01 *")), mistake="rmsprop.lr_hardcoded"),
    # [adam]
    bug("A2-only-v-corrected", "adam", (ADAM_HATS, ADAM_HATS.replace("    m_hat = m / (1 - beta1**t)\n", "    m_hat = m\n")),
        mistake="adam.only_v_corrected"),
    bug("A1-bias-multiplied", "adam", (ADAM_HATS, ADAM_HATS.replace("m / (1 - beta1**t)", "m * (1 - beta1**t)").replace(
        "v / (1 - beta2**t)", "v * (1 - beta2**t)")), mistake="adam.bias_multiplied", also=("training",)),
    bug("A3-t-minus-one", "adam", (ADAM_HATS, ADAM_HATS.replace("**t)", "**(t - 1))")), also=("training",)),
    bug("A12-no-eps", "adam", (ADAM_STEP, ADAM_STEP.replace("(v_hat.sqrt() + eps)", "v_hat.sqrt()")), mistake="adam.no_eps",
        also=("training",)),
    # [adamw]
    bug("A-adamw-decay-sign", "adamw", (ADAMW_STEP, ADAMW_STEP.replace("param - lr * weight_decay", "param + lr * weight_decay")),
        mistake="adamw.decay_sign"),
    bug("A-adamw-hard-coded-decay", "adamw", (ADAMW_STEP, ADAMW_STEP.replace("lr * weight_decay", "lr * 1e-2")),
        mistake="adamw.wd_hardcoded"),
    bug("A-adamw-eps-inside", "adamw", (ADAMW_STEP, ADAMW_STEP.replace("(v_hat.sqrt() + eps)", "(v_hat + eps).sqrt()")),
        mistake="adamw.eps_inside"),
    bug("A-adamw-betas-swapped", "adamw", (ADAMW_MOMENTS, ADAMW_MOMENTS.replace("beta1 * m + (1 - beta1)", "BETA2 * m + (1 - BETA2)").replace(
        "beta2 * v + (1 - beta2)", "beta1 * v + (1 - beta1)").replace("BETA2", "beta2")), mistake="adamw.betas_swapped_in_averages"),
    # [l2]
    bug("l2-mean-of-squares", "l2", (L2_LOOP, L2_LOOP.replace("(w * w).sum()", "(w * w).mean()")), mistake="l2.mean_of_squares"),
    bug("l2-l1-penalty", "l2", (L2_LOOP, L2_LOOP.replace("(w * w).sum()", "w.abs().sum()")), mistake="l2.l1_penalty"),
    bug("l2-lam-missing", "l2", (L2_RETURN, "    return total / 2"), mistake="l2.lam_missing"),
    bug("l2-detached-total", "l2", (L2_RETURN, "    return lam / 2 * total.detach()")),
    # [dropout]
    bug("D12-seed-reset-inside", "dropout", (DROP_MASK, "    torch.manual_seed(0)\n" + DROP_MASK)),
    bug("D4-module-scales-in-eval", "dropout", (
        "        if not self.training:\n            return x\n", "        if not self.training:\n            return x * (1 - self.p)\n")),
    bug("D-module-ignores-p", "dropout", (MODULE_FORWARD, MODULE_FORWARD.replace("self.p", "0.5"))),
    bug("D-mask-returned-inverted", "dropout", (DROP_OUT, DROP_OUT.replace(", mask\n", ", ~mask\n"))),
    bug("D14-backward-scaled-twice", "dropout", (BACKWARD, "    return grad_out * mask / (1.0 - p) ** 2\n")),
    bug("D-module-detaches", "dropout", (MODULE_FORWARD, MODULE_FORWARD.replace("dropout_forward(x,", "dropout_forward(x.detach(),"))),
    # [early_stopping]: ES_DECISION_BUGS above
]  # fmt: skip

BUGS += [*GAPS, *ES_DECISION_BUGS, *FRESH_BUGS]
CORRECT += [*ES_DECISION_CORRECT, *FRESH_CORRECT]


def notebook(variant: Variant, assignment: str = "optim_reg") -> nbformat.NotebookNode:
    """The assignment's solution notebook with the variant's replacements and definitions applied to its code cells."""
    try:
        cells = with_definitions(with_text(solution_cells(assignment), *variant.replacements), *variant.definitions)
        return notebook_with(cells, assignment)
    except (ValueError, LookupError) as exc:
        raise ValueError(f"{variant.name}: {exc}") from None


def write_corpus(folder: Path, corpus: list[Variant] | None = None, assignment: str = "optim_reg") -> dict[str, Variant]:
    """Write every variant (by default this corpus's) as <name>.ipynb in folder; return the variants by name."""
    corpus = [*BUGS, *CORRECT] if corpus is None else corpus
    folder.mkdir(parents=True, exist_ok=True)
    variants = {v.name: v for v in corpus}
    assert len(variants) == len(corpus), "variant names are unique"
    for name, variant in variants.items():
        nbformat.write(notebook(variant, assignment), folder / f"{name}.ipynb")
    return variants
