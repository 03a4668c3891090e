"""Shared checks of the optimizer questions ([momentum], [rmsprop], [adam], [adamw]) and their known mistakes.

Every optimizer test builds its runs with :func:`run` (or :func:`adam_run`, which adds the step number t), runs the
probe ``optimizer_runs`` (../probes/optimizers.py) on the student and on the reference and calls :func:`check_runs`:
the engine's autograder/grading/updates.py compares them step by step (its docstring gives the tolerances). Correct
arrangements (lerp averages, torch's (lr / bc1) * m / (sqrt(v) / sqrt(bc2) + eps), AdamW's decay computed from the
old param but applied after the step) agree with the reference to ~1e-15. At gradient scale 1, eps conventions stay
below the float64 tolerance (eps inside the root: <= 1.8e-6 relative; Keras' eps-hat form: <= 6e-7) and only the
tiny-gradient tests (scale 1e-4..1e-6, deviations 3e-3..1) judge eps placement; AdamW's decay applied to the updated
param is off by lr * weight_decay = 1e-5 relative at the defaults, 5e-2 at lr=0.1, weight_decay=0.5.

When a result is wrong, the buggy versions below are run on the same inputs, and the one the student's result
matches is named in the feedback (and by its id in results.json). They are trusted grader code, never shown to
students.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from assignments.optim_reg.probes.optimizers import RULES
from autograder.grading.plugin import ProbeCache
from autograder.grading.updates import TINY, UpdateChecks, run

__all__ = ["TINY", "adam_run", "check_runs", "describe_run", "run"]


def adam_run(shape: tuple[int, ...], steps: int, seed: int, dtype: str = "float64", hyper: dict | None = None,
             t0: int = 1, **extra: Any) -> dict[str, Any]:  # fmt: skip
    """A run of an update function that also takes the 1-based step number t (Adam, AdamW), starting at t0."""
    return run(shape, steps, seed, dtype, hyper, t0=t0, **extra)


def describe_run(function: str, run: dict[str, Any]) -> str:
    return CHECKS.describe_run(function, run)


def check_runs(
    student: ProbeCache, reference: ProbeCache, function: str, runs: list[dict[str, Any]], only: Any = None
) -> None:
    """Compare the student's function with the reference on the runs (those numbered in `only`, if given)."""
    CHECKS.check_runs(student, reference, function, runs, only)


# ----------------------------------------------------------------------------------------------------------------
# Known mistakes (catalogue §4.1-4.3). Each is a complete buggy update function with SPEC's signature.


def _sqrt(x: Any) -> Any:
    return x.sqrt()


def _momentum(kind: str) -> Callable[..., Any]:
    def sgd_momentum_update(param, grad, velocity, lr=0.01, beta=0.9):
        old = velocity
        if kind == "beta_hardcoded":
            beta = 0.9
        if kind == "lr_hardcoded":
            lr = 0.01
        if kind == "heavy_ball":
            velocity = beta * velocity + grad
            return param - lr * velocity, velocity
        if kind == "sutskever":
            velocity = beta * velocity - lr * grad
            return param + velocity, velocity
        if kind == "old_velocity":
            param = param - lr * velocity
            return param, beta * velocity + (1 - beta) * grad
        if kind == "weights_swapped":
            velocity = (1 - beta) * velocity + beta * grad
        elif kind in ("lr_in_velocity", "lr_folded_into_velocity"):
            velocity = beta * velocity + (1 - beta) * lr * grad
            if kind == "lr_folded_into_velocity":
                return param - velocity, velocity
        elif kind == "no_momentum":
            return param - lr * grad, beta * velocity + (1 - beta) * grad
        else:
            velocity = beta * velocity + (1 - beta) * grad
        if kind == "sign":
            return param + lr * velocity, velocity
        if kind == "velocity_not_returned":
            return param - lr * velocity, old
        return param - lr * velocity, velocity

    return sgd_momentum_update


