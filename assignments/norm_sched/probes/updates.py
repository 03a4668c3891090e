"""Probes of [clipping], [adagrad], [nesterov] and [l1]: functions of gradients and parameters the grader made.

AdaGrad and Nesterov are update functions run step after step by the engine (autograder/probes/updates.py), fed back
what they return. Clipping and the L1 functions get tensors drawn here from seeds; the worker returns only what the
student's functions gave (and the gradients autograd gave, for l1_penalty). Every expected value is computed by the
graders from the inputs this module made, never from what the worker says it used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autograder.probes import probe
from autograder.probes.observed import Observation, StudentError
from autograder.probes.proxy import Op, Request, Target, list_of, tensor
from autograder.probes.updates import UpdateRule, update_runs

RULES: dict[str, UpdateRule] = {
    "adagrad_update": UpdateRule(("sum_sq",), squared=frozenset({"sum_sq"})),
    "nesterov_update": UpdateRule(("buf",)),
}


@probe
def update_function_runs(target: Target, function: str, runs: list[dict[str, Any]]) -> dict[str, Any]:
    """adagrad_update or nesterov_update run step after step (keys of a run and of the result: update_runs)."""
    if function not in RULES:
        raise ValueError(f"update_function_runs does not know {function}")
    return update_runs(target, function, RULES[function], runs)


_NUMPY = {"float64": np.float64, "float32": np.float32}


def tensors(case: dict[str, Any]) -> list[np.ndarray]:
    """The tensors of a case {"shapes", "dtype", "seed", "scale"?, "zeros"?, "values"?}: standard normal times scale
    (cast to the dtype), with every `zeros`-th entry of each tensor exactly 0 and its first entries set to `values`
    (when given). The graders call it too."""
    rng = np.random.default_rng(case["seed"])
    found = []
    for shape in case["shapes"]:
        values = rng.standard_normal(shape) * case.get("scale", 1.0)
        if case.get("zeros"):
            values.reshape(-1)[:: case["zeros"]] = 0.0
        exact = case.get("values", [])[: values.size]
        values.reshape(-1)[: len(exact)] = exact
        found.append(np.asarray(values, dtype=_NUMPY[case["dtype"]]))
    return found


def _error(op: Op, label: str) -> str | None:
    """The student's error on one call as a sentence naming the call, or None."""
    if op.error is None:
        return None
    if op.error_type in ("MissingName", "Skipped"):
        return op.error
    return f"{label} {op.error.replace('your code raised', 'raised', 1)}"


