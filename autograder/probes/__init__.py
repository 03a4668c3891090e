"""Probes: trusted code that exercises an implementation and returns plain data.

A probe is ``fn(ns, **params) -> dict[str, value]``: ``ns`` maps the assignment's names (``adam_update``,
``Dropout``, ...) to an implementation — the student's, inside the isolated worker, or the reference, inside
the grader — and ``params`` are JSON values. Values are numpy arrays or JSON scalars/lists/dicts. The same
probe with the same params is run on both sides and the grader compares the results, so all randomness a
probe uses must come from generators it seeds itself from ``params``.

Probes never see the reference and never decide a score: they only observe.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Namespace = Mapping[str, Any]
Probe = Callable[..., dict[str, Any]]

PROBES: dict[str, Probe] = {}


def probe(fn: Probe) -> Probe:
    """Register fn under its own name, so the grader can ask the worker for it by name."""
    if fn.__name__ in PROBES:
        raise ValueError(f"two probes are named {fn.__name__}")
    PROBES[fn.__name__] = fn
    return fn
