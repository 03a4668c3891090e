"""Run one probe on an implementation and package what happened as a ProbeOutcome: the record that crosses from
the worker to the grader (through the wire format), and that in-process implementations produce the same way."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from autograder.assignment import Assignment
from autograder.conventions import student_location
from autograder.probes import Namespace
from autograder.probes.convert import ProbeError
from autograder.probes.forbidden import recording


@dataclass(frozen=True)
class ProbeOutcome:
    """A probe's result, or a sentence for the student saying why there is none; and, either way, the forbidden
    library calls the submission's code made meanwhile."""

    result: dict[str, Any] | None = None
    error: str | None = None
    forbidden: tuple[str, ...] = ()

    def to_wire(self) -> dict[str, Any]:
        return {"result": self.result, "error": self.error, "forbidden": list(self.forbidden)}

    @classmethod
    def from_wire(cls, message: Any) -> ProbeOutcome:
        """Read a message that came from a worker; ValueError unless it has exactly the expected shape."""
        if not isinstance(message, dict) or set(message) != {"result", "error", "forbidden"}:
            raise ValueError("the reply is not a probe outcome")
        result, error, forbidden = message["result"], message["error"], message["forbidden"]
        if not (isinstance(result, dict) and error is None or result is None and isinstance(error, str)):
            raise ValueError("a probe outcome holds either a result or an error")
        if not isinstance(forbidden, list) or not all(isinstance(call, str) for call in forbidden):
            raise ValueError("a probe outcome's forbidden calls are not a list of names")
        return cls(result, error, tuple(forbidden))


def run_probe(assignment: Assignment, namespace: Namespace, name: str, params: Mapping[str, Any]) -> ProbeOutcome:
    """Run the assignment's probe `name` on the namespace, recording forbidden calls.

    Runs inside the worker for submissions, so nothing here may trust what student code returns or raises.
    """
    with recording(assignment.forbidden) as forbidden:
        try:
            result = assignment.probes()[name](Defined(namespace), **params)
        except ProbeError as exc:
            return ProbeOutcome(error=str(exc), forbidden=tuple(forbidden))
        except BaseException as exc:  # noqa: BLE001 - student code may raise anything, even SystemExit
            return ProbeOutcome(error=raised(exc), forbidden=tuple(forbidden))
    return ProbeOutcome(result, forbidden=tuple(forbidden))


class Defined(dict):
    """The submission's names; asking for one it does not define is the student's error, said plainly."""

    def __missing__(self, key: str) -> Any:
        raise ProbeError(f"{key} is not defined at the top level of your notebook")


def raised(exc: BaseException, limit: int = 2000) -> str:
    """'your code raised ValueError (line 3 of f): message' for an exception out of student code."""
    try:
        message = str(exc)[:limit]
    except Exception:  # noqa: BLE001 - a student's exception may not even print
        message = "(no message)"
    return f"your code raised {type(exc).__name__}{student_location(exc)}: {message}"
