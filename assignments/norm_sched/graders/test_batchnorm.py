"""Hidden graders of [batchnorm]: batchnorm_forward, batchnorm_backward and the BatchNorm1d module.

Oracle: torch.nn.BatchNorm1d / F.batch_norm: normalise with the batch's biased variance, update the running
variance with the unbiased one (running = (1 - momentum) * running + momentum * batch), eval mode uses the running
statistics and changes nothing; backward equal to autograd. The reference is checked against them to ~1e-15.

Probes (../probes/normalization.py): ``batchnorm_functions`` calls batchnorm_forward step after step, feeding back
the running statistics it returned, then batchnorm_backward on the last call's own cache (kept in the worker, so
any cache works); ``batchnorm_module`` drives a BatchNorm1d (training calls, running buffers read back after each,
autograd to x, weight and bias, eval mode, train again). Tolerances and known mistakes: mistakes_normalization.py.
Inputs: each feature with its own mean (-3..3) and scale (0.5..2); the eps tests add a constant feature and one of
std 1e-3, where eps inside or outside the root differs by ~1e-3 relative.
"""

from __future__ import annotations

from typing import Any

from assignments.norm_sched.graders.mistakes_normalization import BATCHNORM_VERSIONS, check
from autograder.grading.api import hidden, public

QUESTION = "batchnorm"
FORWARD_KEYS = ("out", "running_mean", "running_var")
BACKWARD_KEYS = ("dx", "dgamma", "dbeta")
MODULE_KEYS = ("new", "out", "running_mean", "running_var", "dx_autograd", "dweight", "dbias", "eval_flag", "eval",
               "after_eval", "train_flag")  # fmt: skip


def fwd(shape: list[int], seed: int, dtype: str = "float64", **extra: Any) -> dict[str, Any]:
    return {"shape": shape, "dtype": dtype, "seed": seed, **extra}


def mod(d: int, n: int, seed: int, steps: int, dtype: str = "float64", **extra: Any) -> dict[str, Any]:
    return {"D": d, "N": n, "dtype": dtype, "seed": seed, "steps": steps, **extra}


# Public cases (the notebook's checks run them too).
PUBLIC_FORWARD = [fwd([4, 3], 101, fresh=True), fwd([6, 2], 102, training=True, kwargs={"momentum": 0.3})]
PUBLIC_EVAL = [fwd([5, 3], 111, training=False)]
PUBLIC_BACKWARD = [fwd([4, 3], 121, backward=True), fwd([5, 2], 122, training=False, backward=True)]
PUBLIC_MODULE = [mod(3, 4, 131, 2, dtype="float32", eval=[4])]

# Hidden cases.
FORWARD = [fwd([2, 5], 201), fwd([64, 8], 202, kwargs={"momentum": 0.05, "eps": 1e-3}), fwd([4096, 4], 203),
           fwd([16, 1], 204, fresh=True), fwd([32, 6], 205, training=True)]  # fmt: skip
RUNNING = [fwd([16, 4], 211, steps=40, fresh=True), fwd([2, 3], 212, steps=30, kwargs={"momentum": 0.2}),
           fwd([256, 5], 213, steps=20, kwargs={"momentum": 0.01})]  # fmt: skip
EVAL = [fwd([1, 4], 221, training=False), fwd([64, 4], 222, training=False),
        fwd([8, 3], 223, training=False, kwargs={"eps": 1e-2, "momentum": 0.5}), fwd([16, 3], 224, steps=3,
        training=False)]  # fmt: skip
SMALL_VARIANCE = [fwd([32, 4], 231, tiny=True, backward=True), fwd([8, 3], 232, tiny=True, kwargs={"eps": 1e-3}),
                  fwd([2, 3], 233, tiny=True)]  # fmt: skip
BACKWARD = [fwd([2, 3], 241, backward=True), fwd([64, 8], 242, backward=True, kwargs={"eps": 1e-3}),
            fwd([512, 4], 243, backward=True), fwd([16, 1], 244, backward=True)]  # fmt: skip
BACKWARD_EVAL = [fwd([8, 3], 251, training=False, backward=True), fwd([1, 5], 252, training=False, backward=True)]
FLOAT32 = [fwd([128, 8], 261, "float32", steps=3, backward=True), fwd([2, 4], 262, "float32", backward=True),
           fwd([16, 4], 263, "float32", training=False, backward=True)]  # fmt: skip
MODULE_TRAIN = [mod(8, 32, 301, 30, affine=True), mod(4, 2, 302, 20, affine=True, kwargs={"momentum": 0.3, "eps": 1e-3}),
                mod(5, 2048, 303, 5, dtype="float32", affine=True)]  # fmt: skip
MODULE_EVAL = [mod(6, 16, 311, 10, affine=True, eval=[1, 7, 64]), mod(3, 2, 312, 4, dtype="float32", eval=[1, 2])]


