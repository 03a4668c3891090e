"""One submission found in an input, before it is read: what to call it, who sent it, and the file to grade."""

from __future__ import annotations

from dataclasses import dataclass, field

from autograder.inputs.identity import Origin
from autograder.inputs.tree import File


@dataclass(frozen=True)
class Candidate:
    label: str  # what the submission is called (a file name without .ipynb, a student's name); see naming
    context: str  # tells apart candidates that share a label (a folder's name, an LMS id)
    origin: Origin
    file: File | None = None  # the notebook to grade
    problem: str | None = None  # why there is nothing to grade, as a sentence


@dataclass
class Found:
    """What a set of inputs holds: the candidates in a stable order, and sentences for the instructor."""

    candidates: list[Candidate] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def extend(self, other: Found) -> None:
        self.candidates += other.candidates
        self.notes += other.notes


def relative(file: File, depth: int) -> str:
    """The file's path below its first `depth` parts, '/'-separated."""
    return "/".join(file.parts[depth:])


def stem(name: str) -> str:
    """A file name without its last extension."""
    head, dot, _ = name.rpartition(".")
    return head if dot and head else name
