"""Oracle checks for norm_sched: each check_* takes an implementation (anything with the assignment's function names as
attributes: the reference module, or it with one function swapped for a mistaken one) and raises AssertionError at the
first disagreement with PyTorch's own implementation (float64, to rounding) or, for the augmentations, with the
formula's statistics at 6 sigma on fixed seeds. They never compare the reference with itself.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterator
from types import SimpleNamespace

import torch
import torch.nn.functional as F
from torch import nn
from torch.optim import SGD, Adagrad
from torch.optim.lr_scheduler import CosineAnnealingLR, LinearLR, SequentialLR, StepLR

from tests.assignments.optim_reg.reference.checking import assert_close_steps, call_or_fail

F64 = (1e-12, 1e-14)  # (rtol, atol x the largest expected magnitude): rounding, never a formula's difference
F32 = (1e-5, 1e-6)
SIGMAS = 6.0


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def close(actual: object, expected: torch.Tensor, what: str, tol: tuple[float, float] = F64) -> None:
    """One value (a tensor or a float) against the oracle's, as a one-step trajectory."""
    if not isinstance(actual, (torch.Tensor, float, int)):
        raise AssertionError(f"{what}: returned {type(actual).__name__}, expected a tensor or a number")
    a = torch.as_tensor(actual).detach()
    if a.dtype != expected.dtype:
        raise AssertionError(f"{what}: dtype {a.dtype}, expected {expected.dtype}")
    assert_close_steps(a.unsqueeze(0), expected.detach().unsqueeze(0), tol, what, "PyTorch")


def _tol(dtype: torch.dtype) -> tuple[float, float]:
    return F64 if dtype == torch.float64 else F32


# ---- batch normalization --------------------------------------------------------------------------------------------

# (N, D, keyword arguments; {} = the defaults momentum=0.1, eps=1e-5)
BN_CONFIGS = [(2, 3, {}), (3, 1, {"momentum": 0.3}), (16, 5, {"eps": 0.5}), (4096, 4, {"momentum": 0.01, "eps": 1e-3})]


