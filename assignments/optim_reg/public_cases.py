"""The optim_reg notebook's public cases: the inputs of the @public grader tests, for `grader.check(...)`.

Each case mirrors a @public test of graders/ (same inputs where they are small, the same input recipe where they are
not); the build runs it on the reference with the very code that runs it in the notebook (the engine's
autograder/authoring/public_checks.py plus public_checks.py here) and stores the result as the expected value, so no
expected value is typed by hand. The one exception is
[training]: the reference cannot train at build time, so its case states SPEC's requirement instead (part 9 ran and
its validation losses are finite). Hidden tests have no case here: nothing a student receives holds them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from assignments.optim_reg.graders import (
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
from assignments.optim_reg.probes.optimizers import UPDATE_FUNCTIONS, _run_inputs

INIT_FUNCTIONS = ("xavier_uniform", "xavier_normal", "he_uniform", "he_normal")
TRAINED = {"part 9 has run (final_history is defined)": True, "every validation loss is finite": True}


def _tensor(values: Any, dtype: str) -> dict[str, Any]:
    return {"tensor": np.asarray(values).tolist(), "dtype": dtype}


def _update_cases(function: str, runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One step of an update function from the test's ONE_STEP runs (inputs drawn as the probe draws them)."""
    states, takes_t = UPDATE_FUNCTIONS[function]
    cases = []
    for run in runs:
        param, state, grads = _run_inputs(run, states)
        args = [_tensor(param, run["dtype"]), _tensor(grads[0], run["dtype"])]
        args += [_tensor(state[name], run["dtype"]) for name in states]
        args += [run["t0"]] if takes_t else []
        what = f"{function} one step on {run['dtype']} tensors of shape {tuple(run['shape'])}"
        cases.append({"kind": "call", "fn": function, "args": args, "what": what})
    return cases


def cases() -> dict[str, list[dict[str, Any]]]:
    """Every question's public cases (without expected values: the build adds the reference's)."""
    fans = [
        {"kind": "call", "fn": "compute_fans", "args": [{"tuple": list(s)}], "what": f"compute_fans({s})"}
        for s in test_init.FAN_PUBLIC
    ]
    returns = [
        {"kind": "new_tensor", "fn": fn, "shape": list(s), "what": f"{fn}({s}) returns a new float32 tensor"}
        for fn in INIT_FUNCTIONS
        for s in test_init.FAN_PUBLIC
    ]
    small = test_l2.CASES[0]
    params = [_tensor(p, small["dtype"]) for p in l2_params(small["shapes"], small["dtype"], small["seed"])]
    l2 = {"kind": "call", "fn": "l2_penalty", "args": [params, small["lam"]], "rtol": test_l2.RTOL,
          "what": f"l2_penalty of tensors of shapes {[tuple(s) for s in small['shapes']]}, lam={small['lam']}"}  # fmt: skip
    public_seed = test_dropout.PUBLIC_SEED
    shapes = [
        {"kind": "dropout", "p": c["p"], "x": {"shape": c["shape"], "dtype": c["dtype"], "seed": public_seed + 100 * n,
         "offset": 9.0}, "kwargs": {}, "what": f"dropout_forward(x of shape {tuple(c['shape'])}, p={c['p']}) shapes and mask"}
        for n, c in enumerate(test_dropout.PUBLIC_STATS)
    ]  # fmt: skip
    identity = [
        {"kind": "dropout", "p": p, "x": {"shape": [64, 32], "dtype": "float32", "seed": public_seed + 7, "offset": 9.0},
         "kwargs": {"training": training}, "identity": True,
         "what": f"dropout_forward(x, p={p}, training={training}) returns x unchanged"}
        for p, training in ((0.5, False), (0.0, True))
    ]  # fmt: skip
    kwargs, metrics = test_early_stopping.RUNS["plateau"]
    restore = test_early_stopping.RESTORE["linear"]
    return {
        "init": fans + returns,
        "momentum": _update_cases("sgd_momentum_update", test_momentum.ONE_STEP),
        "rmsprop": _update_cases("rmsprop_update", test_rmsprop.ONE_STEP),
        "adam": _update_cases("adam_update", test_adam.ONE_STEP),
        "adamw": _update_cases("adamw_update", test_adamw.ONE_STEP),
        "l2": [l2],
        "dropout": shapes + identity,
        "early_stopping": [
            {
                "kind": "early_stopping",
                "kwargs": kwargs,
                "metrics": metrics,
                "what": f"EarlyStopping({kwargs}) on validation losses {metrics}",
            },
            {
                "kind": "restore",
                "kwargs": restore["kwargs"],
                "metrics": restore["metrics"],
                "what": f"EarlyStopping({restore['kwargs']}).restore(model) after losses {restore['metrics']}",
            },
        ],
        "training": [{"kind": "trained", "what": "part 9's training run", "expected": TRAINED}],
    }

