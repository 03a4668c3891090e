"""Oracle tests for A7 inverted dropout: dropout_forward, dropout_backward and the Dropout module.

Each ``check_*`` is a plain function of the implementation(s) that raises AssertionError with a
message naming the input; it must pass on the reference (and on an alternative correct version
with a float 0/1 mask drawn by torch.bernoulli) and fail on the mutants below, which reproduce
real student mistakes.

Statistics use n = 2**18 elements and Z = 6 standard errors:
  SE(dropped fraction) = sqrt(p (1 - p) / n)                  (6 SE = 0.0047 at p = 0.2, 0.0054 at p = 0.7)
  SE(mean of out)      = sqrt(p / (1 - p) * sum(x**2)) / n    (6 SE = 0.6 % of the mean at p = 0.2, 1.8 % at p = 0.7)
The inputs lie in [9, 11) (mean about 10, never 0), so out == 0 exactly where an element was dropped.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
import torch

from solutions import optim_reg as ref
from tests.assignments.optim_reg.reference.checking import call_or_fail, expect_value_error

Forward = Callable[..., tuple[torch.Tensor, torch.Tensor]]
Backward = Callable[[torch.Tensor, torch.Tensor, float], torch.Tensor]

Z = 6.0
STAT_CASES: list[tuple[float, tuple[int, ...]]] = [(0.2, (512, 512)), (0.7, (16, 16, 32, 32))]


def _name(dtype: torch.dtype) -> str:
    """The dtype's name without the "torch." prefix."""
    return str(dtype).removeprefix("torch.")


