"""Probes: grader-side code that asks an implementation for the outputs of its functions and returns plain data.

A probe is ``fn(target, **params) -> dict[str, value]``: it builds requests of calls (autograder/probes/proxy.py),
runs them on the target — the reference or a known mistake in the grader's process, or a submission in its
worker — and computes from the outputs, in the grader's process, whatever the graders compare (statistics,
accuracies, which epoch a weight came from). ``params`` are JSON values; result values are numpy arrays or JSON
scalars/lists/dicts. The same probe with the same params is run on both sides and the grader compares the results,
so every input a probe sends is chosen, or seeded, by the probe itself.

The worker runs only the calls: it never holds a probe, and all it can say is what the student's code returned.
Each assignment keeps its probes in its own ``probes`` package, marked with :func:`probe`; the assignment's
registry is collected from there (:func:`collect_probes`), so two assignments never share one.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from typing import Any

Namespace = Mapping[str, Any]
Probe = Callable[..., dict[str, Any]]  # fn(target, **params)


def probe(fn: Probe) -> Probe:
    """Mark fn as a probe: graders ask for it by its name."""
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
