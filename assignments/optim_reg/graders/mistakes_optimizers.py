"""Shared checks of the optimizer questions ([momentum], [rmsprop], [adam], [adamw]) and their known mistakes.

Every optimizer test builds its runs with :func:`run` (or :func:`adam_run`, which adds the step number t), runs the
probe ``optimizer_runs`` (../probes/optimizers.py) on the student and on the reference and calls :func:`check_runs`,
which compares, run by run and step by step:

- float64 runs: the step taken (returned param minus the param passed in) with rtol 3e-6 and atol 2e-6 * lr, and
  the returned state with rtol 1e-8. Correct arrangements (lerp averages, torch's
  (lr / bc1) * m / (sqrt(v) / sqrt(bc2) + eps), AdamW's decay computed from the old param but applied after the step)
  agree with the reference to ~1e-15. Gradients are kept at 0.5-1.5 times their scale, so at scale 1 eps conventions
  stay below the tolerance (eps inside the root: <= 1.8e-6 relative; Keras' eps-hat form: <= 6e-7) and only the
  tiny-gradient tests (scale 1e-4..1e-6, deviations 3e-3..1) judge eps placement; AdamW's decay applied to the
  updated param is off by lr * weight_decay = 1e-5 relative at the defaults, 5e-2 at lr=0.1, weight_decay=0.5;
- float32 runs: the returned param and state with rtol 1e-4, atol 1e-6 (times the state's scale), the drift of
  float32 arithmetic over 60 steps being ~1e-5.

atol is scaled by the run's gradient size (grad for m/velocity, grad**2 for v/square_avg), so states of gradients of
size 1e-6 are compared as strictly as those of size 1. The returned dtype is not graded (SPEC does not fix it; the
notebook copies the values back into the parameter); a float32 result for float64 inputs is pointed out when it
fails the float64 tolerance.

When a result is wrong, the buggy versions below are run on the same inputs, and the one the student's result
matches is named in the feedback (and by its id in results.json). They are trusted grader code, never shown to
students.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from assignments.optim_reg.probes.optimizers import SQUARED_STATES, UPDATE_FUNCTIONS
from autograder.grading.api import KnownMistake, Mistake
from autograder.grading.compare import assert_close
from autograder.grading.diagnose import known_mistake, mistakes
from autograder.grading.plugin import ProbeCache

PROBE = "optimizer_runs"
STATE_NAMES = {function: states for function, (states, _) in UPDATE_FUNCTIONS.items()}
TINY = [1e-4, 1e-5, 1e-6]  # gradient sizes where eps is not negligible next to the root of the squared average

F64_DELTA_TOL = (3e-6, 2e-6)  # atol times the run's lr
DEFAULT_LR = {"sgd_momentum_update": 0.01, "rmsprop_update": 0.01, "adam_update": 1e-3, "adamw_update": 1e-3}
F64_STATE_RTOL = 1e-8
F64_STATE_ATOL = 1e-12  # times the gradient scale (or its square)
F32_TOL = (1e-4, 1e-6)  # atol times the gradient scale (or its square) for states


# ----------------------------------------------------------------------------------------------------------------
# Running and comparing


def run(shape: tuple[int, ...], steps: int, seed: int, dtype: str = "float64", hyper: dict | None = None,
        **extra: Any) -> dict[str, Any]:  # fmt: skip
    """One run of the probe ``optimizer_runs`` (its docstring lists the keys ``extra`` may set)."""
    return {"shape": list(shape), "dtype": dtype, "steps": steps, "seed": seed, "hyper": hyper or {}, **extra}


def adam_run(shape: tuple[int, ...], steps: int, seed: int, dtype: str = "float64", hyper: dict | None = None,
             t0: int = 1, **extra: Any) -> dict[str, Any]:  # fmt: skip
    """A run of an update function that also takes the 1-based step number t (Adam, AdamW), starting at t0."""
    return run(shape, steps, seed, dtype, hyper, t0=t0, **extra)


def _fmt(x: float) -> str:
    return f"{x:g}"


def describe_run(function: str, run: Mapping[str, Any]) -> str:
    """The inputs of one run in plain words (never any expected value)."""
    names = STATE_NAMES[function]
    shape = tuple(run["shape"])
    tensor = f"a {run['dtype']} scalar (0-dim) tensor" if shape == () else f"a {run['dtype']} tensor of shape {shape}"
    start = "param 0" if run.get("param0") != "normal" else "a random param"
    state = " = ".join(names)
    state_text = f"{state} = 0" if run.get("state0") != "random" else f"nonzero starting {' and '.join(names)}"
    steps = run["steps"]
    if "t0" in run:
        t0 = run["t0"]
        t_text = f", t = {t0}" if steps == 1 else f", t = {t0} to {t0 + steps - 1}"
    else:
        t_text = ""
    scales = sorted(set(run.get("grad_scales", [1.0])))
    if scales == [1.0]:
        grad_text = "gradients of size about 1"
    else:
        grad_text = "gradients of sizes about " + ", ".join(_fmt(s) for s in scales)
    if run.get("zero_grad"):
        grad_text += " (one coordinate's gradient always 0)"
    hyper = run.get("hyper", {})
    hyper_text = "default hyper-parameters" if not hyper else ", ".join(f"{k}={_fmt(v)}" for k, v in hyper.items())
    step_text = "one step" if steps == 1 else f"{steps} steps"
    return (f"{function}, {step_text} on {tensor} from {start} and {state_text}{t_text}, "
            f"{grad_text}, {hyper_text}")  # fmt: skip


def _scale(run: Mapping[str, Any], name: str) -> float:
    scale = max(run.get("grad_scales", [1.0]))
    return scale**2 if name in SQUARED_STATES else scale


def _compare_run(
    function: str, run: Mapping[str, Any], i: int, got: Mapping[str, Any], want: Mapping[str, Any]
) -> None:
    """AssertionError naming the first step and quantity of run i that differs."""
    names = STATE_NAMES[function]
    steps = run["steps"]
    for step in range(steps):
        when = "" if steps == 1 else f" at step {step + 1}"
        if "t0" in run and steps > 1:
            when += f" (t={run['t0'] + step})"
        if run["dtype"] == "float64":
            rtol, atol = F64_DELTA_TOL
            lr = run.get("hyper", {}).get("lr", DEFAULT_LR[function])
            checks = [("delta", "the step it took (returned param minus the param passed in)", rtol, atol * lr)]
            checks += [(n, f"the {n} it returned", F64_STATE_RTOL, F64_STATE_ATOL * _scale(run, n)) for n in names]
        else:
            rtol, atol = F32_TOL
            checks = [("param", "the param it returned", rtol, atol)]
            checks += [(n, f"the {n} it returned", rtol, atol * _scale(run, n)) for n in names]
        for key, what, rtol, atol in checks:
            assert_close(got[f"{i}.{key}"][step], want[f"{i}.{key}"][step], rtol, atol, f"{what}{when}")


def check_runs(
    student: ProbeCache, reference: ProbeCache, function: str, runs: list[dict[str, Any]], only: Any = None
) -> None:
    """Compare the student's function with the reference on the runs (those numbered in `only`, if given).

    The probe call covers only the runs this test grades, so code that crashes on another test's inputs (float64
    ones, say) fails that test alone, with its own inputs in the message. Fails with the first difference, in
    words, and names the known mistake the student's results match, if any.
    """
    runs = [run for i, run in enumerate(runs) if only is None or i in only]
    params = {"function": function, "runs": runs}
    got = student.probe(PROBE, **params)
    want = reference.probe(PROBE, **params)
    for i, run in enumerate(runs):
        try:
            _compare_run(function, run, i, got, want)
        except AssertionError as exc:
            message = f"{describe_run(function, run)}: {exc}."
            if run["dtype"] == "float64":
                names = ("param", *STATE_NAMES[function])
                dtypes = got.get(f"{i}.dtypes", [got.get(f"{i}.dtype", "")])
                low = [(n, d) for n, d in zip(names, dtypes) if any(f in str(d) for f in ("float32", "float16"))]
                if low:
                    returned = " and ".join(f"a {d} {n}" for n, d in low)
                    message += f" Your function returned {returned} for float64 inputs, which loses precision."
            found = diagnose(reference, function, got, params)
            if found:
                raise KnownMistake(f"{message} This is what happens when {found.text}.", found) from None
            raise AssertionError(message) from None


def _matches(function: str, runs: list[dict[str, Any]]) -> Callable[[Mapping[str, Any], Mapping[str, Any]], bool]:
    """Whether a student's results agree with a mistake's on every run: the same quantities as the checks, with
    tolerances 10 times looser (the student may arrange the same mistake differently)."""

    def matches(got: Mapping[str, Any], candidate: Mapping[str, Any]) -> bool:
        for i, run in enumerate(runs):
            lr = run.get("hyper", {}).get("lr", DEFAULT_LR[function])
            if run["dtype"] == "float64":
                checks = [("delta", 10 * F64_DELTA_TOL[0], 10 * F64_DELTA_TOL[1] * lr)]
                checks += [
                    (n, 10 * F64_STATE_RTOL, 10 * F64_STATE_ATOL * _scale(run, n)) for n in STATE_NAMES[function]
                ]
            else:
                checks = [("param", 10 * F32_TOL[0], 10 * F32_TOL[1])]
                checks += [(n, 10 * F32_TOL[0], 10 * F32_TOL[1] * _scale(run, n)) for n in STATE_NAMES[function]]
            for key, rtol, atol in checks:
                a = np.asarray(got[f"{i}.{key}"], dtype=np.float64)
                b = np.asarray(candidate[f"{i}.{key}"], dtype=np.float64)
                if a.shape != b.shape or not np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True):
                    return False
        return True

    return matches


def diagnose(reference: ProbeCache, function: str, got: Mapping[str, Any], params: dict[str, Any]) -> Mistake | None:
    """The known mistake whose results match the student's, if one does."""
    matches = _matches(function, params["runs"])
    if matches(got, reference.probe(PROBE, **params)):
        return None  # as close to the reference as to any mistake: naming one would mislead
    found = known_mistake(got, PROBE, params, mistakes(reference, VERSIONS[function]), matches)
    return Mistake(found, MISTAKES[found]) if found else None


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