MOMENTUM_MISTAKES = {
    "momentum.sign": "the step goes uphill (param + lr * velocity instead of param - lr * velocity)",
    "momentum.old_velocity": "the param is moved with the old velocity, before the velocity is updated",
    "momentum.heavy_ball": (
        "the velocity is accumulated as beta * velocity + grad (the heavy-ball form of torch.optim.SGD) instead of "
        "SPEC's average beta * velocity + (1 - beta) * grad"
    ),
    "momentum.sutskever": (
        "the velocity is computed as beta * velocity - lr * grad and added to the param (the CS231n form) instead of "
        "SPEC's average beta * velocity + (1 - beta) * grad"
    ),
    "momentum.weights_swapped": (
        "(1 - beta) multiplies the old velocity and beta the gradient, instead of the other way round"
    ),
    "momentum.lr_in_velocity": "lr is applied twice, inside the velocity and again in the step",
    "momentum.lr_folded_into_velocity": (
        "lr is folded into the velocity (velocity = beta * velocity + (1 - beta) * lr * grad, then param - velocity): "
        "the steps are right while lr stays the same, but the velocity returned is lr times the contract's"
    ),
    "momentum.no_momentum": "the param takes a plain SGD step (param - lr * grad) without using the velocity",
    "momentum.velocity_not_returned": (
        "the new velocity is computed and used for the step, but the velocity passed in is returned unchanged, so "
        "the next step starts again from the old velocity"
    ),
    "momentum.beta_hardcoded": "the beta argument is ignored (beta hard-coded to 0.9)",
    "momentum.lr_hardcoded": "the lr argument is ignored (lr hard-coded to 0.01)",
}



def _rmsprop(kind: str) -> Callable[..., Any]:
    def rmsprop_update(param, grad, square_avg, lr=0.01, alpha=0.99, eps=1e-8):
        if kind == "alpha_hardcoded":
            alpha = 0.99
        if kind == "lr_hardcoded":
            lr = 0.01
        if kind == "eps_hardcoded":
            eps = 1e-8
        old = square_avg
        if kind == "weights_swapped":
            square_avg = (1 - alpha) * square_avg + alpha * grad * grad
        elif kind == "adagrad":
            square_avg = square_avg + grad * grad
        elif kind == "abs_grad":
            square_avg = alpha * square_avg + (1 - alpha) * grad.abs()
        else:
            square_avg = alpha * square_avg + (1 - alpha) * grad * grad
        if kind == "eps_inside":
            denominator = _sqrt(square_avg + eps)
        elif kind == "eps_clamped":
            denominator = _sqrt(square_avg).clamp(min=eps)
        elif kind == "old_cache":
            denominator = _sqrt(old) + eps
        elif kind == "no_sqrt":
            denominator = square_avg + eps
        elif kind == "no_eps":
            denominator = _sqrt(square_avg)
        else:
            denominator = _sqrt(square_avg) + eps
        returned = {"square_avg_not_returned": old, "sqrt_in_place": _sqrt(square_avg)}.get(kind, square_avg)
        return param - lr * grad / denominator, returned

    return rmsprop_update


RMSPROP_MISTAKES = {
    "rmsprop.eps_inside": "eps is added inside the square root (sqrt(square_avg + eps)) instead of to sqrt(square_avg)",
    "rmsprop.eps_clamped": (
        "the square root is clamped from below at eps (sqrt(square_avg).clamp(min=eps)) instead of having eps added "
        "to it: the two differ where sqrt(square_avg) is not much larger than eps, as for tiny gradients"
    ),
    "rmsprop.square_avg_not_returned": (
        "the new square_avg is computed and used for the step, but the square_avg passed in is returned unchanged, "
        "so the next step starts again from the old average"
    ),
    "rmsprop.sqrt_in_place": (
        "square_avg is overwritten by its own square root (an in-place .sqrt_() on it), so the square_avg returned "
        "is sqrt(square_avg)"
    ),
    "rmsprop.old_cache": "the step divides by the old square_avg, before it is updated",
    "rmsprop.weights_swapped": (
        "alpha and (1 - alpha) are swapped (square_avg = (1 - alpha) * square_avg + alpha * grad**2)"
    ),
    "rmsprop.no_sqrt": "the step divides by square_avg instead of its square root",
    "rmsprop.adagrad": "squared gradients are summed (Adagrad: square_avg + grad**2) instead of averaged",
    "rmsprop.abs_grad": "square_avg averages |grad| instead of grad**2",
    "rmsprop.no_eps": "eps is left out of the denominator (0 / 0 where the gradient is 0)",
    "rmsprop.alpha_hardcoded": "the alpha argument is ignored (alpha hard-coded to 0.99)",
    "rmsprop.lr_hardcoded": "the lr argument is ignored (lr hard-coded to 0.01)",
    "rmsprop.eps_hardcoded": "the eps argument is ignored (eps hard-coded to 1e-8)",
}



