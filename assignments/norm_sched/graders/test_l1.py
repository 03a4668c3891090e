"""[l1] l1_penalty(params, lam) = lam * sum |w| over every entry of every tensor, a differentiable 0-dim tensor (autograd
gives lam * sign(w), 0 at w = 0); prox_l1(w, threshold) = sign(w) * max(|w| - threshold, 0) (soft thresholding).
Checks, tolerances and known mistakes: mistakes_l1.py.
"""

from assignments.norm_sched.graders.mistakes_l1 import check_penalty_gradient, check_penalty_value, check_prox, penalty_case, prox_case
from autograder.grading.api import hidden, public

QUESTION = "l1"

SHAPES = [[64, 32], [32], [4, 3, 5, 5], []]
PUBLIC_PENALTY = [penalty_case([[2, 2], [3]], 0.1, 801, zeros=3)]
PENALTY = [
    penalty_case(SHAPES, 0.0123, 811, dtype="float32", zeros=5),
    penalty_case(SHAPES, 0.5, 812, zeros=4),
    penalty_case(SHAPES, 3.0, 813, dtype="float32"),
    penalty_case([[7], [2, 3]], 1e-3, 814, zeros=2),
]
PUBLIC_PROX = [prox_case([10], 0.5, 821, values=[0.5, -0.5, 0.0, 0.2, -0.3, 1.5, -2.0, 0.75, -0.875, 0.5])]
PROX = [
    prox_case([50, 20], 0.5, 831, values=[0.5, -0.5, 0.25, -0.25, 0.0, 0.75, -1.0], zeros=7),
    prox_case([4, 3, 5], 0.25, 832, dtype="float32", values=[0.25, -0.25, 0.0, 0.125], zeros=11),
    prox_case([200], 1e-3, 833, scale=2e-3, values=[1e-3, -1e-3]),
]
PROX_EDGES = [
    prox_case([30], 10.0, 841),  # threshold larger than every |w|: all exactly 0
    prox_case([6, 5], 0.0, 842, zeros=3),  # threshold 0: w unchanged
    prox_case([], 0.5, 843, values=[-0.3]),  # 0-dim
    prox_case([], 0.5, 844, values=[2.0]),
    prox_case([3, 3, 3], 1.5, 845, dtype="float32", scale=2.0, values=[1.5, -1.5]),
]


@public(1)
def test_penalty_public(student):
    """l1_penalty returns the 0-dim tensor lam * sum |w| for a 2x2 and a 3-element tensor (with zeros)"""
    check_penalty_value(student, PUBLIC_PENALTY, zero_dim=True)


@public(1)
def test_penalty_gradient_public(student):
    """Autograd through l1_penalty gives lam * sign(w), and 0 where w = 0, for the public tensors"""
    check_penalty_gradient(student, PUBLIC_PENALTY)


@public(2)
def test_prox_public(student):
    """prox_l1 of 10 values with |w| below, at and above threshold=0.5: shrunk by 0.5 or exactly 0"""
    check_prox(student, PUBLIC_PROX)


@hidden(2)
def test_penalty_value(student):
    """l1_penalty of tensors of shapes (64, 32), (32,), (4, 3, 5, 5), () (float32 and float64, lam 1e-3 to 3)"""
    check_penalty_value(student, PENALTY, zero_dim=False)


@hidden(2)
def test_penalty_gradient(student):
    """Autograd through l1_penalty gives lam * sign(w) for every tensor, 0 at the entries that are exactly 0"""
    check_penalty_gradient(student, PENALTY)


@hidden(1)
def test_prox(student):
    """prox_l1 on 1000 entries, float32, and small thresholds: |w| below, at and above threshold"""
    check_prox(student, PROX)


@hidden(1)
def test_prox_edges(student):
    """prox_l1 with a threshold above every |w| (all 0), threshold 0 (unchanged), 0-dim tensors"""
    check_prox(student, PROX_EDGES)
