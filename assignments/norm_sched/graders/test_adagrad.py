"""[adagrad] adagrad_update(param, grad, sum_sq, lr=0.01, eps=1e-10) -> (param, sum_sq), torch.optim.Adagrad's step:
sum_sq += grad**2; param -= lr * grad / (sqrt(sum_sq) + eps).

Checks, tolerances and known mistakes: mistakes_updates.py. Every test feeds the returned sum_sq back in, step after
step.
"""

from assignments.norm_sched.graders.mistakes_updates import CHECKS
from autograder.grading.api import hidden, public
from autograder.grading.updates import TINY, run

QUESTION = "adagrad"
FUNCTION = "adagrad_update"

ONE_STEP = [run((5,), 1, seed=501), run((2, 3), 1, seed=502, param0="normal")]
# A few steps with another lr from a nonzero sum_sq, and a few with tiny gradients: the notebook's public check too.
FEW_STEPS = [
    run((2, 3), 4, seed=1501, hyper={"lr": 0.1}, param0="normal", state0="random"),
    run((4,), 3, seed=1502, grad_scales=TINY, zero_grad=[3]),
]
# float64 trajectories (runs 0-3) and float32 runs (4-6), each group graded by its own test and probe call.
MAIN = [
    run((3, 4), 60, seed=511, param0="normal", zero_grad=[0]),
    run((6,), 60, seed=512, hyper={"lr": 0.5}, param0="normal"),
    run((2, 3, 2, 2), 40, seed=513, hyper={"lr": 0.05, "eps": 1e-6}, param0="normal", state0="random"),
    run((), 30, seed=514, hyper={"lr": 1.0}, param0="normal"),
    run((4, 5), 60, seed=515, dtype="float32", param0="normal", zero_grad=[3]),
    run((2, 3, 3, 3), 40, seed=516, dtype="float32", hyper={"lr": 0.1}, param0="normal"),
    run((), 20, seed=517, dtype="float32", param0="normal", state0="random"),
]
# Gradients of size 1e-4 to 1e-6, where eps is not negligible next to sqrt(sum_sq).
TINY_GRADIENTS = [
    run((6,), 20, seed=521, grad_scales=TINY),
    run((6,), 20, seed=522, grad_scales=TINY, hyper={"lr": 0.05, "eps": 1e-8}),
    run((2, 2), 20, seed=523, grad_scales=TINY, param0="normal", state0="random"),
]


@public(1)
def test_one_step(student, reference):
    """adagrad_update: one step from zero sum_sq (float64, default lr and eps) returns the right (param, sum_sq)"""
    CHECKS.check_runs(student, reference, FUNCTION, ONE_STEP)


@public(2)
def test_few_steps(student, reference):
    """adagrad_update: a few steps with lr=0.1 from a nonzero sum_sq, and a few with tiny gradients, feeding back what it returns"""
    CHECKS.check_runs(student, reference, FUNCTION, FEW_STEPS)


@hidden(2)
def test_trajectories(student, reference):
    """adagrad_update: 30-60 step float64 trajectories, scalar to 4-D, default and other lr and eps"""
    CHECKS.check_runs(student, reference, FUNCTION, MAIN, only=range(4))


@hidden(2)
def test_tiny_gradients(student, reference):
    """adagrad_update: tiny gradients (1e-4 to 1e-6), where the placement of eps matters"""
    CHECKS.check_runs(student, reference, FUNCTION, TINY_GRADIENTS)


@hidden(1)
def test_float32(student, reference):
    """adagrad_update: float32 inputs (scalar to 4-D), within float32 tolerance"""
    CHECKS.check_runs(student, reference, FUNCTION, MAIN, only=range(4, 7))
