"""The probes of [init], [l2] and [dropout]: batteries of cases, each reported on its own."""

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from autograder.conventions import student_location
from autograder.probes import Namespace, probe
from autograder.probes.convert import ProbeError, dtype_name, to_array

# Probes for [init], [l2] and [dropout]. Each probe runs a battery of cases; a case whose student code raises
# (or returns something that is not numbers) is reported as {"error": sentence} without stopping the others, so
# one broken function costs only the tests that need it. Statistics are computed here, in float64 numpy, and
# only summary numbers and small arrays travel back. Every random draw comes from generators (and a seeded global
# RNG) set from the probe's params; inputs handed to student code are fresh copies.

INIT_NAMES = ("xavier_uniform", "xavier_normal", "he_uniform", "he_normal")


# --- helpers -------------------------------------------------------------------------------------------------


def _describe(exc: BaseException) -> str:
    """'ValueError (line 3 of he_normal): message' for an exception raised by student code."""
    try:
        message = str(exc)[:300]
    except Exception:  # noqa: BLE001 - a student's exception may not even print
        message = "(no message)"
    where = student_location(exc)
    return f"{type(exc).__name__}{where}: {message}" if message else f"{type(exc).__name__}{where}"


def _case(label: str, body: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run one case; student failures become {"error": sentence, "error_type": name}."""
    try:
        return body()
    except ProbeError as exc:
        return {"error": str(exc), "error_type": "ProbeError"}
    except Exception as exc:  # noqa: BLE001 - student code may raise anything
        return {"error": f"{label} raised {_describe(exc)}", "error_type": type(exc).__name__}


def _raises(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> dict[str, Any]:
    """What happened when calling fn: {"raised": type name or None, "value_error": bool, "message": ...}."""
    try:
        fn(*args, **kwargs)
    except ValueError as exc:
        return {"raised": type(exc).__name__, "value_error": True, "message": ""}
    except Exception as exc:  # noqa: BLE001
        return {"raised": type(exc).__name__, "value_error": False, "message": _describe(exc)}
    return {"raised": None, "value_error": False, "message": ""}


def _shape(value: Any) -> list[int] | None:
    try:
        return [int(n) for n in torch.Tensor.size(value)] if isinstance(value, torch.Tensor) else None
    except Exception:  # noqa: BLE001
        return None


def _fmt_shape(shape: Any) -> str:
    return str(tuple(shape))


def _seed_all(seed: int) -> torch.Generator:
    """Seed torch's global CPU generator (students may draw without the generator) and return a fresh one."""
    torch.random.default_generator.manual_seed(seed)  # torch.manual_seed also seeds CUDA lazily, which is slow
    return torch.Generator().manual_seed(seed + 1)


# --- [init] --------------------------------------------------------------------------------------------------


def _init_call(ns: Namespace, fn: str, shape: tuple[int, ...], extra: dict[str, Any], generator: Any) -> Any:
    kwargs = dict(extra)
    if generator is not None:
        kwargs["generator"] = generator
    return ns[fn](tuple(shape), **kwargs)


def _init_label(fn: str, shape: Any, extra: dict[str, Any]) -> str:
    args = "".join(f", {k}={v!r}" for k, v in extra.items())
    return f"{fn}({_fmt_shape(shape)}{args})"


@probe
def init_basics(ns: Namespace, seed: int = 0) -> dict[str, Any]:
    """compute_fans values and errors; every initializer's type/dtype/shape, errors and generator behaviour."""
    out: dict[str, Any] = {}
    fan_shapes = [(10, 20), (256, 1024), (1, 1), (64, 32, 5), (32, 16, 3, 5), (7, 3, 1, 1), (8, 4, 3, 3, 3)]

    def fans(shape: tuple[int, ...]) -> dict[str, Any]:
        label = f"compute_fans({_fmt_shape(shape)})"
        result = ns["compute_fans"](tuple(shape))
        if isinstance(result, (str, bytes, dict)) or not hasattr(result, "__len__") or len(result) != 2:
            raise ProbeError(f"{label} returned a {type(result).__name__}, expected a (fan_in, fan_out) pair")
        values = [to_array(v, f"{label}[{i}]") for i, v in enumerate(result)]
        if any(v.size != 1 for v in values):
            raise ProbeError(f"{label} returned a pair whose entries are not single numbers")
        return {"value": [float(v.reshape(())) for v in values]}

    out["fans"] = [
        {"shape": list(s), **_case(f"compute_fans({_fmt_shape(s)})", lambda s=s: fans(s))} for s in fan_shapes
    ]
    out["fans_errors"] = [{"shape": list(s), **_raises(ns["compute_fans"], s)} for s in [(5,), ()]]

    extras = {
        "xavier_uniform": {"gain": 1.0},
        "xavier_normal": {"gain": 1.0},
        "he_uniform": {"mode": "fan_in"},
        "he_normal": {"mode": "fan_in"},
    }
    out["init_errors"] = [{"fn": fn, "shape": [5], "kwargs": {}, **_raises(ns[fn], (5,))} for fn in INIT_NAMES]
    out["mode_errors"] = [
        {"fn": fn, "mode": mode, **_raises(ns[fn], (4, 3), mode=mode)}
        for fn in ("he_uniform", "he_normal")
        for mode in ("fan_avg", "in")
    ]

    def returned(fn: str, shape: tuple[int, ...]) -> dict[str, Any]:
        _seed_all(seed)
        w = _init_call(ns, fn, shape, {}, torch.Generator().manual_seed(seed))
        to_array(w, _init_label(fn, shape, {}))  # a tensor or array of numbers
        return {
            "is_tensor": isinstance(w, torch.Tensor),
            "dtype": dtype_name(w),
            "got_shape": _shape(w),
            "type": type(w).__name__,
            "requires_grad": bool(getattr(w, "requires_grad", False)),
        }

    out["returns"] = [
        {
            "fn": fn,
            "shape": list(shape),
            **_case(_init_label(fn, shape, {}), lambda fn=fn, shape=shape: returned(fn, shape)),
        }
        for fn in INIT_NAMES
        for shape in [(3, 4), (6, 2, 3, 3)]
    ]

    def generator_behaviour(fn: str) -> dict[str, Any]:
        shape = (64, 32)
        label = _init_label(fn, shape, extras[fn])
        _seed_all(seed)
        g = torch.Generator().manual_seed(seed + 7)
        first = to_array(_init_call(ns, fn, shape, extras[fn], g), label)
        again = to_array(_init_call(ns, fn, shape, extras[fn], torch.Generator().manual_seed(seed + 7)), label)
        second = to_array(_init_call(ns, fn, shape, extras[fn], g), label)
        a = to_array(_init_call(ns, fn, shape, extras[fn], None), label)
        b = to_array(_init_call(ns, fn, shape, extras[fn], None), label)
        return {
            "same_seed_equal": bool(first.shape == again.shape and np.array_equal(first, again)),
            "successive_differ": not (first.shape == second.shape and np.array_equal(first, second)),
            "unseeded_differ": not (a.shape == b.shape and np.array_equal(a, b)),
        }

    out["generator"] = [
        {"fn": fn, **_case(_init_label(fn, (64, 32), extras[fn]), lambda fn=fn: generator_behaviour(fn))}
        for fn in INIT_NAMES
    ]
    return out


@probe
def init_stats(ns: Namespace, cases: list[dict[str, Any]], n_min: int = 2**18, seed: int = 0) -> dict[str, Any]:
    """Sample statistics of each case {"fn", "shape", "kwargs"}: draws pooled until at least n_min values.

    Returns per case n, mean, std (population), excess kurtosis, max |w|, min, max and the first draw's shape.
    """
    results = []
    for number, case in enumerate(cases):
        fn, shape, extra = case["fn"], tuple(case["shape"]), dict(case.get("kwargs", {}))
        label = _init_label(fn, shape, extra)

        def draw(
            fn: str = fn,
            shape: tuple[int, ...] = shape,
            extra: dict[str, Any] = extra,
            label: str = label,
            number: int = number,
        ) -> dict[str, Any]:
            g = _seed_all(seed + 1000 * number)
            n = 0
            first_shape = None
            # raw moments in float64 (the mean is ~0 next to the std, so central moments follow without cancellation)
            s1 = s2 = s3 = s4 = 0.0
            lo, hi, finite = math.inf, -math.inf, True
            while n < n_min:
                array = to_array(_init_call(ns, fn, shape, extra, g), label)
                if first_shape is None:
                    first_shape = list(array.shape)
                    if tuple(array.shape) != shape:
                        return {"got_shape": first_shape}
                if array.size == 0:
                    return {"got_shape": first_shape, "n": 0}
                x = array.astype(np.float64).ravel()
                lo, hi = min(lo, float(x.min())), max(hi, float(x.max()))
                x2 = x * x
                s1 += float(x.sum())
                s2 += float(x2.sum())
                s3 += float(np.multiply(x2, x, out=x).sum())
                s4 += float(np.square(x2, out=x2).sum())
                n += x2.size
            finite = all(math.isfinite(v) for v in (s1, s2, s3, s4, lo, hi))
            if not finite:
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

        results.append({**case, **_case(label, draw)})
    return {"cases": results}


# --- [l2] ----------------------------------------------------------------------------------------------------


def _l2_params(shapes: list[list[int]], dtype: str, seed: int) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(tuple(s), dtype=getattr(torch, dtype), generator=g).requires_grad_() for s in shapes]


