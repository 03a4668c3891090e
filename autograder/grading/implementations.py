"""Who a probe runs on: the reference or a known mistake in this process, or a submission in its worker.

Every implementation answers ``probe(name, **params)`` with plain data that went through the wire format, so
the grader handles the reference's and the student's results identically.
"""

from __future__ import annotations

import functools
import importlib
import json
import traceback
from collections.abc import Mapping
from typing import Any, Protocol

from autograder import wire
from autograder.probes import PROBES, Namespace
from autograder.probes.convert import ProbeError
from autograder.probes.forbidden import recording_forbidden_calls


class StudentError(Exception):
    """The submission's code failed during a probe (raised, timed out, crashed); str() is a sentence for the student."""


class Implementation(Protocol):
    def probe(self, name: str, /, forbidden_log: list[str] | None = None, **params: Any) -> dict[str, Any]: ...


def run_probe(namespace: Namespace, name: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """Run a probe and package its outcome: {"result": ..., "forbidden": [...]} or {"error": ...}.

    Runs inside the worker for submissions, so nothing here may trust what student code returns.
    """
    with recording_forbidden_calls() as forbidden:
        try:
            result = PROBES[name](_Defined(namespace), **params)
        except ProbeError as exc:
            return {"error": {"type": "ProbeError", "message": str(exc)}, "forbidden": list(forbidden)}
        except BaseException as exc:  # noqa: BLE001 - student code may raise anything, even SystemExit
            return {"error": _describe(exc), "forbidden": list(forbidden)}
    return {"result": result, "forbidden": list(forbidden)}


class _Defined(dict):
    """The submission's names; asking for one it does not define is the student's error, said plainly."""

    def __missing__(self, key: str) -> Any:
        raise ProbeError(f"{key} is not defined at the top level of your notebook")


def _describe(exc: BaseException) -> dict[str, str]:
    frames = traceback.extract_tb(exc.__traceback__)
    student = [f for f in frames if not f.filename.startswith(_PACKAGE_DIR)]
    where = f" (line {student[-1].lineno} of {student[-1].name})" if student else ""
    return {"type": type(exc).__name__, "message": f"{exc}"[:2000], "where": where}


_PACKAGE_DIR = __file__.rsplit("/grading/", 1)[0]


def unwrap(outcome: Mapping[str, Any], forbidden_log: list[str] | None = None) -> dict[str, Any]:
    """The probe's result, or StudentError with a sentence saying what the student's code did."""
    if forbidden_log is not None:
        forbidden_log.extend(outcome.get("forbidden", []))
    if "error" in outcome:
        error = outcome["error"]
        if error.get("type") in ("ProbeError", "Timeout", "Crashed"):
            raise StudentError(error["message"])
        raise StudentError(f"your code raised {error.get('type')}{error.get('where', '')}: {error.get('message')}")
    return outcome["result"]


class InProcess:
    """Probes run on a namespace in the grader's own process: only for the reference and known mistakes."""

    def __init__(self, namespace: Namespace) -> None:
        self.namespace = namespace
        self._cache: dict[str, dict[str, Any]] = {}

    def probe(self, name: str, /, forbidden_log: list[str] | None = None, **params: Any) -> dict[str, Any]:
        key = name + json.dumps(params, sort_keys=True)
        if key not in self._cache:
            self._cache[key] = wire.decode(wire.encode(run_probe(self.namespace, name, params)))
        return unwrap(self._cache[key], forbidden_log)

    def export(self) -> dict[str, dict[str, Any]]:
        """Every probe outcome computed so far, by key (see reference_cache)."""
        return dict(self._cache)

    def preload(self, outcomes: dict[str, dict[str, Any]]) -> None:
        """Take outcomes computed earlier for the same namespace and probes."""
        if not isinstance(outcomes, dict):
            raise TypeError("cached outcomes must be a dict")
        self._cache.update(outcomes)


@functools.cache
def reference(assignment: str) -> InProcess:
    """The reference implementation of an assignment (solutions/<assignment>.py), in the grader's process."""
    return InProcess(vars(importlib.import_module(f"solutions.{assignment}")))
