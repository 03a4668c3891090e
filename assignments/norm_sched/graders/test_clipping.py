"""[clipping] clip_grad_norm(grads, max_norm) -> (clipped, total_norm): every gradient scaled by one coefficient,
min(max_norm / (total_norm + 1e-6), 1), total_norm being the global L2 norm of all of them before clipping
(torch.nn.utils.clip_grad_norm_). Checks, tolerances and known mistakes: mistakes_clipping.py.
"""

from assignments.norm_sched.graders.mistakes_clipping import check_clipping, clip_case
from autograder.grading.api import hidden, public

QUESTION = "clipping"

MANY_SHAPES = [[], [1], [5], [3, 4], [2, 3, 2, 2], [64], [7, 1], [2, 2, 2]] * 5  # 40 tensors
PUBLIC_ABOVE = [clip_case([[3], [2, 2], []], 701, 1.0)]
PUBLIC_BELOW = [clip_case([[4], [2, 3]], 702, 5.0, scale=0.1)]
MANY = [
    clip_case(MANY_SHAPES, 711, 2.0),
    clip_case(MANY_SHAPES, 712, 0.5, scale=3.0),
    clip_case([[10, 10], [2]], 713, 4.0, scale=0.01),  # below the threshold
    clip_case([[50], [3]], 714, 1.0),
]
SMALL_NORMS = [clip_case([[5], [3, 3]], 721, 2e-4, scale=1e-4), clip_case(MANY_SHAPES[:8], 722, 1e-5, scale=1e-5)]
AT_AND_ZERO = [clip_case([[6], [2, 2]], 731, "at"), clip_case([[3], [2]], 732, 1.0, scale=0.0),
               clip_case(MANY_SHAPES[:8], 733, "at", scale=0.3), clip_case([[4], [3]], 734, "at", scale=4e-6),
               clip_case([[5], [5]], 735, 1.0), clip_case([[5], [3, 3]], 736, 2e-4, scale=1e-4)]  # fmt: skip
FLOAT32 = [clip_case(MANY_SHAPES, 741, 1.0, dtype="float32"), clip_case([[4], [3, 3]], 742, 10.0, dtype="float32"),
           clip_case([[5], [2, 2]], 743, 2e-4, dtype="float32", scale=1e-4)]  # fmt: skip
LARGE = [clip_case([[8], [4, 4], [3, 2, 2]], 751, 1.0, scale=100.0), clip_case([[1000]], 752, 5.0)]


@public(2)
def test_above_threshold(student, reference):
    """clip_grad_norm scales a (3,), a (2, 2) and a 0-dim tensor down to global norm max_norm and returns their norm"""
    check_clipping(student, reference, PUBLIC_ABOVE)


@public(1)
def test_below_threshold(student, reference):
    """clip_grad_norm leaves gradients whose global norm is below max_norm unchanged, and returns their norm"""
    check_clipping(student, reference, PUBLIC_BELOW)


@hidden(2)
def test_many_tensors(student, reference):
    """40 tensors of 8 shapes (0-dim to 4-D) clipped by one global norm; below the threshold nothing changes"""
    check_clipping(student, reference, MANY)


@hidden(2)
def test_small_norms(student, reference):
    """Gradients of size 1e-4 and 1e-5, where the 1e-6 in max_norm / (total_norm + 1e-6) matters"""
    check_clipping(student, reference, SMALL_NORMS)


@hidden(1)
def test_at_threshold_and_zero(student, reference):
    """Global norm exactly max_norm (near 1, and 1e-5 where the 1e-6 makes the coefficient 0.91), and all-zero gradients"""
    check_clipping(student, reference, AT_AND_ZERO)


@hidden(1)
def test_float32(student, reference):
    """float32 gradients, within float32 tolerance"""
    check_clipping(student, reference, FLOAT32)


@hidden(1)
def test_total_norm(student, reference):
    """total_norm is the norm before clipping, for gradients 100 times larger than max_norm and one long vector"""
    check_clipping(student, reference, LARGE)
