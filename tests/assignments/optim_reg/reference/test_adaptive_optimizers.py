"""Oracle tests: rmsprop_update, adam_update and adamw_update against torch.optim.RMSprop / Adam / AdamW.

Every check(opt, regime) takes an implementation and raises AssertionError on the first mismatch (also when the
implementation crashes or returns non-finite values). The reference must pass every check; each mutant below, a
realistic student mistake, must fail the check it is listed with in MUTANT_CASES.

Tolerances: a value a passes against the torch value e when |a - e| <= rtol * |e| + atol * max|e|, where max|e| is
taken over the whole 60-step trajectory of that quantity. Measuring atol against the quantity's own scale lets the
same numbers work for parameters (~1), moments of tiny gradients (~1e-12) and per-step displacements (~1e-3).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch

from solutions import optim_reg as ref
from tests.assignments.optim_reg.reference.checking import assert_close_steps, call_or_fail

STEPS = 60
SHAPES: list[tuple[int, ...]] = [(), (7,), (5, 4), (3, 2, 3, 3)]
F64_TOL = (1e-10, 1e-13)
DISPLACEMENT_TOL = (1e-9, 1e-12)
F32_TOL = (1e-4, 1e-6)

# The spec's default hyper-parameters, passed to torch explicitly so a change of torch's defaults cannot hide a bug.
SPEC_DEFAULTS: dict[str, dict[str, float]] = {
    "rmsprop": {"lr": 0.01, "alpha": 0.99, "eps": 1e-8},
    "adam": {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
    "adamw": {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 1e-2},
}
TORCH_ORACLE: dict[str, tuple[type[torch.optim.Optimizer], tuple[str, ...]]] = {
    "rmsprop": (torch.optim.RMSprop, ("square_avg",)),
    "adam": (torch.optim.Adam, ("exp_avg", "exp_avg_sq")),
    "adamw": (torch.optim.AdamW, ("exp_avg", "exp_avg_sq")),
}
STATE_NAMES = {"rmsprop": ("square_avg",), "adam": ("m", "v"), "adamw": ("m", "v")}

# {} means: call the implementation without hyper-parameter keywords (its defaults) and torch with SPEC_DEFAULTS.
CONFIGS: dict[str, list[dict[str, float]]] = {
    "rmsprop": [{}, {"lr": 0.05, "alpha": 0.9, "eps": 1e-3}],
    "adam": [{}, {"lr": 0.05, "beta1": 0.5, "beta2": 0.9, "eps": 1e-3}],
    "adamw": [
        {},
        {"lr": 0.1, "weight_decay": 0.5},
        {"lr": 0.05, "beta1": 0.5, "beta2": 0.9, "eps": 1e-3, "weight_decay": 0.1},
    ],
}
# Tiny gradients keep eps small next to sqrt(v), where its placement (inside or outside the root) shows.
TINY_CONFIGS: dict[str, list[dict[str, float]]] = {
    "rmsprop": [{}, {"lr": 0.05, "alpha": 0.9, "eps": 1e-6}],
    "adam": [{}, {"lr": 0.05, "beta1": 0.5, "beta2": 0.9, "eps": 1e-6}],
    "adamw": [{}, {"lr": 0.1, "weight_decay": 0.5, "eps": 1e-6}],
}

Trajectory = dict[str, torch.Tensor]


def _problem(shape: tuple[int, ...], dtype: torch.dtype, seed: int, tiny: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """Seeded start point and STEPS gradients (biased noise); every third coordinate's gradient is always zero.

    With tiny=True each coordinate's gradients are scaled by a fixed factor drawn log-uniformly from [1e-6, 1e-4].
    """
    gen = torch.Generator().manual_seed(seed)
    p0 = torch.randn(shape, generator=gen, dtype=torch.float64)
    grads = torch.randn(shape, generator=gen, dtype=torch.float64) + torch.randn(
        (STEPS, *shape), generator=gen, dtype=torch.float64
    )
    if tiny:
        grads = grads * 10 ** torch.empty(shape, dtype=torch.float64).uniform_(-6, -4, generator=gen)
    if p0.dim() > 0:
        grads = grads * (torch.arange(p0.numel()) % 3 != 0).reshape(shape)
    return p0.to(dtype), grads.to(dtype)


def _torch_trajectory(opt: str, p0: torch.Tensor, grads: torch.Tensor, hp: dict[str, float]) -> Trajectory:
    """Parameters and optimizer state after each step of torch.optim, stacked along dim 0."""
    cls, keys = TORCH_ORACLE[opt]
    kwargs: dict = {**SPEC_DEFAULTS[opt], **hp}
    if "beta1" in kwargs:
        kwargs["betas"] = (kwargs.pop("beta1"), kwargs.pop("beta2"))
    p = p0.clone().requires_grad_(True)
    optimizer = cls([p], foreach=False, **kwargs)
    steps: list[tuple[torch.Tensor, ...]] = []
    for g in grads:
        p.grad = g.clone()
        optimizer.step()
        steps.append((p.detach().clone(), *(optimizer.state[p][k].clone() for k in keys)))
    return {name: torch.stack(col) for name, col in zip(("param", *STATE_NAMES[opt]), zip(*steps))}


def _impl_trajectory(
    opt: str, impl: Callable, p0: torch.Tensor, grads: torch.Tensor, hp: dict[str, float], label: str
) -> Trajectory:
    """Run impl from zero state, feeding it copies of its own previous outputs; stack the results along dim 0."""
    names = ("param", *STATE_NAMES[opt])
    param, state = p0.clone(), [torch.zeros_like(p0) for _ in STATE_NAMES[opt]]
    steps: list[tuple[torch.Tensor, ...]] = []
    for t, g in enumerate(grads, start=1):
        args = [param.clone(), g.clone(), *(s.clone() for s in state)] + ([] if opt == "rmsprop" else [t])
        out = tuple(call_or_fail(f"{label}: step {t}", impl, *args, **hp))
        if len(out) != len(names):
            raise AssertionError(f"{label}: step {t} returned {len(out)} values, expected {names}")
        param, *state = (torch.as_tensor(x).detach() for x in out)
        steps.append((param, *state))
    return {name: torch.stack(col) for name, col in zip(names, zip(*steps))}


def _check_against_torch(
    opt: str, impl: Callable, configs: list[dict[str, float]], dtype: torch.dtype, tol: tuple[float, float], tiny: bool
) -> None:
    """Compare impl with torch.optim on every config x shape: parameters, state and (tiny=True) displacements."""
    for i, hp in enumerate(configs):
        for j, shape in enumerate(SHAPES):
            p0, grads = _problem(shape, dtype, seed=1000 * i + j + (500 if tiny else 0), tiny=tiny)
            label = f"{opt} {hp or 'defaults'} shape {shape} {dtype}{' tiny grads' if tiny else ''}"
            mine = _impl_trajectory(opt, impl, p0, grads, hp, label)
            theirs = _torch_trajectory(opt, p0, grads, hp)
            for name in theirs:
                assert_close_steps(mine[name], theirs[name], tol, f"{label}: {name}", "torch")
            if tiny:
                start = p0.to(torch.float64).unsqueeze(0)
                assert_close_steps(
                    torch.diff(mine["param"].to(torch.float64), dim=0, prepend=start),
                    torch.diff(theirs["param"].to(torch.float64), dim=0, prepend=start),
                    DISPLACEMENT_TOL,
                    f"{label}: displacement param_new - param_old",
                    "torch",
                )


# How each optimizer is checked: (hyper-parameter configs, dtype, tolerance, tiny gradients).
REGIMES: dict[str, tuple[dict[str, list[dict[str, float]]], torch.dtype, tuple[float, float], bool]] = {
    "matches_torch": (CONFIGS, torch.float64, F64_TOL, False),  # |g| ~ 1, defaults and non-default settings
    "tiny_gradients": (TINY_CONFIGS, torch.float64, F64_TOL, True),  # |g| ~ 1e-6..1e-4, plus displacements
    "float32": (CONFIGS, torch.float32, F32_TOL, False),  # float32 inputs, looser tolerance
}


def check(opt: str, regime: str) -> Callable[[Callable], None]:
    """The check of one optimizer in one regime, as a function of the implementation under test."""
    configs, dtype, tol, tiny = REGIMES[regime]

    def run(impl: Callable) -> None:
        _check_against_torch(opt, impl, configs[opt], dtype, tol, tiny=tiny)

    run.__name__ = f"check_{opt}_{regime}"
    return run


REFERENCE_CASES = [(check(opt, regime), getattr(ref, f"{opt}_update")) for opt in TORCH_ORACLE for regime in REGIMES]


@pytest.mark.parametrize(("check", "impl"), REFERENCE_CASES, ids=[c.__name__ for c, _ in REFERENCE_CASES])
def test_reference_passes(check: Callable, impl: Callable) -> None:
    check(impl)


# ---- Mutants: realistic student mistakes. ----


def rms_eps_inside_sqrt(param, grad, square_avg, lr=0.01, alpha=0.99, eps=1e-8):
    """R1."""
    square_avg = alpha * square_avg + (1 - alpha) * grad**2
    return param - lr * grad / torch.sqrt(square_avg + eps), square_avg


def rms_old_cache_in_denominator(param, grad, square_avg, lr=0.01, alpha=0.99, eps=1e-8):
    """R2."""
    param = param - lr * grad / (square_avg.sqrt() + eps)
    return param, alpha * square_avg + (1 - alpha) * grad**2


def rms_decay_weights_swapped(param, grad, square_avg, lr=0.01, alpha=0.99, eps=1e-8):
    """R3."""
    square_avg = (1 - alpha) * square_avg + alpha * grad**2
    return param - lr * grad / (square_avg.sqrt() + eps), square_avg


def rms_no_sqrt(param, grad, square_avg, lr=0.01, alpha=0.99, eps=1e-8):
    """R4."""
    square_avg = alpha * square_avg + (1 - alpha) * grad**2
    return param - lr * grad / (square_avg + eps), square_avg


def rms_adagrad_accumulation(param, grad, square_avg, lr=0.01, alpha=0.99, eps=1e-8):
    """R5."""
    square_avg = square_avg + grad**2
    return param - lr * grad / (square_avg.sqrt() + eps), square_avg


class RmsAdamBiasCorrection:
    """R7: Adam-style bias correction, counting steps itself (restarting when handed an all-zero cache)."""

    def __init__(self) -> None:
        self.t = 0

    def __call__(self, param, grad, square_avg, lr=0.01, alpha=0.99, eps=1e-8):
        self.t = 1 if not square_avg.any() else self.t + 1
        square_avg = alpha * square_avg + (1 - alpha) * grad**2
        return param - lr * grad / ((square_avg / (1 - alpha**self.t)).sqrt() + eps), square_avg


def rms_hard_coded_alpha(param, grad, square_avg, lr=0.01, alpha=0.99, eps=1e-8):
    """R12."""
    square_avg = 0.99 * square_avg + 0.01 * grad**2
    return param - lr * grad / (square_avg.sqrt() + eps), square_avg


def adam_no_bias_correction(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """A1."""
    m, v = beta1 * m + (1 - beta1) * grad, beta2 * v + (1 - beta2) * grad**2
    return param - lr * m / (v.sqrt() + eps), m, v


def adam_only_m_corrected(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """A2."""
    m, v = beta1 * m + (1 - beta1) * grad, beta2 * v + (1 - beta2) * grad**2
    return param - lr * m / (1 - beta1**t) / (v.sqrt() + eps), m, v


def adam_eps_inside_sqrt(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """A7."""
    m, v = beta1 * m + (1 - beta1) * grad, beta2 * v + (1 - beta2) * grad**2
    return param - lr * (m / (1 - beta1**t)) / (v / (1 - beta2**t) + eps).sqrt(), m, v


def adam_betas_swapped(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """A8."""
    return ref.adam_update(param, grad, m, v, t, lr=lr, beta1=beta2, beta2=beta1, eps=eps)


def adam_one_minus_beta_on_wrong_term(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """A9."""
    m, v = (1 - beta1) * m + beta1 * grad, (1 - beta2) * v + beta2 * grad**2
    return param - lr * (m / (1 - beta1**t)) / ((v / (1 - beta2**t)).sqrt() + eps), m, v


def adam_hard_coded_hyperparameters(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """A11."""
    return ref.adam_update(param, grad, m, v, t)


def adam_eps_hat(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """Kingma & Ba's 'efficient' form: eps added to sqrt(v), not sqrt(v_hat) (a deviation under this spec)."""
    m, v = beta1 * m + (1 - beta1) * grad, beta2 * v + (1 - beta2) * grad**2
    lr_t = lr * (1 - beta2**t) ** 0.5 / (1 - beta1**t)
    return param - lr_t * m / (v.sqrt() + eps), m, v


