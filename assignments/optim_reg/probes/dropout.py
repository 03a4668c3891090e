"""The probes of [dropout]: dropout_forward, dropout_backward and the Dropout module on inputs the grader made.

The inputs are uniform in [9, 11) (never 0), so out == 0 exactly where an element was dropped; the worker returns
out, the mask and the gradients; every summary and statistic below is computed here from them.
"""

from typing import Any

import numpy as np
import torch

from assignments.optim_reg.probes.cases import case, failed, fmt_shape, raises
from autograder.probes import probe
from autograder.probes.observed import Observation, StudentError
from autograder.probes.proxy import Op, Request, Target, generator, kept, output, tensor


def dropout_input(shape: list[int], dtype: str, seed: int, offset: float = 9.0) -> np.ndarray:
    """Values uniform in [offset, offset + 2): mean about offset + 1 and, for offset 9, never 0."""
    g = torch.Generator().manual_seed(seed)
    return (offset + 2.0 * torch.rand(tuple(shape), generator=g, dtype=getattr(torch, dtype))).numpy()


def _forward(request: Request, x: np.ndarray, dtype: str, p: float, seed: int | None = None, **kwargs: Any) -> Op:
    """A call of dropout_forward on a fresh copy of x (global generators seeded first, if a seed is given)."""
    return request.call("dropout_forward", tensor(x, dtype), p, **({"seed": seed} if seed is not None else {}), **kwargs)


def _out_and_mask(op: Op, label: str) -> tuple[np.ndarray, np.ndarray]:
    """out and mask as arrays, or StudentError saying what dropout_forward returned instead."""
    result = op.value()
    if result.kind not in ("tuple", "list") or result.facts["length"] != 2:
        raise StudentError(f"{label} returned {result.describe()}, expected an (out, mask) tuple")
    out, mask = result.items(label, 2)
    for name, value in (("out", out), ("mask", mask)):
        if not value.is_tensor:
            raise StudentError(f"{label}: {name} is {value.describe()}, expected a torch.Tensor")
    return out.array(f"{label}: out"), mask.array(f"{label}: mask")


def _mask_summary(out: np.ndarray, mask: np.ndarray, x: np.ndarray) -> dict[str, Any]:
    """Shape checks, mask validity and whether the mask marks exactly the nonzero outputs."""
    info: dict[str, Any] = {"out_shape": list(out.shape), "mask_shape": list(mask.shape), "out_dtype": str(out.dtype),
                            "mask_dtype": str(mask.dtype)}  # fmt: skip
    if out.shape != x.shape or mask.shape != x.shape:
        info["shapes_ok"] = False
        return info
    info["shapes_ok"] = True
    info["mask_binary"] = bool(mask.dtype == np.bool_ or ((mask == 0) | (mask == 1)).all())
    info["nan"] = int(np.isnan(out.astype(np.float64)).sum())
    kept_entries = mask != 0
    info["mask_kept"] = int(kept_entries.sum())
    info["mask_mismatch"] = int((kept_entries != (out != 0)).sum())
    return info


def _ratios(out64: np.ndarray, x64: np.ndarray) -> dict[str, float]:
    kept_entries = (out64 != 0) & np.isfinite(out64)
    if not kept_entries.any():
        return {}
    ratio = out64[kept_entries] / x64[kept_entries]
    return {"ratio_min": float(ratio.min()), "ratio_max": float(ratio.max()), "ratio_mean": float(ratio.mean())}


def _stat_case(op: Op, spec: dict[str, Any], x: np.ndarray) -> dict[str, Any]:
    label = f"dropout_forward(x of shape {fmt_shape(spec['shape'])}, {spec['dtype']}, p={spec['p']})"
    out, mask = _out_and_mask(op, label)
    info = _mask_summary(out, mask, x)
    if not info["shapes_ok"]:
        return info
    x64, out64 = x.astype(np.float64), out.astype(np.float64)
    zero = out64 == 0
    info.update(n=out64.size, dropped=int(zero.sum()), mean_out=float(out64.mean()), mean_x=float(x64.mean()),
                sum_x2=float(np.square(x64).sum()), **_ratios(out64, x64))  # fmt: skip
    shape = spec["shape"]
    if len(shape) == 2:
        info["rows_all_dropped"] = int(zero.all(axis=1).sum())
        info["cols_all_dropped"] = int(zero.all(axis=0).sum())
    if len(shape) == 4:
        info["planes_all_dropped"] = int(zero.reshape(shape[0] * shape[1], -1).all(axis=1).sum())
    return info