@probe
def l2_battery(ns: Namespace, cases: list[dict[str, Any]]) -> dict[str, Any]:
    """Each case {"shapes", "lam", "dtype", "seed", "container"} ("list", "generator" or "model") is run once.

    Returns the parameters' values (before the call), the returned value, its type/shape/dtype, and each
    parameter's gradient after ``value.backward()`` (None when it got none).
    """
    results = []
    for case in cases:
        container = case.get("container", "list")

        def run(case: dict[str, Any] = case, container: str = container) -> dict[str, Any]:
            torch.random.default_generator.manual_seed(case["seed"])
            if container == "model":
                model = torch.nn.Sequential(torch.nn.Linear(7, 5), torch.nn.ReLU(), torch.nn.Linear(5, 2))
                if case["dtype"] == "float64":
                    model = model.double()
                params = list(model.parameters())
                argument: Any = model.parameters()
            else:
                params = _l2_params(case["shapes"], case["dtype"], case["seed"])
                argument = list(params) if container == "list" else (w for w in params)
            before = [w.detach().numpy().copy() for w in params]
            label = "l2_penalty(...)"
            value = ns["l2_penalty"](argument, case["lam"])
            info: dict[str, Any] = {
                "params": before,
                "type": type(value).__name__,
                "is_tensor": isinstance(value, torch.Tensor),
                "value_shape": _shape(value),
                "value_dtype": dtype_name(value),
            }
            array = to_array(value, "the value l2_penalty returned")
            info["value"] = float(array.astype(np.float64).sum()) if array.size == 1 else None
            info["size"] = int(array.size)
            if not isinstance(value, torch.Tensor):
                info["backward"] = "not a tensor"
                return info
            if not value.requires_grad:
                info["backward"] = "no grad"
                return info
            try:
                torch.Tensor.backward(torch.Tensor.sum(value))
            except Exception as exc:  # noqa: BLE001
                info["backward"] = f"{label}.backward() raised {_describe(exc)}"
                return info
            info["backward"] = "ok"
            info["grads"] = [None if w.grad is None else w.grad.detach().numpy().astype(np.float64) for w in params]
            return info

        results.append({**case, **_case("l2_penalty", run)})
    return {"cases": results}


