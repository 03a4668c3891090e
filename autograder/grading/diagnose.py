"""Name a known mistake when a student's result matches what that mistake produces.

A mistake is the reference namespace with one or more names replaced by a buggy version (defined in the hidden
graders package). Its probe results are computed in the grader's process, only when a student's result is
already wrong, and cached.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from autograder.grading.implementations import InProcess, StudentError


def mistake(reference: InProcess, **replacements: Any) -> InProcess:
    """The reference with some names swapped for buggy versions."""
    return InProcess({**reference.namespace, **replacements})


def known_mistake(
    got: Mapping[str, Any],
    probe: str,
    params: Mapping[str, Any],
    mistakes: Mapping[str, InProcess],
    matches: Callable[[Mapping[str, Any], Mapping[str, Any]], bool],
) -> str | None:
    """The description of the first mistake whose probe result `matches` the student's, if any."""
    for description, implementation in mistakes.items():
        try:
            candidate = implementation.probe(probe, **params)
        except StudentError:
            continue
        try:
            if matches(got, candidate):
                return description
        except (ValueError, TypeError, KeyError):
            continue
    return None