def _adam(kind: str, decoupled: bool) -> Callable[..., Any]:
    def update(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2):
        if not decoupled:
            weight_decay = 0.0
        if kind == "betas_hardcoded":
            beta1, beta2 = 0.9, 0.999
        elif kind == "betas_swapped":
            beta1, beta2 = beta2, beta1
        elif kind == "lr_hardcoded":
            lr = 1e-3
        elif kind == "eps_hardcoded":
            eps = 1e-8
        elif kind == "wd_hardcoded":
            weight_decay = 1e-2
        elif kind == "no_decay":
            weight_decay = 0.0
        before = param
        if kind == "decay_in_grad":
            grad = grad + weight_decay * param
        if kind == "weights_swapped":
            m = (1 - beta1) * m + beta1 * grad
            v = (1 - beta2) * v + beta2 * grad * grad
        else:
            beta_m = beta2 if kind == "betas_swapped_in_averages" else beta1
            beta_v = beta1 if kind in ("beta1_in_v", "betas_swapped_in_averages") else beta2
            m = beta_m * m + (1 - beta_m) * grad
            v = beta_v * v + (1 - beta_v) * (grad.abs() if kind == "v_abs" else grad * grad)
        tm = {"t_plus_1": t + 1, "t_minus_1": t - 1}.get(kind, t)
        bc1, bc2 = 1 - beta1**tm, 1 - beta2**tm
        if kind == "no_bias_correction":
            bc1 = bc2 = 1.0
        elif kind == "bias_multiplied":
            bc1, bc2 = 1 / bc1, 1 / bc2
        elif kind == "only_m_corrected":
            bc2 = 1.0
        elif kind == "only_v_corrected":
            bc1 = 1.0
        m_hat, v_hat = m / bc1, v / bc2
        if kind == "eps_inside":
            step = lr * m_hat / _sqrt(v_hat + eps)
        elif kind == "eps_clamped":
            step = lr * m_hat / _sqrt(v_hat).clamp(min=eps)
        elif kind == "decay_in_adaptive_step":
            step = lr * (m_hat + weight_decay * param) / (_sqrt(v_hat) + eps)
            weight_decay = 0.0
        elif kind == "eps_hat":
            step = lr * math.sqrt(bc2) / bc1 * m / (_sqrt(v) + eps)
        elif kind == "no_eps":
            step = lr * m_hat / _sqrt(v_hat)
        else:
            step = lr * m_hat / (_sqrt(v_hat) + eps)
        if kind == "hat_stored":
            m, v = m_hat, v_hat
        elif kind == "m_hat_returned":
            m = m_hat
        elif kind == "v_sqrt_in_place":
            v = _sqrt(v)
        if kind == "decay_in_grad":
            return param - step, m, v
        if kind == "decay_without_lr":
            return param - weight_decay * before - step, m, v
        if kind == "decay_after_step":
            return (param - step) * (1 - lr * weight_decay), m, v
        if kind == "decay_sign":
            return param + lr * weight_decay * before - step, m, v
        return param - lr * weight_decay * before - step, m, v

    return update