# --- [dropout] -----------------------------------------------------------------------------------------------


def _dropout_input(shape: list[int], dtype: str, seed: int, offset: float = 9.0) -> torch.Tensor:
    """Values uniform in [offset, offset + 2): mean about offset + 1 and, for offset 9, never 0."""
    g = torch.Generator().manual_seed(seed)
    return offset + 2.0 * torch.rand(tuple(shape), generator=g, dtype=getattr(torch, dtype))


def _forward(ns: Namespace, x: torch.Tensor, p: float, label: str, **kwargs: Any) -> tuple[np.ndarray, Any, np.ndarray]:
    """Call dropout_forward on a copy of x: (out, the mask object as returned, mask as an array)."""
    result = ns["dropout_forward"](x.clone(), p, **kwargs)
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise ProbeError(f"{label} returned a {type(result).__name__}, expected an (out, mask) tuple")
    out, mask = result
    if not isinstance(out, torch.Tensor):
        raise ProbeError(f"{label}: out is a {type(out).__name__}, expected a torch.Tensor")
    if not isinstance(mask, torch.Tensor):
        raise ProbeError(f"{label}: mask is a {type(mask).__name__}, expected a torch.Tensor")
    return to_array(out, f"{label}: out"), mask, to_array(mask, f"{label}: mask")


