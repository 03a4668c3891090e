"""Conventions shared by the notebook generator, the grader's executor and the probes."""

from __future__ import annotations

import traceback

# First line of an experiment cell. The grader runs only the imports and definitions of such a cell, so
# students' training loops never slow grading; it is plain text in the cell, so it survives copying and Colab.
EXPERIMENT_MARK = "# Experiment (not graded): the autograder runs only the imports and definitions in this cell."

# A cell that only calls this (`grader.check("adam")`) runs the student-side public checks: it prints, defines
# nothing, and the grader skips it, since the hidden graders run the same cases and more.
PUBLIC_CHECK_CALL = ("grader", "check")

# The worker compiles cell N under the file name "<cell N>": that is how a cell's error names the line it came from.
# (Nothing relies on it for security: student code can compile under any name it likes.)
CELL_FILENAME_PREFIX = "<cell "


def student_frame(exc: BaseException) -> traceback.FrameSummary | None:
    """The innermost frame of a notebook cell in the exception's traceback, if any (never raises)."""
    try:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith(CELL_FILENAME_PREFIX)]
    except Exception:  # noqa: BLE001 - a location is a nicety; a hostile traceback must not break the grader
        return None
    return frames[-1] if frames else None
