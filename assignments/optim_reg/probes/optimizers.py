"""The probe of [momentum], [rmsprop], [adam] and [adamw]: an update function run step after step on seeded inputs."""

import math
from typing import Any

import numpy as np
import torch

from autograder.conventions import student_location
from autograder.probes import Namespace, probe
from autograder.probes.convert import ProbeError, dtype_name, to_array

# The update functions of SPEC A2-A5: the state tensors each one carries (in argument order) and whether it is
# given the 1-based step number t (passed positionally after the state, as the notebook's ManualOptimizer does).
UPDATE_FUNCTIONS: dict[str, tuple[tuple[str, ...], bool]] = {
    "sgd_momentum_update": (("velocity",), False),
    "rmsprop_update": (("square_avg",), False),
    "adam_update": (("m", "v"), True),
    "adamw_update": (("m", "v"), True),
}
# States that are averages of squared gradients (never negative, scale grad**2); the others scale like grad.
SQUARED_STATES = {"square_avg", "v"}
_DTYPES = {"float64": torch.float64, "float32": torch.float32}
_NUMPY = {"float64": np.float64, "float32": np.float32}


def _signed(rng: np.random.Generator, shape: tuple[int, ...], scale: np.ndarray, count: int) -> np.ndarray:
    """count arrays of the given shape: |values| uniform in [0.5, 1.5] times scale, random signs."""
    magnitude = rng.uniform(0.5, 1.5, size=(count, *shape)) * scale
    return np.where(rng.random(size=(count, *shape)) < 0.5, -magnitude, magnitude)


def _run_inputs(run: dict[str, Any], names: tuple[str, ...]) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """The starting param, starting state and per-step gradients of one run, as float64 arrays.

    Gradient sizes are kept within [0.5, 1.5] times the run's scale for each coordinate (grad_scales cycle over the
    flat indices), so no coordinate's gradient is accidentally tiny; zero_grad coordinates get exactly 0.
    """
    shape = tuple(run["shape"])
    rng = np.random.default_rng(run["seed"])
    size = math.prod(shape)
    scale = np.resize(np.asarray(run.get("grad_scales", [1.0]), dtype=np.float64), size).reshape(shape)
    param0 = rng.standard_normal(shape) if run.get("param0") == "normal" else np.zeros(shape)
    state0 = {}
    for name in names:
        if run.get("state0") == "random":
            value = _signed(rng, shape, scale, 1)[0]
            state0[name] = value**2 if name in SQUARED_STATES else value
        else:
            state0[name] = np.zeros(shape)
    grads = _signed(rng, shape, scale, run["steps"])
    flat = grads.reshape(run["steps"], size)
    flat[:, list(run.get("zero_grad", []))] = 0.0
    return np.asarray(param0), state0, flat.reshape(run["steps"], *shape)


def _as_tuple(out: Any, function: str, names: tuple[str, ...]) -> tuple[Any, ...]:
    expected = ", ".join(("param", *names))
    if not isinstance(out, (tuple, list)):
        raise ProbeError(f"{function} returned a {type(out).__name__}; it must return the tuple ({expected})")
    if len(out) != 1 + len(names):
        raise ProbeError(
            f"{function} returned {len(out)} values; it must return the {1 + len(names)} values ({expected})"
        )
    return tuple(out)


def _raised(exc: Exception, function: str, run: dict[str, Any], step: int) -> str:
    where = student_location(exc)
    shape = tuple(run["shape"])
    inputs = f"{run['dtype']} tensors of shape {shape}"
    if "t0" in run:
        inputs += f", t={int(run['t0']) + step}"
    hyper = run.get("hyper", {})
    inputs += ", " + (", ".join(f"{k}={v!r}" for k, v in hyper.items()) if hyper else "default hyper-parameters")
    return f"your code raised {type(exc).__name__}{where}: {str(exc)[:500]} (called with {inputs})"


@probe
def optimizer_runs(ns: Namespace, function: str, runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Call one update function step after step on seeded inputs, feeding back the state it returns.

    Each run: shape, dtype ("float64"/"float32"), steps, seed, hyper (keywords passed; {} = the defaults),
    t0 (first step number, for Adam/AdamW), param0 ("zeros"/"normal"), state0 ("zeros"/"random"), grad_scales,
    zero_grad (flat indices whose gradient is always 0). Every call gets fresh tensors built from plain arrays.
    Returns, per run i and step: "i.param" (returned param), "i.delta" (returned param minus the param passed,
    in float64), "i.<state>" (returned state), and "i.dtype" (dtype of the first returned param).
    """
    if function not in UPDATE_FUNCTIONS:
        raise ValueError(f"optimizer_runs does not know {function}")
    names, takes_t = UPDATE_FUNCTIONS[function]
    fn = ns.get(function)
    if fn is None:
        raise ProbeError(f"{function} is not defined at the top level of your notebook")
    if not callable(fn):
        raise ProbeError(f"{function} is a {type(fn).__name__}, not a function")
    result: dict[str, Any] = {}
    for i, run in enumerate(runs):
        shape, dtype = tuple(run["shape"]), _DTYPES[run["dtype"]]
        param, state, grads = _run_inputs(run, names)
        params, deltas, states = [], [], {name: [] for name in names}
        for step, grad in enumerate(grads):
            where = f" at step {step + 1}" if run["steps"] > 1 else ""
            args = [torch.tensor(param, dtype=dtype), torch.tensor(grad, dtype=dtype)]
            args += [torch.tensor(state[name], dtype=dtype) for name in names]
            if takes_t:
                args.append(int(run["t0"]) + step)
            try:
                out = fn(*args, **run.get("hyper", {}))
            except Exception as exc:  # noqa: BLE001 - say on which input; SystemExit & co. reach the worker as they are
                raise ProbeError(_raised(exc, function, run, step)) from None
            out = _as_tuple(out, function, names)
            if step == 0:
                tensor_like = isinstance(out[0], (torch.Tensor, np.ndarray, np.generic))
                result[f"{i}.dtype"] = dtype_name(out[0]) if tensor_like else type(out[0]).__name__
            values = []
            for name, value in zip(("param", *names), out):
                array = to_array(value, f"the {name} that {function} returned{where}")
                if array.shape != shape:
                    raise ProbeError(f"{function} returned a {name} of shape {array.shape} for inputs of shape {shape}")
                values.append(array)
            new_param = values[0].astype(np.float64)
            params.append(values[0])
            deltas.append(new_param - param.astype(_NUMPY[run["dtype"]]).astype(np.float64))
            for name, array in zip(names, values[1:]):
                states[name].append(array)
                state[name] = array.astype(np.float64)
            param = new_param
        result[f"{i}.param"] = np.stack(params)
        result[f"{i}.delta"] = np.stack(deltas)
        for name in names:
            result[f"{i}.{name}"] = np.stack(states[name])
    return result
