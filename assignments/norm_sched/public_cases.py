"""The norm_sched notebook's public cases: the inputs of its @public grader tests, as plain data.

Each case mirrors a @public test of graders/ (the same inputs, drawn by the same code as the probes draw them); the
build runs it on the reference with the very code that runs it in the notebook (the engine's
autograder/authoring/public_checks.py plus public_checks.py here) and stores the result as the expected value, so no
expected value is typed by hand. Cases that carry known mistakes ("mistakes") let the notebook name the one a
student's result matches: the build stores only a fingerprint of each mistake's result. Hidden tests have no case
here: nothing a student receives holds them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from assignments.norm_sched.graders import mistakes_normalization, test_batchnorm, test_layernorm, test_training
from assignments.norm_sched.probes.normalization import affine, cotangent, features, rows, running


def _tensor(values: Any, dtype: str) -> dict[str, Any]:
    return {"tensor": np.asarray(values).tolist(), "dtype": dtype}


def _known(versions: dict[str, dict[str, Any]]) -> dict[str, tuple[str, dict[str, Any]]]:
    return {mistake_id: (mistakes_normalization.MISTAKES[mistake_id], names) for mistake_id, names in versions.items()}


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
                "mistakes": _known(mistakes_normalization.BATCHNORM_VERSIONS)}  # fmt: skip
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
            "mistakes": _known(mistakes_normalization.BATCHNORM_VERSIONS),
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
                      "what": test_layernorm.describe(spec), "mistakes": _known(mistakes_normalization.LAYERNORM_VERSIONS)})  # fmt: skip
    return cases


# --- [training] -------------------------------------------------------------------------------------------------


def _training_cases() -> list[dict[str, Any]]:
    return [{"kind": "bn_training", "seed": test_training.PUBLIC_SEED, "train": 512, "test": 200, "hidden": 32,
             "batch": 64, "lr": 0.5, "warmup": 2, "max_norm": 1.0,
             "what": "a 64 -> 32 -> BatchNorm1d -> ReLU -> 10 network, 8 steps on the digits with your BatchNorm1d, "
                     "warmup_cosine_lr and clip_grad_norm, then eval mode"}]  # fmt: skip


def cases() -> dict[str, list[dict[str, Any]]]:
    """Every question's public cases (the build adds the reference's result to each)."""
    return {
        "batchnorm": _batchnorm_cases(),
        "layernorm": _layernorm_cases(),
        "training": _training_cases(),
    }
