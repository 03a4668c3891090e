"""Name a known mistake when a student's result matches what that mistake produces.

A mistake is the reference namespace with one or more names replaced by a buggy version (defined in the
assignment's graders, keyed by a stable mistake id). Its probe results are computed in the grader's process, only
when a student's result is already wrong, and cached.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from autograder.grading.implementations import LocalImplementation, StudentError
from autograder.grading.plugin import ProbeCache

__all__ = ["known_mistake", "mistakes"]


_built: dict[int, tuple[object, dict[str, ProbeCache]]] = {}


def mistakes(reference: ProbeCache, versions: Mapping[str, Mapping[str, Any]]) -> dict[str, ProbeCache]:
    """Each known mistake as an implementation, by mistake id: the reference with that mistake's names (``versions``
    maps each id to them) swapped in. Built once per reference and table, so their probe results stay cached."""
    base = reference.implementation
    if not isinstance(base, LocalImplementation):
        raise TypeError("mistakes are built from the reference, which runs in the grader's process")
    built = _built.get(id(versions))
    if built is None or built[0] is not base:
        variants = {
            mistake_id: ProbeCache(LocalImplementation({**base.namespace, **names}, base.assignment))
            for mistake_id, names in versions.items()
        }
        built = _built[id(versions)] = (base, variants)
    return built[1]


def known_mistake(
    got: Mapping[str, Any],
    probe: str,
    params: Mapping[str, Any],
    mistakes: Mapping[str, ProbeCache],
    matches: Callable[[Mapping[str, Any], Mapping[str, Any]], bool],
) -> str | None:
    """The id of the first mistake whose probe result `matches` the student's, if any."""
    for mistake_id, implementation in mistakes.items():
        try:
            candidate = implementation.probe(probe, **params)
        except StudentError:
            continue
        try:
            if matches(got, candidate):
                return mistake_id
        except (ValueError, TypeError, KeyError):
            continue
    return None