def _mask_summary(out: np.ndarray, mask: np.ndarray, x: np.ndarray) -> dict[str, Any]:
    """Shape checks, mask validity and whether the mask marks exactly the nonzero outputs."""
    info: dict[str, Any] = {
        "out_shape": list(out.shape),
        "mask_shape": list(mask.shape),
        "out_dtype": str(out.dtype),
        "mask_dtype": str(mask.dtype),
    }
    if out.shape != x.shape or mask.shape != x.shape:
        info["shapes_ok"] = False
        return info
    info["shapes_ok"] = True
    info["mask_binary"] = bool(mask.dtype == np.bool_ or ((mask == 0) | (mask == 1)).all())
    info["nan"] = int(np.isnan(out.astype(np.float64)).sum())
    kept = mask != 0
    info["mask_kept"] = int(kept.sum())
    info["mask_mismatch"] = int((kept != (out != 0)).sum())
    return info


@probe
def dropout_forward_battery(ns: Namespace, stats: list[dict[str, Any]], seed: int = 0) -> dict[str, Any]:
    """Statistics of dropout_forward in training mode (cases {"p", "shape", "dtype"}) and its special cases."""
    results: dict[str, Any] = {}

    def stat_case(number: int, case: dict[str, Any]) -> dict[str, Any]:
        p, shape, dtype = case["p"], case["shape"], case["dtype"]
        label = f"dropout_forward(x of shape {_fmt_shape(shape)}, {dtype}, p={p})"
        g = _seed_all(seed + 100 * number)
        x = _dropout_input(shape, dtype, seed + 100 * number)
        x_np = x.numpy().copy()
        out, _, mask = _forward(ns, x, p, label, generator=g)
        info = _mask_summary(out, mask, x_np)
        if not info["shapes_ok"]:
            return info
        x64, out64 = x_np.astype(np.float64), out.astype(np.float64)
        zero = out64 == 0
        n = out64.size
        info.update(
            n=n,
            dropped=int(zero.sum()),
            mean_out=float(out64.mean()),
            mean_x=float(x64.mean()),
            sum_x2=float(np.square(x64).sum()),
        )
        kept = ~zero & np.isfinite(out64)
        if kept.any():
            ratio = out64[kept] / x64[kept]
            info.update(ratio_min=float(ratio.min()), ratio_max=float(ratio.max()), ratio_mean=float(ratio.mean()))
        if len(shape) == 2:
            info["rows_all_dropped"] = int(zero.all(axis=1).sum())
            info["cols_all_dropped"] = int(zero.all(axis=0).sum())
        if len(shape) == 4:
            info["planes_all_dropped"] = int(zero.reshape(shape[0] * shape[1], -1).all(axis=1).sum())
        return info

    results["stats"] = [
        {
            **case,
            **_case(
                f"dropout_forward(x of shape {_fmt_shape(case['shape'])}, p={case['p']})",
                lambda i=i, case=case: stat_case(i, case),
            ),
        }
        for i, case in enumerate(stats)
    ]

    def identity_case(p: float, training: bool, dtype: str) -> dict[str, Any]:
        shape = [64, 32]
        label = f"dropout_forward(x of shape (64, 32), {dtype}, p={p}, training={training})"
        g = _seed_all(seed + 7)
        x = _dropout_input(shape, dtype, seed + 7)
        out, _, mask = _forward(ns, x, p, label, training=training, generator=g)
        info = _mask_summary(out, mask, x.numpy())
        if info["shapes_ok"]:
            info["equal"] = bool(np.array_equal(out, x.numpy()))
            info["changed"] = int((out != x.numpy()).sum())
            info["mask_all_true"] = bool((mask != 0).all())
        return info

    results["identity"] = [
        {
            "p": p,
            "training": training,
            "dtype": dtype,
            **_case(
                f"dropout_forward(p={p}, training={training})", lambda p=p, t=training, d=dtype: identity_case(p, t, d)
            ),
        }
        for p, training, dtype in [
            (0.0, False, "float32"),
            (0.5, False, "float32"),
            (1.0, False, "float64"),
            (0.5, False, "float64"),
            (0.0, True, "float32"),
            (0.0, True, "float64"),
        ]
    ]

    def p_one_case(dtype: str) -> dict[str, Any]:
        shape = [128, 64]
        label = f"dropout_forward(x of shape (128, 64), {dtype}, p=1)"
        g = _seed_all(seed + 8)
        x = _dropout_input(shape, dtype, seed + 8, offset=-1.0)  # values in [-1, 1)
        out, _, mask = _forward(ns, x, 1.0, label, generator=g)
        info = _mask_summary(out, mask, x.numpy())
        if info["shapes_ok"]:
            out64 = out.astype(np.float64)
            info["nonfinite"] = int((~np.isfinite(out64)).sum())
            info["nonzero"] = int((np.nan_to_num(out64, nan=1.0) != 0).sum())
            info["mask_any_kept"] = bool((mask != 0).any())
        return info

    results["p_one"] = [
        {"dtype": d, **_case(f"dropout_forward(p=1, {d})", lambda d=d: p_one_case(d))} for d in ("float32", "float64")
    ]

    def bad_p(p: float) -> dict[str, Any]:
        _seed_all(seed)
        return _raises(ns["dropout_forward"], _dropout_input([8, 8], "float32", seed), p)

    results["bad_p"] = [{"p": p, **bad_p(p)} for p in (-0.1, 1.1, 2.0)]

    def seeded() -> dict[str, Any]:
        label = "dropout_forward(x of shape (128, 128), float32, p=0.5, generator=...)"
        _seed_all(seed + 10)
        x = _dropout_input([128, 128], "float32", seed + 10)
        g = torch.Generator().manual_seed(seed + 11)
        out1, _, mask1 = _forward(ns, x, 0.5, label, generator=g)
        out2, _, mask2 = _forward(ns, x, 0.5, label, generator=torch.Generator().manual_seed(seed + 11))
        _, _, mask3 = _forward(ns, x, 0.5, label, generator=g)
        _, _, mask4 = _forward(ns, x, 0.5, label)
        _, _, mask5 = _forward(ns, x, 0.5, label)

        def same(a: np.ndarray, b: np.ndarray) -> bool:
            return bool(a.shape == b.shape and np.array_equal(a, b))

        return {
            "same_seed_equal": same(out1, out2) and same(mask1 != 0, mask2 != 0),
            "successive_differ": not same(mask1 != 0, mask3 != 0),
            "unseeded_differ": not same(mask4 != 0, mask5 != 0),
        }

    results["seeded"] = _case("dropout_forward(..., generator=...)", seeded)
    return results


