"""The probes of [init]: compute_fans and the four initializers, their errors, types and generator behaviour, and
the statistics of their draws — computed here, from the arrays the student's functions returned."""

import math
from typing import Any

import numpy as np

from assignments.optim_reg.probes.cases import case, failed, fmt_shape, raises, tensor_facts
from autograder.probes import probe
from autograder.probes.proxy import Op, Request, Target, generator, kept, tuple_of

INIT_NAMES = ("xavier_uniform", "xavier_normal", "he_uniform", "he_normal")
_EXTRAS = {
    "xavier_uniform": {"gain": 1.0},
    "xavier_normal": {"gain": 1.0},
    "he_uniform": {"mode": "fan_in"},
    "he_normal": {"mode": "fan_in"},
}


def init_label(fn: str, shape: Any, extra: dict[str, Any]) -> str:
    args = "".join(f", {k}={v!r}" for k, v in extra.items())
    return f"{fn}({fmt_shape(shape)}{args})"


def _fans(op: Op, shape: tuple[int, ...]) -> dict[str, Any]:
    label = f"compute_fans({fmt_shape(shape)})"
    if (error := failed(op, label)) is not None:
        return error
    result = op.value()
    if result.kind in ("tuple", "list") and result.facts["length"] == 2:
        values = [item.array(f"{label}[{i}]", numbers=True) for i, item in enumerate(result.items(label, 2))]
    elif result.kind in ("tensor", "ndarray") and (result.shape or (0,))[0] == 2:
        values = list(result.array(label))
    else:
        return {"error": f"{label} returned {result.describe()}, expected a (fan_in, fan_out) pair",
                "error_type": "ProbeError"}  # fmt: skip
    if any(np.size(v) != 1 for v in values):
        return {"error": f"{label} returned a pair whose entries are not single numbers", "error_type": "ProbeError"}
    return {"value": [float(np.reshape(v, ())) for v in values]}


BASICS_PARTS = ("fans", "errors", "returns", "generator")


@probe
def init_basics(
    target: Target, fan_shapes: list[list[int]], seed: int = 0, parts: tuple[str, ...] = BASICS_PARTS
) -> dict[str, Any]:
    """compute_fans values and errors; every initializer's type/dtype/shape, errors and generator behaviour (only
    the `parts` asked for: a public test sends only its own inputs)."""
    request = Request()
    fans = [request.call("compute_fans", tuple_of(*s)) for s in fan_shapes] if "fans" in parts else []
    errors = "errors" in parts
    fans_errors = [(s, request.call("compute_fans", tuple_of(*s))) for s in ([(5,), ()] if errors else [])]
    init_errors = [(fn, request.call(fn, tuple_of(5))) for fn in (INIT_NAMES if errors else ())]
    mode_errors = [(fn, mode, request.call(fn, tuple_of(4, 3), mode=mode))
                   for fn in ("he_uniform", "he_normal") if errors for mode in ("fan_avg", "in")]  # fmt: skip
    returns = [(fn, shape, request.call(fn, tuple_of(*shape), generator=generator(seed), seed=seed))
               for fn in INIT_NAMES if "returns" in parts for shape in [(3, 4), (6, 2, 3, 3)]]  # fmt: skip
    behaviour = {fn: _generator_calls(request, fn, seed) for fn in (INIT_NAMES if "generator" in parts else ())}
    target.run(request)
    return {
        "fans": [{"shape": list(s), **_fans(op, tuple(s))} for s, op in zip(fan_shapes, fans)],
        "fans_errors": [{"shape": list(s), **raises(op)} for s, op in fans_errors],
        "init_errors": [{"fn": fn, "shape": [5], "kwargs": {}, **raises(op)} for fn, op in init_errors],
        "mode_errors": [{"fn": fn, "mode": mode, **raises(op)} for fn, mode, op in mode_errors],
        "returns": [{"fn": fn, "shape": list(shape), **_returned(op, fn, shape)} for fn, shape, op in returns],
        "generator": [{"fn": fn, **_generator_behaviour(fn, ops)} for fn, ops in behaviour.items()],
    }


def _returned(op: Op, fn: str, shape: tuple[int, ...]) -> dict[str, Any]:
    label = init_label(fn, shape, {})
    return failed(op, label) or case(label, lambda: tensor_facts(op, label))


