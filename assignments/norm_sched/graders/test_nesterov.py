"""[nesterov] nesterov_update(param, grad, buf, lr=0.01, momentum=0.9) -> (param, buf), the step of
torch.optim.SGD(momentum=momentum, nesterov=True): buf = momentum * buf + grad; param -= lr * (grad + momentum * buf).

Checks, tolerances and known mistakes: mistakes_updates.py. Every test feeds the returned buf back in, step after step.
"""

from assignments.norm_sched.graders.mistakes_updates import CHECKS
from autograder.grading.api import hidden, public
from autograder.grading.updates import run

QUESTION = "nesterov"
FUNCTION = "nesterov_update"

ONE_STEP = [run((5,), 1, seed=601), run((2, 3), 1, seed=602, param0="normal")]
# A few steps with other lr and momentum from a nonzero buffer: the notebook's public check runs them too.
FEW_STEPS = [run((2, 3), 4, seed=1601, hyper={"lr": 0.05, "momentum": 0.7}, param0="normal", state0="random")]
# float64 trajectories (runs 0-3) and float32 runs (4-6), each group graded by its own test and probe call.
MAIN = [
    run((3, 4), 60, seed=611, param0="normal"),
    run((6,), 60, seed=612, hyper={"lr": 0.05, "momentum": 0.5}, param0="normal"),
    run((2, 3, 2, 2), 40, seed=613, hyper={"lr": 0.2, "momentum": 0.99}, param0="normal"),
    run((), 30, seed=614, hyper={"lr": 0.1, "momentum": 0.0}, param0="normal"),
    run((4, 5), 60, seed=615, dtype="float32", param0="normal"),
    run((2, 3, 3, 3), 40, seed=616, dtype="float32", hyper={"lr": 0.05, "momentum": 0.8}, param0="normal"),
    run((), 20, seed=617, dtype="float32", param0="normal", state0="random"),
]
PRELOADED = [
    run((5,), 20, seed=621, param0="normal", state0="random", zero_grad=[0, 3]),
    run((3, 3), 20, seed=622, hyper={"lr": 0.05, "momentum": 0.7}, param0="normal", state0="random", zero_grad=[4]),
]


@public(1)
def test_one_step(student, reference):
    """nesterov_update: one step from a zero buffer (float64, default lr and momentum) returns the right (param, buf)"""
    CHECKS.check_runs(student, reference, FUNCTION, ONE_STEP)


@public(2)
def test_few_steps(student, reference):
    """nesterov_update: four steps from a nonzero buffer with lr=0.05, momentum=0.7, feeding back what it returns"""
    CHECKS.check_runs(student, reference, FUNCTION, FEW_STEPS)


@hidden(3)
def test_trajectories(student, reference):
    """nesterov_update: 30-60 step float64 trajectories, scalar to 4-D, momentum from 0 to 0.99"""
    CHECKS.check_runs(student, reference, FUNCTION, MAIN, only=range(4))


@hidden(1)
def test_nonzero_buffer(student, reference):
    """nesterov_update: starting from a nonzero buffer, with some gradients exactly 0"""
    CHECKS.check_runs(student, reference, FUNCTION, PRELOADED)


@hidden(1)
def test_float32(student, reference):
    """nesterov_update: float32 inputs (scalar to 4-D), within float32 tolerance"""
    CHECKS.check_runs(student, reference, FUNCTION, MAIN, only=range(4, 7))
