"""Checks of [l1] (l1_penalty and prox_l1) and their known mistakes.

Both functions get tensors the grader drew (``tensors`` in ../probes/updates.py, with exact zeros and exact
+-threshold entries placed on purpose); every expected value is computed here, in float64, from those values:

- l1_penalty: lam * sum |w| to rtol 1e-5 (float32 sums of 6,000 entries drift ~1e-6); autograd's gradient lam *
  sign(w) to rtol 1e-6, and exactly 0 where w = 0 (torch's abs, sign * w, vector_norm(ord=1) all give 0 there);
- prox_l1: sign(w) * max(|w| - threshold, 0) to rtol 1e-12 (float64) or 1e-6 (float32), and exactly 0 wherever
  |w| <= threshold (the clamp, torch.where and relu forms all give exact zeros; w * clamp(1 - t / |w|, 0) gives NaN at
  w = 0 with threshold 0, and fails).

A wrong result is compared with what each usual mistake gives on the same values, and named when it matches.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from assignments.norm_sched.probes.updates import tensors
from autograder.grading.api import KnownMistake, Mistake
from autograder.grading.compare import assert_close
from autograder.grading.plugin import ProbeCache

VALUE_RTOL = 1e-5
GRAD_RTOL = 1e-6
PROX_RTOL = {"float64": 1e-12, "float32": 1e-6}


def penalty_case(shapes: list[list[int]], lam: float, seed: int, dtype: str = "float64", zeros: int = 0) -> dict[str, Any]:
    """Tensors of these shapes (standard normal, every `zeros`-th entry exactly 0) and a lam."""
    return {"shapes": shapes, "lam": lam, "seed": seed, "dtype": dtype, "zeros": zeros}


def prox_case(shape: list[int], threshold: float, seed: int, dtype: str = "float64", values: list[float] | None = None,
              zeros: int = 0, scale: float = 1.0) -> dict[str, Any]:  # fmt: skip
    """One tensor (standard normal times scale; its first entries `values`, every `zeros`-th one 0) and a threshold."""
    return {"shapes": [shape], "threshold": threshold, "seed": seed, "dtype": dtype, "values": values or [],
            "zeros": zeros, "scale": scale}  # fmt: skip


def _describe_penalty(case: dict[str, Any]) -> str:
    shapes = ", ".join(str(tuple(s)) for s in case["shapes"])
    return f"l1_penalty([{case['dtype']} tensors of shapes {shapes}], lam={case['lam']})"


def _value_mistakes(params: list[np.ndarray], lam: float) -> list[tuple[Mistake, float]]:
    absolute = [float(np.abs(w).sum()) for w in params]
    squares = sum(float(np.square(w).sum()) for w in params)
    candidates = [
        ("l1.lam_missing", "lam is missing from the value (sum |w| instead of lam * sum |w|)", sum(absolute)),
        ("l1.squares", "the value adds up squares (lam * sum w**2, an L2 penalty) instead of absolute values",
         lam * squares),
        ("l1.half", "the value is halved (lam / 2 * sum |w|): L1 has no 1/2 (that is L2's convention)",
         lam / 2 * sum(absolute)),
        ("l1.l2_norm", "the value is lam times the L2 norm sqrt(sum w**2) instead of the sum of absolute values",
         lam * squares**0.5),
        ("l1.mean", "the value uses each tensor's mean |w| instead of its sum", lam * sum(float(np.abs(w).mean()) for w in params
                                                                                           if w.size)),
        ("l1.only_matrices", "only the tensors with 2 or more dimensions (the weight matrices) are added up; the sum "
         "runs over every tensor of params, biases and 0-dim tensors included",
         lam * sum(a for a, w in zip(absolute, params) if w.ndim > 1)),
        ("l1.first_tensor_only", "only the first tensor is added up (a return inside the loop?)", lam * absolute[0]),
        ("l1.last_tensor_only", "only the last tensor counts (is the total overwritten in the loop?)", lam * absolute[-1]),
    ]  # fmt: skip
    return [(Mistake(i, text), value) for i, text, value in candidates]


NOT_DIFFERENTIABLE = Mistake(
    "l1.not_differentiable",
    "the value is cut off from autograd (a Python number, .item(), float(...), .detach() or torch.tensor(...) of the "
    "sum): return the tensor expression itself, so that loss + l1_penalty(...) can be differentiated",
)


def _penalty_results(student: ProbeCache, cases: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any], list[np.ndarray]]]:
    found = student.probe("l1_penalty_cases", cases=cases)["cases"]
    return [(case, result, [w.astype(np.float64) for w in tensors(case)]) for case, result in zip(cases, found)]


def check_penalty_value(student: ProbeCache, cases: list[dict[str, Any]], zero_dim: bool) -> None:
    for case, found, params in _penalty_results(student, cases):
        what = _describe_penalty(case)
        if "error" in found:
            raise AssertionError(found["error"])
        if found["shape"] is None:
            raise KnownMistake(f"{what} returned a {found['type']}, expected a 0-dim torch.Tensor. This is what happens "
                               f"when {NOT_DIFFERENTIABLE.text}.", NOT_DIFFERENTIABLE)  # fmt: skip
        if found["value"] is None or (zero_dim and found["shape"] != []):
            raise AssertionError(f"{what} returned a tensor of shape {tuple(found['shape'])}, expected a 0-dim tensor")
        want = case["lam"] * sum(float(np.abs(w).sum()) for w in params)
        got = found["value"]
        if abs(got - want) <= VALUE_RTOL * abs(want):
            continue
        message = f"{what}: the value differs from lam * sum |w| (relative error {abs(got - want) / abs(want):.2g})"
        for mistake, wrong in _value_mistakes(params, case["lam"]):
            if abs(wrong - want) > 1e-3 * abs(want) and abs(got - wrong) <= 1e-4 * abs(wrong):
                raise KnownMistake(f"{message}. This is what happens when {mistake.text}.", mistake)
        raise AssertionError(message + ".")


SUBGRADIENT = Mistake(
    "l1.subgradient_at_zero",
    "the gradient at w = 0 is +lam or -lam instead of 0 (a torch.where(w > 0, w, -w) or max(w, -w) form picks one side "
    "at 0; w.abs() gives the subgradient 0 there)",
)
NAN_AT_ZERO = Mistake("l1.nan_at_zero", "the gradient at w = 0 is NaN (sqrt(w**2) has no derivative at 0; use w.abs())")


def check_penalty_gradient(student: ProbeCache, cases: list[dict[str, Any]]) -> None:
    for case, found, params in _penalty_results(student, cases):
        what = _describe_penalty(case)
        if "error" in found:
            raise AssertionError(found["error"])
        state = found["backward"]
        if state in ("not a tensor", "no grad"):
            raise KnownMistake(f"{what} returned a value autograd cannot differentiate. This is what happens when "
                               f"{NOT_DIFFERENTIABLE.text}.", NOT_DIFFERENTIABLE)
        if state != "ok":
            raise AssertionError(str(state))
        lam = case["lam"]
        for w, grad in zip(params, found["grads"]):
            label = f"{what}.backward(): the gradient of the tensor of shape {tuple(w.shape)}"
            if grad is None:
                raise AssertionError(f"{label} is missing (was the tensor left out of the sum?)")
            want = lam * np.sign(w)
            at_zero = w == 0
            if at_zero.any() and not np.isfinite(grad[at_zero]).all():
                raise KnownMistake(f"{label} is NaN where w = 0. This is what happens when {NAN_AT_ZERO.text}.", NAN_AT_ZERO)
            if at_zero.any() and np.allclose(np.abs(grad[at_zero]), lam, rtol=GRAD_RTOL) and lam != 0:
                raise KnownMistake(f"{label} is not 0 where w = 0. This is what happens when {SUBGRADIENT.text}.", SUBGRADIENT)
            assert_close(grad, want, GRAD_RTOL, 1e-12 * abs(lam), f"{label} (lam * sign(w), 0 where w = 0)")


def _prox_mistakes(w: np.ndarray, t: float) -> list[tuple[Mistake, np.ndarray]]:
    candidates = [
        ("l1.prox_no_zeroing", "every entry is moved by threshold towards 0 (w - threshold * sign(w)) without stopping "
         "at 0: entries with |w| < threshold cross to the other side instead of becoming 0", w - t * np.sign(w)),
        ("l1.prox_hard_threshold", "entries with |w| <= threshold are zeroed but the others are kept as they are (hard "
         "thresholding) instead of shrunk by threshold", np.where(np.abs(w) > t, w, 0.0)),
        ("l1.prox_sign_lost", "the sign is lost: max(|w| - threshold, 0) must be multiplied by sign(w)",
         np.maximum(np.abs(w) - t, 0.0)),
        ("l1.prox_positive_only", "only positive entries are shrunk (max(w - threshold, 0)): negative entries must "
         "move up towards 0 by threshold, or become 0", np.maximum(w - t, 0.0)),
        ("l1.prox_clamped", "w is clamped to [-threshold, threshold] instead of shrunk towards 0", np.clip(w, -t, t)),
        ("l1.prox_shrinks_up", "entries are moved away from 0 (w + threshold * sign(w))",
         np.sign(w) * (np.abs(w) + t)),
    ]  # fmt: skip
    return [(Mistake(i, text), value) for i, text, value in candidates]


def check_prox(student: ProbeCache, cases: list[dict[str, Any]]) -> None:
    found = student.probe("prox_cases", cases=cases)["cases"]
    for case, result in zip(cases, found):
        (w,) = tensors(case)
        w = w.astype(np.float64)
        t = case["threshold"]
        what = f"prox_l1({case['dtype']} tensor of shape {tuple(w.shape)}, threshold={t})"
        if "error" in result:
            raise AssertionError(result["error"])
        got = result["out"].astype(np.float64)
        want = np.sign(w) * np.maximum(np.abs(w) - t, 0.0)
        rtol = PROX_RTOL[case["dtype"]]
        try:
            assert_close(got, want, rtol, rtol * max(t, 1e-300), f"{what}: sign(w) * max(|w| - threshold, 0)")
            inside = np.abs(w) <= t
            if (got[inside] != 0).any():
                raise AssertionError(f"{what}: {int((got[inside] != 0).sum())} of the {int(inside.sum())} entries with "
                                     "|w| <= threshold are not exactly 0")  # fmt: skip
        except AssertionError as exc:
            for mistake, wrong in _prox_mistakes(w, t):
                if not np.allclose(wrong, want) and np.allclose(got, wrong, rtol=10 * rtol, atol=10 * rtol * t):
                    raise KnownMistake(f"{exc}. This is what happens when {mistake.text}.", mistake) from None
            raise AssertionError(f"{exc}.") from None