def _input(shape: tuple[int, ...], dtype: torch.dtype = torch.float32, seed: int = 0) -> torch.Tensor:
    """Values uniform in [9, 11): mean about 10 and no zeros."""
    return 9.0 + 2.0 * torch.rand(shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def _forward(
    forward: Forward, x: torch.Tensor, p: float, label: str, **kwargs: object
) -> tuple[torch.Tensor, torch.Tensor, np.ndarray]:
    """Run forward; check out and mask shapes/dtype; return out, the raw mask and the mask as a bool array."""
    result = call_or_fail(label, forward, x, p, **kwargs)
    assert isinstance(result, tuple) and len(result) == 2, (
        f"{label}: expected an (out, mask) tuple, got {type(result).__name__}"
    )
    out, mask = result
    assert isinstance(out, torch.Tensor) and isinstance(mask, torch.Tensor), f"{label}: out and mask must be tensors"
    assert out.shape == x.shape, f"{label}: out has shape {tuple(out.shape)}, expected {tuple(x.shape)}"
    assert out.dtype == x.dtype, f"{label}: out has dtype {out.dtype}, expected {x.dtype}"
    assert mask.shape == x.shape, f"{label}: mask has shape {tuple(mask.shape)}, expected {tuple(x.shape)}"
    kept = mask.detach().numpy()
    assert np.isin(kept, [0, 1]).all(), f"{label}: mask must be bool or 0/1"
    return out, mask, kept.astype(bool)


def _dropped_fraction(out: np.ndarray, p: float, label: str) -> None:
    """The fraction of exact zeros in out is p within Z standard errors."""
    frac = float((out == 0).mean())
    tol = Z * math.sqrt(p * (1 - p) / out.size)
    assert abs(frac - p) <= tol, f"{label}: dropped fraction {frac:.4f}, expected p = {p} +- {tol:.4f} (n={out.size})"


def _inverted_scale(out: np.ndarray, x: np.ndarray, p: float, label: str) -> None:
    """Every nonzero out / x equals 1 / (1 - p) (rtol 1e-6)."""
    kept = out != 0
    assert kept.any(), f"{label}: every element was dropped"
    ratio = out[kept].astype(np.float64) / x[kept].astype(np.float64)
    scale = 1.0 / (1.0 - p)
    worst = float(np.abs(ratio / scale - 1).max())
    assert worst <= 1e-6, (
        f"{label}: kept out / x should be 1 / (1 - p) = {scale:.6g}; found {ratio.min():.6g} .. {ratio.max():.6g}"
    )


def check_keep_rate(forward: Forward) -> None:
    """Each element is dropped with probability p, and the mask marks exactly the kept ones."""
    for p, shape in STAT_CASES:
        label = f"dropout_forward(x of shape {shape}, float32, p={p})"
        x = _input(shape)
        out, _, kept = _forward(forward, x, p, label, generator=torch.Generator().manual_seed(1))
        out_np = out.detach().numpy()
        _dropped_fraction(out_np, p, label)
        assert np.array_equal(kept, out_np != 0), (
            f"{label}: mask is not True exactly where the element was kept (out != 0)"
        )


def check_inverted_scaling(forward: Forward) -> None:
    """Kept elements are x / (1 - p), dropped ones exactly 0, and out keeps x's dtype."""
    for dtype in (torch.float32, torch.float64):
        for p in (0.2, 0.5, 0.7):
            label = f"dropout_forward(x of shape (256, 256), {_name(dtype)}, p={p})"
            x = _input((256, 256), dtype)
            out, _, kept = _forward(forward, x, p, label, generator=torch.Generator().manual_seed(2))
            out_np = out.detach().numpy()
            assert np.all(out_np[~kept] == 0), f"{label}: out is not 0 where the mask drops"
            _inverted_scale(out_np, x.numpy(), p, label)


def check_mean_preserved(forward: Forward) -> None:
    """mean(out) equals mean(x) within Z standard errors."""
    for p, shape in STAT_CASES:
        label = f"dropout_forward(x of shape {shape}, float32, p={p})"
        x = _input(shape)
        out, _, _ = _forward(forward, x, p, label, generator=torch.Generator().manual_seed(3))
        x_np = x.numpy().astype(np.float64)
        got, want = float(out.detach().numpy().astype(np.float64).mean()), float(x_np.mean())
        tol = Z * math.sqrt(p / (1 - p) * float(np.square(x_np).sum())) / x_np.size
        assert abs(got - want) <= tol, f"{label}: mean(out) = {got:.4f}, expected mean(x) = {want:.4f} +- {tol:.3f}"


def check_eval_identity(forward: Forward) -> None:
    """training=False returns x unchanged and an all-True mask, whatever p."""
    for p in (0.0, 0.5, 1.0):
        label = f"dropout_forward(x of shape (64, 32), float32, p={p}, training=False)"
        x = _input((64, 32))
        out, _, kept = _forward(forward, x, p, label, training=False)
        assert torch.equal(out, _input((64, 32))), f"{label}: out differs from x"
        assert kept.all(), f"{label}: mask is not all True"


def check_p_zero(forward: Forward) -> None:
    """p = 0 in training returns x unchanged and an all-True mask."""
    label = "dropout_forward(x of shape (512, 512), float32, p=0)"
    x = _input((512, 512))
    out, _, kept = _forward(forward, x, 0.0, label, generator=torch.Generator().manual_seed(4))
    assert torch.equal(out, _input((512, 512))), f"{label}: out differs from x"
    assert kept.all(), f"{label}: mask is not all True"


def check_p_one(forward: Forward) -> None:
    """p = 1 drops everything: out is all zeros (no NaN) and the mask all False."""
    for dtype in (torch.float32, torch.float64):
        label = f"dropout_forward(x of shape (128, 64), {_name(dtype)}, p=1)"
        x = _input((128, 64), dtype) - 10.0
        out, _, kept = _forward(forward, x, 1.0, label, generator=torch.Generator().manual_seed(5))
        out_np = out.detach().numpy()
        assert not np.isnan(out_np).any(), f"{label}: out contains NaN"
        assert np.all(out_np == 0), f"{label}: out is not all zeros"
        assert not kept.any(), f"{label}: mask keeps some elements"


def check_p_one_nonfinite_input(forward: Forward) -> None:
    """p = 1 gives all zeros even where x is inf, -inf or NaN ("out is all zeros")."""
    label = "dropout_forward(x = [1, inf, -inf, nan, 0], float32, p=1)"
    x = torch.tensor([[1.0, math.inf, -math.inf, math.nan, 0.0]])
    out, _, _ = _forward(forward, x, 1.0, label, generator=torch.Generator().manual_seed(5))
    assert torch.equal(out, torch.zeros_like(x)), f"{label}: out = {out.tolist()}, expected all zeros"


def check_rejects_bad_p(forward: Forward) -> None:
    """p outside [0, 1] raises ValueError."""
    for p in (-0.1, 1.1):
        expect_value_error(f"dropout_forward(x of shape (8, 8), p={p})", forward, _input((8, 8)), p)


def check_input_unchanged(forward: Forward) -> None:
    """The forward pass does not modify x in place."""
    for p in (0.3, 1.0):
        label = f"dropout_forward(x of shape (64, 64), float32, p={p})"
        x = _input((64, 64))
        _forward(forward, x, p, label, generator=torch.Generator().manual_seed(6))
        assert torch.equal(x, _input((64, 64))), f"{label}: x was modified in place"


def check_seeded(forward: Forward) -> None:
    """The same generator state gives the same mask and out; the next draw differs."""
    label = "dropout_forward(x of shape (128, 128), float32, p=0.5, generator seeded 7)"
    x = _input((128, 128))
    g = torch.Generator().manual_seed(7)
    out1, _, kept1 = _forward(forward, x, 0.5, label, generator=g)
    out2, _, kept2 = _forward(forward, x, 0.5, label, generator=torch.Generator().manual_seed(7))
    assert np.array_equal(kept1, kept2) and torch.equal(out1, out2), (
        f"{label}: two generators seeded 7 gave different masks"
    )
    _, _, kept3 = _forward(forward, x, 0.5, label, generator=g)
    assert not np.array_equal(kept1, kept3), f"{label}: two successive draws from one generator gave the same mask"


def check_mask_independence(forward: Forward) -> None:
    """No row or column of a 500 x 500 mask at p = 0.5 is entirely dropped.

    With independent elements, P(some line of 500 is all dropped) <= 1000 * 0.5**500 < 1e-147.
    """
    label = "dropout_forward(x of shape (500, 500), float32, p=0.5)"
    _, _, kept = _forward(forward, _input((500, 500)), 0.5, label, generator=torch.Generator().manual_seed(8))
    rows, cols = int((~kept.any(axis=1)).sum()), int((~kept.any(axis=0)).sum())
    assert rows == 0 and cols == 0, (
        f"{label}: {rows} rows and {cols} columns are entirely dropped (elements not independent)"
    )


def check_backward(forward: Forward, backward: Backward) -> None:
    """backward(grad, mask, p) = grad * mask / (1 - p) for the forward's own mask (zeros at p = 1)."""
    for p in (0.2, 0.5, 0.7, 1.0):
        label = f"dropout_backward(grad of shape (256, 128), float32, mask from dropout_forward, p={p})"
        x = _input((256, 128))
        _, mask, kept = _forward(forward, x, p, label, generator=torch.Generator().manual_seed(9))
        grad = torch.randn((256, 128), generator=torch.Generator().manual_seed(10))
        grad_in = call_or_fail(label, backward, grad, mask, p)
        assert isinstance(grad_in, torch.Tensor) and grad_in.shape == grad.shape, (
            f"{label}: expected a tensor of shape (256, 128)"
        )
        got = grad_in.detach().numpy().astype(np.float64)
        want = np.where(kept, grad.numpy().astype(np.float64) / (1.0 - p) if p < 1 else 0.0, 0.0)
        assert not np.isnan(got).any(), f"{label}: grad_in contains NaN"
        assert np.allclose(got, want, rtol=1e-6, atol=0.0), (
            f"{label}: grad_in != grad * mask / (1 - p); max error {np.abs(got - want).max():.3g}"
        )
        assert torch.equal(grad, torch.randn((256, 128), generator=torch.Generator().manual_seed(10))), (
            f"{label}: grad was modified in place"
        )


def check_module_train(dropout_cls: type[torch.nn.Module]) -> None:
    """A new module is in training mode: drops at rate p (0.5 by default) and scales kept ones by 1 / (1 - p)."""
    with torch.random.fork_rng():
        torch.manual_seed(11)
        for args, p, shape in [((0.2,), 0.2, (512, 512)), ((0.7,), 0.7, (16, 16, 32, 32)), ((), 0.5, (512, 512))]:
            module = call_or_fail(f"Dropout({', '.join(map(str, args))})", dropout_cls, *args)
            for dtype in (torch.float32, torch.float64):
                label = f"Dropout(p={p}) in training mode on x of shape {shape}, {_name(dtype)}"
                assert module.training, f"{label}: a new module is not in training mode"
                x = _input(shape, dtype)
                out = call_or_fail(label, module, x)
                assert isinstance(out, torch.Tensor) and out.shape == x.shape, (
                    f"{label}: expected a tensor of shape {shape}"
                )
                assert out.dtype == dtype, f"{label}: out has dtype {out.dtype}"
                assert torch.equal(x, _input(shape, dtype)), f"{label}: x was modified in place"
                out_np = out.detach().numpy()
                _dropped_fraction(out_np, p, label)
                _inverted_scale(out_np, x.numpy(), p, label)


def check_module_eval(dropout_cls: type[torch.nn.Module]) -> None:
    """After .eval() the module is the identity; .train() turns dropout back on."""
    with torch.random.fork_rng():
        torch.manual_seed(12)
        module = call_or_fail("Dropout(0.5)", dropout_cls, 0.5)
        for dtype in (torch.float32, torch.float64):
            for shape in [(64, 32), (4, 3, 8, 8)]:
                label = f"Dropout(p=0.5).eval() on x of shape {shape}, {_name(dtype)}"
                x = _input(shape, dtype)
                out = call_or_fail(label, module.eval(), x)
                assert isinstance(out, torch.Tensor) and torch.equal(out, _input(shape, dtype)), (
                    f"{label}: out differs from x"
                )
        label = "Dropout(p=0.5).eval().train() on x of shape (64, 32)"
        out = call_or_fail(label, module.train(), _input((64, 32)))
        assert bool((out == 0).any()), f"{label}: nothing was dropped after .train()"


def check_module_autograd(dropout_cls: type[torch.nn.Module]) -> None:
    """x.grad from Dropout(p)(x).backward(g) equals g * mask / (1 - p) for the mask used (out != 0)."""
    with torch.random.fork_rng():
        torch.manual_seed(13)
        for p in (0.2, 0.7, 1.0):
            for dtype in (torch.float32, torch.float64):
                label = f"Dropout(p={p}) backward on x of shape (8, 4, 16, 16), {_name(dtype)}"
                x = _input((8, 4, 16, 16), dtype).requires_grad_()
                out = call_or_fail(label, call_or_fail(label, dropout_cls, p), x)
                kept = (out != 0).detach().numpy()
                g = torch.randn(x.shape, dtype=dtype, generator=torch.Generator().manual_seed(14))
                call_or_fail(label, out.backward, g)
                assert x.grad is not None, f"{label}: x.grad is None"
                assert x.grad.dtype == dtype, f"{label}: x.grad has dtype {x.grad.dtype}"
                got = x.grad.numpy()
                want = np.where(kept, g.numpy() / (1.0 - p) if p < 1 else 0.0, 0.0)
                assert not np.isnan(got).any(), f"{label}: x.grad contains NaN"
                assert np.allclose(got, want, rtol=1e-6, atol=0.0), (
                    f"{label}: x.grad != g * mask / (1 - p); max error {np.abs(got - want).max():.3g}"
                )


# --- an alternative correct implementation: float 0/1 mask from torch.bernoulli ---


def bernoulli_forward(
    x: torch.Tensor, p: float, training: bool = True, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Correct inverted dropout returning a float 0/1 mask."""
    if not 0 <= p <= 1:
        raise ValueError(p)
    if not training or p == 0:
        return x.clone(), torch.ones_like(x)
    mask = torch.bernoulli(torch.full_like(x, 1 - p), generator=generator)
    return (torch.zeros_like(x) if p == 1 else x * mask / (1 - p)), mask


def bernoulli_backward(grad_out: torch.Tensor, mask: torch.Tensor, p: float) -> torch.Tensor:
    """grad_out * mask / (1 - p), zeros at p = 1."""
    return torch.zeros_like(grad_out) if p == 1 else grad_out * mask / (1 - p)


# --- mutants: real student mistakes ---


def _checked(p: float) -> None:
    """ValueError unless 0 <= p <= 1."""
    if not 0 <= p <= 1:
        raise ValueError(p)


def forward_keep_prob_confused(
    x: torch.Tensor, p: float, training: bool = True, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """D1: p used as the keep probability."""
    _checked(p)
    if not training or p == 0:
        return x, torch.ones_like(x, dtype=torch.bool)
    mask = torch.rand(x.shape, generator=generator) < p
    return x * mask / p, mask


def forward_scaled_by_p(
    x: torch.Tensor, p: float, training: bool = True, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """D2: (rand > p) / p."""
    _checked(p)
    if not training or p == 0:
        return x, torch.ones_like(x, dtype=torch.bool)
    mask = torch.rand(x.shape, generator=generator) > p
    return x * mask / p, mask


def forward_unscaled(
    x: torch.Tensor, p: float, training: bool = True, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """D3: no 1 / (1 - p) scaling."""
    _checked(p)
    if not training or p == 0:
        return x, torch.ones_like(x, dtype=torch.bool)
    mask = torch.rand(x.shape, generator=generator) >= p
    return x * mask, mask


def forward_ignores_training(
    x: torch.Tensor, p: float, training: bool = True, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """D5: still drops when training=False."""
    return ref.dropout_forward(x, p, training=True, generator=generator)


def backward_fresh_mask(grad_out: torch.Tensor, mask: torch.Tensor, p: float) -> torch.Tensor:
    """D6: draws a new mask instead of using the forward's."""
    return ref.dropout_backward(grad_out, torch.rand(grad_out.shape) >= p, p)


def backward_unscaled(grad_out: torch.Tensor, mask: torch.Tensor, p: float) -> torch.Tensor:
    """D7: forgets the 1 / (1 - p)."""
    return grad_out * mask


def forward_nan_at_p_one(
    x: torch.Tensor, p: float, training: bool = True, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """D9: x * mask / (1 - p) divides 0 by 0 when p == 1."""
    _checked(p)
    if not training or p == 0:
        return x, torch.ones_like(x, dtype=torch.bool)
    mask = torch.rand(x.shape, generator=generator) >= p
    return x * mask / (1 - p), mask


def forward_zero_scale_at_p_one(
    x: torch.Tensor, p: float, training: bool = True, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """x * mask * scale with scale = 0 at p == 1: inf * 0 gives NaN for non-finite x."""
    _checked(p)
    if not training or p == 0:
        return x, torch.ones_like(x, dtype=torch.bool)
    mask = torch.rand(x.shape, generator=generator) >= p
    return x * mask * (0.0 if p == 1 else 1 / (1 - p)), mask


def backward_nan_at_p_one(grad_out: torch.Tensor, mask: torch.Tensor, p: float) -> torch.Tensor:
    """D9: grad_out * mask / (1 - p) with no special case for p == 1."""
    return grad_out * mask / (1 - p)


def forward_column_mask(
    x: torch.Tensor, p: float, training: bool = True, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """D11: one draw per column, broadcast over the rows."""
    _checked(p)
    if not training or p == 0:
        return x, torch.ones_like(x, dtype=torch.bool)
    mask = (torch.rand(x.shape[-1], generator=generator) >= p).expand(x.shape)
    return torch.where(mask, x / (1 - p), 0.0) if p < 1 else torch.zeros_like(x), mask


def forward_in_place(
    x: torch.Tensor, p: float, training: bool = True, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """D13: multiplies x in place."""
    _checked(p)
    if not training or p == 0:
        return x, torch.ones_like(x, dtype=torch.bool)
    mask = torch.rand(x.shape, generator=generator) >= p
    x.mul_(mask).mul_(0.0 if p == 1 else 1 / (1 - p))
    return x, mask


def forward_no_validation(
    x: torch.Tensor, p: float, training: bool = True, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Accepts any p (clamps it into [0, 1])."""
    return ref.dropout_forward(x, min(max(p, 0.0), 1.0), training=training, generator=generator)


def forward_global_rng(
    x: torch.Tensor, p: float, training: bool = True, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """generator is ignored."""
    return ref.dropout_forward(x, p, training=training)


def forward_mask_inverted(
    x: torch.Tensor, p: float, training: bool = True, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Returns the drop mask (True = dropped) instead of the keep mask."""
    out, mask = ref.dropout_forward(x, p, training=training, generator=generator)
    return out, ~mask


class DropoutActiveInEval(torch.nn.Module):
    """D5: ignores self.training."""

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return ref.dropout_forward(x, self.p)[0]


class DropoutUnscaled(DropoutActiveInEval):
    """D3: no 1 / (1 - p) scaling."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * (torch.rand(x.shape) >= self.p) if self.training else x


class DropoutKeepProbConfused(DropoutActiveInEval):
    """D1: p used as the keep probability."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * (torch.rand(x.shape) < self.p) / self.p if self.training else x


class DropoutHardCodedHalf(DropoutActiveInEval):
    """Stores p but always drops with probability 0.5."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return ref.dropout_forward(x, 0.5, training=self.training)[0]


class DropoutDetached(DropoutActiveInEval):
    """Computes the output under no_grad, so no gradient reaches x."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return ref.dropout_forward(x, self.p, training=self.training)[0]


class DropoutFloat32Buffer(DropoutActiveInEval):
    """Writes into torch.zeros(x.shape), which is float32 whatever x's dtype."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training:
            return x
        out = torch.zeros(x.shape)
        mask = torch.rand(x.shape) >= self.p
        out[mask] = (x[mask] / (1 - self.p)).float()
        return out


class _FreshMaskBackward(torch.autograd.Function):
    """D6: the backward pass draws a new mask."""

    @staticmethod
    def forward(ctx: torch.autograd.function.FunctionCtx, x: torch.Tensor, p: float) -> torch.Tensor:
        ctx.p = p
        return ref.dropout_forward(x, p)[0]

    @staticmethod
    def backward(ctx: torch.autograd.function.FunctionCtx, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        return ref.dropout_backward(grad, torch.rand(grad.shape) >= ctx.p, ctx.p), None


class _UnscaledBackward(torch.autograd.Function):
    """D7: the backward pass forgets 1 / (1 - p)."""

    @staticmethod
    def forward(ctx: torch.autograd.function.FunctionCtx, x: torch.Tensor, p: float) -> torch.Tensor:
        out, mask = ref.dropout_forward(x, p)
        ctx.save_for_backward(mask)
        return out

    @staticmethod
    def backward(ctx: torch.autograd.function.FunctionCtx, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        (mask,) = ctx.saved_tensors
        return grad * mask, None


class DropoutFreshMaskBackward(DropoutActiveInEval):
    """D6 inside a custom autograd.Function."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _FreshMaskBackward.apply(x, self.p) if self.training else x


class DropoutUnscaledBackward(DropoutActiveInEval):
    """D7 inside a custom autograd.Function."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _UnscaledBackward.apply(x, self.p) if self.training else x


REFERENCE_CASES = [
    *[
        pytest.param(check, (forward,), id=f"{check.__name__}-{forward.__name__}")
        for forward in (ref.dropout_forward, bernoulli_forward)
        for check in (
            check_keep_rate,
            check_inverted_scaling,
            check_mean_preserved,
            check_eval_identity,
            check_p_zero,
            check_p_one,
            check_p_one_nonfinite_input,
            check_rejects_bad_p,
            check_input_unchanged,
            check_seeded,
            check_mask_independence,
        )
    ],
    pytest.param(check_backward, (ref.dropout_forward, ref.dropout_backward), id="check_backward-ref"),
    pytest.param(check_backward, (bernoulli_forward, bernoulli_backward), id="check_backward-bernoulli"),
    pytest.param(check_module_train, (ref.Dropout,), id="check_module_train"),
    pytest.param(check_module_eval, (ref.Dropout,), id="check_module_eval"),
    pytest.param(check_module_autograd, (ref.Dropout,), id="check_module_autograd"),
]

MUTANTS = [
    pytest.param(check_keep_rate, (forward_keep_prob_confused,), id="D1-keep-prob-confused-keep_rate"),
    pytest.param(check_inverted_scaling, (forward_keep_prob_confused,), id="D1-keep-prob-confused-scaling"),
    pytest.param(check_inverted_scaling, (forward_scaled_by_p,), id="D2-scaled-by-p-scaling"),
    pytest.param(check_mean_preserved, (forward_scaled_by_p,), id="D2-scaled-by-p-mean"),
    pytest.param(check_inverted_scaling, (forward_unscaled,), id="D3-unscaled-scaling"),
    pytest.param(check_mean_preserved, (forward_unscaled,), id="D3-unscaled-mean"),
    pytest.param(check_eval_identity, (forward_ignores_training,), id="D5-active-in-eval"),
    pytest.param(check_backward, (ref.dropout_forward, backward_fresh_mask), id="D6-backward-fresh-mask"),
    pytest.param(check_backward, (ref.dropout_forward, backward_unscaled), id="D7-backward-unscaled"),
    pytest.param(check_p_one, (forward_nan_at_p_one,), id="D9-forward-nan-at-p-one"),
    pytest.param(check_backward, (ref.dropout_forward, backward_nan_at_p_one), id="D9-backward-nan-at-p-one"),
    pytest.param(check_p_one_nonfinite_input, (forward_zero_scale_at_p_one,), id="D9-nan-at-p-one-for-inf-input"),
    pytest.param(check_mask_independence, (forward_column_mask,), id="D11-column-mask"),
    pytest.param(check_input_unchanged, (forward_in_place,), id="D13-in-place"),
    pytest.param(check_rejects_bad_p, (forward_no_validation,), id="p-not-validated"),
    pytest.param(check_seeded, (forward_global_rng,), id="generator-ignored"),
    pytest.param(check_keep_rate, (forward_mask_inverted,), id="mask-true-means-dropped"),
    pytest.param(check_module_eval, (DropoutActiveInEval,), id="D5-module-active-in-eval"),
    pytest.param(check_module_train, (DropoutUnscaled,), id="D3-module-unscaled"),
    pytest.param(check_module_train, (DropoutKeepProbConfused,), id="D1-module-keep-prob-confused"),
    pytest.param(check_module_train, (DropoutHardCodedHalf,), id="module-p-ignored"),
    pytest.param(check_module_autograd, (DropoutDetached,), id="module-no-grad"),
    pytest.param(check_module_train, (DropoutFloat32Buffer,), id="module-float32-buffer"),
    pytest.param(check_module_autograd, (DropoutFreshMaskBackward,), id="D6-module-backward-fresh-mask"),
    pytest.param(check_module_autograd, (DropoutUnscaledBackward,), id="D7-module-backward-unscaled"),
]


@pytest.mark.parametrize(("check", "impls"), REFERENCE_CASES)
def test_reference_passes(check: Callable[..., None], impls: tuple[object, ...]) -> None:
    """The reference (and the bernoulli variant) satisfy every check."""
    check(*impls)


@pytest.mark.parametrize(("check", "impls"), MUTANTS)
def test_mutant_is_caught(check: Callable[..., None], impls: tuple[object, ...]) -> None:
    """Each student mistake fails the check aimed at it."""
    with pytest.raises(AssertionError):
        check(*impls)
