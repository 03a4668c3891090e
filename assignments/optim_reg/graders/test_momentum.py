"""[momentum] sgd_momentum_update (SPEC A2): velocity = beta * velocity + (1 - beta) * grad; param -= lr * velocity.

Checks and tolerances: see mistakes_optimizers.py. Every test feeds the returned velocity back in, step after step.
"""

from assignments.optim_reg.graders.mistakes_optimizers import check_runs, run
from autograder.grading.api import hidden, public

QUESTION = "momentum"
FUNCTION = "sgd_momentum_update"

ONE_STEP = [
    run((5,), 1, seed=101),
    run((2, 3), 1, seed=102, param0="normal"),
]
# A few steps with other lr and beta from a nonzero velocity: what the notebook's public check runs too.
FEW_STEPS = [run((2, 3), 4, seed=1101, hyper={"lr": 0.05, "beta": 0.7}, param0="normal", state0="random")]
# float64 trajectories (runs 0-3, graded by one test) and float32 runs (4-6, graded by another, in its own call).
MAIN = [
    run((3, 4), 60, seed=111, param0="normal"),
    run((6,), 60, seed=112, hyper={"lr": 0.05, "beta": 0.5}, param0="normal"),
    run((2, 3, 2, 2), 40, seed=113, hyper={"lr": 0.2, "beta": 0.99}, param0="normal"),
    run((), 30, seed=114, hyper={"lr": 0.1, "beta": 0.0}, param0="normal"),
    run((4, 5), 60, seed=115, dtype="float32", param0="normal"),
    run((2, 3, 3, 3), 40, seed=116, dtype="float32", hyper={"lr": 0.05, "beta": 0.8}, param0="normal"),
    run((), 20, seed=117, dtype="float32", param0="normal"),
]
PRELOADED = [
    run((5,), 20, seed=121, param0="normal", state0="random", zero_grad=[0, 3]),
    run((3, 3), 20, seed=122, hyper={"lr": 0.05, "beta": 0.7}, param0="normal", state0="random", zero_grad=[4]),
]


@public(2)
def test_one_step(student, reference):
    """sgd_momentum_update: one step from zero velocity (float64, default lr and beta) returns the right (param, velocity)"""
    check_runs(student, reference, FUNCTION, ONE_STEP)


@public(2)
def test_few_steps(student, reference):
    """sgd_momentum_update: four steps from a nonzero velocity with lr=0.05, beta=0.7, feeding back what it returns"""
    check_runs(student, reference, FUNCTION, FEW_STEPS)


@hidden(2)
def test_trajectories(student, reference):
    """sgd_momentum_update: 30-60 step float64 trajectories, scalar to 4-D, default and other lr and beta"""
    check_runs(student, reference, FUNCTION, MAIN, only=range(4))


@hidden(1)
def test_nonzero_velocity(student, reference):
    """sgd_momentum_update: starting from a nonzero velocity, with some gradients exactly 0"""
    check_runs(student, reference, FUNCTION, PRELOADED)


@hidden(1)
def test_float32(student, reference):
    """sgd_momentum_update: float32 inputs (scalar to 4-D), within float32 tolerance"""
    check_runs(student, reference, FUNCTION, MAIN, only=range(4, 7))