def _identity_case(op: Op, x: np.ndarray, label: str) -> dict[str, Any]:
    out, mask = _out_and_mask(op, label)
    info = _mask_summary(out, mask, x)
    if info["shapes_ok"]:
        info["equal"] = bool(np.array_equal(out, x))
        info["changed"] = int((out != x).sum())
        info["mask_all_true"] = bool((mask != 0).all())
    return info


def _p_one_case(op: Op, x: np.ndarray, label: str) -> dict[str, Any]:
    out, mask = _out_and_mask(op, label)
    info = _mask_summary(out, mask, x)
    if info["shapes_ok"]:
        out64 = out.astype(np.float64)
        info["nonfinite"] = int((~np.isfinite(out64)).sum())
        info["nonzero"] = int((np.nan_to_num(out64, nan=1.0) != 0).sum())
        info["mask_any_kept"] = bool((mask != 0).any())
    return info


def _read(op: Op, label: str, body: Any) -> dict[str, Any]:
    return failed(op, label) or case(label, body)


FORWARD_PARTS = ("stats", "identity", "p_one", "bad_p", "seeded")


@probe
def dropout_forward_battery(
    target: Target, stats: list[dict[str, Any]], seed: int = 0, parts: tuple[str, ...] = FORWARD_PARTS
) -> dict[str, Any]:
    """Statistics of dropout_forward in training mode (cases {"p", "shape", "dtype"}) and its special cases; only the
    `parts` asked for are run (a public test sends only its own inputs)."""
    request = Request()
    stat_ops = []
    for number, spec in enumerate(stats):
        x = dropout_input(spec["shape"], spec["dtype"], seed + 100 * number)
        op = _forward(request, x, spec["dtype"], spec["p"], seed + 100 * number + 2, generator=generator(seed + 100 * number + 1))
        stat_ops.append((spec, x, op))
    identity_specs = [(0.0, False, "float32"), (0.5, False, "float32"), (1.0, False, "float64"),
                      (0.5, False, "float64"), (0.0, True, "float32"), (0.0, True, "float64")]  # fmt: skip
    identity_specs = identity_specs if "identity" in parts else []
    identity_ops = []
    for p, training, dtype in identity_specs:
        x = dropout_input([64, 32], dtype, seed + 7)
        identity_ops.append((p, training, dtype, x, _forward(request, x, dtype, p, seed + 7, training=training,
                                                                generator=generator(seed + 8))))  # fmt: skip
    p_one_ops = []
    for dtype in ("float32", "float64") if "p_one" in parts else ():
        x = dropout_input([128, 64], dtype, seed + 8, offset=-1.0)  # values in [-1, 1)
        p_one_ops.append((dtype, x, _forward(request, x, dtype, 1.0, seed + 8, generator=generator(seed + 9))))
    bad_x = dropout_input([8, 8], "float32", seed)
    bad_ops = [(p, _forward(request, bad_x, "float32", p, seed)) for p in ((-0.1, 1.1, 2.0) if "bad_p" in parts else ())]
    seeded = _seeded_calls(request, seed) if "seeded" in parts else []
    target.run(request)
    results: dict[str, Any] = {"stats": [
        {**spec, **_read(op, f"dropout_forward(x of shape {fmt_shape(spec['shape'])}, p={spec['p']})",
                         lambda op=op, spec=spec, x=x: _stat_case(op, spec, x))}
        for spec, x, op in stat_ops
    ]}  # fmt: skip
    results["identity"] = []
    for p, training, dtype, x, op in identity_ops:
        label = f"dropout_forward(x of shape (64, 32), {dtype}, p={p}, training={training})"
        results["identity"].append({"p": p, "training": training, "dtype": dtype,
                                    **_read(op, label, lambda op=op, x=x, label=label: _identity_case(op, x, label))})  # fmt: skip
    results["p_one"] = []
    for dtype, x, op in p_one_ops:
        label = f"dropout_forward(x of shape (128, 64), {dtype}, p=1)"
        results["p_one"].append({"dtype": dtype, **_read(op, label, lambda op=op, x=x, label=label: _p_one_case(op, x, label))})
    results["bad_p"] = [{"p": p, **raises(op)} for p, op in bad_ops]
    label = "dropout_forward(x of shape (128, 128), float32, p=0.5, generator=...)"
    if seeded:
        results["seeded"] = next((e for op in seeded if (e := failed(op, label)) is not None), None) or case(
            label, lambda: _seeded_behaviour(seeded, label))
    return {part: found for part, found in results.items() if part in parts}


