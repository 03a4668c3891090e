"""[adamw] adamw_update (SPEC A5): Adam's step plus decoupled weight decay lr * weight_decay * param_before.

Checks and tolerances: see mistakes_optimizers.py. Every test feeds the returned m and v back in, step after step.
lr=0.1 with weight_decay=0.5 makes the order of decay and step visible (decay on the updated param is off by
lr**2 * weight_decay * step).
"""

from assignments.optim_reg.graders.mistakes_optimizers import TINY, check_runs
from assignments.optim_reg.graders.mistakes_optimizers import adam_run as run
from autograder.grading.api import hidden, public

QUESTION = "adamw"
FUNCTION = "adamw_update"

ONE_STEP = [
    run((5,), 1, seed=401, param0="normal"),
    run((2, 3), 1, seed=402),
]
# A few steps with lr=0.1, weight_decay=0.5 (where the order of decay and step shows), and a few with tiny gradients:
# what the notebook's public check runs too.
FEW_STEPS = [
    run((2, 3), 4, seed=1401, hyper={"lr": 0.1, "weight_decay": 0.5}, param0="normal"),
    run((4,), 3, seed=1402, grad_scales=TINY, param0="normal", zero_grad=[3]),
]
# float64 trajectories (runs 0-3, graded by one test) and float32 runs (4-6, graded by another, in its own call).
MAIN = [
    run((3, 4), 60, seed=411, param0="normal", zero_grad=[0]),
    run((6,), 60, seed=412, hyper={"lr": 0.1, "weight_decay": 0.5}, param0="normal"),
    run(
        (2, 3, 2, 2), 40, seed=413, hyper={"lr": 0.05, "beta1": 0.5, "beta2": 0.9, "weight_decay": 0.1}, param0="normal"
    ),
    run((), 30, seed=414, param0="normal"),
    run((4, 5), 60, seed=415, dtype="float32", param0="normal", zero_grad=[3]),
    run((2, 3, 3, 3), 40, seed=416, dtype="float32", hyper={"lr": 0.1, "weight_decay": 0.5}, param0="normal"),
    run((), 20, seed=417, dtype="float32", param0="normal"),
]
# Resuming at t = 5 with nonzero m and v: catches an off-by-one step number.
PRELOADED = [
    run((5,), 20, seed=421, t0=5, param0="normal", state0="random"),
    run(
        (3, 3),
        20,
        seed=422,
        t0=5,
        hyper={"lr": 0.1, "beta1": 0.5, "beta2": 0.9, "weight_decay": 0.5},
        param0="normal",
        state0="random",
    ),
]
# Gradients of size 1e-4 to 1e-6, where eps is not negligible next to sqrt(v_hat).
TINY_GRADIENTS = [
    run((6,), 20, seed=431, grad_scales=TINY, param0="normal"),
    run((6,), 20, seed=432, grad_scales=TINY, hyper={"lr": 0.1, "weight_decay": 0.5, "eps": 1e-6}, param0="normal"),
]


@public(2)
def test_one_step(student, reference):
    """adamw_update: one step from zero m and v at t=1 (float64, default hyper-parameters) returns the right (param, m, v)"""
    check_runs(student, reference, FUNCTION, ONE_STEP)


@public(3)
def test_few_steps(student, reference):
    """adamw_update: a few steps with lr=0.1, weight_decay=0.5, and a few with tiny gradients (1e-4 to 1e-6)"""
    check_runs(student, reference, FUNCTION, FEW_STEPS)


@hidden(2)
def test_trajectories(student, reference):
    """adamw_update: 30-60 step float64 trajectories, scalar to 4-D, default and other lr, betas and weight_decay"""
    check_runs(student, reference, FUNCTION, MAIN, only=range(4))


@hidden(1)
def test_resume_at_later_step(student, reference):
    """adamw_update: resuming at t=5 with nonzero m and v"""
    check_runs(student, reference, FUNCTION, PRELOADED)


@hidden(1)
def test_tiny_gradients(student, reference):
    """adamw_update: tiny gradients (1e-4 to 1e-6), where the placement of eps matters"""
    check_runs(student, reference, FUNCTION, TINY_GRADIENTS)


@hidden(1)
def test_float32(student, reference):
    """adamw_update: float32 inputs (scalar to 4-D), within float32 tolerance"""
    check_runs(student, reference, FUNCTION, MAIN, only=range(4, 7))