def _batch(n: int, d: int, seed: int, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """Features far from zero mean and unit variance, so every statistic matters."""
    g = _gen(seed)
    scale, shift = torch.rand(d, generator=g, dtype=torch.float64) * 5 + 0.5, torch.randn(d, generator=g) * 4
    return (torch.randn(n, d, generator=g, dtype=torch.float64) * scale + shift).to(dtype)


def _affine(d: int, seed: int, dtype: torch.dtype = torch.float64) -> tuple[torch.Tensor, ...]:
    """gamma, beta, running_mean, running_var (positive), none of them their initial values."""
    g = _gen(seed + 1000)
    gamma, beta, mean = (torch.randn(d, generator=g, dtype=torch.float64) for _ in range(3))
    var = torch.rand(d, generator=g, dtype=torch.float64) * 3 + 0.2
    return tuple(t.to(dtype) for t in (gamma, beta, mean, var))


def _torch_bn(d: int, gamma: torch.Tensor, beta: torch.Tensor, mean: torch.Tensor, var: torch.Tensor, **kw) -> nn.Module:
    bn = nn.BatchNorm1d(d, **{"momentum": 0.1, "eps": 1e-5, **kw}, dtype=gamma.dtype)
    with torch.no_grad():
        for t, v in ((bn.weight, gamma), (bn.bias, beta), (bn.running_mean, mean), (bn.running_var, var)):
            t.copy_(v)
    return bn


def _forward(impl: SimpleNamespace, label: str, x, gamma, beta, mean, var, training: bool, kw: dict) -> tuple:
    out = call_or_fail(label, impl.batchnorm_forward, x.clone(), gamma, beta, mean.clone(), var.clone(), training, **kw)
    if not isinstance(out, (tuple, list)) or len(out) != 4:
        raise AssertionError(f"{label}: expected (out, running_mean, running_var, cache), got {type(out).__name__}")
    return tuple(out)


def _bn_forward_steps(impl: SimpleNamespace, dtype: torch.dtype) -> None:
    for i, (n, d, kw) in enumerate(BN_CONFIGS):
        gamma, beta, mean, var = _affine(d, i, dtype)
        x = _batch(n, d, i, dtype)
        for training in (True, False):
            label = f"batchnorm_forward N={n} D={d} {kw or 'defaults'} training={training} {dtype}"
            out, new_mean, new_var, _ = _forward(impl, label, x, gamma, beta, mean, var, training, kw)
            bn = _torch_bn(d, gamma, beta, mean, var, **kw).train(training)
            with torch.no_grad():
                expected = bn(x)
            close(out, expected, f"{label}: out", _tol(dtype))
            close(new_mean, bn.running_mean, f"{label}: running_mean", _tol(dtype))
            close(new_var, bn.running_var, f"{label}: running_var", _tol(dtype))


def check_batchnorm_forward(impl: SimpleNamespace) -> None:
    """Training and eval output and running statistics of one call, N = 2 to 4096, against nn.BatchNorm1d."""
    _bn_forward_steps(impl, torch.float64)


def check_batchnorm_forward_float32(impl: SimpleNamespace) -> None:
    _bn_forward_steps(impl, torch.float32)


def check_batchnorm_running_statistics(impl: SimpleNamespace) -> None:
    """60 training steps on batches of 2 to 40 rows, chaining the returned running statistics, then eval on the
    final ones (and on a batch of one row): every step against nn.BatchNorm1d's buffers and output."""
    for kw in ({}, {"momentum": 0.25, "eps": 1e-3}):
        d = 3
        gamma, beta, _, _ = _affine(d, 7)
        mean, var = torch.zeros(d, dtype=torch.float64), torch.ones(d, dtype=torch.float64)
        bn = _torch_bn(d, gamma, beta, mean, var, **kw)
        g = _gen(11)
        for step in range(60):
            n = int(torch.randint(2, 41, (), generator=g))
            x = _batch(n, d, 100 + step) + 3.0
            label = f"batchnorm_forward step {step + 1} (N={n}, {kw or 'defaults'})"
            out, mean, var, _ = _forward(impl, label, x, gamma, beta, mean, var, True, kw)
            with torch.no_grad():
                expected = bn(x)
            close(out, expected, f"{label}: out")
            close(mean, bn.running_mean, f"{label}: running_mean")
            close(var, bn.running_var, f"{label}: running_var")
        bn.eval()
        for n in (1, 50):
            x = _batch(n, d, 999) - 2.0
            label = f"batchnorm_forward eval after 60 steps, N={n} ({kw or 'defaults'})"
            out, same_mean, same_var, _ = _forward(impl, label, x, gamma, beta, mean, var, False, kw)
            with torch.no_grad():
                expected = bn(x)
            close(out, expected, f"{label}: out")
            close(same_mean, bn.running_mean, f"{label}: running_mean (eval leaves it)")
            close(same_var, bn.running_var, f"{label}: running_var (eval leaves it)")


def _check_backward(impl: SimpleNamespace, training: bool) -> None:
    for i, (n, d, kw) in enumerate(BN_CONFIGS):
        gamma, beta, mean, var = _affine(d, i)
        x = _batch(n, d, i)
        grad_out = torch.randn(n, d, generator=_gen(50 + i), dtype=torch.float64)
        label = f"batchnorm_backward N={n} D={d} {kw or 'defaults'} training={training}"
        *_, cache = _forward(impl, label, x, gamma, beta, mean, var, training, kw)
        got = call_or_fail(label, impl.batchnorm_backward, grad_out.clone(), cache)
        leaves = [t.clone().requires_grad_(True) for t in (x, gamma, beta)]
        out = F.batch_norm(leaves[0], mean.clone(), var.clone(), leaves[1], leaves[2], training, **{"momentum": 0.1,
                           "eps": 1e-5, **kw})  # fmt: skip
        expected = torch.autograd.grad(out, leaves, grad_out)
        if not isinstance(got, (tuple, list)) or len(got) != 3:
            raise AssertionError(f"{label}: expected (dx, dgamma, dbeta), got {type(got).__name__}")
        for name, a, e in zip(("dx", "dgamma", "dbeta"), got, expected):
            close(a, e, f"{label}: {name} (against autograd through F.batch_norm)", (1e-10, 1e-12))


def check_batchnorm_backward_training(impl: SimpleNamespace) -> None:
    _check_backward(impl, True)


def check_batchnorm_backward_eval(impl: SimpleNamespace) -> None:
    _check_backward(impl, False)


def check_batchnorm_module(impl: SimpleNamespace) -> None:
    """BatchNorm1d against nn.BatchNorm1d: parameters and buffers by name and initial value, 12 training steps
    (output, input and parameter gradients, buffers), then eval; with the defaults and with eps/momentum given."""
    for kw in ({}, {"eps": 0.1, "momentum": 0.3}):
        d = 4
        label = f"BatchNorm1d({d}{''.join(f', {k}={v}' for k, v in kw.items())})"
        module = call_or_fail(label, impl.BatchNorm1d, d, **kw)
        params, buffers = dict(module.named_parameters()), dict(module.named_buffers())
        if set(params) != {"weight", "bias"}:
            raise AssertionError(f"{label}: parameters {sorted(params)}, expected weight and bias")
        if not {"running_mean", "running_var"} <= set(buffers):
            raise AssertionError(f"{label}: buffers {sorted(buffers)}, expected running_mean and running_var")
        oracle = nn.BatchNorm1d(d, **kw)
        for name in ("weight", "bias", "running_mean", "running_var"):
            close(module.state_dict()[name].float(), oracle.state_dict()[name], f"{label}: initial {name}")
        module, oracle = module.double(), oracle.double()
        gamma, beta, _, _ = _affine(d, 3)
        with torch.no_grad():
            for m in (module, oracle):
                m.weight.copy_(gamma)
                m.bias.copy_(beta)
        for step in range(12):
            x = _batch(8 + step % 5, d, 200 + step)
            grad_out = torch.randn(x.shape, generator=_gen(300 + step), dtype=torch.float64)
            results = []
            for m in (module, oracle):
                m.zero_grad()
                xs = x.clone().requires_grad_(True)
                out = call_or_fail(f"{label} step {step + 1}", m, xs) if m is module else m(xs)
                out.backward(grad_out)
                results.append((out, xs.grad, m.weight.grad, m.bias.grad, m.running_mean, m.running_var))
            for name, a, e in zip(("out", "input grad", "weight grad", "bias grad", "running_mean", "running_var"),
                                  *results):  # fmt: skip
                if a is None:
                    raise AssertionError(f"{label}, training step {step + 1}: no {name}")
                close(a, e, f"{label}, training step {step + 1}: {name}", (1e-10, 1e-12))
        module.eval()
        oracle.eval()
        x = _batch(5, d, 500)
        with torch.no_grad():
            close(call_or_fail(f"{label} eval", module, x), oracle(x), f"{label}, eval after training: out")
        for name in ("running_mean", "running_var"):
            close(getattr(module, name), getattr(oracle, name), f"{label}, eval: {name} unchanged")


# ---- layer normalization --------------------------------------------------------------------------------------------

LN_CASES = [((4, 6), {}), ((2, 3, 5), {"eps": 1e-3}), ((7,), {}), ((3, 1), {}), ((64, 10), {"eps": 0.5}), ((5, 2), {})]


def _check_layernorm(impl: SimpleNamespace, dtype: torch.dtype) -> None:
    for i, (shape, kw) in enumerate(LN_CASES):
        g = _gen(60 + i)
        x = (torch.randn(shape, generator=g, dtype=torch.float64) * 3 + torch.randn(shape[-1], generator=g)).to(dtype)
        gamma, beta = (torch.randn(shape[-1], generator=g, dtype=torch.float64).to(dtype) for _ in range(2))
        label = f"layernorm_forward shape {shape} {kw or 'defaults'} {dtype}"
        out = call_or_fail(label, impl.layernorm_forward, x.clone(), gamma, beta, **kw)
        close(out, F.layer_norm(x, shape[-1:], gamma, beta, **{"eps": 1e-5, **kw}), label, _tol(dtype))


def check_layernorm(impl: SimpleNamespace) -> None:
    """F.layer_norm over the last dimension: 1-D to 3-D inputs, D = 1, several eps."""
    _check_layernorm(impl, torch.float64)


def check_layernorm_float32(impl: SimpleNamespace) -> None:
    _check_layernorm(impl, torch.float32)


# ---- learning-rate schedules ----------------------------------------------------------------------------------------


def _scheduled(make: Callable[[torch.optim.Optimizer], object], base_lr: float, steps: int) -> Iterator[float]:
    """The learning rate a torch scheduler gives at steps 0, 1, ..., steps - 1."""
    opt = SGD([nn.Parameter(torch.zeros(1))], lr=base_lr)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SequentialLR's deprecation notes
        scheduler = make(opt)
        for _ in range(steps):
            yield opt.param_groups[0]["lr"]
            opt.step()
            scheduler.step()


def _lr(impl: SimpleNamespace, name: str, step: int, *args: float, **kw: float) -> float:
    value = call_or_fail(f"{name}(step={step}, {args}, {kw})", getattr(impl, name), step, *args, **kw)
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    if not isinstance(value, (float, int)):
        raise AssertionError(f"{name}(step={step}, ...): returned {type(value).__name__}, expected a float")
    return float(value)


def _same_lr(got: float, expected: float, label: str, rtol: float = 1e-12) -> None:
    if not abs(got - expected) <= rtol * abs(expected) + 1e-15:
        raise AssertionError(f"{label}: got {got!r}, expected {expected!r}")


def check_step_lr(impl: SimpleNamespace) -> None:
    """step_lr against StepLR, step by step, for 60 steps (gamma defaulted or given, step_size 1 to 7)."""
    for base, size, kw in ((0.1, 10, {}), (1.0, 3, {"gamma": 0.5}), (0.05, 1, {"gamma": 0.9}), (2.0, 7, {"gamma": 2.0})):
        make = lambda opt, size=size, kw=kw: StepLR(opt, step_size=size, **{"gamma": 0.1, **kw})  # noqa: E731
        for step, lr in enumerate(_scheduled(make, base, 60)):
            _same_lr(_lr(impl, "step_lr", step, base, size, **kw), lr, f"step_lr step {step} ({base}, {size}, {kw})")


COSINE_CONFIGS = [(0.1, 100, {}), (1.0, 7, {"min_lr": 0.01}), (3.0, 1, {"min_lr": 0.5}), (0.5, 40, {"min_lr": 0.1})]


def check_cosine_lr(impl: SimpleNamespace) -> None:
    """cosine_lr against CosineAnnealingLR for steps 0..total_steps, then min_lr for 20 steps after it (where torch's
    periodic schedule would climb again)."""
    for base, total, kw in COSINE_CONFIGS:
        make = lambda opt, total=total, kw=kw: CosineAnnealingLR(opt, T_max=total, eta_min=kw.get("min_lr", 0.0))  # noqa: E731
        for step, lr in enumerate(_scheduled(make, base, total + 21)):
            expected = lr if step <= total else kw.get("min_lr", 0.0)
            label = f"cosine_lr step {step} ({base}, {total}, {kw})"
            _same_lr(_lr(impl, "cosine_lr", step, base, total, **kw), expected, label, 1e-11)


WARMUP_CONFIGS = [(0.1, 10, 100, {}), (1.0, 3, 7, {"min_lr": 0.01}), (2.0, 1, 50, {"min_lr": 0.5}), (0.3, 5, 6, {})]


def check_warmup_cosine_lr(impl: SimpleNamespace) -> None:
    """warmup_cosine_lr step by step against torch's SequentialLR(LinearLR from ~0, CosineAnnealingLR over the
    remaining steps), then min_lr after total_steps; and warmup_steps=0 against cosine annealing alone."""
    for base, warm, total, kw in WARMUP_CONFIGS:
        min_lr = kw.get("min_lr", 0.0)

        def make(opt, warm=warm, total=total, min_lr=min_lr):
            linear = LinearLR(opt, start_factor=1e-300, end_factor=1.0, total_iters=warm)  # 1e-300: 0 to rounding
            return SequentialLR(opt, [linear, CosineAnnealingLR(opt, T_max=total - warm, eta_min=min_lr)], [warm])

        for step, lr in enumerate(_scheduled(make, base, total + 11)):
            expected = lr if step <= total else min_lr
            label = f"warmup_cosine_lr step {step} ({base}, warmup {warm}, total {total}, {kw})"
            _same_lr(_lr(impl, "warmup_cosine_lr", step, base, warm, total, **kw), expected, label, 1e-11)
    for step, lr in enumerate(_scheduled(lambda opt: CosineAnnealingLR(opt, T_max=20, eta_min=0.05), 0.4, 21)):
        got = _lr(impl, "warmup_cosine_lr", step, 0.4, 0, 20, min_lr=0.05)
        _same_lr(got, lr, f"warmup_cosine_lr step {step} with warmup_steps=0", 1e-11)


# ---- gradient clipping ----------------------------------------------------------------------------------------------


def _grads(shapes: list[tuple[int, ...]], seed: int, dtype: torch.dtype) -> list[torch.Tensor]:
    g = _gen(seed)
    return [torch.randn(s, generator=g, dtype=torch.float64).to(dtype) for s in shapes]


CLIP_SHAPES = [[(5,)], [(3, 4), (7,), ()], [(2, 3, 4), (6,), (1,), (5, 5)], [(3,)] * 20 + [(2, 2)] * 30]


def _check_clipping(impl: SimpleNamespace, dtype: torch.dtype) -> None:
    for i, shapes in enumerate(CLIP_SHAPES):
        grads = _grads(shapes, 70 + i, dtype)
        norm = float(torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads])))
        # below, at (max_norm = the norm as torch computes it) and above the threshold; the unit norm of gradient 0
        for where, max_norm in (("below", 3 * norm), ("at", norm), ("above", norm / 7), ("far above", 1e-3)):
            label = f"clip_grad_norm of {len(shapes)} tensors, {where} the threshold, {dtype}"
            oracle = [g.clone().requires_grad_(False) for g in grads]
            params = [nn.Parameter(torch.zeros_like(g)) for g in grads]
            for p, g in zip(params, oracle):
                p.grad = g.clone()
            total = torch.nn.utils.clip_grad_norm_(params, max_norm)
            got = call_or_fail(label, impl.clip_grad_norm, [g.clone() for g in grads], max_norm)
            if not isinstance(got, (tuple, list)) or len(got) != 2 or len(got[0]) != len(grads):
                raise AssertionError(f"{label}: expected (a list of {len(grads)} tensors, total_norm)")
            close(torch.as_tensor(got[1], dtype=dtype), total, f"{label}: total_norm", _tol(dtype))
            for j, (a, p) in enumerate(zip(got[0], params)):
                close(a, p.grad, f"{label}: tensor {j}", _tol(dtype))


