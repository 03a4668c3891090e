"""The optim_reg notebook's public cases: the inputs of the @public grader tests, for `grader.check(...)`.

Each case mirrors a @public test of graders/ (same inputs where they are small, the same input recipe where they are
not); the build runs it on the reference with the very code that runs it in the notebook (the engine's
autograder/authoring/public_checks.py plus public_checks.py here) and stores the result as the expected value, so no
expected value is typed by hand. Update functions carry the known mistakes of mistakes_optimizers.py: the build runs
each one on the case and stores only a fingerprint of its result, so the notebook can name a mistake without holding
its code. Statistical cases (initializers, dropout) store what a correct implementation satisfies (True/False within
6 standard errors) and the std each known init mistake would give. The one exception is [training]: the reference
cannot train at build time, so its case states the contract's requirement instead (part 9 ran and its validation losses are
finite). Hidden tests have no case here: nothing a student receives holds them.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from assignments.optim_reg.graders import (
    mistakes_optimizers,
    test_adam,
    test_adamw,
    test_dropout,
    test_early_stopping,
    test_init,
    test_l2,
    test_momentum,
    test_rmsprop,
)
from assignments.optim_reg.probes.l2 import _params as l2_params

INIT_FUNCTIONS = ("xavier_uniform", "xavier_normal", "he_uniform", "he_normal")
TRAINED = {"part 9 has run (final_history is defined)": True, "every validation loss is finite": True}


def _tensor(values: Any, dtype: str) -> dict[str, Any]:
    return {"tensor": np.asarray(values).tolist(), "dtype": dtype}


def _seeded(shape: list[int], dtype: str, seed: int, offset: float) -> dict[str, Any]:
    """A tensor the notebook draws itself: offset + U(0, 2) from its own seeded generator."""
    return {"shape": shape, "dtype": dtype, "seed": seed, "offset": offset}


def _init_cases() -> list[dict[str, Any]]:
    fans = [
        {"kind": "call", "fn": "compute_fans", "args": [{"tuple": list(s)}], "returns": ["fan_in", "fan_out"],
         "what": f"compute_fans({s})"}
        for s in test_init.FAN_PUBLIC
    ]
    returns = [
        {"kind": "new_tensor", "fn": fn, "shape": list(s), "what": f"{fn}({s}) returns a new float32 tensor"}
        for fn in INIT_FUNCTIONS
        for s in test_init.FAN_PUBLIC
    ]
    draws = []
    for i, draw in enumerate(test_init.PUBLIC_DRAWS):
        fn, shape, kwargs = draw["fn"], tuple(draw["shape"]), draw["kwargs"]
        std = test_init.expected_std(fn, shape, kwargs)
        causes: dict[float, list[str]] = {}  # mistakes that give the same std are named together
        for mistake, wrong in test_init.mistaken_stds(fn, shape, kwargs):
            if abs(wrong / std - 1) > 0.05:
                causes.setdefault(round(wrong / std, 4), []).append(mistake.text)
        causes = [(ratio, "; or ".join(texts)) for ratio, texts in causes.items()]
        calls = math.ceil(test_init.PUBLIC_N_MIN / math.prod(shape))
        draws.append({
            "kind": "init_draws", "fn": fn, "shape": list(shape), "kwargs": kwargs, "calls": calls,
            "seed": test_init.PUBLIC_DRAW_SEED + 1000 * i + 1, "std": std, "family": test_init.FAMILY[fn],
            "causes": causes, "what": f"{test_init.label(fn, shape, kwargs)}: {calls} draws from one seeded generator",
        })  # fmt: skip
    return fans + returns + draws


BACKWARD_MISTAKES = {
    "dropout.backward_unscaled": ("the gradient is grad·mask: the 1/(1-p) scale of the forward pass is missing",
                                  {"dropout_backward": lambda grad, mask, p: grad * mask}),
    "dropout.backward_divided_by_p": ("the gradient is divided by p instead of by 1 - p (the keep probability)",
                                      {"dropout_backward": lambda grad, mask, p: grad * mask / p}),
}


def _dropout_cases() -> list[dict[str, Any]]:
    seed = test_dropout.PUBLIC_SEED  # x and the generator seeded as the public tests' probe seeds them
    stats = [
        {"kind": "dropout", "p": c["p"], "x": _seeded(c["shape"], c["dtype"], seed + 100 * i, 9.0),
         "seed": seed + 100 * i + 1,
         "what": f"dropout_forward(x of shape {tuple(c['shape'])}, {c['dtype']}, p={c['p']}): shapes, mask, rate, scale"}
        for i, c in enumerate(test_dropout.PUBLIC_STATS)
    ]  # fmt: skip
    identity = [
        {"kind": "dropout", "p": p, "x": _seeded([64, 32], "float32", seed + 7, 9.0), "seed": seed + 8,
         "kwargs": {"training": training}, "identity": True,
         "what": f"dropout_forward(x, p={p}, training={training}) returns x unchanged (and p=0.5 does drop)"}
        for p, training in ((0.5, False), (0.0, True))
    ]  # fmt: skip
    m = test_dropout.PUBLIC_MODULE
    module = {
        "kind": "dropout_module", "p": m["p"], "x": _seeded(m["shape"], m["dtype"], seed + 70, 9.0),
        "grad": _seeded(m["shape"], m["dtype"], seed + 71, -1.0), "seed": seed + 72,
        "what": f"Dropout({m['p']}) on x of shape {tuple(m['shape'])}: two calls, backward, eval, train",
    }  # fmt: skip
    b = test_dropout.PUBLIC_BACKWARD
    mask = np.random.default_rng(seed + 80).random(b["shape"]) >= b["p"]
    backward = {
        "kind": "call", "fn": "dropout_backward", "mistakes": BACKWARD_MISTAKES,
        "args": [_seeded(b["shape"], b["dtype"], seed + 81, -1.0), _tensor(mask, "bool"), b["p"]],
        "what": f"dropout_backward(grad_out of shape {tuple(b['shape'])}, a given mask, p={b['p']})",
    }  # fmt: skip
    return stats + identity + [backward, module]


def _early_stopping_cases() -> list[dict[str, Any]]:
    kwargs, metrics = test_early_stopping.RUNS["plateau"]
    tensor_kwargs, tensor_metrics = test_early_stopping.PUBLIC_TENSOR_RUN
    restore = test_early_stopping.RESTORE["linear"]
    shown = ["nan" if m is None else m for m in tensor_metrics]
    return [
        {"kind": "early_stopping", "kwargs": kwargs, "metrics": metrics,
         "what": f"EarlyStopping({kwargs}) on validation losses {metrics}"},
        {"kind": "early_stopping", "kwargs": tensor_kwargs, "metrics": tensor_metrics, "tensors": True,
         "what": f"EarlyStopping({tensor_kwargs}) on one-element tensors (requiring grad) {shown}"},
        {"kind": "restore", "kwargs": restore["kwargs"], "metrics": restore["metrics"],
         "what": f"EarlyStopping({restore['kwargs']}).restore(model) after losses {restore['metrics']}"},
    ]  # fmt: skip


def _l2_mistake(index: int) -> Any:
    """An l2_penalty that returns the value of the hidden tests' mistake number `index` (test_l2.mistaken_values)."""

    def l2_penalty(params: Any, lam: float) -> torch.Tensor:
        return torch.tensor(test_l2.mistaken_values([p.detach().double().numpy() for p in params], lam)[index][1])

    return l2_penalty


