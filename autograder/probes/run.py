"""Run one probe, in the grader's process, against a target (the reference in process, or a submission's worker),
and package what happened as a ProbeOutcome: the record the graders read, and the reference cache stores."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from autograder.assignment import Assignment
from autograder.probes.observed import StudentError
from autograder.probes.proxy import Recorded, Target


@dataclass(frozen=True)
class ProbeOutcome:
    """A probe's result, or a sentence for the student saying why there is none; and, either way, the forbidden
    library calls the submission's code made meanwhile, any sign that it tampered with the recorder, and a digest
    of each input the probe sent to student code (so tests can prove public tests never send a hidden input)."""

    result: dict[str, Any] | None = None
    error: str | None = None
    forbidden: tuple[str, ...] = ()
    tampered: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ()

    def to_wire(self) -> dict[str, Any]:
        return {"result": self.result, "error": self.error, "forbidden": list(self.forbidden),
                "tampered": list(self.tampered), "inputs": list(self.inputs)}  # fmt: skip

    @classmethod
    def from_wire(cls, message: Any) -> ProbeOutcome:
        """Read a stored outcome (the reference cache); ValueError unless it has exactly the expected shape."""
        if not isinstance(message, dict) or set(message) != {"result", "error", "forbidden", "tampered", "inputs"}:
            raise ValueError("not a probe outcome")
        result, error = message["result"], message["error"]
        if not (isinstance(result, dict) and error is None or result is None and isinstance(error, str)):
            raise ValueError("a probe outcome holds either a result or an error")
        lists = [message[key] for key in ("forbidden", "tampered", "inputs")]
        if not all(isinstance(found, list) and all(isinstance(x, str) for x in found) for found in lists):
            raise ValueError("a probe outcome's records are not lists of text")
        return cls(result, error, *(tuple(found) for found in lists))


def run_probe(assignment: Assignment, target: Target, name: str, params: Mapping[str, Any]) -> ProbeOutcome:
    """Run the assignment's probe `name` on the target, keeping the forbidden calls its list names.

    A StudentError (the submission's code failed, or its worker sent what cannot be read) becomes the outcome's
    error; any other exception is a fault of the grader and propagates.
    """
    recorded = Recorded(target)
    try:
        result = assignment.probes()[name](recorded, **params)
        error = None
    except StudentError as exc:
        result, error = None, str(exc)
    forbidden = tuple(dict.fromkeys(c for c in recorded.forbidden if assignment.forbidden.forbids(c)))
    return ProbeOutcome(result, error, forbidden, tuple(dict.fromkeys(recorded.tampered)), tuple(recorded.inputs))