def check_clipping(impl: SimpleNamespace) -> None:
    """Against clip_grad_norm_ on 1 to 50 tensors, below, at and above max_norm (float64)."""
    _check_clipping(impl, torch.float64)


def check_clipping_float32(impl: SimpleNamespace) -> None:
    _check_clipping(impl, torch.float32)


# ---- AdaGrad and Nesterov: trajectories against torch.optim --------------------------------------------------------


def _trajectories(update: Callable, optimizer: Callable, grads: torch.Tensor, w0: torch.Tensor,
                  states: tuple[str, str], kw: dict, label: str) -> None:  # fmt: skip
    """Run update and the torch optimizer on the same gradient sequence; compare (param, state) at every step."""
    p = nn.Parameter(w0.clone())
    opt = optimizer([p])
    w, s = w0.clone(), torch.zeros_like(w0)
    got_w, got_s, want_w, want_s = [], [], [], []
    for k, g in enumerate(grads, start=1):
        out = call_or_fail(f"{label}: step {k}", update, w.clone(), g.clone(), s.clone(), **kw)
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise AssertionError(f"{label}: expected (param, {states[0]}), got {type(out).__name__}")
        w, s = (torch.as_tensor(t).detach() for t in out)
        p.grad = g.clone()
        opt.step()
        got_w.append(w)
        got_s.append(s)
        want_w.append(p.detach().clone())
        want_s.append(opt.state[p][states[1]].clone())
    tol = _tol(w0.dtype)
    assert_close_steps(torch.stack(got_s), torch.stack(want_s), tol, f"{label}: {states[0]}", "torch.optim")
    assert_close_steps(torch.stack(got_w), torch.stack(want_w), tol, f"{label}: param", "torch.optim")


