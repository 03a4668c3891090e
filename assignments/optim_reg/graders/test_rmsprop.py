"""[rmsprop] rmsprop_update (SPEC A3): square_avg = alpha * square_avg + (1 - alpha) * grad**2;
param -= lr * grad / (sqrt(square_avg) + eps), eps outside the root.

Checks and tolerances: see mistakes_optimizers.py. Every test feeds the returned square_avg back in, step after step.
"""

from assignments.optim_reg.graders.mistakes_optimizers import TINY, check_runs, run
from autograder.grading.api import hidden, public

QUESTION = "rmsprop"
FUNCTION = "rmsprop_update"

ONE_STEP = [
    run((5,), 1, seed=201),
    run((2, 3), 1, seed=202, param0="normal"),
]
# A few steps with other lr and alpha, and a few with tiny gradients: what the notebook's public check runs too.
FEW_STEPS = [
    run((2, 3), 4, seed=1201, hyper={"lr": 0.05, "alpha": 0.9}, param0="normal"),
    run((4,), 3, seed=1202, grad_scales=TINY, zero_grad=[3]),
]
# float64 trajectories (runs 0-3, graded by one test) and float32 runs (4-6, graded by another, in its own call).
MAIN = [
    run((3, 4), 60, seed=211, param0="normal", zero_grad=[0]),
    run((6,), 60, seed=212, hyper={"lr": 0.05, "alpha": 0.9}, param0="normal"),
    run((2, 3, 2, 2), 40, seed=213, hyper={"lr": 0.02, "alpha": 0.5}, param0="normal"),
    run((), 30, seed=214, param0="normal", state0="random"),
    run((4, 5), 60, seed=215, dtype="float32", param0="normal", zero_grad=[3]),
    run((2, 3, 3, 3), 40, seed=216, dtype="float32", hyper={"lr": 0.05, "alpha": 0.9}, param0="normal"),
    run((), 20, seed=217, dtype="float32", param0="normal", state0="random"),
]
# Gradients of size 1e-4 to 1e-6, where eps is not negligible next to sqrt(square_avg).
TINY_GRADIENTS = [
    run((6,), 20, seed=221, grad_scales=TINY),
    run((6,), 20, seed=222, grad_scales=TINY, hyper={"lr": 0.05, "alpha": 0.9, "eps": 1e-6}),
    run((2, 2), 20, seed=223, grad_scales=TINY, param0="normal", state0="random"),
]


@public(2)
def test_one_step(student, reference):
    """rmsprop_update: one step from zero square_avg (float64, default hyper-parameters) returns the right (param, square_avg)"""
    check_runs(student, reference, FUNCTION, ONE_STEP)


@public(2)
def test_few_steps(student, reference):
    """rmsprop_update: a few steps with lr=0.05, alpha=0.9, and a few with tiny gradients (1e-4 to 1e-6), feeding back what it returns"""
    check_runs(student, reference, FUNCTION, FEW_STEPS)


@hidden(2)
def test_trajectories(student, reference):
    """rmsprop_update: 30-60 step float64 trajectories, scalar to 4-D, default and other lr and alpha"""
    check_runs(student, reference, FUNCTION, MAIN, only=range(4))


@hidden(2)
def test_tiny_gradients(student, reference):
    """rmsprop_update: tiny gradients (1e-4 to 1e-6), where the placement of eps matters"""
    check_runs(student, reference, FUNCTION, TINY_GRADIENTS)


@hidden(2)
def test_float32(student, reference):
    """rmsprop_update: float32 inputs (scalar to 4-D), within float32 tolerance"""
    check_runs(student, reference, FUNCTION, MAIN, only=range(4, 7))
