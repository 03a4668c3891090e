"""Probes of [batchnorm] and [layernorm]: the student's functions and module on inputs the grader draws.

Every input is drawn here from the case's seed; what comes back is only what the student's code returned. The
cache batchnorm_forward returns never crosses to the grader: it stays in the worker and is handed back to
batchnorm_backward (``output(forward, 3)``), so a cache of any shape and type works. A case whose code raises, or
returns what cannot be read, becomes {"error": sentence} on its own, so one broken path costs only the tests that
use it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from autograder.probes import probe
from autograder.probes.observed import Observation, StudentError
from autograder.probes.proxy import Op, Request, Target, output, tensor

FORWARD_RETURNS = ("out", "running_mean", "running_var")
BACKWARD_RETURNS = ("dx", "dgamma", "dbeta")


# --- inputs ---------------------------------------------------------------------------------------------------


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(int(seed))


def features(shape: list[int], seed: int, spread: float = 1.0, tiny: bool = False) -> np.ndarray:
    """x of the given shape, float64: each feature (last dim) with its own mean (-3..3) and scale (0.5..2) times
    `spread`. `tiny` makes the first feature constant and the second of std ~1e-3, where eps decides the result."""
    g = _gen(seed)
    d = shape[-1]
    mean = 6 * torch.rand(d, generator=g, dtype=torch.float64) - 3
    scale = (0.5 + 1.5 * torch.rand(d, generator=g, dtype=torch.float64)) * spread
    x = mean + scale * torch.randn(*shape, generator=g, dtype=torch.float64)
    if tiny and d >= 2:
        x[..., 0] = mean[0]
        x[..., 1] = mean[1] + 1e-3 * torch.randn(*shape[:-1], generator=g, dtype=torch.float64)
    return x.numpy()


def rows(shape: list[int], seed: int, spread: float = 1.0, tiny: bool = False) -> np.ndarray:
    """x of the given shape, float64, each row (a vector along the last dim) with its own mean (-3..3) and scale
    (0.5..2) times `spread`. `tiny` makes the first row constant and the second of std ~1e-3."""
    g = _gen(seed)
    lead = (*shape[:-1], 1)
    mean = 6 * torch.rand(lead, generator=g, dtype=torch.float64) - 3
    scale = (0.5 + 1.5 * torch.rand(lead, generator=g, dtype=torch.float64)) * spread
    x = (mean + scale * torch.randn(*shape, generator=g, dtype=torch.float64)).reshape(-1, shape[-1])
    if tiny and x.shape[0] >= 2:
        x[0] = x[0, 0]
        x[1] = x[1, 0] + 1e-3 * torch.randn(shape[-1], generator=g, dtype=torch.float64)
    return x.reshape(shape).numpy()


def affine(d: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """gamma around 1 (never 0) and beta around 0."""
    g = _gen(seed)
    gamma = 1 + 0.5 * (2 * torch.rand(d, generator=g, dtype=torch.float64) - 1)
    return gamma.numpy(), torch.randn(d, generator=g, dtype=torch.float64).numpy()


def running(d: int, seed: int, fresh: bool) -> tuple[np.ndarray, np.ndarray]:
    """running_mean and running_var: a new layer's (0 and 1), or earlier statistics (var 0.5..2)."""
    if fresh:
        return np.zeros(d), np.ones(d)
    g = _gen(seed)
    return torch.randn(d, generator=g, dtype=torch.float64).numpy(), (0.5 + 1.5 * torch.rand(d, generator=g, dtype=torch.float64)).numpy()


def dx_scale(grad: np.ndarray, gamma: np.ndarray, var: np.ndarray, eps: float) -> float:
    """The natural size of dx: max |grad_out| * |gamma| / sqrt(var + eps) over the features. dx itself can be far
    smaller (at N = 2 it is pure cancellation), so its absolute tolerance is scaled by this, not by dx."""
    return float(np.abs(grad).max() * (np.abs(gamma) / np.sqrt(np.asarray(var) + eps)).max())


def cotangent(shape: list[int], seed: int) -> np.ndarray:
    return torch.randn(*shape, generator=_gen(seed), dtype=torch.float64).numpy()


# --- reading what came back -----------------------------------------------------------------------------------


def _failed(op: Op, label: str) -> str | None:
    """The op's error as a sentence naming the call, or None when it returned."""
    outcome = op.outcome
    if outcome.error is None:
        return None
    if outcome.error_type in ("MissingName", "Skipped"):
        return outcome.error
    return f"{label} {outcome.error.replace('your code raised', 'raised', 1)}"