def _gradient_runs(dtype: torch.dtype, tiny: bool) -> Iterator[tuple[str, torch.Tensor, torch.Tensor]]:
    """Gradient sequences of 80 steps: random, a constant one, and (tiny) magnitudes 1e-6 to 1e-12 with exact zeros."""
    for i, shape in enumerate([(), (6,), (3, 4)]):
        g = _gen(80 + i)
        w0 = torch.randn(shape, generator=g, dtype=torch.float64)
        grads = torch.randn((80, *shape), generator=g, dtype=torch.float64)
        if tiny:
            grads = grads * torch.logspace(-6, -12, w0.numel(), dtype=torch.float64).reshape(shape)
            grads[::3] = 0.0
            if shape:
                grads.view(80, -1)[:, 0] = 0.0
        yield f"shape {shape}", w0.to(dtype), grads.to(dtype)
    yield "constant gradient", torch.zeros(4, dtype=dtype), torch.tensor([1.0, -0.5, 1e-3, 0.0], dtype=dtype).expand(80, 4)


# Each update function: its torch optimizer with SPEC's defaults, its state as the function names it and as torch
# does, and the hyper-parameters it is run with ({} = the defaults, called without keywords).
UPDATES = {
    "adagrad_update": (lambda params, **hp: Adagrad(params, **{"lr": 0.01, "eps": 1e-10, **hp}), ("sum_sq", "sum"),
                       [{}, {"lr": 0.5}, {"lr": 0.1, "eps": 1e-6}]),
    "nesterov_update": (lambda params, **hp: SGD(params, nesterov=True, **{"lr": 0.01, "momentum": 0.9, **hp}),
                        ("buf", "momentum_buffer"),
                        [{}, {"lr": 0.1, "momentum": 0.5}, {"lr": 0.05, "momentum": 0.99}, {"lr": 0.2, "momentum": 0.3}]),
}  # fmt: skip


