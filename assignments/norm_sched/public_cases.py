"""The norm_sched notebook's public cases: the inputs of its @public grader tests, as plain data."""

from typing import Any


def cases() -> dict[str, list[dict[str, Any]]]:
    """Every question's public cases (the build adds the reference's result to each)."""
    return {}
