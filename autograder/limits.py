"""The limits one submission is graded under; each is a flag of `autograder grade` of the same name."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

MAX_CELL_BYTES = 8 * 2**20  # one cell's code: a larger cell is neither run nor scanned (IPython's transformer alone
# takes half a minute on 70 MB), and the student is told so
MAX_CELLS_BYTES = 48 * 2**20  # all cells' code together


@dataclass(frozen=True)
class Limits:
    """Seconds per notebook cell (--cell-timeout), per graded call (--call-timeout) and per submission
    (--submission-timeout), and the memory a submission may add to the warm worker's (--memory-limit, MB).
    Generous for honest work, finite for endless loops."""

    cell: float = 20.0
    call: float = 20.0
    submission: float = 180.0
    memory_mb: float = 2048.0

    def to_json(self) -> dict[str, float]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Limits:
        return cls(**{name: float(data[name]) for name in ("cell", "call", "submission", "memory_mb")})