def _update_runs(impl: SimpleNamespace, name: str, dtype: torch.dtype, tiny: bool) -> None:
    make, states, hps = UPDATES[name]
    for hp in hps:
        for what, w0, grads in _gradient_runs(dtype, tiny):
            optimizer = lambda params, hp=hp: make(params, **hp)  # noqa: E731
            _trajectories(getattr(impl, name), optimizer, grads, w0, states, hp, f"{name} {hp or 'defaults'} {what}")


def check_adagrad(impl: SimpleNamespace) -> None:
    """80-step trajectories against torch.optim.Adagrad (float64), defaults and given lr/eps."""
    _update_runs(impl, "adagrad_update", torch.float64, tiny=False)


def check_adagrad_tiny_gradients(impl: SimpleNamespace) -> None:
    """Gradients of 1e-6 to 1e-12 with exact zeros, where eps's place decides the step."""
    _update_runs(impl, "adagrad_update", torch.float64, tiny=True)


def check_adagrad_float32(impl: SimpleNamespace) -> None:
    _update_runs(impl, "adagrad_update", torch.float32, tiny=False)


def check_nesterov(impl: SimpleNamespace) -> None:
    """80-step trajectories against torch.optim.SGD(nesterov=True) (float64), momentum 0.3 to 0.99."""
    _update_runs(impl, "nesterov_update", torch.float64, tiny=False)