def _generator_calls(request: Request, fn: str, seed: int) -> list[Op]:
    """first and second with one generator, again with a fresh one of the same seed, then two without."""
    shape, extra = (64, 32), _EXTRAS[fn]
    request.generator(f"g-{fn}", seed + 7)
    first = request.call(fn, tuple_of(*shape), generator=kept(f"g-{fn}"), seed=seed, **extra)
    again = request.call(fn, tuple_of(*shape), generator=generator(seed + 7), **extra)
    second = request.call(fn, tuple_of(*shape), generator=kept(f"g-{fn}"), **extra)
    return [first, again, second, request.call(fn, tuple_of(*shape), **extra), request.call(fn, tuple_of(*shape), **extra)]


def _generator_behaviour(fn: str, ops: list[Op]) -> dict[str, Any]:
    label = init_label(fn, (64, 32), _EXTRAS[fn])
    for op in ops:
        if (error := failed(op, label)) is not None:
            return error

    def compare() -> dict[str, Any]:
        first, again, second, a, b = (op.value().array(label, numbers=True) for op in ops)

        def same(x: np.ndarray, y: np.ndarray) -> bool:
            return bool(x.shape == y.shape and np.array_equal(x, y))

        return {"same_seed_equal": same(first, again), "successive_differ": not same(first, second),
                "unseeded_differ": not same(a, b)}  # fmt: skip

    return case(label, compare)


@probe
def init_stats(target: Target, cases: list[dict[str, Any]], n_min: int = 2**18, seed: int = 0) -> dict[str, Any]:
    """Sample statistics of each case {"fn", "shape", "kwargs"}: draws pooled until at least n_min values.

    Returns per case n, mean, std (population), excess kurtosis, max |w|, min, max and the first draw's shape.
    """
    request = Request()
    draws = []
    for number, spec in enumerate(cases):
        fn, shape, extra = spec["fn"], tuple(spec["shape"]), dict(spec.get("kwargs", {}))
        request.generator(f"g{number}", seed + 1000 * number + 1)
        count = max(1, math.ceil(n_min / max(1, math.prod(shape))))
        ops = [request.call(fn, tuple_of(*shape), generator=kept(f"g{number}"), chain=f"case {number}",
                            **({"seed": seed + 1000 * number} if k == 0 else {}), **extra) for k in range(count)]  # fmt: skip
        draws.append(ops)
    target.run(request)
    results = []
    for spec, ops in zip(cases, draws):
        label = init_label(spec["fn"], spec["shape"], dict(spec.get("kwargs", {})))
        error = next((e for op in ops if (e := failed(op, label)) is not None), None)
        results.append({**spec, **(error or case(label, lambda ops=ops, spec=spec, label=label: _statistics(ops, spec, label)))})
    return {"cases": results}


def _statistics(ops: list[Op], spec: dict[str, Any], label: str) -> dict[str, Any]:
    shape = tuple(spec["shape"])
    n = 0
    first_shape = None
    # raw moments in float64 (the mean is ~0 next to the std, so central moments follow without cancellation)
    s1 = s2 = s3 = s4 = 0.0
    lo, hi = math.inf, -math.inf
    for op in ops:
        array = op.value().array(label, numbers=True)
        if first_shape is None:
            first_shape = list(array.shape)
            if tuple(array.shape) != shape:
                return {"got_shape": first_shape}
        if array.size == 0:
            return {"got_shape": first_shape, "n": 0}
        x = array.astype(np.float64).ravel()
        with np.errstate(all="ignore"):
            lo, hi = min(lo, float(x.min())), max(hi, float(x.max()))
            x2 = x * x
            s1 += float(x.sum())
            s2 += float(x2.sum())
            s3 += float(np.multiply(x2, x, out=x).sum())
            s4 += float(np.square(x2, out=x2).sum())
        n += x2.size
    if not all(math.isfinite(v) for v in (s1, s2, s3, s4, lo, hi)):
        return {"got_shape": first_shape, "n": int(n), "finite": False}
    mean = s1 / n
    m2 = s2 / n - mean**2
    m4 = s4 / n - 4 * mean * s3 / n + 6 * mean**2 * s2 / n - 3 * mean**4
    excess = m4 / m2**2 - 3.0 if m2 > 0 else math.nan
    return {
        "got_shape": first_shape,
        "n": int(n),
        "finite": True,
        "mean": mean,
        "std": math.sqrt(max(m2, 0.0)),
        "excess_kurtosis": excess,
        "max_abs": max(abs(lo), abs(hi)),
        "min": lo,
        "max": hi,
    }
