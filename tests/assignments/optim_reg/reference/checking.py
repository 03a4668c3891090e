"""Shared by the oracle tests: turn every way an implementation can fail into an AssertionError that says where."""

from __future__ import annotations

from collections.abc import Callable

import torch


def call_or_fail(label: str, fn: Callable[..., object], *args: object, **kwargs: object) -> object:
    """Call fn, turning any exception other than AssertionError into an AssertionError naming the call."""
    try:
        return fn(*args, **kwargs)
    except AssertionError:
        raise
    except Exception as exc:
        raise AssertionError(f"{label}: raised {type(exc).__name__}: {exc}") from exc


def assert_close_steps(
    actual: torch.Tensor, expected: torch.Tensor, tol: tuple[float, float], what: str, oracle: str
) -> None:
    """Compare stacked per-step values; fail at the first step where |a - e| > rtol*|e| + atol*max|e|.

    atol is scaled by the trajectory's own magnitude so that one tolerance serves parameters (~1), moments
    of tiny gradients (~1e-12) and per-step displacements alike.
    """
    rtol, atol = tol
    if actual.shape != expected.shape:
        raise AssertionError(f"{what}: shape {tuple(actual.shape[1:])}, expected {tuple(expected.shape[1:])}")
    a, e = actual.to(torch.float64), expected.to(torch.float64)
    if not torch.isfinite(a).all():
        step = int(torch.nonzero(~torch.isfinite(a))[0, 0]) + 1
        raise AssertionError(f"{what}: non-finite value at step {step}")
    err = (a - e).abs()
    bad = err > rtol * e.abs() + atol * e.abs().max()
    if bad.any():
        step = int(torch.nonzero(bad)[0, 0])
        worst = int(err[step].argmax())
        raise AssertionError(
            f"{what}: differs from {oracle} at step {step + 1}: max |diff| {err[step].max().item():.3e}, "
            f"e.g. got {a[step].flatten()[worst].item():.17g}, {oracle} {e[step].flatten()[worst].item():.17g} "
            f"(rtol {rtol:g}, atol {atol:g} x max|{oracle}| = {e.abs().max().item():.3e})"
        )


def expect_value_error(label: str, fn: Callable[..., object], *args: object, **kwargs: object) -> None:
    """Fail unless fn(*args, **kwargs) raises ValueError; any other outcome is named in the message."""
    try:
        fn(*args, **kwargs)
    except ValueError:
        return
    except Exception as exc:
        raise AssertionError(f"{label}: expected ValueError, got {type(exc).__name__}: {exc}") from exc
    raise AssertionError(f"{label}: expected ValueError, nothing was raised")
