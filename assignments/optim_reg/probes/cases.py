"""What the batteries of [init], [l2] and [dropout] share: a case whose student code fails is reported on its own.

Each battery sends all its cases in one request; a case whose call raises (or returns something that is not
numbers) becomes {"error": sentence, "error_type": name} without stopping the others, so one broken function costs
only the tests that need it. Every random draw comes from generators (and global generators) seeded by the probe.
"""

from collections.abc import Callable
from typing import Any

from autograder.probes.observed import StudentError
from autograder.probes.proxy import Op


def fmt_shape(shape: Any) -> str:
    return str(tuple(shape))


def failed(op: Op, label: str) -> dict[str, Any] | None:
    """{"error", "error_type"} when the op did not return (a missing name says so plainly), else None."""
    outcome = op.outcome
    if outcome.error is None:
        return None
    if outcome.error_type in ("MissingName", "Skipped"):
        return {"error": outcome.error, "error_type": "ProbeError"}
    return {"error": f"{label} {outcome.error.replace('your code raised', 'raised', 1)}", "error_type": outcome.error_type}


def case(label: str, body: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Read one case; what the student's code returned but cannot be read becomes the case's error."""
    try:
        return body()
    except StudentError as exc:
        return {"error": str(exc), "error_type": "ProbeError"}


def raises(op: Op) -> dict[str, Any]:
    """What happened when the op ran: {"raised": type name or None, "value_error": bool, "message": ...}."""
    outcome = op.outcome
    if outcome.error_type == "MissingName":
        raise StudentError(outcome.error or "")
    if outcome.error is None:
        return {"raised": None, "value_error": False, "message": ""}
    value_error = outcome.raised_a("ValueError")
    return {"raised": outcome.error_type, "value_error": value_error,
            "message": "" if value_error else outcome.error.replace("your code raised ", "", 1)}  # fmt: skip


def tensor_facts(op: Op, label: str) -> dict[str, Any]:
    """Type, dtype and shape of what the op returned (it must be numbers): StudentError otherwise."""
    value = op.value()
    value.array(f"what {label} returned", numbers=True)
    return {
        "is_tensor": value.is_tensor,
        "dtype": value.dtype if value.kind in ("tensor", "ndarray") else value.type,
        "got_shape": list(value.shape) if value.is_tensor else None,
        "type": value.type,
        "requires_grad": value.requires_grad,
    }