def check_nesterov_tiny_gradients(impl: SimpleNamespace) -> None:
    _update_runs(impl, "nesterov_update", torch.float64, tiny=True)


def check_nesterov_float32(impl: SimpleNamespace) -> None:
    _update_runs(impl, "nesterov_update", torch.float32, tiny=False)


# ---- L1 --------------------------------------------------------------------------------------------------------------


def _l1_params(seed: int) -> list[list[torch.Tensor]]:
    """Lists of float64 tensors, with exact zeros among their entries."""
    g = _gen(seed)
    one = torch.randn(5, 3, generator=g, dtype=torch.float64)
    one[0] = 0.0
    return [[one], [torch.randn(s, generator=g, dtype=torch.float64) for s in ((4,), (2, 3, 2), (), (1,))],
            [torch.zeros(3, dtype=torch.float64), torch.tensor([0.0, -2.5, 1e-12], dtype=torch.float64)]]  # fmt: skip


def check_l1_value(impl: SimpleNamespace) -> None:
    """lam * sum |w| over every entry of every tensor, as a 0-dim tensor (against torch.linalg.vector_norm(ord=1))."""
    for i, params in enumerate(_l1_params(90)):
        for lam in (0.01, 1.0, 3.5):
            label = f"l1_penalty of {len(params)} tensors, lam={lam}"
            got = call_or_fail(label, impl.l1_penalty, [p.clone() for p in params], lam)
            if not isinstance(got, torch.Tensor) or got.dim() != 0:
                raise AssertionError(f"{label}: expected a 0-dim tensor, got {got!r}")
            expected = lam * sum(torch.linalg.vector_norm(p, ord=1) for p in params)
            close(got, torch.as_tensor(expected, dtype=torch.float64), label)


def check_l1_gradient(impl: SimpleNamespace) -> None:
    """Autograd through l1_penalty gives lam * sign(w) for every tensor: 0 where w == 0."""
    for params in _l1_params(91):
        for lam in (0.1, 2.0):
            leaves = [p.clone().requires_grad_(True) for p in params]
            label = f"gradient of l1_penalty of {len(params)} tensors, lam={lam}"
            value = call_or_fail(label, impl.l1_penalty, leaves, lam)
            if not isinstance(value, torch.Tensor) or not value.requires_grad:
                raise AssertionError(f"{label}: the penalty is not differentiable (no autograd graph)")
            grads = torch.autograd.grad(value, leaves, allow_unused=True)
            for j, (g, p) in enumerate(zip(grads, params)):
                if g is None:
                    raise AssertionError(f"{label}: no gradient reaches tensor {j}")
                close(g, lam * torch.sign(p), f"{label}: tensor {j}")


def check_prox_l1(impl: SimpleNamespace) -> None:
    """prox_l1 against F.softshrink: thresholds 0, small, equal to entries, larger than every |w|; float64 and 32."""
    for dtype in (torch.float64, torch.float32):
        w = torch.randn(6, 5, generator=_gen(92), dtype=torch.float64).to(dtype)
        w[0, :4] = torch.tensor([0.0, 0.3, -0.3, 0.7], dtype=dtype)
        for threshold in (0.0, 0.3, 0.7, 1e-9, 100.0):
            label = f"prox_l1(threshold={threshold}) {dtype}"
            got = call_or_fail(label, impl.prox_l1, w.clone(), threshold)
            close(got, F.softshrink(w, threshold), label, _tol(dtype))


# ---- augmentation: statistics at 6 sigma on fixed seeds --------------------------------------------------------------


