"""Checks of [clipping] and their known mistakes.

Tests run ``clip_cases`` (../probes/updates.py): the grader draws each case's gradients from its seed, and computes the
expected result itself from the values it sent (in float64): total_norm = sqrt(sum of every entry squared), coef =
min(max_norm / (total_norm + 1e-6), 1), clipped = grad * coef, as torch.nn.utils.clip_grad_norm_ does. Tolerances:
rtol 1e-6 for float64 inputs (the arrangements of the norm — a norm of norms, one flat norm, sums of squares — agree
to ~1e-15; clipping only when total_norm > max_norm differs from coef's clamp by 1e-6 / total_norm at the threshold
itself, which passes at norms near 1 but not at total_norm = max_norm = 1e-5, where the coefficient is 0.91), rtol
1e-5 for float32. The "1e-6" of the coefficient is judged where it matters: gradients of
size 1e-4 with max_norm 2e-4 (without it, the coefficient is off by 3e-3 relative).

When a result is wrong, the buggy versions below run on the same cases, and the one the student's results match is
named in the feedback and by its id in results.json.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import torch

from assignments.norm_sched.probes.updates import tensors
from autograder.grading.api import KnownMistake, Mistake
from autograder.grading.compare import assert_close
from autograder.grading.diagnose import known_mistake, mistakes
from autograder.grading.plugin import ProbeCache

PROBE = "clip_cases"
RTOL = {"float64": 1e-6, "float32": 1e-5}


def clip_case(shapes: list[list[int]], seed: int, max_norm: float | str, dtype: str = "float64", scale: float = 1.0) -> dict[str, Any]:
    """Gradients of these shapes (standard normal times scale, from the seed), clipped at max_norm ("at": exactly
    their global norm)."""
    return {"shapes": shapes, "seed": seed, "max_norm": max_norm, "dtype": dtype, "scale": scale}


def expected(case: dict[str, Any], max_norm: float) -> tuple[list[np.ndarray], float]:
    """What clip_grad_norm_ gives on the values the grader sent: (clipped, total_norm), in float64."""
    grads = [g.astype(np.float64) for g in tensors(case)]
    total = float(np.sqrt(sum(np.square(g).sum() for g in grads)))
    coef = min(max_norm / (total + 1e-6), 1.0)
    return [g * coef for g in grads], total


def describe(case: dict[str, Any], max_norm: float) -> str:
    shapes = [tuple(s) for s in case["shapes"]]
    listed = ", ".join(map(str, shapes)) if len(shapes) <= 4 else f"{len(shapes)} shapes from {shapes[0]} to {shapes[-1]}"
    size = "" if case.get("scale", 1.0) == 1.0 else f" (entries of size about {case['scale']:g})"
    return f"clip_grad_norm of {len(shapes)} {case['dtype']} tensors of shapes {listed}{size}, max_norm={max_norm:g}"


def _compare(case: dict[str, Any], found: Mapping[str, Any], loosen: float = 1.0) -> None:
    """AssertionError in words unless the case's clipped tensors and total_norm are the expected ones."""
    max_norm = found["max_norm"]
    want, total = expected(case, max_norm)
    rtol = loosen * RTOL[case["dtype"]]
    got_total = found["total_norm"]
    if not abs(got_total - total) <= rtol * total + 1e-300:
        raise AssertionError(
            f"total_norm is not the global L2 norm of all the gradients before clipping (relative error "
            f"{abs(got_total - total) / max(total, 1e-300):.2g})"
        )
    atol = rtol * max((float(np.abs(w).max()) if w.size else 0.0 for w in want), default=0.0)
    for k, (g, w) in enumerate(zip(found["clipped"], want)):
        assert_close(g, w, rtol, atol, f"clipped[{k}] (shape {tuple(w.shape)})")


def check_clipping(student: ProbeCache, reference: ProbeCache, cases: list[dict[str, Any]]) -> None:
    """Compare the student's clipped gradients and total_norm with clip_grad_norm_'s on every case (the reference
    is only needed to run the known mistakes)."""
    got = student.probe(PROBE, cases=cases)["cases"]
    for case, found in zip(cases, got):
        if "error" in found:
            raise AssertionError(found["error"])
        try:
            _compare(case, found)
        except AssertionError as exc:
            message = f"{describe(case, found['max_norm'])}: {exc}"
            mistake_id = known_mistake({"cases": got}, PROBE, {"cases": cases}, mistakes(reference, VERSIONS), _matches(cases))
            if mistake_id:
                mistake = Mistake(mistake_id, MISTAKES[mistake_id])
                raise KnownMistake(f"{message}. This is what happens when {mistake.text}.", mistake) from None
            raise AssertionError(f"{message}.") from None


