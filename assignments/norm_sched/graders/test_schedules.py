"""[schedules] step_lr, cosine_lr and warmup_cosine_lr: the learning rate (a float) at the 0-based step.

StepLR: base_lr * gamma ** (step // step_size). Cosine annealing: min_lr + (base_lr - min_lr) * (1 + cos(pi * step /
total_steps)) / 2, min_lr from total_steps on. Warm-up: base_lr * step / warmup_steps before warmup_steps, then the
cosine over the remaining total_steps - warmup_steps steps. Every test calls the function at every step of its runs,
from step 0 to past the end; checks and known mistakes: mistakes_schedules.py.
"""

from assignments.norm_sched.graders.mistakes_schedules import check_schedule, schedule_run
from autograder.grading.api import hidden, public

QUESTION = "schedules"

STEP_PUBLIC = [schedule_run("step_lr", [0.1, 4], (0, 12), gamma=0.5)]
COSINE_PUBLIC = [schedule_run("cosine_lr", [0.1, 10], (0, 12))]
WARMUP_PUBLIC = [schedule_run("warmup_cosine_lr", [0.1, 3, 10], (0, 12))]
STEP = [
    schedule_run("step_lr", [0.1, 30], (0, 200)),
    schedule_run("step_lr", [1.0, 7], (0, 60), gamma=0.5),
    schedule_run("step_lr", [0.05, 1], (0, 40), gamma=0.9),
]
COSINE = [
    schedule_run("cosine_lr", [0.1, 100], (0, 150)),
    schedule_run("cosine_lr", [1.0, 37], (0, 60), min_lr=0.01),
    schedule_run("cosine_lr", [0.5, 1], (0, 3)),
    schedule_run("cosine_lr", [2.0, 250], (0, 300), min_lr=0.5),
]
WARMUP = [
    schedule_run("warmup_cosine_lr", [0.1, 10, 100], (0, 130)),
    schedule_run("warmup_cosine_lr", [0.5, 7, 40], (0, 50), min_lr=0.05),
    schedule_run("warmup_cosine_lr", [0.02, 25, 300], (0, 320), min_lr=0.001),
    schedule_run("warmup_cosine_lr", [1.0, 1, 5], (0, 7)),
]
NO_WARMUP = [schedule_run("warmup_cosine_lr", [1.0, 0, 50], (0, 60)), schedule_run("warmup_cosine_lr", [0.3, 0, 9], (0, 12), min_lr=0.1)]


@public(1)
def test_step_lr_public(student, reference):
    """step_lr(step, 0.1, 4, gamma=0.5) at steps 0 to 12"""
    check_schedule(student, reference, STEP_PUBLIC)


@public(1)
def test_cosine_lr_public(student, reference):
    """cosine_lr(step, 0.1, 10) at steps 0 to 12 (past total_steps)"""
    check_schedule(student, reference, COSINE_PUBLIC)


@public(2)
def test_warmup_cosine_lr_public(student, reference):
    """warmup_cosine_lr(step, 0.1, 3, 10) at steps 0 to 12: the warm-up from 0, its end, the cosine and after it"""
    check_schedule(student, reference, WARMUP_PUBLIC)


@hidden(2)
def test_step_lr(student, reference):
    """step_lr over long runs (200 steps), at and around every boundary, default and other gamma, step_size 1"""
    check_schedule(student, reference, STEP)


@hidden(3)
def test_cosine_lr(student, reference):
    """cosine_lr over long runs, min_lr > 0, total_steps 1, and steps after total_steps"""
    check_schedule(student, reference, COSINE)


@hidden(2)
def test_warmup_cosine_lr(student, reference):
    """warmup_cosine_lr over long runs: step 0, the end of the warm-up, min_lr > 0, steps after total_steps"""
    check_schedule(student, reference, WARMUP)


@hidden(1)
def test_no_warmup(student, reference):
    """warmup_cosine_lr with warmup_steps = 0 is the cosine schedule (no division by zero)"""
    check_schedule(student, reference, NO_WARMUP)