@probe
def dropout_backward_battery(ns: Namespace, ps: list[float], shape: list[int], seed: int = 0) -> dict[str, Any]:
    """For each p: the forward's mask (as kept bools), the upstream gradient, and dropout_backward's result."""
    results = []
    for number, p in enumerate(ps):

        def run(p: float = p, number: int = number) -> dict[str, Any]:
            label = f"dropout_backward(grad of shape {_fmt_shape(shape)}, mask from dropout_forward, p={p})"
            g = _seed_all(seed + 20 * number)
            x = _dropout_input(shape, "float32", seed + 20 * number)
            _, mask_obj, mask = _forward(
                ns, x, p, f"dropout_forward(x of shape {_fmt_shape(shape)}, p={p})", generator=g
            )
            if mask.shape != tuple(shape):
                raise ProbeError(
                    f"dropout_forward(x of shape {_fmt_shape(shape)}, p={p}) returned a mask of shape {mask.shape}"
                )
            grad = torch.randn(tuple(shape), generator=torch.Generator().manual_seed(seed + 20 * number + 1))
            grad_np = grad.numpy().copy()
            grad_in = ns["dropout_backward"](grad.clone(), mask_obj, p)
            if not isinstance(grad_in, torch.Tensor):
                raise ProbeError(f"{label} returned a {type(grad_in).__name__}, expected a torch.Tensor")
            return {"kept": mask != 0, "grad": grad_np, "grad_in": to_array(grad_in, f"{label}: the result")}

        results.append({"p": p, **_case(f"dropout_backward(..., p={p})", run)})
    return {"cases": results}


