"""A test-only assignment whose probes call one function of the namespace: the worker and forbidden-call tests
probe through it, the way the graders of a real assignment do. It forbids what optim_reg forbids."""

from assignments.optim_reg import ASSIGNMENT as OPTIM_REG
from autograder.assignment import Assignment

ASSIGNMENT = Assignment(
    __name__, questions={"adam": ("adam_update",)}, warm_up=("torch",), forbidden=OPTIM_REG.forbidden
)
