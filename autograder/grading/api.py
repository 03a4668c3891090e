"""The small API hidden graders are written with: points and visibility next to each test.

    @public(1)            # students see this test's result at once
    def test_one_step(student, reference): ...

    @hidden(2)            # shown after grades are published
    def test_tiny_gradients(student, reference): ...

Each grader module sets ``QUESTION = "<question id>"``; a question is worth the sum of its tests' points.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, TypeVar

Visibility = Literal["visible", "after_published"]
F = TypeVar("F", bound=Callable[..., object])


@dataclass(frozen=True)
class Weight:
    points: float
    visibility: Visibility


def _mark(points: float, visibility: Visibility) -> Callable[[F], F]:
    if points <= 0:
        raise ValueError(f"a graded test must be worth more than 0 points, got {points}")

    def decorate(fn: F) -> F:
        fn.__grading__ = Weight(float(points), visibility)  # type: ignore[attr-defined]
        return fn

    return decorate


def public(points: float) -> Callable[[F], F]:
    """A public check: its result and feedback are visible to the student immediately."""
    return _mark(points, "visible")


def hidden(points: float) -> Callable[[F], F]:
    """A hidden test: its result is shown only after grades are published."""
    return _mark(points, "after_published")
