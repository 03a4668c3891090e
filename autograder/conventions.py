"""Conventions shared by the notebook generator, the grader's executor and the probes."""

from __future__ import annotations

import traceback

# First line of an experiment cell. The grader runs only the imports and definitions of such a cell, so
# students' training loops never slow grading; it is plain text in the cell, so it survives copying and Colab.
EXPERIMENT_MARK = "# Experiment (not graded): the autograder runs only the imports and definitions in this cell."

# A cell that only calls this (`grader.check("adam")`) runs the student-side public checks: it prints, defines
# nothing, and the grader skips it, since the hidden graders run the same cases and more.
PUBLIC_CHECK_CALL = ("grader", "check")

# The worker compiles cell N under the file name "<cell N>": that is how student code is told apart from the
# libraries and the probes that call it (in tracebacks and by the forbidden-call recorder).
CELL_FILENAME_PREFIX = "<cell "

_student_prefixes: tuple[str, ...] = (CELL_FILENAME_PREFIX,)


def count_as_student_code(prefix: str) -> None:
    """Also treat code compiled under file names starting with `prefix` as student code (e.g. ipykernel's cells)."""
    global _student_prefixes
    if prefix not in _student_prefixes:
        _student_prefixes = (*_student_prefixes, prefix)


def is_student_code(filename: str) -> bool:
    """Was code with this file name compiled from a notebook cell?"""
    return filename.startswith(_student_prefixes)


def student_frame(exc: BaseException) -> traceback.FrameSummary | None:
    """The innermost frame of student code in the exception's traceback, if any (never raises)."""
    try:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if is_student_code(f.filename)]
    except Exception:  # noqa: BLE001 - a location is a nicety; a hostile traceback must not break the grader
        return None
    return frames[-1] if frames else None


def student_location(exc: BaseException) -> str:
    """' (line N of f)' for the line of student code where the exception was raised, or ''."""
    frame = student_frame(exc)
    return f" (line {frame.lineno} of {frame.name})" if frame else ""
