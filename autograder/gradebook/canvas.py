"""The CSV Canvas imports into its gradebook, joined with the course's Canvas gradebook export (`--roster`).

The roster's `Student, ID, SIS User ID, SIS Login ID, Section` columns are kept (`SIS User ID` and `SIS Login ID`
only when the roster has them: Canvas exports them only to people allowed to see SIS data; fields may be separated
by ';', a Canvas setting), one column for the assignment is added (the export's own column of that title, else a
new one named after the assignment), and the second row is Canvas's indented
`Points Possible` row. Students are matched by Canvas user id, else SIS user id, else login (a submitter's SID or
email, or the part of the email before '@'). Every student of a group submission gets the group's score. A
submission no roster student matches, a match by the part of the email before '@' alone (another person's address
may share it), a student with no submission, and a student several submissions match (the highest score is used) are
listed on stdout and in canvas_unmatched.csv; none is dropped. A student with no submission gets an empty cell,
which Canvas leaves as is.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from autograder.gradebook.cells import csv_text, points
from autograder.inputs.identity import Submitter
from autograder.output import OutputFolder

ROSTER_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
OPTIONAL_COLUMNS = ("SIS User ID", "SIS Login ID")  # Canvas exports them only to people allowed to see SIS data
_KEY_COLUMNS = {"ID": "id", "SIS User ID": "sis", "SIS Login ID": "login"}
CANVAS_IMPORT = "canvas_import.csv"
UNMATCHED = "canvas_unmatched.csv"
MAX_ROSTER_BYTES = 50 * 2**20


class RosterError(ValueError):
    """The roster cannot be used; the message says what to export from Canvas instead."""


@dataclass(frozen=True)
class Graded:
    """One submission as the gradebook needs it."""

    submission: str
    submitters: tuple[Submitter, ...]
    score: float


@dataclass(frozen=True)
class Mismatch:
    """A row of canvas_unmatched.csv: a submission without a student, or a student without exactly one submission."""

    problem: str
    submission: str = ""
    person: Submitter = field(default_factory=Submitter)
    student: tuple[str, ...] = ("", "", "", "", "")  # the roster row, in ROSTER_COLUMNS order

    def row(self) -> list[str]:
        p = self.person
        return [
            self.problem,
            self.submission,
            p.name or "",
            p.email or "",
            p.sid or "",
            p.canvas_id or "",
            *self.student,
        ]

    def sentence(self) -> str:
        who = f"{self.student[0]} (ID {self.student[1]})" if any(self.student) else ""
        person = ", ".join(filter(None, (self.person.name, self.person.email, self.person.sid, self.person.canvas_id)))
        if not any(self.student):
            return f"Submission {self.submission} ({person or 'no student recorded'}): {self.problem}."
        if self.submission:
            return f"{who}, submissions {self.submission}: {self.problem}."
        return f"{who}: {self.problem}."


@dataclass
class CanvasGradebook:
    roster: list[dict[str, str]]
    scores: dict[int, float] = field(default_factory=dict)  # roster row -> score
    mismatches: list[Mismatch] = field(default_factory=list)


@dataclass(frozen=True)
class Roster:
    """A Canvas gradebook export: its students, and the titles of its assignment columns."""

    students: list[dict[str, str]]
    assignments: tuple[str, ...] = ()

    def column(self, title: str) -> tuple[str, str | None]:
        """The column canvas_import.csv fills for an assignment called `title`, and a sentence when it is a new one.

        Canvas's export titles its columns `<title> (<assignment id>)` and matches an import's columns by that text,
        so the gradebook's own column is used when its title is `title`; any other name creates a new assignment.
        """
        matches = [c for c in self.assignments if c == title or c.rsplit(" (", 1)[0] == title]
        if len(matches) == 1:
            return matches[0], None
        return title, (
            f"The gradebook export has {'several columns' if matches else 'no column'} titled {title!r}, so "
            f"canvas_import.csv fills a column {title!r} that Canvas will import as a new assignment; to update an "
            "existing one, give its title as the export shows it with --canvas-column."
        )


def read_roster(path: Path) -> Roster:
    """The students of a Canvas gradebook export (its Points Possible and other non-student rows skipped)."""
    try:
        if path.stat().st_size > MAX_ROSTER_BYTES:
            raise RosterError(f"{path} is over {MAX_ROSTER_BYTES // 2**20} MB; is it Canvas's gradebook export?")
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise RosterError(
            f"the roster {path} could not be read ({exc}); export it from Canvas (Grades > Export)."
        ) from None
    header = text.split("\n", 1)[0]
    reader = csv.DictReader(io.StringIO(text), delimiter=";" if header.count(";") > header.count(",") else ",")
    present = [c for c in ROSTER_COLUMNS if c in (reader.fieldnames or [])]
    missing = [c for c in ROSTER_COLUMNS if c not in present and c not in OPTIONAL_COLUMNS]
    if missing:
        raise RosterError(
            f"the roster {path} has no {', '.join(missing)} column(s); give the CSV Canvas exports from Grades > "
            "Export > Export Entire Gradebook."
        )
    students = []
    for row in reader:
        values = {c: (row.get(c) or "").strip() for c in present}
        if values["Student"] == "Points Possible" or not any(values.get(c) for c in _KEY_COLUMNS):
            continue
        students.append(values)
    return Roster(students, tuple(c for c in reader.fieldnames or [] if c not in ROSTER_COLUMNS))


def _keys(student: dict[str, str]) -> list[tuple[str, str]]:
    return [(kind, student[column].casefold()) for column, kind in _KEY_COLUMNS.items() if student.get(column)]


def _wanted(person: Submitter) -> list[tuple[tuple[str, str], bool]]:
    """The roster keys a submitter may match, best first, each with whether it is weak (the email's part before '@',
    which another person's address may share)."""
    email = (person.email or "").casefold()
    local = email.partition("@")[0] if "@" in email else ""
    candidates = [("id", person.canvas_id, False), ("sis", person.sid, False), ("login", person.sid, False),
                  ("login", email, False), ("login", local, True)]  # fmt: skip
    return [((kind, value.casefold()), weak) for kind, value, weak in candidates if value]


def _row(student: dict[str, str]) -> tuple[str, ...]:
    return tuple(student.get(c, "") for c in ROSTER_COLUMNS)


def join(roster: list[dict[str, str]], graded: Sequence[Graded]) -> CanvasGradebook:
    """Match every submitter with a roster student; list whatever does not match, one way or the other."""
    book = CanvasGradebook(roster)
    index: dict[tuple[str, str], int] = {}
    for number, student in enumerate(roster):
        for key in _keys(student):
            index.setdefault(key, number)
    sources: dict[int, list[str]] = {}
    for item in graded:
        for person in item.submitters or (Submitter(),):
            found = ((index[k], k[1], weak) for k, weak in _wanted(person) if k in index)
            number, key, weak = next(found, (None, "", False))
            if number is None:
                book.mismatches.append(Mismatch("no roster student matches it", item.submission, person))
                continue
            if weak:
                problem = f"matched only by the part of the email before '@' ({key}); check that it is this student"
                book.mismatches.append(Mismatch(problem, item.submission, person, _row(roster[number])))
            sources.setdefault(number, []).append(item.submission)
            book.scores[number] = max(book.scores.get(number, item.score), item.score)
    for number, student in enumerate(roster):
        row = _row(student)
        if number not in sources:
            book.mismatches.append(Mismatch("no submission, so the score is left empty", student=row))
        elif len(sources[number]) > 1:
            problem = f"several submissions match; the highest score ({points(book.scores[number])}) is used"
            book.mismatches.append(Mismatch(problem, "; ".join(sources[number]), student=row))
    return book


def write_canvas_import(out: OutputFolder, book: CanvasGradebook, column: str, possible: float) -> list[str]:
    """canvas_import.csv and canvas_unmatched.csv; returns one sentence per problem, for stdout."""
    kept = [c for c in ROSTER_COLUMNS if not book.roster or c in book.roster[0]]  # the roster's own columns
    rows: list[list[str]] = [[*kept, column], ["    Points Possible", *("" for _ in kept[1:]), points(possible)]]
    for number, student in enumerate(book.roster):
        rows.append([*(student[c] for c in kept), points(book.scores.get(number))])
    out.write_text(CANVAS_IMPORT, text=csv_text(rows))
    header = ["problem", "submission", "student", "email", "sid", "canvas_id", *ROSTER_COLUMNS]
    out.write_text(UNMATCHED, text=csv_text([header, *(m.row() for m in book.mismatches)]))
    return [m.sentence() for m in book.mismatches]