@probe
def dropout_module_battery(ns: Namespace, seed: int = 0) -> dict[str, Any]:
    """The Dropout module: training statistics, eval identity, back to training, and autograd gradients."""
    results: dict[str, Any] = {}

    def train_case(number: int, args: list[float], shape: list[int], dtype: str) -> dict[str, Any]:
        label = f"Dropout({', '.join(map(str, args))})"
        _seed_all(seed + 30 * number)
        module = ns["Dropout"](*args)
        info: dict[str, Any] = {"training_flag": bool(getattr(module, "training", False))}
        x = _dropout_input(shape, dtype, seed + 30 * number)
        pristine = x.numpy().copy()
        out = module(x)
        if not isinstance(out, torch.Tensor):
            raise ProbeError(f"{label}(x) returned a {type(out).__name__}, expected a torch.Tensor")
        out_np = to_array(out, f"{label}(x)")
        info["out_shape"] = list(out_np.shape)
        if out_np.shape != pristine.shape:
            return info
        out64, x64 = out_np.astype(np.float64), pristine.astype(np.float64)
        zero = out64 == 0
        kept = ~zero & np.isfinite(out64)
        info.update(n=int(out64.size), dropped=int(zero.sum()), nan=int(np.isnan(out64).sum()))
        if kept.any():
            ratio = out64[kept] / x64[kept]
            info.update(ratio_min=float(ratio.min()), ratio_max=float(ratio.max()), ratio_mean=float(ratio.mean()))
        return info

    train_cases = [
        ([0.2], [512, 512], "float32"),
        ([0.7], [64, 64, 8, 8], "float32"),
        ([], [512, 512], "float32"),
        ([0.2], [128, 128], "float64"),
    ]
    results["train"] = [
        {
            "args": args,
            "shape": shape,
            "dtype": dtype,
            **_case(
                f"Dropout({', '.join(map(str, args))})", lambda i=i, a=args, s=shape, d=dtype: train_case(i, a, s, d)
            ),
        }
        for i, (args, shape, dtype) in enumerate(train_cases)
    ]

    def eval_case() -> dict[str, Any]:
        _seed_all(seed + 40)
        module = ns["Dropout"](0.5)
        found: dict[str, Any] = {"eval": []}
        for dtype, shape in [("float32", [64, 32]), ("float64", [4, 3, 8, 8])]:
            x = _dropout_input(shape, dtype, seed + 41)
            module.eval()
            out = module(x.clone())
            if not isinstance(out, torch.Tensor):
                raise ProbeError(f"Dropout(0.5).eval()(x) returned a {type(out).__name__}, expected a torch.Tensor")
            out_np = to_array(out, "Dropout(0.5).eval()(x)")
            equal = bool(out_np.shape == x.shape and np.array_equal(out_np, x.numpy()))
            found["eval"].append(
                {
                    "dtype": dtype,
                    "shape": shape,
                    "equal": equal,
                    "changed": int((out_np != x.numpy()).sum()) if out_np.shape == x.shape else -1,
                }
            )
        module.train()
        out = to_array(module(_dropout_input([64, 32], "float32", seed + 42)), "Dropout(0.5).train()(x)")
        found["train_again_dropped"] = int((out == 0).sum())
        return found

    results["eval"] = _case("Dropout(0.5).eval()(x)", eval_case)

    def grad_case(number: int, p: float, dtype: str) -> dict[str, Any]:
        shape = (8, 4, 16, 16)
        label = f"Dropout({p}) in training mode on x of shape {_fmt_shape(shape)}, {dtype}"
        _seed_all(seed + 50 + number)
        module = ns["Dropout"](p)
        x = _dropout_input(list(shape), dtype, seed + 50 + number).requires_grad_()
        out = module(x)
        if not isinstance(out, torch.Tensor):
            raise ProbeError(f"{label} returned a {type(out).__name__}, expected a torch.Tensor")
        out_np = to_array(out, label)
        g = torch.randn(shape, dtype=getattr(torch, dtype), generator=torch.Generator().manual_seed(seed + 60 + number))
        if not out.requires_grad:
            return {"connected": False}
        try:
            # The gradient of sum(out * g), as backward(out, g) gives it: passing a gradient tensor imports sympy,
            # 0.35 s per submission
            torch.Tensor.backward(torch.Tensor.sum(torch.Tensor.mul(out, g.clone())))
        except Exception as exc:  # noqa: BLE001
            return {"connected": True, "backward_error": f"backward through {label} raised {_describe(exc)}"}
        if x.grad is None:
            return {"connected": True, "grad_none": True}
        return {
            "connected": True,
            "kept": out_np != 0,
            "g": g.numpy(),
            "x_grad": x.grad.detach().numpy().copy(),
            "out_shape": list(out_np.shape),
        }

    results["grad"] = [
        {"p": p, "dtype": dtype, **_case(f"Dropout({p})", lambda i=i, p=p, d=dtype: grad_case(i, p, d))}
        for i, (p, dtype) in enumerate([(0.2, "float32"), (0.7, "float64"), (1.0, "float32")])
    ]
    return results