ADAM_MISTAKES = {
    "adam.eps_inside": "eps is added inside the square root (sqrt(v_hat + eps)) instead of to sqrt(v_hat)",
    "adam.eps_hat": (
        "eps is added to sqrt(v) before the bias correction (the 'epsilon hat' form of Kingma & Ba's section 2, used "
        "by Keras), while SPEC adds eps to sqrt(v_hat)"
    ),
    "adam.no_bias_correction": "m and v are used without bias correction (no division by 1 - beta**t)",
    "adam.bias_multiplied": "the bias correction multiplies by (1 - beta**t) instead of dividing by it",
    "adam.only_m_corrected": "only m is bias-corrected, not v",
    "adam.only_v_corrected": "only v is bias-corrected, not m",
    "adam.t_plus_1": "the bias correction uses t + 1 instead of t",
    "adam.t_minus_1": "the bias correction uses t - 1 instead of t",
    "adam.betas_swapped": "beta1 and beta2 are swapped",
    "adam.betas_swapped_in_averages": (
        "beta1 and beta2 are swapped in the moving averages (m averaged with beta2, v with beta1), while the bias "
        "correction uses them the right way round"
    ),
    "adam.weights_swapped": (
        "(1 - beta) multiplies the old average and beta the gradient (m = (1 - beta1) * m + beta1 * grad), instead of"
        " the other way round"
    ),
    "adam.hat_stored": "the bias-corrected m_hat and v_hat are returned as the new m and v",
    "adam.m_hat_returned": (
        "the bias-corrected m_hat is returned as the new m (return the raw m: the next step continues from it)"
    ),
    "adam.v_sqrt_in_place": (
        "v is overwritten by its own square root (an in-place .sqrt_() on v, or on a name that is v), so the v "
        "returned is sqrt(v)"
    ),
    "adam.beta1_in_v": "v is averaged with beta1 instead of beta2 (v = beta1 * v + (1 - beta1) * grad**2)",
    "adam.eps_clamped": (
        "the square root is clamped from below at eps (sqrt(v_hat).clamp(min=eps)) instead of having eps added to "
        "it: the two differ where sqrt(v_hat) is not much larger than eps, as for tiny gradients"
    ),
    "adam.v_abs": "v averages |grad| instead of grad**2",
    "adam.no_eps": "eps is left out of the denominator (0 / 0 where the gradient is 0)",
    "adam.betas_hardcoded": "the beta1 and beta2 arguments are ignored (hard-coded to 0.9 and 0.999)",
    "adam.lr_hardcoded": "the lr argument is ignored (lr hard-coded to 1e-3)",
    "adam.eps_hardcoded": "the eps argument is ignored (eps hard-coded to 1e-8)",
}

ADAMW_MISTAKES = {
    "adamw.decay_without_lr": (
        "the decay is weight_decay * param, not multiplied by lr (SPEC: lr * weight_decay * param)"
    ),
    "adamw.decay_in_grad": (
        "weight decay is added to the gradient (L2, as in torch.optim.Adam's weight_decay) instead of being decoupled"
        " from it"
    ),
    "adamw.decay_after_step": "the decay is applied to the already-updated param instead of the param before the step",
    "adamw.no_decay": "weight_decay is ignored (this is plain Adam)",
    "adamw.decay_sign": "the decay has the wrong sign (it pushes the param away from 0)",
    "adamw.wd_hardcoded": "the weight_decay argument is ignored (hard-coded to 1e-2)",
    "adamw.decay_in_adaptive_step": (
        "the decay is divided by sqrt(v_hat) + eps like the gradient step (param - lr * (m_hat + weight_decay * "
        "param) / (sqrt(v_hat) + eps)); AdamW's decay lr * weight_decay * param is not divided by anything"
    ),
    **{f"adamw.{id.partition('.')[2]}": text for id, text in ADAM_MISTAKES.items()},
}


MISTAKES: dict[str, str] = {**MOMENTUM_MISTAKES, **RMSPROP_MISTAKES, **ADAM_MISTAKES, **ADAMW_MISTAKES}


def _slug(mistake_id: str) -> str:
    return mistake_id.partition(".")[2]


# function -> mistake id -> the names that mistake replaces in the reference (the buggy function itself)
VERSIONS: dict[str, dict[str, dict[str, Callable[..., Any]]]] = {
    "sgd_momentum_update": {i: {"sgd_momentum_update": _momentum(_slug(i))} for i in MOMENTUM_MISTAKES},
    "rmsprop_update": {i: {"rmsprop_update": _rmsprop(_slug(i))} for i in RMSPROP_MISTAKES},
    "adam_update": {i: {"adam_update": _adam(_slug(i), decoupled=False)} for i in ADAM_MISTAKES},
    "adamw_update": {i: {"adamw_update": _adam(_slug(i), decoupled=True)} for i in ADAMW_MISTAKES},
}

CHECKS = UpdateChecks("optimizer_runs", RULES, MISTAKES, VERSIONS)
