"""The grading corpus: the solution notebook with one change each — a real student mistake or a correct alternative.

Each variant is a list of text replacements applied to the solution notebook's code cells (tests/edit.py); every
``old`` text must occur exactly once, so a change to the notebook that invalidates a variant fails loudly. Bug names
follow the project's catalogue of real student mistakes (I = initialization, S = SGD with momentum, R = RMSProp,
A = Adam/AdamW, D = dropout, E = early stopping).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat

from tests.edit import notebook_with, solution_cells, with_text

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
ES_SAVE = "                self._best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}\n"


@dataclass(frozen=True)
class Variant:
    name: str
    question: str | None  # the question the mistake belongs to; None for a correct alternative
    replacements: tuple[tuple[str, str], ...]
    diagnosis: str = ""  # a phrase the feedback on that question should contain
    # Questions the bug also costs, by design: SPEC A9 grades [training] by training a network with the student's
    # own init, Adam, dropout and early stopping, so a bug that stops that network from learning costs it too.
    also: tuple[str, ...] = ()


def bug(
    name: str, question: str, *replacements: tuple[str, str], diagnosis: str = "", also: tuple[str, ...] = ()
) -> Variant:
    return Variant(name, question, replacements, diagnosis, also)


def correct(name: str, *replacements: tuple[str, str]) -> Variant:
    return Variant(name, None, replacements)


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
    bug("generator-ignored", "init", ("uniform_(-a, a, generator=generator)", "uniform_(-a, a)")),
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


def notebook(variant: Variant) -> nbformat.NotebookNode:
    """The solution notebook with the variant's replacements applied to its code cells."""
    try:
        return notebook_with(with_text(solution_cells(), *variant.replacements))
    except ValueError as exc:
        raise ValueError(f"{variant.name}: {exc}") from None


def write_corpus(folder: Path) -> dict[str, Variant]:
    """Write every variant as <name>.ipynb in folder; return the variants by name."""
    folder.mkdir(parents=True, exist_ok=True)
    variants = {v.name: v for v in [*BUGS, *CORRECT]}
    for name, variant in variants.items():
        nbformat.write(notebook(variant), folder / f"{name}.ipynb")
    return variants
