"""The reference solutions of norm_sched (solutions/norm_sched.py, generated from notebook.md's reference cells) agree
with their PyTorch oracles in float64 to rounding (oracles.py), and every oracle check catches the realistic mistakes
it is written for (mistaken.py): a check that passed a mistake would prove nothing about the reference.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import pytest

from tests.assignments.norm_sched import mistaken
from tests.assignments.norm_sched.oracles import CHECKS, check_batchnorm_forward, check_batchnorm_running_statistics

ALL_CHECKS = [check for checks in CHECKS.values() for check in checks]
CAUGHT = [(m, check) for m in mistaken.MISTAKES for check in m.fails]


@pytest.mark.parametrize("check", ALL_CHECKS, ids=[c.__name__ for c in ALL_CHECKS])
def test_reference_passes(check: Callable[[SimpleNamespace], None]) -> None:
    check(mistaken.reference())


@pytest.mark.parametrize(("mistake", "check"), CAUGHT, ids=[f"{m.name}-{c.__name__}" for m, c in CAUGHT])
def test_mistake_is_caught(mistake: mistaken.Mistake, check: Callable[[SimpleNamespace], None]) -> None:
    with pytest.raises(AssertionError):
        check(mistake.impl())


def test_batchnorm_mistakes_are_one_change_from_a_forward_that_passes() -> None:
    """The batchnorm mistakes are built by one factory; with the right pieces it passes, so each failure is its
    one changed piece's."""
    impl = SimpleNamespace(**{**vars(mistaken.reference()), "batchnorm_forward": mistaken.BN_CORRECT})
    check_batchnorm_forward(impl)
    check_batchnorm_running_statistics(impl)


def test_every_check_catches_some_mistake_and_every_question_has_mistakes() -> None:
    used = {check for m in mistaken.MISTAKES for check in m.fails}
    assert not [c.__name__ for c in ALL_CHECKS if c not in used and not c.__name__.endswith("float32")]
    assert all(m.replaces.keys() <= set(mistaken.NAMES) for m in mistaken.MISTAKES)
    assert len({m.name for m in mistaken.MISTAKES}) == len(mistaken.MISTAKES)
