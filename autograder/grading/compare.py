"""Comparisons for hidden graders. Failure messages say what differs and by how much, never the expected values."""

from __future__ import annotations

import numpy as np

__all__ = ["assert_close"]


def assert_close(got: np.ndarray, want: np.ndarray, rtol: float, atol: float, what: str) -> None:
    """Fail with a sentence unless got has want's shape and |got - want| <= atol + rtol * |want| everywhere."""
    got, want = np.asarray(got), np.asarray(want)
    if got.shape != want.shape:
        raise AssertionError(f"{what}: the result has shape {got.shape}, expected {want.shape}")
    if not np.isfinite(got).all() and np.isfinite(want).all():
        bad = int((~np.isfinite(got)).sum())
        raise AssertionError(f"{what}: {bad} of {got.size} values are NaN or infinite")
    g, w = got.astype(np.float64), want.astype(np.float64)
    err = np.abs(g - w)
    allowed = atol + rtol * np.abs(w)
    bad = err > allowed
    if bad.any():
        index = np.unravel_index(int(np.argmax(np.where(bad, err / np.maximum(allowed, 1e-300), 0))), err.shape)
        worst = (f"absolute error {float(err[index]):.2g}" if w[index] == 0
                 else f"relative error {float(err[index] / abs(float(w[index]))):.2g}")  # fmt: skip
        raise AssertionError(
            f"{what}: {int(bad.sum())} of {err.size} values differ from the expected result "
            f"(worst at index {tuple(int(i) for i in index)}: {worst}; tolerance rtol={rtol:g}, atol={atol:g})"
        )