def _case(body: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    try:
        return body()
    except StudentError as exc:
        return {"error": str(exc)}


def _tensor_of(value: Observation, what: str) -> np.ndarray:
    if not value.is_tensor:
        raise StudentError(f"{what} is {value.describe()}, expected a torch.Tensor")
    return value.array(what)


def _items(op: Op, label: str, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """The named tensors of the tuple the op returned (the first len(names) items of it)."""
    value = op.value()
    count = len(names) + 1 if names == FORWARD_RETURNS else len(names)
    items = value.items(f"what {label} returned", count)
    return {name: _tensor_of(item, f"the {name} {label} returned") for name, item in zip(names, items)}


def _grads(op: Op, label: str) -> dict[str, Any]:
    """The gradient autograd gave the call's watched input(s), or why there is none."""
    backward = op.backward()
    problem = backward.get("problem")
    if problem == "raised":
        return {"grad_error": f"backward through {label} raised {backward['error'].replace('your code raised ', '', 1)}"}
    if problem is not None:
        return {"grad_error": f"autograd cannot run through what {label} returned (no gradient reaches x: is it "
                              "computed outside autograd, e.g. with .detach(), .item() or numpy?)"}  # fmt: skip
    (grad,) = backward["grads"]
    if grad is None:
        return {"grad_error": f"autograd gives x no gradient through {label}"}
    return {"dx_autograd": grad}


# --- batchnorm_forward / batchnorm_backward ---------------------------------------------------------------------


@probe
def batchnorm_functions(target: Target, cases: list[dict[str, Any]]) -> dict[str, Any]:
    """Each case {"shape": [N, D], "dtype", "seed", "steps" (1), "training" (True), "kwargs" ({} or momentum/eps),
    "fresh" (running statistics 0 and 1), "tiny", "backward"}: `steps` calls of batchnorm_forward, each on a new x,
    each given the running statistics the previous call returned; then, with "backward", batchnorm_backward on the
    last call's cache and a random grad_out. Returns per case the forward results of every step (stacked) and the
    backward's (dx, dgamma, dbeta), or {"error"}.
    """
    request = Request()
    planned = []
    for number, spec in enumerate(cases):
        chain, dtype, (n, d) = f"case {number}", spec["dtype"], spec["shape"]
        seed, steps, training = spec["seed"], spec.get("steps", 1), spec.get("training", True)
        gamma, beta = affine(d, seed + 1)
        mean, var = running(d, seed + 2, spec.get("fresh", False))
        state: list[Any] = [tensor(mean, dtype), tensor(var, dtype)]
        forwards = []
        for step in range(steps):
            x = features([n, d], seed + 10 + step, tiny=spec.get("tiny", False))
            kwargs = dict(spec.get("kwargs", {}))
            if "training" in spec:
                kwargs["training"] = training
            fwd = request.call("batchnorm_forward", tensor(x, dtype), tensor(gamma, dtype), tensor(beta, dtype), *state,
                               chain=chain, **kwargs)  # fmt: skip
            forwards.append(fwd)
            state = [output(fwd, 1, dtype=dtype), output(fwd, 2, dtype=dtype)]
        back, scale = None, None
        if spec.get("backward"):
            grad = cotangent([n, d], seed + 3)
            back = request.call("batchnorm_backward", tensor(grad, dtype), output(forwards[-1], 3), chain=chain)
            scale = dx_scale(grad, gamma, x.var(axis=0) if training else var, spec.get("kwargs", {}).get("eps", 1e-5))
        planned.append((spec, forwards, back, scale))
    target.run(request)
    return {"cases": [_case(lambda s=s, f=f, b=b, c=c: _functions_case(s, f, b, c)) for s, f, b, c in planned]}


def _functions_case(spec: dict[str, Any], forwards: list[Op], back: Op | None, scale: float | None) -> dict[str, Any]:
    found: dict[str, Any] = {} if scale is None else {"dx_scale": scale}
    steps: dict[str, list[np.ndarray]] = {name: [] for name in FORWARD_RETURNS}
    for step, op in enumerate(forwards):
        label = "batchnorm_forward" + (f" (call {step + 1} of {len(forwards)})" if len(forwards) > 1 else "")
        if (error := _failed(op, label)) is not None:
            return {"error": error}
        for name, array in _items(op, label, FORWARD_RETURNS).items():
            steps[name].append(array)
    for name, arrays in steps.items():
        if len({a.shape for a in arrays}) != 1:
            return {"error": f"the {name} batchnorm_forward returned changed shape from one call to the next"}
        found[name] = np.stack(arrays)
    found["dtypes"] = [forwards[-1].value().items("what batchnorm_forward returned")[0].dtype]
    if back is not None:
        if (error := _failed(back, "batchnorm_backward(grad_out, cache)")) is not None:
            return {**found, "backward_error": error}
        try:
            found.update(_items(back, "batchnorm_backward(grad_out, cache)", BACKWARD_RETURNS))
        except StudentError as exc:
            found["backward_error"] = str(exc)
    return found


# --- BatchNorm1d ------------------------------------------------------------------------------------------------


@probe
def batchnorm_module(target: Target, cases: list[dict[str, Any]]) -> dict[str, Any]:
    """Each case {"D", "N", "dtype", "seed", "steps", "kwargs" (eps/momentum), "affine" (set weight and bias),
    "eval" (then eval-mode calls on N_eval images, then train() again)}: BatchNorm1d(D, **kwargs) (made float64 with
    .double() for float64 cases), `steps` training-mode calls on new inputs, the last one with autograd run from a
    random grad_out to x, weight and bias; running_mean and running_var read back after every call.

    Returns per case: the new module's training flag, weight, bias and buffers; each step's output and buffers;
    the last step's gradients; with "eval": eval outputs, buffers after them, and the flag after train().
    """
    request = Request()
    planned = []
    for number, spec in enumerate(cases):
        h, dtype, d, n, seed = f"bn{number}", spec["dtype"], spec["D"], spec["N"], spec["seed"]
        ops: dict[str, Any] = {"create": request.call("BatchNorm1d", d, keep=h, chain=h, **spec.get("kwargs", {}))}
        if dtype == "float64":
            request.call_kept(h, method="double", chain=h)
        ops["new"] = _module_state(request, h)
        if spec.get("affine"):
            weight, bias = affine(d, seed + 1)
            request.set_state(h, {"weight": weight, "bias": bias}, chain=h)
        ops["steps"] = []
        for step in range(spec["steps"]):
            last = step == spec["steps"] - 1
            x = features([n, d], seed + 10 + step)
            if last:
                request.call_kept(h, method="zero_grad", chain=h)
            call = request.call_kept(h, tensor(x, dtype, requires_grad=last), chain=h,
                                     backward={"cotangent": cotangent([n, d], seed + 3)} if last else None)  # fmt: skip
            if last:
                gamma = affine(d, seed + 1)[0] if spec.get("affine") else np.ones(d)
                ops["dx_scale"] = dx_scale(cotangent([n, d], seed + 3), gamma, x.var(axis=0),
                                           spec.get("kwargs", {}).get("eps", 1e-5))  # fmt: skip
            ops["steps"].append((call, _module_state(request, h, ("running_mean", "running_var"))))
        for name in ("weight", "bias"):
            request.call_kept(h, name, method="get_parameter", keep=f"{h}.{name}", chain=h)
            ops[f"d{name}"] = request.get(f"{h}.{name}", "grad", chain=h)
        if spec.get("eval"):
            request.call_kept(h, method="eval", chain=h)
            ops["eval_flag"] = request.get(h, "training", chain=h)
            ops["eval"] = [request.call_kept(h, tensor(features([m, d], seed + 50 + m), dtype), chain=h) for m in spec["eval"]]
            ops["after_eval"] = _module_state(request, h, ("running_mean", "running_var"))
            request.call_kept(h, method="train", chain=h)
            ops["train_flag"] = request.get(h, "training", chain=h)
        planned.append((spec, ops))
    target.run(request)
    return {"cases": [_case(lambda s=s, o=o: _module_case(s, o)) for s, o in planned]}


def _module_state(request: Request, handle: str, names: tuple[str, ...] = ("training", "weight", "bias", "running_mean",
                  "running_var")) -> dict[str, Op]:  # fmt: skip
    return {name: request.get(handle, name, chain=handle) for name in names}


def _read_state(ops: dict[str, Op], label: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name, op in ops.items():
        if (error := _failed(op, f"reading {label}.{name}")) is not None:
            raise StudentError(error)
        value = op.value()
        if name == "training":
            found[name] = value.as_flag() is True
        else:
            found[name] = _tensor_of(value, f"{label}.{name}")
    return found


def _module_case(spec: dict[str, Any], ops: dict[str, Any]) -> dict[str, Any]:
    label = f"BatchNorm1d({spec['D']}{''.join(f', {k}={v}' for k, v in spec.get('kwargs', {}).items())})"
    if (error := _failed(ops["create"], label)) is not None:
        return {"error": error}
    found: dict[str, Any] = {"new": _read_state(ops["new"], f"a new {label}"), "dx_autograd_scale": ops["dx_scale"]}
    outs, means, variances = [], [], []
    for step, (call, state) in enumerate(ops["steps"]):
        what = f"{label} in training mode, call {step + 1} on x of shape ({spec['N']}, {spec['D']})"
        if (error := _failed(call, what)) is not None:
            return {**found, "error": error}
        outs.append(_tensor_of(call.value(), f"what {what} returned"))
        read = _read_state(state, label)
        means.append(read["running_mean"])
        variances.append(read["running_var"])
    if len({a.shape for a in outs}) != 1 or len({a.shape for a in means + variances}) > 1:
        return {**found, "error": f"what {label} returned, or its running statistics, changed shape between calls"}
    found.update(out=np.stack(outs), running_mean=np.stack(means), running_var=np.stack(variances),
                 out_dtype=ops["steps"][-1][0].value().dtype)  # fmt: skip
    found.update(_grads(ops["steps"][-1][0], label))
    for name in ("dweight", "dbias"):
        op = ops[name]
        if (error := _failed(op, f"reading {label}.{name[1:]}.grad")) is not None:
            found[f"{name}_error"] = error
            continue
        value = op.value()
        if value.kind == "none":
            found[f"{name}_error"] = f"{label}.{name[1:]} got no gradient from backward: is it used in forward?"
        else:
            found[name] = _tensor_of(value, f"{label}.{name[1:]}.grad")
    if "eval" in ops:
        for op in ops["eval"]:
            if (error := _failed(op, f"{label} in eval mode")) is not None:
                return {**found, "eval_error": error}
        found["eval_flag"] = ops["eval_flag"].value().as_flag() is True if ops["eval_flag"].error is None else None
        found["eval"] = [_tensor_of(op.value(), f"what {label} returned in eval mode") for op in ops["eval"]]
        after = _read_state(ops["after_eval"], label)
        found["after_eval"] = {k: after[k] for k in ("running_mean", "running_var")}
        found["train_flag"] = ops["train_flag"].value().as_flag() is True if ops["train_flag"].error is None else None
    return found


# --- layernorm_forward ------------------------------------------------------------------------------------------


@probe
def layernorm_cases(target: Target, cases: list[dict[str, Any]]) -> dict[str, Any]:
    """Each case {"shape", "dtype", "seed", "kwargs" (eps), "tiny", "spread", "grad"}: layernorm_forward(x, gamma,
    beta) with gamma and beta of the last dimension's size; with "grad", autograd from a random grad_out to x, gamma
    and beta. Returns per case the output (and the gradients) or {"error"}."""
    request = Request()
    planned = []
    for number, spec in enumerate(cases):
        shape, dtype, seed, grad = spec["shape"], spec["dtype"], spec["seed"], spec.get("grad", False)
        x = rows(shape, seed, spread=spec.get("spread", 1.0), tiny=spec.get("tiny", False))
        gamma, beta = affine(shape[-1], seed + 1)
        args = [tensor(a, dtype, requires_grad=grad) for a in (x, gamma, beta)]
        call = request.call("layernorm_forward", *args, chain=f"case {number}", **spec.get("kwargs", {}),
                            backward={"cotangent": cotangent(shape, seed + 3)} if grad else None)  # fmt: skip
        planned.append((spec, call))
    target.run(request)
    return {"cases": [_case(lambda s=s, c=c: _layernorm_case(s, c)) for s, c in planned]}


def _layernorm_case(spec: dict[str, Any], call: Op) -> dict[str, Any]:
    label = "layernorm_forward"
    if (error := _failed(call, label)) is not None:
        return {"error": error}
    value = call.value()
    found: dict[str, Any] = {"out": _tensor_of(value, f"what {label} returned"), "dtype": value.dtype}
    if spec.get("grad"):
        backward = call.backward()
        if "problem" in backward:
            found["grad_error"] = (f"backward through {label} raised {backward['error'].replace('your code raised ', '', 1)}"
                                   if backward["problem"] == "raised" else
                                   f"autograd cannot run through what {label} returned (is it computed outside autograd?)")  # fmt: skip
        else:
            for name, grad in zip(("dx", "dgamma", "dbeta"), backward["grads"]):
                if grad is None:
                    found["grad_error"] = f"autograd gives {name[1:]} no gradient through {label}"
                    break
                found[name] = grad
    return found