def _matches(cases: list[dict[str, Any]]) -> Callable[[Mapping[str, Any], Mapping[str, Any]], bool]:
    """The student's results agree with a mistake's on every case, within 10 times the tolerances."""

    def matches(got: Mapping[str, Any], candidate: Mapping[str, Any]) -> bool:
        for case, mine, theirs in zip(cases, got["cases"], candidate["cases"]):
            if "error" in mine or "error" in theirs:
                return False
            rtol = 10 * RTOL[case["dtype"]]
            if not np.isclose(mine["total_norm"], theirs["total_norm"], rtol=rtol, atol=0.0):
                return False
            for g, w in zip(mine["clipped"], theirs["clipped"]):
                if not np.allclose(g, w, rtol=rtol, atol=rtol * 1e-6, equal_nan=True):
                    return False
        return True

    return matches


# ----------------------------------------------------------------------------------------------------------------
# Known mistakes: each a complete clip_grad_norm with the contract's signature.


def _norm(g: torch.Tensor) -> torch.Tensor:
    return g.pow(2).sum().sqrt()


def _clip(kind: str) -> Callable[..., Any]:
    def clip_grad_norm(grads, max_norm):
        norms = torch.stack([_norm(g) for g in grads])
        total = {
            "sum_of_norms": lambda: norms.sum(),
            "squared_norm": lambda: norms.pow(2).sum(),
            "l1_norm": lambda: torch.stack([g.abs().sum() for g in grads]).sum(),
        }.get(kind, lambda: norms.pow(2).sum().sqrt())()
        if kind == "only_above_threshold" and total <= max_norm:
            return list(grads), total
        if kind == "per_tensor":
            clipped = [g * torch.clamp(max_norm / (_norm(g) + 1e-6), max=1.0) for g in grads]
            return clipped, total
        coef = {
            "not_clamped": lambda: max_norm / (total + 1e-6),
            "clamped_from_below": lambda: torch.clamp(max_norm / (total + 1e-6), min=1.0),
            "no_eps": lambda: torch.clamp(max_norm / total, max=1.0),
        }.get(kind, lambda: torch.clamp(max_norm / (total + 1e-6), max=1.0))()
        clipped = [g * coef for g in grads]
        if kind == "clipped_norm_returned":
            total = torch.stack([_norm(g) for g in clipped]).pow(2).sum().sqrt()
        return clipped, total

    return clip_grad_norm


MISTAKES = {
    "clipping.per_tensor": (
        "each tensor is clipped by its own norm instead of all of them by one coefficient from their global norm"
    ),
    "clipping.not_clamped": (
        "gradients whose global norm is below max_norm are scaled up: the coefficient max_norm / (total_norm + 1e-6) "
        "must be capped at 1 from above (min(1, ...), or torch.clamp(..., max=1.0))"
    ),
    "clipping.clamped_from_below": (
        "the coefficient is clamped from below at 1 (torch.clamp(..., min=1.0) or max(1, ...)) instead of from above: "
        "gradients above max_norm are never scaled down, and those below are scaled up"
    ),
    "clipping.no_eps": "the 1e-6 is missing from the coefficient (max_norm / total_norm instead of max_norm / (total_norm + 1e-6))",
    "clipping.sum_of_norms": "the total norm is the sum of the tensors' norms instead of the square root of the sum of their squares",
    "clipping.squared_norm": "the total norm is the sum of squares, without the square root",
    "clipping.l1_norm": "the total norm is the sum of absolute values (an L1 norm) instead of the L2 norm",
    "clipping.clipped_norm_returned": "total_norm is the norm after clipping; it must be the norm of the gradients given",
    "clipping.only_above_threshold": (
        "the gradients are scaled only when total_norm > max_norm; clip_grad_norm_ always multiplies by "
        "min(max_norm / (total_norm + 1e-6), 1), which is below 1 when total_norm is within 1e-6 of max_norm or above it "
        "(it matters for small norms: at total_norm = max_norm = 1e-5 the coefficient is 0.91)"
    ),
}
VERSIONS = {mistake_id: {"clip_grad_norm": _clip(mistake_id.partition(".")[2])} for mistake_id in MISTAKES}
