"""Oracle tests: sgd_momentum_update (EMA form) against hand-derived closed forms.

The update is v' = beta*v + (1 - beta)*g, w' = w - lr*v', starting from v = 0.

* Constant gradient g: v_k = (1 - beta^k) g and w_k = w_0 - lr*g*(k - beta*(1 - beta^k)/(1 - beta)),
  since w_k = w_0 - lr * sum_{j<=k} v_j and sum_{j<=k} beta^j = beta*(1 - beta^k)/(1 - beta).
* Quadratic f(w) = c/2 w^2, g = c*w: substituting gives [v'; w'] = A [v; w] with
  A = [[beta, (1 - beta)c], [-lr*beta, 1 - lr(1 - beta)c]], so [v_k; w_k] = A^k [0; w_0].

Every check_* function takes an implementation and raises AssertionError on the first mismatch (also when it crashes
or returns non-finite values). The reference must pass every check and every mutant must fail every check.
A value a passes against the closed form e when |a - e| <= rtol*|e| + atol*max|e|, max over the whole trajectory.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import torch

from solutions import optim_reg as ref
from tests.assignments.optim_reg.reference.checking import assert_close_steps, call_or_fail

STEPS = 60
SHAPES: list[tuple[int, ...]] = [(), (7,), (5, 4), (3, 2, 3, 3)]
F64_TOL = (1e-11, 1e-13)
F32_TOL = (1e-4, 1e-6)
SPEC_DEFAULTS = {"lr": 0.01, "beta": 0.9}
# {} means: call the implementation without hyper-parameter keywords and expect SPEC_DEFAULTS.
CONSTANT_CONFIGS: list[dict[str, float]] = [
    {},
    {"lr": 0.1, "beta": 0.5},
    {"lr": 0.05, "beta": 0.99},
    {"lr": 0.2, "beta": 0.0},
]
# (hyper-parameters, curvatures c, one per coordinate); every (beta, lr, c) here is stable: spectral radius of A < 1.
QUADRATIC_CONFIGS: list[tuple[dict[str, float], list[float]]] = [
    ({}, [0.5, 2.0, 10.0, 50.0, 150.0]),
    ({"lr": 0.1, "beta": 0.5}, [0.5, 1.0, 3.0, 8.0, 15.0]),
    ({"lr": 0.2, "beta": 0.99}, [0.1, 1.0, 3.0, 10.0, 50.0]),
    ({"lr": 0.05, "beta": 0.0}, [0.5, 1.0, 5.0, 10.0, 30.0]),
]


def _trajectory(
    impl: Callable, w0: torch.Tensor, grad_of: Callable[[torch.Tensor], torch.Tensor], hp: dict[str, float], label: str
) -> tuple[torch.Tensor, torch.Tensor]:
    """Run impl for STEPS steps from v = 0 on copies of its own outputs; return stacked (w_k, v_k), k = 1..STEPS."""
    w, v = w0.clone(), torch.zeros_like(w0)
    ws, vs = [], []
    for k in range(1, STEPS + 1):
        out = call_or_fail(f"{label}: step {k}", impl, w.clone(), grad_of(w), v.clone(), **hp)
        w, v = (torch.as_tensor(x).detach() for x in out)
        ws.append(w)
        vs.append(v)
    return torch.stack(ws), torch.stack(vs)


def _check_constant_gradient(impl: Callable, dtype: torch.dtype, tol: tuple[float, float]) -> None:
    """Constant gradient on every config x shape against v_k = (1 - beta^k) g and the matching w_k."""
    for i, hp in enumerate(CONSTANT_CONFIGS):
        lr, beta = (hp.get(name, default) for name, default in SPEC_DEFAULTS.items())
        for j, shape in enumerate(SHAPES):
            gen = torch.Generator().manual_seed(100 * i + j)
            w0, g = (torch.randn(shape, generator=gen, dtype=torch.float64) for _ in range(2))
            label = f"constant gradient, {hp or 'defaults'}, shape {shape}, {dtype}"
            w, v = _trajectory(impl, w0.to(dtype), lambda _: g.to(dtype), hp, label)
            k = torch.arange(1, STEPS + 1, dtype=torch.float64).reshape(-1, *[1] * len(shape))
            assert_close_steps(v, (1 - beta**k) * g, tol, f"{label}: velocity", "the closed form")
            expected_w = w0 - lr * g * (k - beta * (1 - beta**k) / (1 - beta))
            assert_close_steps(w, expected_w, tol, f"{label}: param", "the closed form")


def check_momentum_constant_gradient(sgd_momentum_update: Callable) -> None:
    """Float64, constant gradient, several lr/beta and shapes (scalar to 4-D)."""
    _check_constant_gradient(sgd_momentum_update, torch.float64, F64_TOL)


def check_momentum_float32(sgd_momentum_update: Callable) -> None:
    """Float32 inputs, constant gradient, looser tolerance."""
    _check_constant_gradient(sgd_momentum_update, torch.float32, F32_TOL)


def check_momentum_quadratic(sgd_momentum_update: Callable) -> None:
    """Float64, f(w) = c/2 w^2 per coordinate, against [v_k; w_k] = A^k [0; w_0] from numpy.linalg.matrix_power."""
    for i, (hp, curvatures) in enumerate(QUADRATIC_CONFIGS):
        lr, beta = (hp.get(name, default) for name, default in SPEC_DEFAULTS.items())
        c = np.array(curvatures)
        w0 = torch.randn(len(c), generator=torch.Generator().manual_seed(i), dtype=torch.float64)
        label = f"quadratic c={curvatures}, {hp or 'defaults'}"
        w, v = _trajectory(sgd_momentum_update, w0, lambda w: torch.from_numpy(c) * w, hp, label)
        A = np.empty((len(c), 2, 2))
        A[:, 0, 0], A[:, 0, 1], A[:, 1, 0], A[:, 1, 1] = beta, (1 - beta) * c, -lr * beta, 1 - lr * (1 - beta) * c
        x0 = np.stack([np.zeros_like(c), w0.numpy()], -1)[..., None]
        expected = torch.from_numpy(
            np.stack([(np.linalg.matrix_power(A, k) @ x0)[..., 0] for k in range(1, STEPS + 1)])
        )
        assert_close_steps(v, expected[..., 0], F64_TOL, f"{label}: velocity", "the closed form")
        assert_close_steps(w, expected[..., 1], F64_TOL, f"{label}: param", "the closed form")


CHECKS = [check_momentum_constant_gradient, check_momentum_quadratic, check_momentum_float32]


@pytest.mark.parametrize("check", CHECKS, ids=[c.__name__ for c in CHECKS])
def test_reference_passes(check: Callable) -> None:
    check(ref.sgd_momentum_update)


def test_torch_sgd_with_dampening_is_not_an_oracle() -> None:
    """torch.optim.SGD(momentum=beta, dampening=beta) starts its buffer at g_1, not (1 - beta) g_1.

    Afterwards both follow buf = beta*buf + (1 - beta)*g, so torch's buffer exceeds the EMA velocity by beta^k g_1.
    """
    lr, beta = 0.1, 0.9
    gen = torch.Generator().manual_seed(0)
    w0, grads = (
        torch.randn(4, generator=gen, dtype=torch.float64),
        torch.randn(10, 4, generator=gen, dtype=torch.float64),
    )
    p = w0.clone().requires_grad_(True)
    opt = torch.optim.SGD([p], lr=lr, momentum=beta, dampening=beta)
    w, v = w0.clone(), torch.zeros_like(w0)
    for k, g in enumerate(grads, start=1):
        p.grad = g.clone()
        opt.step()
        w, v = ref.sgd_momentum_update(w.clone(), g.clone(), v.clone(), lr=lr, beta=beta)
        buf = opt.state[p]["momentum_buffer"]
        torch.testing.assert_close(buf - v, beta**k * grads[0], rtol=1e-12, atol=1e-14, msg=f"buffer offset, step {k}")
        if k == 1:
            torch.testing.assert_close(p.detach() - w0, -lr * g, msg="torch's first step is -lr*g")
            torch.testing.assert_close(w - w0, -lr * (1 - beta) * g, msg="the EMA form's first step is -lr*(1-beta)*g")


# ---- Mutants: realistic student mistakes. ----


def sign_error(param, grad, velocity, lr=0.01, beta=0.9):
    """S1."""
    velocity = beta * velocity + (1 - beta) * grad
    return param + lr * velocity, velocity


def old_velocity_moves_param(param, grad, velocity, lr=0.01, beta=0.9):
    """S2."""
    return param - lr * velocity, beta * velocity + (1 - beta) * grad


def heavy_ball_form(param, grad, velocity, lr=0.01, beta=0.9):
    """S3: PyTorch's undampened buffer v = beta*v + g."""
    velocity = beta * velocity + grad
    return param - lr * velocity, velocity


def lr_inside_and_outside(param, grad, velocity, lr=0.01, beta=0.9):
    """S4."""
    velocity = beta * velocity + (1 - beta) * lr * grad
    return param - lr * velocity, velocity


def hard_coded_beta(param, grad, velocity, lr=0.01, beta=0.9):
    """S11."""
    velocity = 0.9 * velocity + 0.1 * grad
    return param - lr * velocity, velocity


MUTANTS = [sign_error, old_velocity_moves_param, heavy_ball_form, lr_inside_and_outside, hard_coded_beta]


@pytest.mark.parametrize("check", CHECKS, ids=[c.__name__ for c in CHECKS])
@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.__name__ for m in MUTANTS])
def test_mutant_is_caught(mutant: Callable, check: Callable) -> None:
    with pytest.raises(AssertionError):
        check(mutant)
