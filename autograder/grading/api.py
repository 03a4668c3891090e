"""The small API hidden graders are written with: points and visibility next to each test, known mistakes by id.

    @public(1)            # students see this test's result at once
    def test_one_step(student, reference): ...

    @hidden(2)            # shown after grades are published
    def test_tiny_gradients(student, reference): ...

Each grader module sets ``QUESTION = "<question id>"``; a question is worth the sum of its tests' points. A test
fails by raising AssertionError with a sentence for the student, or :class:`KnownMistake` when the result is
recognised as a known mistake: the mistake's id then goes into results.json, so reports can count who made it.
The engine checks once per session that the reference passes every test, so a test checks the student only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, TypeVar

__all__ = ["KnownMistake", "Mistake", "Scoring", "hidden", "public"]

Visibility = Literal["visible", "after_published"]
F = TypeVar("F", bound=Callable[..., object])


@dataclass(frozen=True)
class Scoring:
    """What a grader test is worth and when students see its result."""

    points: float
    visibility: Visibility


def _mark(points: float, visibility: Visibility) -> Callable[[F], F]:
    if points <= 0:
        raise ValueError(f"a graded test must be worth more than 0 points, got {points}")

    def decorate(fn: F) -> F:
        fn.__grading__ = Scoring(float(points), visibility)  # type: ignore[attr-defined]
        return fn

    return decorate


def public(points: float) -> Callable[[F], F]:
    """A public check: its result and feedback are visible to the student immediately."""
    return _mark(points, "visible")


def hidden(points: float) -> Callable[[F], F]:
    """A hidden test: its result is shown only after grades are published."""
    return _mark(points, "after_published")


@dataclass(frozen=True)
class Mistake:
    """A known mistake: a stable id, ``"<question>.<slug>"`` (e.g. ``adam.eps_inside``), and the sentence that
    describes it to the student."""

    id: str
    text: str


class KnownMistake(AssertionError):
    """A failed check whose result is what a known mistake produces; ``str()`` is the whole feedback."""

    def __init__(self, feedback: str, mistake: Mistake) -> None:
        super().__init__(feedback)
        self.mistake = mistake
