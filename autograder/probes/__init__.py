"""Probes: trusted code that exercises an implementation and returns plain data.

A probe is ``fn(ns, **params) -> dict[str, value]``: ``ns`` maps the assignment's names (``adam_update``,
``Dropout``, ...) to an implementation — the student's, inside the isolated worker, or the reference, inside
the grader — and ``params`` are JSON values. Values are numpy arrays or JSON scalars/lists/dicts. The same
probe with the same params is run on both sides and the grader compares the results, so all randomness a
probe uses must come from generators it seeds itself from ``params``.

Each assignment keeps its probes in its own ``probes`` package, marked with :func:`probe`; the assignment's
registry is collected from there (:func:`collect_probes`), so two assignments never share one. Probes never see
the reference and never decide a score: they only observe.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from typing import Any

Namespace = Mapping[str, Any]
Probe = Callable[..., dict[str, Any]]


def probe(fn: Probe) -> Probe:
    """Mark fn as a probe: the grader asks the worker for it by its name."""
    fn.__probe__ = True  # type: ignore[attr-defined]
    return fn


def collect_probes(package: str) -> dict[str, Probe]:
    """Every probe defined in the modules of ``package``, by name; ValueError if two share a name."""
    found: dict[str, Probe] = {}
    root = importlib.import_module(package)
    modules = [root] + [importlib.import_module(f"{package}.{m.name}") for m in pkgutil.iter_modules(root.__path__)]
    for module in modules:
        for name, fn in vars(module).items():
            if getattr(fn, "__probe__", False) is True and fn.__module__ == module.__name__:
                if name in found:
                    raise ValueError(f"two probes of {package} are named {name}")
                found[name] = fn
    return found