def adamw_decay_without_lr(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2):
    """A14."""
    new, m, v = ref.adam_update(param, grad, m, v, t, lr=lr, beta1=beta1, beta2=beta2, eps=eps)
    return new - weight_decay * param, m, v


def adamw_l2_in_gradient(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2):
    """A15."""
    return ref.adam_update(param, grad + weight_decay * param, m, v, t, lr=lr, beta1=beta1, beta2=beta2, eps=eps)


def adamw_decay_after_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2):
    """A16."""
    new, m, v = ref.adam_update(param, grad, m, v, t, lr=lr, beta1=beta1, beta2=beta2, eps=eps)
    return new - lr * weight_decay * new, m, v


def adamw_ignores_weight_decay(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2):
    """AdamW implemented as plain Adam."""
    return ref.adam_update(param, grad, m, v, t, lr=lr, beta1=beta1, beta2=beta2, eps=eps)


MUTANT_CASES = [
    ("R1-eps-inside-sqrt", rms_eps_inside_sqrt, check("rmsprop", "tiny_gradients")),
    ("R2-old-cache", rms_old_cache_in_denominator, check("rmsprop", "matches_torch")),
    ("R3-weights-swapped", rms_decay_weights_swapped, check("rmsprop", "matches_torch")),
    ("R4-no-sqrt", rms_no_sqrt, check("rmsprop", "matches_torch")),
    ("R4-no-sqrt-f32", rms_no_sqrt, check("rmsprop", "float32")),
    ("R5-adagrad", rms_adagrad_accumulation, check("rmsprop", "matches_torch")),
    ("R7-bias-correction", RmsAdamBiasCorrection(), check("rmsprop", "matches_torch")),
    ("R12-hard-coded-alpha", rms_hard_coded_alpha, check("rmsprop", "matches_torch")),
    ("A1-no-bias-correction", adam_no_bias_correction, check("adam", "matches_torch")),
    ("A1-no-bias-correction-f32", adam_no_bias_correction, check("adam", "float32")),
    ("A2-only-m-corrected", adam_only_m_corrected, check("adam", "matches_torch")),
    ("A7-eps-inside-sqrt", adam_eps_inside_sqrt, check("adam", "tiny_gradients")),
    ("A8-betas-swapped", adam_betas_swapped, check("adam", "matches_torch")),
    ("A9-one-minus-beta-wrong-term", adam_one_minus_beta_on_wrong_term, check("adam", "matches_torch")),
    ("A11-hard-coded-hyperparameters", adam_hard_coded_hyperparameters, check("adam", "matches_torch")),
    ("eps-hat-form", adam_eps_hat, check("adam", "tiny_gradients")),
    ("A14-decay-without-lr", adamw_decay_without_lr, check("adamw", "matches_torch")),
    ("A15-l2-in-gradient", adamw_l2_in_gradient, check("adamw", "matches_torch")),
    ("A15-l2-in-gradient-f32", adamw_l2_in_gradient, check("adamw", "float32")),
    ("A16-decay-after-step", adamw_decay_after_step, check("adamw", "matches_torch")),
    ("AdamW-as-Adam", adamw_ignores_weight_decay, check("adamw", "matches_torch")),
]


@pytest.mark.parametrize(("mutant", "check"), [c[1:] for c in MUTANT_CASES], ids=[c[0] for c in MUTANT_CASES])
def test_mutant_is_caught(mutant: Callable, check: Callable) -> None:
    with pytest.raises(AssertionError):
        check(mutant)