def _seeded_calls(request: Request, seed: int) -> list[Op]:
    """Two calls with one generator, one with a fresh generator of the same seed, then two without."""
    x = dropout_input([128, 128], "float32", seed + 10)
    request.generator("g", seed + 11)
    first = _forward(request, x, "float32", 0.5, seed + 10, generator=kept("g"))
    again = _forward(request, x, "float32", 0.5, generator=generator(seed + 11))
    second = _forward(request, x, "float32", 0.5, generator=kept("g"))
    return [first, again, second, _forward(request, x, "float32", 0.5), _forward(request, x, "float32", 0.5)]


def _seeded_behaviour(ops: list[Op], label: str) -> dict[str, Any]:
    (out1, mask1), (out2, mask2), (_, mask3), (_, mask4), (_, mask5) = (_out_and_mask(op, label) for op in ops)

    def same(a: np.ndarray, b: np.ndarray) -> bool:
        return bool(a.shape == b.shape and np.array_equal(a, b))

    return {
        "same_seed_equal": same(out1, out2) and same(mask1 != 0, mask2 != 0),
        "successive_differ": not same(mask1 != 0, mask3 != 0),
        "unseeded_differ": not same(mask4 != 0, mask5 != 0),
    }


@probe
def dropout_backward_battery(target: Target, ps: list[float], shape: list[int], seed: int = 0) -> dict[str, Any]:
    """For each p: the forward's mask (as kept bools), the upstream gradient, and dropout_backward's result."""
    request = Request()
    planned = []
    for number, p in enumerate(ps):
        x = dropout_input(shape, "float32", seed + 20 * number)
        forward = _forward(request, x, "float32", p, seed + 20 * number + 2, generator=generator(seed + 20 * number + 1),
                           chain=f"p {number}")  # fmt: skip
        grad = torch.randn(tuple(shape), generator=torch.Generator().manual_seed(seed + 20 * number + 1)).numpy()
        backward = request.call("dropout_backward", tensor(grad, "float32"), output(forward, 1), p, chain=f"p {number}")
        planned.append((p, grad, forward, backward))
    target.run(request)
    cases = []
    for p, grad, forward, backward in planned:
        forward_label = f"dropout_forward(x of shape {fmt_shape(shape)}, p={p})"
        label = f"dropout_backward(grad of shape {fmt_shape(shape)}, mask from dropout_forward, p={p})"
        found = failed(forward, forward_label) or case(
            label, lambda f=forward, b=backward, g=grad, fl=forward_label, l=label: _backward_case(f, b, g, fl, l, shape))
        cases.append({"p": p, **found})
    return {"cases": cases}


def _backward_case(forward: Op, backward: Op, grad: np.ndarray, forward_label: str, label: str,
                   shape: list[int]) -> dict[str, Any]:  # fmt: skip
    _, mask = _out_and_mask(forward, forward_label)
    if mask.shape != tuple(shape):
        raise StudentError(f"{forward_label} returned a mask of shape {mask.shape}")
    if (error := failed(backward, label)) is not None:
        return error
    grad_in = backward.value()
    if not grad_in.is_tensor:
        raise StudentError(f"{label} returned {grad_in.describe()}, expected a torch.Tensor")
    return {"kept": mask != 0, "grad": grad, "grad_in": grad_in.array(f"{label}: the result")}


_TRAIN_CASES = [([0.2], [512, 512], "float32"), ([0.7], [64, 64, 8, 8], "float32"), ([], [512, 512], "float32"),
                ([0.2], [128, 128], "float64")]  # fmt: skip
_GRAD_CASES = [(0.2, "float32"), (0.7, "float64"), (1.0, "float32")]
_GRAD_SHAPE = (8, 4, 16, 16)