def _outcome(op: Op, label: str, read: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """What `read` makes of the op's outcome, or {"error": sentence} when the call failed or returned what cannot be
    read: one case's failure never stops the others."""
    try:
        error = _error(op, label)
        if error:
            raise StudentError(error)
        return read()
    except StudentError as exc:
        return {"error": str(exc)}


def _number(value: Observation, what: str) -> float:
    number = value.as_number()
    if isinstance(number, str):
        raise StudentError(f"{what} is {number.strip('<>')}, expected a number (a float or a one-element tensor)")
    return float(number)


def _array(value: Observation, what: str, shape: tuple[int, ...]) -> np.ndarray:
    if not value.is_tensor:
        raise StudentError(f"{what} is {value.describe()}, expected a torch.Tensor")
    array = value.array(what)
    if array.shape != shape:
        raise StudentError(f"{what} has shape {array.shape}, expected {shape} (the shape of the tensor given)")
    return array


@probe
def clip_cases(target: Target, cases: list[dict[str, Any]]) -> dict[str, Any]:
    """clip_grad_norm(grads, max_norm) on each case's tensors (see `tensors`) with its "max_norm" (a number, or
    "at": exactly the global norm of the float64 values sent). Per case: "clipped" (the returned tensors), "total_norm"
    (a float), "dtypes" (of the returned tensors), or "error" (a sentence)."""
    request = Request()
    planned = []
    for case in cases:
        grads = tensors(case)
        max_norm = case["max_norm"]
        if max_norm == "at":
            max_norm = float(np.sqrt(sum(np.square(g.astype(np.float64)).sum() for g in grads)))
        op = request.call("clip_grad_norm", list_of(*(tensor(g, case["dtype"]) for g in grads)), max_norm)
        planned.append((case, grads, max_norm, op))
    target.run(request)
    results = []
    for case, grads, max_norm, op in planned:
        label = f"clip_grad_norm({len(grads)} {case['dtype']} tensors, max_norm={max_norm:g})"
        found = _outcome(op, label, lambda op=op, label=label, grads=grads: _clip_read(op, label, grads))
        results.append({"max_norm": max_norm, **found})
    return {"cases": results}


def _clip_read(op: Op, label: str, grads: list[np.ndarray]) -> dict[str, Any]:
    out = op.value()
    if out.kind not in ("tuple", "list") or out.facts["length"] != 2:
        raise StudentError(f"{label} returned {out.describe()}, expected the tuple (clipped, total_norm)")
    clipped, total = out.items(f"what {label} returned", 2)
    if clipped.kind not in ("tuple", "list") or clipped.facts["length"] != len(grads):
        raise StudentError(f"{label}: clipped is {clipped.describe()}, expected a list of {len(grads)} tensors, one per "
                           "gradient")  # fmt: skip
    items = clipped.items(f"the clipped gradients {label} returned", len(grads))
    return {"clipped": [_array(v, f"clipped[{k}] of {label}", g.shape) for k, (v, g) in enumerate(zip(items, grads))],
            "dtypes": [v.dtype for v in items], "total_norm": _number(total, f"the total_norm {label} returned")}  # fmt: skip


@probe
def l1_penalty_cases(target: Target, cases: list[dict[str, Any]]) -> dict[str, Any]:
    """l1_penalty(params, lam) on each case's tensors (requiring grad), with autograd run through the value.

    Per case: "value" (float, when one number came back), "shape" (of the value; None if not a tensor), "type",
    "backward" ("ok" or what went wrong) and "grads" (one array or None per tensor), or "error".
    """
    request = Request()
    planned = []
    for case in cases:
        params = tensors(case)
        argument = list_of(*(tensor(w, case["dtype"], requires_grad=True) for w in params))
        planned.append((case, params, request.call("l1_penalty", argument, case["lam"], backward={})))
    target.run(request)
    results = []
    for case, params, op in planned:
        label = f"l1_penalty({len(params)} {case['dtype']} tensors, lam={case['lam']})"
        results.append(_outcome(op, label, lambda op=op, label=label: _l1_read(op, label)))
    return {"cases": results}


def _l1_read(op: Op, label: str) -> dict[str, Any]:
    value = op.value()
    found: dict[str, Any] = {"type": value.type, "shape": list(value.shape) if value.is_tensor else None}
    array = value.array(f"the value {label} returned", numbers=True)
    found["value"] = float(array.astype(np.float64).reshape(-1)[0]) if array.size == 1 else None
    backward = op.backward()
    if "problem" in backward:
        problem = backward["problem"]
        found["backward"] = (f"{label}.backward() " + backward.get("error", "").replace("your code raised", "raised", 1)
                             if problem == "raised" else problem)  # fmt: skip
        return found
    found["backward"] = "ok"
    found["grads"] = [None if g is None else g.astype(np.float64) for g in backward["grads"]]
    return found


@probe
def prox_cases(target: Target, cases: list[dict[str, Any]]) -> dict[str, Any]:
    """prox_l1(w, threshold) on each case's one tensor {"shapes": [shape], ..., "threshold"}; per case "out" (the
    returned values) and "dtype", or "error"."""
    request = Request()
    planned = []
    for case in cases:
        (w,) = tensors(case)
        planned.append((case, w, request.call("prox_l1", tensor(w, case["dtype"]), case["threshold"])))
    target.run(request)
    results = []
    for case, w, op in planned:
        label = f"prox_l1({case['dtype']} tensor of shape {tuple(w.shape)}, threshold={case['threshold']})"
        results.append(_outcome(op, label, lambda op=op, label=label, w=w: {
            "out": _array(op.value(), f"what {label} returned", w.shape), "dtype": op.value().dtype}))
    return {"cases": results}
