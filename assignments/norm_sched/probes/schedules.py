"""The probe of [schedules]: a schedule function called at every step of a run, the learning rates it returns.

A run is {"function", "args": the arguments after step (positional), "kwargs", "steps": [first, last]}; every step
from first to last (0-based, inclusive) is one call, all runs in one request. A returned float, int, numpy scalar or
one-element tensor is read as its number; anything else is the student's failure, said in a sentence.
"""

from __future__ import annotations

from typing import Any

from autograder.probes import probe
from autograder.probes.observed import StudentError
from autograder.probes.proxy import Request, Target


def call_text(run: dict[str, Any], step: int | str = "step") -> str:
    """The call of a run at one step, as the student would write it."""
    args = [str(step), *(f"{a!r}" for a in run["args"]), *(f"{k}={v!r}" for k, v in run.get("kwargs", {}).items())]
    return f"{run['function']}({', '.join(args)})"


@probe
def schedule_runs(target: Target, runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Per run i: "i" = the learning rates at its steps, as floats (StudentError at the first call that fails)."""
    request = Request()
    planned = []
    for run in runs:
        first, last = run["steps"]
        ops = [request.call(run["function"], step, *run["args"], **run.get("kwargs", {})) for step in range(first, last + 1)]
        planned.append((run, first, ops))
    target.run(request)
    result: dict[str, Any] = {}
    for i, (run, first, ops) in enumerate(planned):
        values = []
        for step, op in enumerate(ops, start=first):
            if op.error is not None:
                if op.error_type in ("MissingName", "Skipped"):
                    raise StudentError(op.error)
                raise StudentError(f"{call_text(run, step)} {op.error.replace('your code raised', 'raised', 1)}")
            number = op.value().as_number()
            if isinstance(number, str):
                raise StudentError(
                    f"{call_text(run, step)} returned {number.strip('<>')}; it must return the learning rate as a float"
                )
            values.append(float(number))
        result[str(i)] = values
    return result