def describe(case: dict[str, Any]) -> str:
    """The inputs of a function case in words (never an expected value)."""
    n, d = case["shape"]
    args = [f"x of shape ({n}, {d}), {case['dtype']}"]
    if "training" in case:
        args.append(f"training={case['training']}")
    args += [f"{k}={v}" for k, v in case.get("kwargs", {}).items()]
    what = f"batchnorm_forward({', '.join(args)})"
    if case.get("fresh"):
        what += " from running_mean = 0 and running_var = 1"
    if case.get("steps", 1) > 1:
        what += f", {case['steps']} calls in a row, each given the running statistics the previous one returned"
    if case.get("tiny"):
        what += ", one feature constant and one of std 1e-3"
    if case.get("backward"):
        what += ", then batchnorm_backward(grad_out, cache)"
    return what


def describe_module(case: dict[str, Any]) -> str:
    args = [str(case["D"])] + [f"{k}={v}" for k, v in case.get("kwargs", {}).items()]
    what = f"BatchNorm1d({', '.join(args)}) in {case['dtype']}"
    if case.get("affine"):
        what += " with weight and bias set to other values"
    what += f": {case['steps']} training-mode calls on x of shape ({case['N']}, {case['D']}), autograd after the last"
    if case.get("eval"):
        what += f", then .eval() and calls on {', '.join(str(m) for m in case['eval'])} rows, then .train()"
    return what


def check_functions(student: Any, reference: Any, cases: list[dict[str, Any]], keys: tuple[str, ...]) -> None:
    check(student, reference, "batchnorm_functions", cases, keys, describe, BATCHNORM_VERSIONS)


def check_module(student: Any, reference: Any, cases: list[dict[str, Any]]) -> None:
    check(student, reference, "batchnorm_module", cases, MODULE_KEYS, describe_module, BATCHNORM_VERSIONS)


@public(2)
def test_forward_training(student, reference):
    """batchnorm_forward in training mode: out and the updated running statistics (small float64 batches)"""
    check_functions(student, reference, PUBLIC_FORWARD, FORWARD_KEYS)


@public(1)
def test_forward_eval(student, reference):
    """batchnorm_forward with training=False normalises with the running statistics and leaves them unchanged"""
    check_functions(student, reference, PUBLIC_EVAL, FORWARD_KEYS)


@public(2)
def test_backward(student, reference):
    """batchnorm_backward on batchnorm_forward's cache gives autograd's dx, dgamma and dbeta (training and eval)"""
    check_functions(student, reference, PUBLIC_BACKWARD, FORWARD_KEYS + BACKWARD_KEYS)


@public(2)
def test_module(student, reference):
    """BatchNorm1d: a new module, two training-mode calls, its running buffers, autograd, eval mode and back"""
    check_module(student, reference, PUBLIC_MODULE)


@hidden(2)
def test_forward_shapes(student, reference):
    """batchnorm_forward in training mode: N = 2 to 4096, D = 1 to 8, other momentum and eps"""
    check_functions(student, reference, FORWARD, FORWARD_KEYS)


@hidden(2)
def test_running_statistics(student, reference):
    """batchnorm_forward's running statistics over 20 to 40 calls in a row, N = 2 to 256, momentum 0.01 to 0.2"""
    check_functions(student, reference, RUNNING, FORWARD_KEYS)


@hidden(1)
def test_eval_mode(student, reference):
    """batchnorm_forward with training=False: N = 1 to 64, other eps, repeated calls leave the statistics unchanged"""
    check_functions(student, reference, EVAL, FORWARD_KEYS)


@hidden(1)
def test_small_variance(student, reference):
    """batchnorm_forward and backward on a constant feature and one of std 1e-3, where the placement of eps matters"""
    check_functions(student, reference, SMALL_VARIANCE, FORWARD_KEYS + BACKWARD_KEYS)


@hidden(2)
def test_backward_training(student, reference):
    """batchnorm_backward in training mode: N = 2 to 512, D = 1 to 8 (autograd's dx, dgamma, dbeta)"""
    check_functions(student, reference, BACKWARD, FORWARD_KEYS + BACKWARD_KEYS)


@hidden(1)
def test_backward_eval(student, reference):
    """batchnorm_backward on an eval-mode cache (the statistics are constants there), N = 1 and 8"""
    check_functions(student, reference, BACKWARD_EVAL, FORWARD_KEYS + BACKWARD_KEYS)


@hidden(1)
def test_float32(student, reference):
    """batchnorm_forward and batchnorm_backward on float32 inputs, within float32 tolerance"""
    check_functions(student, reference, FLOAT32, FORWARD_KEYS + BACKWARD_KEYS)


@hidden(2)
def test_module_training(student, reference):
    """BatchNorm1d in training mode: 5 to 30 calls, N = 2 to 2048, float64 and float32, its own momentum and eps"""
    check_module(student, reference, MODULE_TRAIN)


@hidden(1)
def test_module_eval(student, reference):
    """BatchNorm1d after .eval(): the running statistics on 1 to 64 rows, buffers unchanged, then .train() again"""
    check_module(student, reference, MODULE_EVAL)
