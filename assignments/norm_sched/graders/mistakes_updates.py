"""The update functions of [adagrad] and [nesterov], checked by the engine (autograder/grading/updates.py: float64
steps to rtol 3e-6, states to 1e-8, float32 to 1e-4, gradients kept at 0.5-1.5 times their scale), and their known
mistakes: each one a complete buggy update function with the contract's signature, run on the same inputs when a
student's result is wrong, and named when the student's results match it. The reference agrees with
torch.optim.Adagrad and torch.optim.SGD(momentum, nesterov=True) to ~1e-15 (tests/assignments/norm_sched).

AdaGrad's eps (1e-10) is negligible next to sqrt(sum_sq) for gradients of size 1; the tiny-gradient runs (1e-4 to
1e-6) make eps inside the root visible (sqrt(1e-12 + 1e-10) is ten times sqrt(1e-12)).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from assignments.norm_sched.probes.updates import RULES
from autograder.grading.updates import UpdateChecks


def _adagrad(kind: str) -> Callable[..., Any]:
    def adagrad_update(param, grad, sum_sq, lr=0.01, eps=1e-10):
        if kind == "lr_hardcoded":
            lr = 0.01
        if kind == "eps_hardcoded":
            eps = 1e-10
        old = sum_sq
        if kind == "rmsprop":
            sum_sq = 0.99 * sum_sq + 0.01 * grad * grad
        elif kind == "abs_grad":
            sum_sq = sum_sq + grad.abs()
        else:
            sum_sq = sum_sq + grad * grad
        denominator = {
            "eps_inside": lambda: (sum_sq + eps).sqrt(),
            "eps_clamped": lambda: sum_sq.sqrt().clamp(min=eps),
            "old_sum": lambda: old.sqrt() + eps,
            "no_sqrt": lambda: sum_sq + eps,
            "no_eps": lambda: sum_sq.sqrt(),
        }.get(kind, lambda: sum_sq.sqrt() + eps)()
        returned = {"sum_not_returned": old, "sqrt_returned": sum_sq.sqrt()}.get(kind, sum_sq)
        step = lr * grad / denominator
        return (param + step if kind == "sign" else param - step), returned

    return adagrad_update


ADAGRAD_MISTAKES = {
    "adagrad.eps_inside": "eps is added inside the square root (sqrt(sum_sq + eps)) instead of to sqrt(sum_sq)",

    "adagrad.rmsprop": (
        "the squared gradients are averaged with a decay (RMSProp: 0.99 * sum_sq + 0.01 * grad**2) instead of summed"
    ),
    "adagrad.old_sum": "the step divides by the old sum_sq, before this step's grad**2 is added",
    "adagrad.no_sqrt": "the step divides by sum_sq instead of its square root",
    "adagrad.abs_grad": "sum_sq adds up |grad| instead of grad**2",
    "adagrad.no_eps": (
        "eps is not added to the denominator: lr * grad / sqrt(sum_sq), or lr * (grad / sqrt(sum_sq) + eps) without "
        "brackets around sqrt(sum_sq) + eps (0 / 0 where the gradient and sum_sq are 0)"
    ),
    # after no_eps: the two differ only where sum_sq is 0, so elsewhere no_eps, the usual mistake, is named
    "adagrad.eps_clamped": (
        "the square root is clamped from below at eps (sqrt(sum_sq).clamp(min=eps)) instead of having eps added to it"
    ),
    "adagrad.sum_not_returned": "the new sum_sq is used for the step, but the sum_sq passed in is returned unchanged",
    "adagrad.sqrt_returned": "sqrt(sum_sq) is returned as the new sum_sq (an in-place .sqrt_() on it?)",
    "adagrad.sign": "the step goes uphill (param + lr * grad / ... instead of param - ...)",
    "adagrad.lr_hardcoded": "the lr argument is ignored (lr hard-coded to 0.01)",
    "adagrad.eps_hardcoded": "the eps argument is ignored (eps hard-coded to 1e-10)",
}


def _nesterov(kind: str) -> Callable[..., Any]:
    def nesterov_update(param, grad, buf, lr=0.01, momentum=0.9):
        if kind == "momentum_hardcoded":
            momentum = 0.9
        if kind == "lr_hardcoded":
            lr = 0.01
        old = buf
        if kind == "cs231n":
            buf = momentum * buf - lr * grad
            return param - momentum * old + (1 + momentum) * buf, buf
        if kind == "ema_buffer":
            buf = momentum * buf + (1 - momentum) * grad
        elif kind == "lr_in_buffer":
            buf = momentum * buf + lr * grad
            return param - (lr * grad + momentum * buf), buf
        else:
            buf = momentum * buf + grad
        step = {
            "plain_momentum": lambda: buf,
            "lookahead_only": lambda: momentum * buf,
        }.get(kind, lambda: grad + momentum * buf)()
        return (param + lr * step if kind == "sign" else param - lr * step), (old if kind == "buf_not_returned" else buf)

    return nesterov_update


NESTEROV_MISTAKES = {
    "nesterov.plain_momentum": (
        "the look-ahead is dropped: the param moves by lr * buf (plain heavy-ball momentum; the same as using the old "
        "buffer in grad + momentum * buf) instead of lr * (grad + momentum * buf) with the updated buffer"
    ),
    "nesterov.ema_buffer": (
        "the buffer is an average, momentum * buf + (1 - momentum) * grad (optim_reg's form), instead of PyTorch's "
        "momentum * buf + grad"
    ),
    "nesterov.lookahead_only": "the step is lr * momentum * buf, without the gradient term of grad + momentum * buf",
    "nesterov.cs231n": (
        "the velocity form of CS231n and Keras is used (v = momentum * v - lr * grad, then param += -momentum * v_old + "
        "(1 + momentum) * v, or param += momentum * v - lr * grad): while lr stays the same it takes PyTorch's steps, "
        "but the buffer it returns (and reads back) is -lr times PyTorch's buf = momentum * buf + grad"
    ),
    "nesterov.lr_in_buffer": (
        "lr is folded into the buffer (buf = momentum * buf + lr * grad): the steps are right while lr stays the same, "
        "but the buffer returned is lr times PyTorch's"
    ),
    "nesterov.buf_not_returned": "the updated buffer is used for the step, but the buf passed in is returned unchanged",
    "nesterov.sign": "the step goes uphill (param + lr * (...) instead of param - lr * (...))",
    "nesterov.momentum_hardcoded": "the momentum argument is ignored (hard-coded to 0.9)",
    "nesterov.lr_hardcoded": "the lr argument is ignored (lr hard-coded to 0.01)",
}


def _slug(mistake_id: str) -> str:
    return mistake_id.partition(".")[2]


CHECKS = UpdateChecks(
    "update_function_runs",
    RULES,
    {**ADAGRAD_MISTAKES, **NESTEROV_MISTAKES},
    {
        "adagrad_update": {i: {"adagrad_update": _adagrad(_slug(i))} for i in ADAGRAD_MISTAKES},
        "nesterov_update": {i: {"nesterov_update": _nesterov(_slug(i))} for i in NESTEROV_MISTAKES},
    },
)
