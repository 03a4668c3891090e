"""Who a probe runs on: the reference or a known mistake in this process, or a submission in its worker.

Probes always run here, in the grader; every implementation answers ``probe(name, **params)`` with a
:class:`ProbeOutcome` whose calls went through the wire format and the checks of probes/observed.py, so the grader
handles the reference's and the student's results identically.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import sys
from typing import Any, Protocol

from autograder import wire
from autograder.assignment import Assignment
from autograder.probes import Namespace
from autograder.probes.observed import StudentError
from autograder.probes.proxy import LocalTarget
from autograder.probes.run import ProbeOutcome, run_probe

__all__ = ["Implementation", "LocalImplementation", "StudentError", "reference"]


class Implementation(Protocol):
    """What the graders probe. ``cells`` are the notebook's code cells the static scan reads (None: nothing to scan);
    ``fresh()`` starts the next probes from the state right after the notebook's cells (called at each question)."""

    cells: list[str] | None

    def probe(self, name: str, /, **params: Any) -> ProbeOutcome: ...

    def fresh(self) -> None: ...


class LocalImplementation:
    """Probes run on a namespace in the grader's own process: the reference and known mistakes (and, in tests and
    otter's kernel, trusted notebooks). Outcomes are cached: probes are deterministic."""

    def __init__(self, namespace: Namespace, assignment: Assignment, cells: list[str] | None = None) -> None:
        self.namespace = namespace
        self.assignment = assignment
        self.cells = cells
        self._target = LocalTarget(namespace)
        self._cache: dict[str, dict[str, Any]] = {}

    def probe(self, name: str, /, **params: Any) -> ProbeOutcome:
        key = name + json.dumps(params, sort_keys=True)
        if key not in self._cache:
            outcome = run_probe(self.assignment, self._target, name, params)
            self._cache[key] = wire.decode(wire.encode(outcome.to_wire()))
        return ProbeOutcome.from_wire(self._cache[key])

    def fresh(self) -> None:
        """Nothing to do: probes here never leave state behind that matters (trusted code only)."""

    def export(self) -> dict[str, dict[str, Any]]:
        """Every probe outcome computed so far, by key (see reference_cache)."""
        return dict(self._cache)

    def preload(self, outcomes: dict[str, dict[str, Any]]) -> None:
        """Take outcomes computed earlier for the same namespace and probes."""
        if not isinstance(outcomes, dict):
            raise TypeError("cached outcomes must be a dict")
        self._cache.update(outcomes)


@functools.cache
def reference(assignment: Assignment) -> LocalImplementation:
    """The assignment's reference implementation (solutions/<name>.py), imported into the grader's process.

    Loaded from its file, whichever course root holds it; a package ``solutions`` need not be importable (workers
    must never find one, even an empty one).
    """
    name = assignment.reference_module
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, assignment.reference_path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # before it runs: its classes and dataclasses look themselves up there
        spec.loader.exec_module(module)
    return LocalImplementation(vars(sys.modules[name]), assignment)