def _l2_case() -> dict[str, Any]:
    small = test_l2.CASES[0]
    arrays = l2_params(small["shapes"], small["dtype"], small["seed"])
    params = [_tensor(p, small["dtype"]) for p in arrays]
    known = {m.id: (m.text, {"l2_penalty": _l2_mistake(i)})
             for i, (m, _) in enumerate(test_l2.mistaken_values(arrays, small["lam"]))}  # fmt: skip
    return {"kind": "call", "fn": "l2_penalty", "args": [params, small["lam"]], "rtol": test_l2.RTOL, "mistakes": known,
            "what": f"l2_penalty of tensors of shapes {[tuple(s) for s in small['shapes']]}, lam={small['lam']}"}  # fmt: skip


def cases() -> dict[str, list[dict[str, Any]]]:
    """Every question's public cases (without expected values: the build adds the reference's)."""
    return {
        "init": _init_cases(),
        "momentum": mistakes_optimizers.CHECKS.public_cases("sgd_momentum_update", test_momentum.ONE_STEP + test_momentum.FEW_STEPS),
        "rmsprop": mistakes_optimizers.CHECKS.public_cases("rmsprop_update", test_rmsprop.ONE_STEP + test_rmsprop.FEW_STEPS),
        "adam": mistakes_optimizers.CHECKS.public_cases("adam_update", test_adam.ONE_STEP + test_adam.FEW_STEPS),
        "adamw": mistakes_optimizers.CHECKS.public_cases("adamw_update", test_adamw.ONE_STEP + test_adamw.FEW_STEPS),
        "l2": [_l2_case()],
        "dropout": _dropout_cases(),
        "early_stopping": _early_stopping_cases(),
        "training": [{"kind": "trained", "what": "part 9's training run", "expected": TRAINED}],
    }

