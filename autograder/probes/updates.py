"""Update functions (optimizer steps) run step after step on seeded inputs: the probe body any assignment reuses.

An update function has the shape ``fn(param, grad, *state, [t,] **hyper) -> (param, *state)``. All runs go to the
worker in one request: each step's gradient is regenerated here from the run's seed, and the param and state the
function returned at one step are fed back, cast to the run's dtype, as the next step's inputs. Only the raw outputs
come back; every difference is computed in the grader. An assignment wraps :func:`update_runs` in a ``@probe`` with
its own table of :class:`UpdateRule`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograder.probes.observed import Observation, StudentError
from autograder.probes.proxy import Op, Request, Target, output, tensor

_NUMPY = {"float64": np.float64, "float32": np.float32}


@dataclass(frozen=True)
class UpdateRule:
    """How an update function is called: the state tensors it carries (argument order), which of them scale like
    grad**2 (never negative), whether the 1-based step number t follows them, and its default lr."""

    states: tuple[str, ...]
    squared: frozenset[str] = frozenset()
    takes_t: bool = False
    default_lr: float = 0.01

    def scale(self, run: dict[str, Any], name: str) -> float:
        """The size of a state of this run (the largest gradient scale, squared for squared states)."""
        scale = max(run.get("grad_scales", [1.0]))
        return scale**2 if name in self.squared else scale


def _signed(rng: np.random.Generator, shape: tuple[int, ...], scale: np.ndarray, count: int) -> np.ndarray:
    """count arrays of the given shape: |values| uniform in [0.5, 1.5] times scale, random signs."""
    magnitude = rng.uniform(0.5, 1.5, size=(count, *shape)) * scale
    return np.where(rng.random(size=(count, *shape)) < 0.5, -magnitude, magnitude)


def run_inputs(run: dict[str, Any], rule: UpdateRule) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
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
    for name in rule.states:
        if run.get("state0") == "random":
            value = _signed(rng, shape, scale, 1)[0]
            state0[name] = value**2 if name in rule.squared else value
        else:
            state0[name] = np.zeros(shape)
    grads = _signed(rng, shape, scale, run["steps"])
    flat = grads.reshape(run["steps"], size)
    flat[:, list(run.get("zero_grad", []))] = 0.0
    return np.asarray(param0), state0, flat.reshape(run["steps"], *shape)


def _inputs(run: dict[str, Any], step: int) -> str:
    inputs = f"{run['dtype']} tensors of shape {tuple(run['shape'])}"
    if "t0" in run:
        inputs += f", t={int(run['t0']) + step}"
    hyper = run.get("hyper", {})
    return inputs + ", " + (", ".join(f"{k}={v!r}" for k, v in hyper.items()) if hyper else "default hyper-parameters")


def _returned(op: Op, function: str, run: dict[str, Any], step: int, names: tuple[str, ...]) -> list[Observation]:
    """What one step returned, as (param, *state) observations, or StudentError saying what went wrong where."""
    if op.error is not None:
        if op.error_type in ("MissingName", "Skipped"):
            raise StudentError(op.error)
        raise StudentError(f"{op.error} (called with {_inputs(run, step)})")
    out = op.value()
    expected = ", ".join(("param", *names))
    if out.kind not in ("tuple", "list"):
        raise StudentError(f"{function} returned {out.describe()}; it must return the tuple ({expected})")
    if out.facts["length"] != 1 + len(names):
        raise StudentError(
            f"{function} returned {out.facts['length']} values; it must return the {1 + len(names)} values ({expected})"
        )
    return out.items(f"what {function} returned", 1 + len(names))


def update_runs(target: Target, function: str, rule: UpdateRule, runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Call one update function step after step on seeded inputs, feeding back the state it returns.

    Each run: shape, dtype ("float64"/"float32"), steps, seed, hyper (keywords passed; {} = the defaults),
    t0 (first step number, when the rule takes t), param0 ("zeros"/"normal"), state0 ("zeros"/"random"),
    grad_scales, zero_grad (flat indices whose gradient is always 0). Every call gets fresh tensors built from plain
    arrays. Returns, per run i and step: "i.param" (returned param), "i.delta" (returned param minus the param
    passed, in float64), "i.<state>" (returned state), "i.dtype" (dtype of the first returned param) and "i.dtypes"
    (of every value the first step returned).
    """
    names = rule.states
    request = Request()
    planned = []
    for i, run in enumerate(runs):
        dtype = run["dtype"]
        param, state, grads = run_inputs(run, rule)
        steps: list[Op] = []
        for step, grad in enumerate(grads):
            if not steps:
                args = [tensor(param, dtype), tensor(grad, dtype), *(tensor(state[name], dtype) for name in names)]
            else:
                fed_back = (output(steps[-1], k, dtype=dtype) for k in range(1, 1 + len(names)))
                args = [output(steps[-1], 0, dtype=dtype), tensor(grad, dtype), *fed_back]
            if rule.takes_t:
                args.append(int(run["t0"]) + step)
            steps.append(request.call(function, *args, chain=f"run {i}", **run.get("hyper", {})))
        planned.append((run, param, steps))
    target.run(request)
    result: dict[str, Any] = {}
    for i, (run, param, steps) in enumerate(planned):
        shape, cast = tuple(run["shape"]), _NUMPY[run["dtype"]]
        passed = param.astype(cast).astype(np.float64)  # what the student's function was given
        params, deltas, states = [], [], {name: [] for name in names}
        for step, op in enumerate(steps):
            where = f" at step {step + 1}" if run["steps"] > 1 else ""
            out = _returned(op, function, run, step, names)
            if step == 0:
                dtypes = [o.dtype if o.kind in ("tensor", "ndarray") else o.type for o in out]
                result[f"{i}.dtype"], result[f"{i}.dtypes"] = dtypes[0], dtypes
            values = []
            for name, value in zip(("param", *names), out):
                array = value.array(f"the {name} that {function} returned{where}", numbers=True)
                if array.shape != shape:
                    raise StudentError(f"{function} returned a {name} of shape {array.shape} for inputs of shape {shape}")
                values.append(array)
            params.append(values[0])
            deltas.append(values[0].astype(np.float64) - passed)
            for name, array in zip(names, values[1:]):
                states[name].append(array)
            passed = values[0].astype(cast).astype(np.float64)
        result[f"{i}.param"] = np.stack(params)
        result[f"{i}.delta"] = np.stack(deltas)
        for name in names:
            result[f"{i}.{name}"] = np.stack(states[name])
    return result
