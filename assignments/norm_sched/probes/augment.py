"""The probes of [augment]: random_shift and add_noise on images the grader made, with generators it seeded.

Nothing is compared with the reference's own draws: any draw order is correct. The worker returns the output images;
here each output is matched against its input moved by every whole-pixel offset (dy, dx) within max_shift (vacated
pixels 0), and the offset found is what the graders' statistics use. Input pixels are uniform in [1, 2) (never 0),
so every offset that keeps part of the image gives a different output, and a pixel that is 0 was vacated.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.probes import probe
from autograder.probes.observed import StudentError
from autograder.probes.proxy import Op, Request, Target, generator, kept, tensor

_NUMPY = {"float64": np.float64, "float32": np.float32}


def images(shape: list[int], dtype: str, seed: int, low: float = 1.0) -> np.ndarray:
    """Images uniform in [low, low + 1), cast to the dtype."""
    return (low + np.random.default_rng(seed).random(shape)).astype(_NUMPY[dtype])


def shifted(x: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """The images x (N, H, W) moved down by dy and right by dx (negative: up, left), vacated pixels 0."""
    n, h, w = x.shape
    out = np.zeros_like(x)
    if abs(dy) < h and abs(dx) < w:
        out[:, max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = \
            x[:, max(-dy, 0) : h + min(-dy, 0), max(-dx, 0) : w + min(-dx, 0)]  # fmt: skip
    return out


def rolled(x: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """x moved with wrap-around (torch.roll): what leaves one edge comes back at the other."""
    return np.roll(x, (dy, dx), axis=(1, 2))


def offsets(x: np.ndarray, out: np.ndarray, reach: int, move: Any = shifted) -> np.ndarray:
    """For each image, the offset (dy, dx) with |dy|, |dx| <= reach that `move` turns x into out exactly; (nan, nan)
    where none does. Offsets are tried from small to large, so an image moved out entirely (all 0) reads as the
    smallest offset that empties it."""
    found = np.full((x.shape[0], 2), np.nan)
    candidates = sorted(((dy, dx) for dy in range(-reach, reach + 1) for dx in range(-reach, reach + 1)),
                        key=lambda o: (max(abs(o[0]), abs(o[1])), o))  # fmt: skip
    for dy, dx in candidates:
        hit = np.isnan(found[:, 0]) & (move(x, dy, dx) == out).all(axis=(1, 2))
        found[hit] = (dy, dx)
    return found


def _images_out(op: Op, label: str, x: np.ndarray) -> tuple[np.ndarray, str]:
    if op.error is not None:
        if op.error_type in ("MissingName", "Skipped"):
            raise StudentError(op.error)
        raise StudentError(f"{label} {op.error.replace('your code raised', 'raised', 1)}")
    value = op.value()
    if not value.is_tensor:
        raise StudentError(f"{label} returned {value.describe()}, expected a torch.Tensor")
    out = value.array(f"what {label} returned")
    if out.shape != x.shape:
        raise StudentError(f"{label} returned a tensor of shape {out.shape}, expected the images' shape {x.shape}")
    return out, value.dtype


def shift_label(case: dict[str, Any]) -> str:
    return f"random_shift({case['dtype']} images of shape {tuple(case['shape'])}, max_shift={case['max_shift']})"


@probe
def shift_cases(target: Target, cases: list[dict[str, Any]]) -> dict[str, Any]:
    """random_shift on each case {"shape", "dtype", "max_shift", "seed"} (its generator seeded with seed + 1).

    Per case: "offsets" (N x 2: the (dy, dx) that turns each input into its output, NaN where no in-range shift does),
    "rolled" (how many unmatched images are a wrap-around roll within range), "dtype", "zeros" (count of output
    pixels equal to 0), or "error". The reach tried is max_shift + 1, so an offset just out of range is seen as such.
    """
    request = Request()
    planned = []
    for case in cases:
        x = images(case["shape"], case["dtype"], case["seed"])
        op = request.call("random_shift", tensor(x, case["dtype"]), case["max_shift"], generator=generator(case["seed"] + 1))
        planned.append((case, x, op))
    target.run(request)
    results = []
    for case, x, op in planned:
        try:
            out, dtype = _images_out(op, shift_label(case), x)
        except StudentError as exc:
            results.append({"error": str(exc)})
            continue
        reach = case["max_shift"] + 1
        found = offsets(x, out, reach)
        missing = np.isnan(found[:, 0])
        rolls = offsets(x[missing], out[missing], reach, rolled) if missing.any() else np.zeros((0, 2))
        rolls_found = int((~np.isnan(rolls[:, 0]) & ~((rolls == 0).all(axis=1))).sum())
        results.append({"offsets": found, "rolled": rolls_found, "dtype": dtype, "zeros": int((out == 0).sum())})
    return {"cases": results}


@probe
def noise_cases(target: Target, cases: list[dict[str, Any]]) -> dict[str, Any]:
    """add_noise on each case {"shape", "dtype", "std", "seed"} (images uniform in [5, 6), generator seed + 1).

    Per case: "noise" (the output minus the input, in float64), "dtype", or "error"."""
    request = Request()
    planned = []
    for case in cases:
        x = images(case["shape"], case["dtype"], case["seed"], low=5.0)
        planned.append((case, x, request.call("add_noise", tensor(x, case["dtype"]), case["std"],
                                              generator=generator(case["seed"] + 1))))  # fmt: skip
    target.run(request)
    results = []
    for case, x, op in planned:
        label = f"add_noise({case['dtype']} images of shape {tuple(case['shape'])}, std={case['std']})"
        try:
            out, dtype = _images_out(op, label, x)
        except StudentError as exc:
            results.append({"error": str(exc)})
            continue
        results.append({"noise": out.astype(np.float64) - x.astype(np.float64), "dtype": dtype})
    return {"cases": results}


@probe
def generator_use(target: Target, function: str, seed: int) -> dict[str, Any]:
    """How `function` (random_shift or add_noise) uses its generator, on 64 float32 images of 8 x 8:
    "same_seed" (two generators of one seed give the same output), "other_seed" (another seed gives another output),
    "successive" (two calls with one generator differ), "none_ok" (generator=None returns images of the right shape),
    each True/False, or "error" (a sentence)."""
    x = images([64, 8, 8], "float32", seed)
    extra = 2 if function == "random_shift" else 0.5
    request = Request()
    request.generator("g", seed + 3)
    calls = {
        "first": request.call(function, tensor(x, "float32"), extra, generator=generator(seed + 1)),
        "again": request.call(function, tensor(x, "float32"), extra, generator=generator(seed + 1)),
        "other": request.call(function, tensor(x, "float32"), extra, generator=generator(seed + 2)),
        "kept1": request.call(function, tensor(x, "float32"), extra, generator=kept("g")),
        "kept2": request.call(function, tensor(x, "float32"), extra, generator=kept("g")),
        "none": request.call(function, tensor(x, "float32"), extra, generator=None),
    }
    target.run(request)
    label = f"{function}(64 float32 images of 8 x 8, {extra}, generator=...)"
    try:
        out = {name: _images_out(op, label if name != "none" else label.replace("...", "None"), x)[0]
               for name, op in calls.items()}  # fmt: skip
    except StudentError as exc:
        return {"error": str(exc)}
    return {
        "same_seed": bool(np.array_equal(out["first"], out["again"], equal_nan=True)),
        "other_seed": not np.array_equal(out["first"], out["other"], equal_nan=True),
        "successive": not np.array_equal(out["kept1"], out["kept2"], equal_nan=True),
        "none_ok": True,
    }