@probe
def dropout_module_battery(target: Target, seed: int = 0) -> dict[str, Any]:
    """The Dropout module: training statistics, eval identity, back to training, and autograd gradients."""
    request = Request()
    train = []
    for number, (args, shape, dtype) in enumerate(_TRAIN_CASES):
        module = f"train {number}"
        create = request.call("Dropout", *args, keep=module, seed=seed + 30 * number + 2, chain=module)
        flag = request.get(module, "training", chain=module)
        x = dropout_input(shape, dtype, seed + 30 * number)
        first = request.call_kept(module, tensor(x, dtype), chain=module)
        second = request.call_kept(module, tensor(x, dtype), chain=module)  # the same module again: a fresh mask
        train.append((args, shape, dtype, x, flag, create, first, second))
    create_eval = request.call("Dropout", 0.5, keep="eval", seed=seed + 40, chain="eval")
    evals = []
    for dtype, shape in [("float32", [64, 32]), ("float64", [4, 3, 8, 8])]:
        x = dropout_input(shape, dtype, seed + 41)
        request.call_kept("eval", method="eval", chain="eval")
        evals.append((dtype, shape, x, request.call_kept("eval", tensor(x, dtype), chain="eval")))
    request.call_kept("eval", method="train", chain="eval")
    again = request.call_kept("eval", tensor(dropout_input([64, 32], "float32", seed + 42), "float32"), chain="eval")
    grads = []
    for number, (p, dtype) in enumerate(_GRAD_CASES):
        module = f"grad {number}"
        create = request.call("Dropout", p, keep=module, seed=seed + 70 + number, chain=module)
        x = dropout_input(list(_GRAD_SHAPE), dtype, seed + 50 + number)
        g = torch.randn(_GRAD_SHAPE, dtype=getattr(torch, dtype), generator=torch.Generator().manual_seed(seed + 60 + number)).numpy()
        grads.append((p, dtype, g, create, request.call_kept(module, tensor(x, dtype, requires_grad=True), chain=module,
                                                              backward={"cotangent": g})))  # fmt: skip
    target.run(request)
    results: dict[str, Any] = {"train": []}
    for args, shape, dtype, x, flag, create, op, again in train:
        label = f"Dropout({', '.join(map(str, args))})"
        found = failed(create, label) or failed(op, label) or failed(again, label) or case(
            label, lambda op=op, again=again, x=x, flag=flag, label=label: _train_case(op, again, x, flag, label))
        results["train"].append({"args": args, "shape": shape, "dtype": dtype, **found})
    label = "Dropout(0.5).eval()(x)"
    results["eval"] = next((e for op in [create_eval] + [op for *_, op in evals] if (e := failed(op, label)) is not None),
                           None) or case(label, lambda: _eval_case(evals, again))  # fmt: skip
    results["grad"] = []
    for p, dtype, g, create, op in grads:
        label = f"Dropout({p}) in training mode on x of shape {fmt_shape(_GRAD_SHAPE)}, {dtype}"
        found = failed(create, f"Dropout({p})") or failed(op, f"Dropout({p})") or case(f"Dropout({p})", lambda op=op, g=g, label=label: _grad_case(op, g, label))
        results["grad"].append({"p": p, "dtype": dtype, **found})
    return results


def _module_output(value: Observation, label: str) -> np.ndarray:
    if not value.is_tensor:
        raise StudentError(f"{label} returned {value.describe()}, expected a torch.Tensor")
    return value.array(label)


def _train_case(op: Op, again: Op, x: np.ndarray, flag: Op, label: str) -> dict[str, Any]:
    info: dict[str, Any] = {"training_flag": flag.error is None and flag.value().as_flag() is True}
    out = _module_output(op.value(), f"{label}(x)")
    info["out_shape"] = list(out.shape)
    if out.shape != x.shape:
        return info
    second = _module_output(again.value(), f"{label}(x), called a second time")
    info["same_mask"] = bool(second.shape == out.shape and np.array_equal(second == 0, out == 0))
    out64, x64 = out.astype(np.float64), x.astype(np.float64)
    info.update(n=int(out64.size), dropped=int((out64 == 0).sum()), nan=int(np.isnan(out64).sum()),
                **_ratios(out64, x64))  # fmt: skip
    return info


def _eval_case(evals: list[tuple[str, list[int], np.ndarray, Op]], again: Op) -> dict[str, Any]:
    found: dict[str, Any] = {"eval": []}
    for dtype, shape, x, op in evals:
        out = _module_output(op.value(), "Dropout(0.5).eval()(x)")
        same_shape = out.shape == x.shape
        found["eval"].append({"dtype": dtype, "shape": shape, "equal": bool(same_shape and np.array_equal(out, x)),
                              "changed": int((out != x).sum()) if same_shape else -1})  # fmt: skip
    if again.error is not None:
        raise StudentError(again.error)
    found["train_again_dropped"] = int((_module_output(again.value(), "Dropout(0.5).train()(x)") == 0).sum())
    return found


def _grad_case(op: Op, g: np.ndarray, label: str) -> dict[str, Any]:
    out = _module_output(op.value(), label)
    backward = op.backward()
    problem = backward.get("problem")
    if problem in ("no grad", "not a tensor"):
        return {"connected": False}
    if problem == "raised":
        return {"connected": True, "backward_error": f"backward through {label} raised "
                f"{backward['error'].replace('your code raised ', '', 1)}"}  # fmt: skip
    (x_grad,) = backward["grads"]
    if x_grad is None:
        return {"connected": True, "grad_none": True}
    return {"connected": True, "kept": out != 0, "g": g, "x_grad": x_grad, "out_shape": list(out.shape)}
