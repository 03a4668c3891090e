"""Who submitted a notebook, when, and from which file, as the LMS export says.

It travels with the submission into results.json (top-level ``extra_data``) and into grades.csv (the identity
columns after ``submission``), so a grade can always be traced back to a student and to the file it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# grades.csv's identity columns, after `submission`; written only when some submission of the batch has an identity.
IDENTITY_COLUMNS = ("student", "email", "sid", "canvas_id", "submitted_at", "late")


@dataclass(frozen=True)
class Submitter:
    name: str | None = None
    email: str | None = None
    sid: str | None = None  # the school's student id (Gradescope's SID, Canvas's SIS User ID)
    canvas_id: str | None = None  # Canvas's user id, the ID column of its gradebook

    def as_json(self) -> dict[str, str | None]:
        return {"name": self.name, "email": self.email, "sid": self.sid, "canvas_id": self.canvas_id}

    @classmethod
    def from_json(cls, data: Any) -> Submitter:
        """The submitter a results.json recorded; anything malformed reads as unknown."""
        data = data if isinstance(data, dict) else {}
        return cls(
            *(data.get(k) if isinstance(data.get(k), str) else None for k in ("name", "email", "sid", "canvas_id"))
        )


@dataclass(frozen=True)
class Origin:
    """Where one submission came from; `notes` are sentences about how it was read (shown to the instructor)."""

    source: str  # the file graded, as the instructor knows it: "export.zip/submission_1/optim_reg.ipynb"
    submitters: tuple[Submitter, ...] = ()
    submitted_at: str | None = None  # ISO 8601, as the LMS recorded it
    late: bool = False
    notes: tuple[str, ...] = field(default=(), compare=False)

    @property
    def identified(self) -> bool:
        return bool(self.submitters or self.submitted_at or self.late)

    def extra_data(self) -> dict[str, Any]:
        """The keys this adds to results.json's top-level extra_data."""
        return {
            "submitters": [s.as_json() for s in self.submitters],
            "submitted_at": self.submitted_at,
            "late": self.late,
            "source": self.source,
        }

    def columns(self) -> dict[str, str]:
        """grades.csv's identity columns; a group's members are joined with '; ' in submission order."""

        def joined(values: list[str | None]) -> str:
            return "; ".join(v for v in values if v)

        return {
            "student": joined([s.name for s in self.submitters]),
            "email": joined([s.email for s in self.submitters]),
            "sid": joined([s.sid for s in self.submitters]),
            "canvas_id": joined([s.canvas_id for s in self.submitters]),
            "submitted_at": self.submitted_at or "",
            "late": "late" if self.late else "",
        }
