"""[adam] adam_update (SPEC A4): bias-corrected Adam, eps added to sqrt(v_hat), t the 1-based step number.

Checks and tolerances: see mistakes_optimizers.py. Every test feeds the returned m and v back in, step after step.
The 'epsilon hat' form (eps added to sqrt(v) before bias correction, as in Keras) differs from SPEC only at tiny
gradients, so only test_tiny_gradients fails it.
"""

from assignments.optim_reg.graders.mistakes_optimizers import TINY, check_runs
from assignments.optim_reg.graders.mistakes_optimizers import adam_run as run
from autograder.grading.api import hidden, public

QUESTION = "adam"
FUNCTION = "adam_update"

ONE_STEP = [
    run((5,), 1, seed=301),
    run((2, 3), 1, seed=302, param0="normal"),
]
# A few steps with other hyper-parameters from t=3 and nonzero m and v, and a few with tiny gradients: what the
# notebook's public check runs too.
FEW_STEPS = [
    run((2, 3), 4, seed=1301, t0=3, hyper={"lr": 0.01, "beta1": 0.8, "beta2": 0.95}, param0="normal", state0="random"),
    run((4,), 3, seed=1302, grad_scales=TINY, zero_grad=[3]),
]
# float64 trajectories (runs 0-3, graded by one test) and float32 runs (4-6, graded by another, in its own call).
MAIN = [
    run((3, 4), 60, seed=311, param0="normal", zero_grad=[0]),
    run((6,), 60, seed=312, hyper={"lr": 0.05, "beta1": 0.5, "beta2": 0.9}, param0="normal"),
    run((2, 3, 2, 2), 40, seed=313, hyper={"lr": 0.01, "beta1": 0.8, "beta2": 0.99}, param0="normal"),
    run((), 30, seed=314, param0="normal"),
    run((4, 5), 60, seed=315, dtype="float32", param0="normal", zero_grad=[3]),
    run((2, 3, 3, 3), 40, seed=316, dtype="float32", hyper={"lr": 0.05, "beta1": 0.5, "beta2": 0.9}, param0="normal"),
    run((), 20, seed=317, dtype="float32", param0="normal"),
]
# Resuming at t = 5 (or 100) with nonzero m and v: catches an off-by-one step number.
PRELOADED = [
    run((5,), 20, seed=321, t0=5, param0="normal", state0="random"),
    run((3, 3), 20, seed=322, t0=5, hyper={"lr": 0.05, "beta1": 0.5, "beta2": 0.9}, param0="normal", state0="random"),
    run((4,), 10, seed=323, t0=100, param0="normal", state0="random"),
]
# Gradients of size 1e-4 to 1e-6, where eps is not negligible next to sqrt(v_hat).
TINY_GRADIENTS = [
    run((6,), 20, seed=331, grad_scales=TINY),
    run((6,), 20, seed=332, grad_scales=TINY, hyper={"lr": 0.05, "beta1": 0.5, "beta2": 0.9, "eps": 1e-6}),
    run((2, 2), 20, seed=333, t0=5, grad_scales=TINY, param0="normal", state0="random"),
]


@public(2)
def test_one_step(student, reference):
    """adam_update: one step from zero m and v at t=1 (float64, default hyper-parameters) returns the right (param, m, v)"""
    check_runs(student, reference, FUNCTION, ONE_STEP)


@public(3)
def test_few_steps(student, reference):
    """adam_update: a few steps from t=3 with lr=0.01, beta1=0.8, beta2=0.95, and a few with tiny gradients (1e-4 to 1e-6)"""
    check_runs(student, reference, FUNCTION, FEW_STEPS)


@hidden(3)
def test_trajectories(student, reference):
    """adam_update: 30-60 step float64 trajectories, scalar to 4-D, default and other lr, beta1 and beta2"""
    check_runs(student, reference, FUNCTION, MAIN, only=range(4))


@hidden(3)
def test_resume_at_later_step(student, reference):
    """adam_update: resuming at t=5 and t=100 with nonzero m and v"""
    check_runs(student, reference, FUNCTION, PRELOADED)


@hidden(3)
def test_tiny_gradients(student, reference):
    """adam_update: tiny gradients (1e-4 to 1e-6), where the placement of eps matters"""
    check_runs(student, reference, FUNCTION, TINY_GRADIENTS)


@hidden(1)
def test_float32(student, reference):
    """adam_update: float32 inputs (scalar to 4-D), within float32 tolerance"""
    check_runs(student, reference, FUNCTION, MAIN, only=range(4, 7))
