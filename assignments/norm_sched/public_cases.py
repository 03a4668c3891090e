"""The norm_sched notebook's public cases: the inputs of its @public grader tests, as plain data.

Each case mirrors a @public test of graders/ (the same inputs where they are small, the same recipe where they are
not); the build runs it on the reference with the very code that runs it in the notebook (the engine's
autograder/authoring/public_checks.py plus public_checks.py here) and stores the result as the expected value, so no
expected value is typed by hand. Cases of functions with known mistakes carry them: the build stores only a
fingerprint of each mistake's result, so the notebook can name a mistake without holding its code. Random
augmentations are judged against their contract (any draw order is right), never against the reference's draws.
Hidden tests have no case here: nothing a student receives holds them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from assignments.norm_sched.graders import (
    mistakes_clipping,
    mistakes_normalization,
    mistakes_schedules,
    mistakes_updates,
    test_adagrad,
    test_augment,
    test_batchnorm,
    test_clipping,
    test_l1,
    test_layernorm,
    test_nesterov,
    test_schedules,
    test_training,
)
from assignments.norm_sched.probes.normalization import affine, cotangent, features, rows, running
from assignments.norm_sched.probes.updates import tensors


def _tensor(values: Any, dtype: str) -> dict[str, Any]:
    return {"tensor": np.asarray(values).tolist(), "dtype": dtype}


def _known(versions: dict[str, dict[str, Any]], texts: dict[str, str]) -> dict[str, tuple[str, dict[str, Any]]]:
    return {mistake_id: (texts[mistake_id], names) for mistake_id, names in versions.items()}


# --- [batchnorm] ------------------------------------------------------------------------------------------------


def _batchnorm_cases() -> list[dict[str, Any]]:
    cases = []
    for spec in test_batchnorm.PUBLIC_FORWARD + test_batchnorm.PUBLIC_EVAL + test_batchnorm.PUBLIC_BACKWARD:
        (n, d), dtype, seed = spec["shape"], spec["dtype"], spec["seed"]
        gamma, beta = affine(d, seed + 1)
        mean, var = running(d, seed + 2, spec.get("fresh", False))
        kwargs = dict(spec.get("kwargs", {}))
        if "training" in spec:
            kwargs["training"] = spec["training"]
        case = {"kind": "batchnorm", "x": _tensor(features([n, d], seed + 10), dtype), "gamma": _tensor(gamma, dtype),
                "beta": _tensor(beta, dtype), "running_mean": _tensor(mean, dtype), "running_var": _tensor(var, dtype),
                "kwargs": kwargs, "what": test_batchnorm.describe(spec),
                "mistakes": _known(mistakes_normalization.BATCHNORM_VERSIONS, mistakes_normalization.MISTAKES)}  # fmt: skip
        if spec.get("backward"):
            case["grad"] = _tensor(cotangent([n, d], seed + 3), dtype)
        cases.append(case)
    for spec in test_batchnorm.PUBLIC_MODULE:
        d, n, dtype, seed = spec["D"], spec["N"], spec["dtype"], spec["seed"]
        cases.append({
            "kind": "batchnorm_module", "D": d, "kwargs": spec.get("kwargs", {}),
            "xs": [_tensor(features([n, d], seed + 10 + step), dtype) for step in range(spec["steps"])],
            "grad": _tensor(cotangent([n, d], seed + 3), dtype),
            "x_eval": _tensor(features([spec["eval"][0], d], seed + 50 + spec["eval"][0]), dtype),
            "rtol": 1e-4, "atol": 1e-5, "what": test_batchnorm.describe_module(spec),
            "mistakes": _known(mistakes_normalization.BATCHNORM_VERSIONS, mistakes_normalization.MISTAKES),
        })  # fmt: skip
    return cases


# --- [layernorm] ------------------------------------------------------------------------------------------------


def _layernorm_cases() -> list[dict[str, Any]]:
    cases = []
    for spec in test_layernorm.PUBLIC_SMALL + test_layernorm.PUBLIC_EPS:
        shape, dtype, seed = spec["shape"], spec["dtype"], spec["seed"]
        gamma, beta = affine(shape[-1], seed + 1)
        cases.append({"kind": "call", "fn": "layernorm_forward", "kwargs": spec.get("kwargs", {}),
                      "args": [_tensor(rows(shape, seed), dtype), _tensor(gamma, dtype), _tensor(beta, dtype)],
                      "what": test_layernorm.describe(spec), "mistakes": _known(mistakes_normalization.LAYERNORM_VERSIONS, mistakes_normalization.MISTAKES)})  # fmt: skip
    return cases


# --- [training] -------------------------------------------------------------------------------------------------


def _training_cases() -> list[dict[str, Any]]:
    return [{"kind": "bn_training", "seed": test_training.PUBLIC_SEED, "train": 512, "test": 200, "hidden": 32,
             "batch": 64, "lr": 0.5, "warmup": 2, "max_norm": 1.0,
             "what": "a 64 -> 32 -> BatchNorm1d -> ReLU -> 10 network, 8 steps on the digits with your BatchNorm1d, "
                     "warmup_cosine_lr and clip_grad_norm, then eval mode"}]  # fmt: skip


def _schedule_cases() -> list[dict[str, Any]]:
    runs = test_schedules.STEP_PUBLIC + test_schedules.COSINE_PUBLIC + test_schedules.WARMUP_PUBLIC
    return [
        {"kind": "schedule", "fn": run["function"], "args": run["args"], "kwargs": run["kwargs"], "steps": run["steps"],
         "rtol": mistakes_schedules.RTOL, "atol": mistakes_schedules.ATOL * run["args"][0],
         "what": mistakes_schedules.call_text(run) + f" for step = {run['steps'][0]} to {run['steps'][1]}",
         "mistakes": _known(mistakes_schedules.VERSIONS[run["function"]], mistakes_schedules.MISTAKES)}
        for run in runs
    ]  # fmt: skip


def _clipping_cases() -> list[dict[str, Any]]:
    cases = []
    for case in test_clipping.PUBLIC_ABOVE + test_clipping.PUBLIC_BELOW:
        cases.append({"kind": "clip", "grads": [_tensor(g, case["dtype"]) for g in tensors(case)],
                      "max_norm": case["max_norm"], "rtol": mistakes_clipping.RTOL[case["dtype"]],
                      "what": mistakes_clipping.describe(case, case["max_norm"]),
                      "mistakes": _known(mistakes_clipping.VERSIONS, mistakes_clipping.MISTAKES)})  # fmt: skip
    return cases


def _l1_cases() -> list[dict[str, Any]]:
    (penalty,) = test_l1.PUBLIC_PENALTY
    params = [_tensor(w, penalty["dtype"]) for w in tensors(penalty)]
    shapes = ", ".join(str(tuple(s)) for s in penalty["shapes"])
    (prox,) = test_l1.PUBLIC_PROX
    (w,) = tensors(prox)
    return [
        {"kind": "call", "fn": "l1_penalty", "args": [params, penalty["lam"]], "rtol": 1e-5,
         "what": f"l1_penalty of tensors of shapes {shapes} (some entries 0), lam={penalty['lam']}"},
        {"kind": "l1_gradient", "params": params, "lam": penalty["lam"], "rtol": 1e-6,
         "what": f"autograd through l1_penalty of tensors of shapes {shapes} (some entries 0), lam={penalty['lam']}"},
        {"kind": "call", "fn": "prox_l1", "args": [_tensor(w, prox["dtype"]), prox["threshold"]], "rtol": 1e-12,
         "what": f"prox_l1 of {w.size} values below, at and above threshold={prox['threshold']}"},
    ]  # fmt: skip


def _augment_cases() -> list[dict[str, Any]]:
    def images(shape: list[int], dtype: str, seed: int) -> dict[str, Any]:
        return {"shape": shape, "dtype": dtype, "seed": seed, "offset": 1.0}  # the notebook draws 1 + U(0, 2)

    shifts = [
        {"kind": "shift", "images": images(c["shape"], c["dtype"], c["seed"]), "max_shift": c["max_shift"],
         "seed": c["seed"] + 1,
         "what": f"random_shift({c['dtype']} images of shape {tuple(c['shape'])}, max_shift={c['max_shift']})"}
        for c in test_augment.PUBLIC_SHIFT + test_augment.PUBLIC_IDENTITY
    ]  # fmt: skip
    noise = [
        {"kind": "noise", "images": images(c["shape"], c["dtype"], c["seed"]), "std": c["std"], "seed": c["seed"] + 1,
         "what": f"add_noise({c['dtype']} images of shape {tuple(c['shape'])}, std={c['std']})"}
        for c in test_augment.PUBLIC_NOISE
    ]  # fmt: skip
    return shifts + noise


def cases() -> dict[str, list[dict[str, Any]]]:
    """Every question's public cases (the build adds the reference's result to each)."""
    return {
        "batchnorm": _batchnorm_cases(),
        "layernorm": _layernorm_cases(),
        "schedules": _schedule_cases(),
        "clipping": _clipping_cases(),
        "adagrad": mistakes_updates.CHECKS.public_cases("adagrad_update", test_adagrad.ONE_STEP + test_adagrad.FEW_STEPS),
        "nesterov": mistakes_updates.CHECKS.public_cases("nesterov_update", test_nesterov.ONE_STEP + test_nesterov.FEW_STEPS),
        "l1": _l1_cases(),
        "augment": _augment_cases(),
        "training": _training_cases(),
    }
