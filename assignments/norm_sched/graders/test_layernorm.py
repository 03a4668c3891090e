"""Hidden graders of [layernorm]: layernorm_forward(x, gamma, beta, eps=1e-5), normalising over the last dimension.

Oracle: F.layer_norm(x, (D,), gamma, beta, eps) (the reference agrees to ~1e-15). Probe ``layernorm_cases``
(../probes/normalization.py): inputs whose every row (vector along the last dimension) has its own mean (-3..3) and
scale, so statistics over any other dimension give other values; 2-D to 4-D, D = 1 to 256. Tolerances and known
mistakes: mistakes_normalization.py. The eps tests add a constant row and one of std 1e-3.
"""

from __future__ import annotations

from typing import Any

from assignments.norm_sched.graders.mistakes_normalization import LAYERNORM_VERSIONS, check
from autograder.grading.api import hidden, public

QUESTION = "layernorm"
KEYS = ("out",)
GRAD_KEYS = ("out", "dx", "dgamma", "dbeta")


def case(shape: list[int], seed: int, dtype: str = "float64", **extra: Any) -> dict[str, Any]:
    return {"shape": shape, "dtype": dtype, "seed": seed, **extra}


PUBLIC_SMALL = [case([4, 5], 401), case([2, 3, 4], 402)]
PUBLIC_EPS = [case([3, 6], 403, kwargs={"eps": 1e-3})]
SHAPES = [case([3, 4, 8], 411), case([2, 3, 4, 5], 412), case([5, 1], 413), case([2, 256], 414),
          case([6, 6, 6], 415), case([1, 1, 7], 416, spread=100.0)]  # fmt: skip
SMALL_VARIANCE = [case([4, 16], 421, tiny=True), case([2, 3, 8], 422, tiny=True, kwargs={"eps": 1e-3})]
FLOAT32 = [case([8, 3, 32], 431, "float32"), case([4, 64], 432, "float32", spread=10.0)]
GRADIENTS = [case([4, 6], 441, grad=True), case([2, 3, 5], 442, grad=True, kwargs={"eps": 1e-3})]


def describe(spec: dict[str, Any]) -> str:
    args = [f"x of shape {tuple(spec['shape'])}, {spec['dtype']}", "gamma", "beta"]
    args += [f"{k}={v}" for k, v in spec.get("kwargs", {}).items()]
    what = f"layernorm_forward({', '.join(args)})"
    if spec.get("tiny"):
        what += " with one row constant and one of std 1e-3"
    if spec.get("grad"):
        what += ", autograd to x, gamma and beta"
    return what


def run(student: Any, reference: Any, cases: list[dict[str, Any]], keys: tuple[str, ...] = KEYS) -> None:
    check(student, reference, "layernorm_cases", cases, keys, describe, LAYERNORM_VERSIONS)


@public(2)
def test_small(student, reference):
    """layernorm_forward on 2-D and 3-D inputs normalises each vector along the last dimension, then gamma and beta"""
    run(student, reference, PUBLIC_SMALL)


@public(1)
def test_eps(student, reference):
    """layernorm_forward with eps=1e-3"""
    run(student, reference, PUBLIC_EPS)


@hidden(2)
def test_shapes(student, reference):
    """layernorm_forward on 2-D to 4-D inputs, D = 1 to 256, equal sizes on every dimension, large values"""
    run(student, reference, SHAPES)


@hidden(1)
def test_small_variance(student, reference):
    """layernorm_forward on a constant row and one of std 1e-3, where the placement of eps matters"""
    run(student, reference, SMALL_VARIANCE)


@hidden(1)
def test_float32(student, reference):
    """layernorm_forward on float32 inputs, within float32 tolerance"""
    run(student, reference, FLOAT32)


@hidden(1)
def test_gradients(student, reference):
    """Autograd through layernorm_forward gives F.layer_norm's gradients for x, gamma and beta"""
    run(student, reference, GRADIENTS, GRAD_KEYS)