def _coded(n: int, h: int, w: int, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """Images whose pixels are all different and positive, so a moved image tells its offset."""
    return (torch.arange(n * h * w, dtype=torch.float64).reshape(n, h, w) % (h * w) + 1).to(dtype)


def shifted(images: torch.Tensor, dy: int, dx: int) -> torch.Tensor:
    """images moved by (dy, dx), vacated pixels 0, written independently of the reference (pad, then crop)."""
    n, h, w = images.shape
    m = max(abs(dy), abs(dx), 1)
    padded = F.pad(images, (m, m, m, m))
    return padded[:, m - dy : m - dy + h, m - dx : m - dx + w]


def offsets_of(impl: SimpleNamespace, images: torch.Tensor, max_shift: int, seed: int) -> torch.Tensor:
    """Each output image's offset (dy, dx), found by exact comparison with every move in range (zeros filled), and
    max_shift + 1 for an image moved out entirely (all 0, possible only when max_shift reaches the image's size).
    AssertionError if an output is no such move (wrap-around, another fill, changed content) or has another shape or
    dtype."""
    n, h, w = images.shape
    label = f"random_shift(max_shift={max_shift}) on {tuple(images.shape)} {images.dtype}"
    out = call_or_fail(label, impl.random_shift, images.clone(), max_shift, generator=_gen(seed))
    if not isinstance(out, torch.Tensor) or out.shape != images.shape or out.dtype != images.dtype:
        raise AssertionError(f"{label}: expected a tensor of shape {tuple(images.shape)} and dtype {images.dtype}")
    visible = out.flatten(1).any(1)
    found = torch.full((n, 2), max_shift + 1)
    matched = ~visible if max_shift >= min(h, w) else torch.zeros(n, dtype=torch.bool)
    for dy in range(-max_shift, max_shift + 1):
        for dx in range(-max_shift, max_shift + 1):
            same = (out == shifted(images, dy, dx)).flatten(1).all(1) & visible
            found[same] = torch.tensor([dy, dx])
            matched |= same
    if not matched.all():
        i = int(torch.nonzero(~matched)[0])
        raise AssertionError(f"{label}: image {i} is not its input moved by integer offsets within "
                             f"[-{max_shift}, {max_shift}] with the vacated pixels 0 (wrap-around or another fill?)")  # fmt: skip
    return found


def _within(count: float, n: int, p: float, what: str) -> None:
    sigma = math.sqrt(n * p * (1 - p))
    if abs(count - n * p) > SIGMAS * sigma:
        raise AssertionError(f"{what}: {count} of {n}, expected {n * p:.1f} +- {SIGMAS * sigma:.1f} (6 sigma)")


def _uncorrelated(a: torch.Tensor, b: torch.Tensor, what: str) -> None:
    a, b = a.double() - a.double().mean(), b.double() - b.double().mean()
    r = float((a * b).sum() / ((a * a).sum() * (b * b).sum()).sqrt())
    if not abs(r) <= SIGMAS / math.sqrt(len(a)):
        raise AssertionError(f"{what}: correlation {r:.4f}, beyond 6 sigma ({SIGMAS / math.sqrt(len(a)):.4f})")


def check_shift_content(impl: SimpleNamespace) -> None:
    """Every output image is its input moved by integer offsets in range, vacated pixels exactly 0, no wrap-around;
    max_shift=0 is the identity; non-square images (an axis mix-up shows); float32 and float64."""
    for dtype in (torch.float64, torch.float32):
        for max_shift, (h, w) in ((1, (5, 7)), (3, (6, 8)), (0, (4, 3))):
            offsets = offsets_of(impl, _coded(300, h, w, dtype), max_shift, seed=max_shift)
            if max_shift == 0 and offsets.abs().any():
                raise AssertionError("random_shift(max_shift=0) moved an image")


def check_shift_offsets_uniform_and_independent(impl: SimpleNamespace) -> None:
    """6000 images, max_shift=2: each offset value per axis within 6 sigma of N/5, each (dy, dx) pair within 6 sigma
    of N/25, dy and dx uncorrelated, and consecutive images' offsets uncorrelated."""
    n, k = 6000, 2
    offsets = offsets_of(impl, _coded(n, 7, 6), k, seed=123)
    values = range(-k, k + 1)
    for axis, name in ((0, "dy"), (1, "dx")):
        for v in values:
            _within(int((offsets[:, axis] == v).sum()), n, 1 / (2 * k + 1), f"random_shift: {name} == {v}")
        _uncorrelated(offsets[1:, axis], offsets[:-1, axis], f"random_shift: {name} of consecutive images")
    for vy in values:
        for vx in values:
            count = int(((offsets[:, 0] == vy) & (offsets[:, 1] == vx)).sum())
            _within(count, n, 1 / (2 * k + 1) ** 2, f"random_shift: (dy, dx) == ({vy}, {vx})")
    _uncorrelated(offsets[:, 0], offsets[:, 1], "random_shift: dy and dx of one image")


def check_shift_larger_than_image(impl: SimpleNamespace) -> None:
    """max_shift=6 on 3 x 4 images: an image moved out entirely is all 0, as often as |dy| >= 3 or |dx| >= 4 is
    drawn (within 6 sigma); the others are exact moves."""
    n, k, (h, w) = 1500, 6, (3, 4)
    offsets = offsets_of(impl, _coded(n, h, w), k, seed=7)
    gone = int((offsets[:, 0] == k + 1).sum())
    p_inside = (2 * (h - 1) + 1) / (2 * k + 1) * (2 * (w - 1) + 1) / (2 * k + 1)
    _within(gone, n, 1 - p_inside, "random_shift: images moved out entirely (all zeros)")


def _check_generator(impl: SimpleNamespace, name: str, call: Callable[[torch.Generator | None], object]) -> None:
    outs = [call(_gen(seed)) for seed in (5, 5, 6)]
    if not all(isinstance(o, torch.Tensor) for o in outs):
        raise AssertionError(f"{name}: expected a tensor")
    if not torch.equal(outs[0], outs[1]):
        raise AssertionError(f"{name}: two generators seeded alike gave different results (generator ignored?)")
    if torch.equal(outs[0], outs[2]):
        raise AssertionError(f"{name}: generators seeded differently gave the same result (a seed reset inside?)")


def check_shift_generator(impl: SimpleNamespace) -> None:
    images = _coded(50, 6, 6)
    call = lambda g: call_or_fail("random_shift", impl.random_shift, images.clone(), 2, generator=g)  # noqa: E731
    _check_generator(impl, "random_shift", call)


def check_noise_moments(impl: SimpleNamespace) -> None:
    """add_noise: noise = out - images over 2e5 values has mean 0, std `std` and Gaussian kurtosis 3 within 6 sigma,
    independent of the image, of the neighbouring pixel and of the next image; dtype kept; std=0 is the identity."""
    for dtype, std in ((torch.float64, 0.5), (torch.float32, 2.0)):
        images = torch.rand(200, 32, 32, generator=_gen(31), dtype=torch.float64).to(dtype) * 4
        label = f"add_noise(std={std}) {dtype}"
        out = call_or_fail(label, impl.add_noise, images.clone(), std, generator=_gen(32))
        if not isinstance(out, torch.Tensor) or out.shape != images.shape or out.dtype != images.dtype:
            raise AssertionError(f"{label}: expected a tensor of shape {tuple(images.shape)} and dtype {dtype}")
        z = (out.double() - images.double()) / std
        flat, n = z.flatten(), z.numel()
        checks = (("mean", float(flat.mean()), 0.0, 1.0), ("variance", float(flat.var()), 1.0, math.sqrt(2.0)),
                  ("kurtosis", float((flat**4).mean()), 3.0, math.sqrt(96.0)))  # fmt: skip
        for what, value, expected, unit_sd in checks:
            if abs(value - expected) > SIGMAS * unit_sd / math.sqrt(n):
                raise AssertionError(f"{label}: noise {what} {value:.5f} (in units of std), expected {expected} within "
                                     f"6 sigma ({SIGMAS * unit_sd / math.sqrt(n):.5f})")  # fmt: skip
        _uncorrelated(flat, images.double().flatten(), f"{label}: noise and image")
        _uncorrelated(z[:, :, 1:].flatten(), z[:, :, :-1].flatten(), f"{label}: noise of neighbouring pixels")
        _uncorrelated(z[1:].flatten(), z[:-1].flatten(), f"{label}: noise of consecutive images")
        same = call_or_fail(f"add_noise(std=0) {dtype}", impl.add_noise, images.clone(), 0.0, generator=_gen(1))
        if not torch.equal(same, images):
            raise AssertionError(f"add_noise(std=0) {dtype}: changed the images")


def check_noise_generator(impl: SimpleNamespace) -> None:
    images = torch.rand(20, 5, 5, generator=_gen(33), dtype=torch.float64)
    call = lambda g: call_or_fail("add_noise", impl.add_noise, images.clone(), 0.3, generator=g)  # noqa: E731
    _check_generator(impl, "add_noise", call)


# The checks of each graded function (a backward check runs batchnorm_forward too, for its cache).
FUNCTION_CHECKS: dict[str, list[Callable[[SimpleNamespace], None]]] = {
    "batchnorm_forward": [check_batchnorm_forward, check_batchnorm_forward_float32, check_batchnorm_running_statistics],
    "batchnorm_backward": [check_batchnorm_backward_training, check_batchnorm_backward_eval],
    "BatchNorm1d": [check_batchnorm_module],
    "layernorm_forward": [check_layernorm, check_layernorm_float32],
    "step_lr": [check_step_lr],
    "cosine_lr": [check_cosine_lr, check_warmup_cosine_lr],  # warmup_cosine_lr calls cosine_lr
    "warmup_cosine_lr": [check_warmup_cosine_lr],
    "clip_grad_norm": [check_clipping, check_clipping_float32],
    "adagrad_update": [check_adagrad, check_adagrad_tiny_gradients, check_adagrad_float32],
    "nesterov_update": [check_nesterov, check_nesterov_tiny_gradients, check_nesterov_float32],
    "l1_penalty": [check_l1_value, check_l1_gradient],
    "prox_l1": [check_prox_l1],
    "random_shift": [check_shift_content, check_shift_offsets_uniform_and_independent, check_shift_larger_than_image,
                     check_shift_generator],
    "add_noise": [check_noise_moments, check_noise_generator],
}  # fmt: skip
CHECKS = list(dict.fromkeys(check for checks in FUNCTION_CHECKS.values() for check in checks))
