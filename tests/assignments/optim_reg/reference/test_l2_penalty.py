"""Oracle tests for A6 l2_penalty(params, lam) = lam / 2 * sum(||w||^2).

Each ``check_*`` is a plain function of an implementation that raises AssertionError with a
message naming the input; it must pass on the reference (and on two alternative correct
versions) and fail on the mutants below, which reproduce real student mistakes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import numpy as np
import pytest
import torch

from solutions import optim_reg as ref
from tests.assignments.optim_reg.reference.checking import call_or_fail

Penalty = Callable[[Iterable[torch.Tensor], float], torch.Tensor]

SHAPES: list[tuple[int, ...]] = [(64, 32), (32,), (4, 3, 5, 5), ()]
LAMS: list[float] = [0.0123, 0.5, 3.0]


def _params(dtype: torch.dtype, seed: int = 0) -> list[torch.Tensor]:
    """Leaf tensors of the SHAPES, requiring grad."""
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(shape, dtype=dtype, generator=g).requires_grad_() for shape in SHAPES]


def _expected(params: list[torch.Tensor], lam: float) -> float:
    """lam / 2 * sum of squares, computed independently in numpy float64."""
    return lam / 2 * sum(float(np.sum(np.square(w.detach().numpy().astype(np.float64)))) for w in params)


def _penalty(l2_penalty: Penalty, params: Iterable[torch.Tensor], lam: float, label: str) -> torch.Tensor:
    """Call l2_penalty and check that it returned a 0-dim tensor."""
    value = call_or_fail(label, l2_penalty, params, lam)
    assert isinstance(value, torch.Tensor), f"{label}: returned {type(value).__name__}, not a torch.Tensor"
    assert value.dim() == 0, f"{label}: returned a tensor of shape {tuple(value.shape)}, expected 0-dim"
    return value


def check_value(l2_penalty: Penalty) -> None:
    """The value equals lam / 2 * sum(||w||^2) for float32 tensors of several shapes (rtol 1e-5)."""
    for lam in LAMS:
        params = _params(torch.float32)
        label = f"l2_penalty(list of float32 tensors of shapes {SHAPES}, lam={lam})"
        got, want = _penalty(l2_penalty, params, lam, label).item(), _expected(params, lam)
        assert math.isclose(got, want, rel_tol=1e-5), f"{label} = {got:.8g}, expected {want:.8g}"


def check_gradient(l2_penalty: Penalty) -> None:
    """Autograd gives lam * w for every parameter."""
    for lam in LAMS:
        params = _params(torch.float32, seed=1)
        label = f"l2_penalty(list of float32 tensors of shapes {SHAPES}, lam={lam}).backward()"
        call_or_fail(label, _penalty(l2_penalty, params, lam, label).backward)
        for w in params:
            assert w.grad is not None, f"{label}: the tensor of shape {tuple(w.shape)} got no gradient"
            want = lam * w.detach()
            error = (w.grad - want).abs().max().item()
            assert torch.allclose(w.grad, want, rtol=1e-6, atol=0.0), (
                f"{label}: grad of the tensor of shape {tuple(w.shape)} differs from lam * w; max error {error:.3g}"
            )


def check_iterable_params(l2_penalty: Penalty) -> None:
    """A generator works as params, including model.parameters(), with the right value and gradient."""
    params = _params(torch.float32, seed=2)
    label = f"l2_penalty(generator over float32 tensors of shapes {SHAPES}, lam=0.5)"
    got = _penalty(l2_penalty, (w for w in params), 0.5, label).item()
    assert math.isclose(got, _expected(params, 0.5), rel_tol=1e-5), (
        f"{label} = {got:.8g}, expected {_expected(params, 0.5):.8g}"
    )
    torch.manual_seed(3)
    model = torch.nn.Sequential(torch.nn.Linear(7, 5), torch.nn.ReLU(), torch.nn.Linear(5, 2))
    label = "l2_penalty(Sequential(Linear(7, 5), ReLU(), Linear(5, 2)).parameters(), lam=0.1)"
    value = _penalty(l2_penalty, model.parameters(), 0.1, label)
    assert math.isclose(value.item(), _expected(list(model.parameters()), 0.1), rel_tol=1e-5), (
        f"{label}: wrong value {value.item():.8g}"
    )
    call_or_fail(label, value.backward)
    for name, w in model.named_parameters():
        assert w.grad is not None and torch.allclose(w.grad, 0.1 * w.detach(), rtol=1e-6, atol=0.0), (
            f"{label}: grad of {name} != lam * w"
        )


def check_float64(l2_penalty: Penalty) -> None:
    """float64 params give a float64 result and gradients, exact to rtol 1e-12."""
    params = _params(torch.float64, seed=4)
    label = f"l2_penalty(list of float64 tensors of shapes {SHAPES}, lam=0.3)"
    value = _penalty(l2_penalty, params, 0.3, label)
    assert value.dtype == torch.float64, f"{label}: result has dtype {value.dtype}, expected torch.float64"
    assert math.isclose(value.item(), _expected(params, 0.3), rel_tol=1e-12), (
        f"{label} = {value.item():.17g}, expected {_expected(params, 0.3):.17g}"
    )
    call_or_fail(label, value.backward)
    for w in params:
        assert w.grad is not None and w.grad.dtype == torch.float64, (
            f"{label}: the tensor of shape {tuple(w.shape)} got no float64 gradient"
        )
        assert torch.allclose(w.grad, 0.3 * w.detach(), rtol=1e-12, atol=0.0), (
            f"{label}: grad of the tensor of shape {tuple(w.shape)} != lam * w"
        )


# --- alternative correct implementations ---


def l2_python_sum(params: Iterable[torch.Tensor], lam: float) -> torch.Tensor:
    """Correct: python sum of per-tensor sums of squares."""
    return lam / 2 * sum((w**2).sum() for w in params)


def l2_concatenated(params: Iterable[torch.Tensor], lam: float) -> torch.Tensor:
    """Correct: one flat vector of every entry."""
    return lam / 2 * torch.cat([w.reshape(-1) for w in params]).square().sum()


# --- mutants: real student mistakes ---


def l2_missing_half(params: Iterable[torch.Tensor], lam: float) -> torch.Tensor:
    """Forgets the 1/2: gradient 2 * lam * w."""
    return lam * sum((w**2).sum() for w in params)


def l2_sqrt_of_sum(params: Iterable[torch.Tensor], lam: float) -> torch.Tensor:
    """Global norm instead of squared norm."""
    return lam / 2 * torch.sqrt(sum((w**2).sum() for w in params))


def l2_sum_of_norms(params: Iterable[torch.Tensor], lam: float) -> torch.Tensor:
    """Per-tensor norms ||w|| instead of ||w||^2."""
    return lam / 2 * sum(w.norm() for w in params)


def l2_python_float(params: Iterable[torch.Tensor], lam: float) -> float:
    """Returns a python float, which cannot be backpropagated."""
    return lam / 2 * sum((w**2).sum().item() for w in params)


def l2_rewrapped(params: Iterable[torch.Tensor], lam: float) -> torch.Tensor:
    """torch.tensor(...) around the value: a new leaf with no gradient path."""
    return torch.tensor(lam / 2 * sum((w**2).sum().item() for w in params))


def l2_first_tensor_only(params: Iterable[torch.Tensor], lam: float) -> torch.Tensor:
    """Returns inside the loop after the first tensor."""
    for w in params:
        return lam / 2 * (w**2).sum()
    return torch.zeros(())


def l2_indexes_params(params: Iterable[torch.Tensor], lam: float) -> torch.Tensor:
    """Uses len(params), which a generator does not have."""
    return lam / 2 * sum((params[i] ** 2).sum() for i in range(len(params)))  # type: ignore[index, arg-type]


def l2_float32_accumulator(params: Iterable[torch.Tensor], lam: float) -> torch.Tensor:
    """Accumulates in place into torch.zeros(()), which stays float32."""
    total = torch.zeros(())
    for w in params:
        total += (w**2).sum()
    return lam / 2 * total


def l2_mean(params: Iterable[torch.Tensor], lam: float) -> torch.Tensor:
    """Mean of squares instead of sum."""
    return lam / 2 * sum((w**2).mean() for w in params)


def l2_abs(params: Iterable[torch.Tensor], lam: float) -> torch.Tensor:
    """L1 instead of L2."""
    return lam / 2 * sum(w.abs().sum() for w in params)


CHECKS = (check_value, check_gradient, check_iterable_params, check_float64)

REFERENCE_CASES = [
    pytest.param(check, impl, id=f"{check.__name__}-{impl.__name__}")
    for impl in (ref.l2_penalty, l2_python_sum, l2_concatenated)
    for check in CHECKS
]

MUTANTS = [
    pytest.param(check_value, l2_missing_half, id="missing-half-value"),
    pytest.param(check_gradient, l2_missing_half, id="missing-half-gradient"),
    pytest.param(check_value, l2_sqrt_of_sum, id="sqrt-of-sum-value"),
    pytest.param(check_gradient, l2_sqrt_of_sum, id="sqrt-of-sum-gradient"),
    pytest.param(check_value, l2_sum_of_norms, id="sum-of-norms-value"),
    pytest.param(check_value, l2_python_float, id="python-float-value"),
    pytest.param(check_gradient, l2_rewrapped, id="rewrapped-no-grad"),
    pytest.param(check_value, l2_first_tensor_only, id="first-tensor-only-value"),
    pytest.param(check_gradient, l2_first_tensor_only, id="first-tensor-only-gradient"),
    pytest.param(check_iterable_params, l2_indexes_params, id="len-of-generator"),
    pytest.param(check_float64, l2_float32_accumulator, id="float32-accumulator"),
    pytest.param(check_value, l2_mean, id="mean-instead-of-sum"),
    pytest.param(check_value, l2_abs, id="l1-instead-of-l2"),
]


@pytest.mark.parametrize(("check", "impl"), REFERENCE_CASES)
def test_reference_passes(check: Callable[[Penalty], None], impl: Penalty) -> None:
    """The reference and the alternative correct versions satisfy every check."""
    check(impl)


@pytest.mark.parametrize(("check", "impl"), MUTANTS)
def test_mutant_is_caught(check: Callable[[Penalty], None], impl: Penalty) -> None:
    """Each student mistake fails the check aimed at it."""
    with pytest.raises(AssertionError):
        check(impl)
