"""The batch's grades.csv: one row per submission, a column per question, read back for regrades and merges.

Columns: `submission`, the identity columns when the batch has identities (see inputs.identity), one column per
autograded question (in the assignment's order), one per written question once scores are merged (ids `w_...`),
then `total` and `max_total`. The first data row is `Points Possible` with each maximum. Written points count in
`total` only when asked; the Points Possible row's total says whether they do, so a regrade keeps that choice.
Nothing in the file depends on time or on the order workers finished: the same grades give the same bytes.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field

from autograder.gradebook.cells import csv_text, points
from autograder.inputs.identity import IDENTITY_COLUMNS
from autograder.output import OutputFolder

GRADES = "grades.csv"
POINTS_POSSIBLE = "Points Possible"
WRITTEN_PREFIX = "w_"


class GradesError(ValueError):
    """grades.csv cannot be read back; the message says which file and what to do."""


@dataclass
class Row:
    submission: str
    identity: dict[str, str] = field(default_factory=dict)
    points: dict[str, float | None] = field(default_factory=dict)  # question id -> points; None: not scored


@dataclass
class GradesTable:
    questions: dict[str, float]  # autograded question -> its maximum, in order
    rows: list[Row]
    identity: tuple[str, ...] = ()  # identity columns present, in IDENTITY_COLUMNS order
    written: dict[str, float] = field(default_factory=dict)  # written question -> its maximum, in order
    count_written: bool = False

    def _counted(self) -> list[str]:
        return [*self.questions, *(self.written if self.count_written else ())]

    def max_total(self) -> float:
        return sum(({**self.questions, **self.written})[q] for q in self._counted())

    def total(self, row: Row) -> float:
        return sum(row.points.get(q) or 0.0 for q in self._counted())

    def text(self) -> str:
        columns = [*self.questions, *self.written]
        maxima = {**self.questions, **self.written}
        header = ["submission", *self.identity, *columns, "total", "max_total"]
        possible = [POINTS_POSSIBLE, *("" for _ in self.identity), *(points(maxima[q]) for q in columns)]
        rows = [header, [*possible, points(self.max_total()), points(self.max_total())]]
        for row in self.rows:
            identity = [row.identity.get(c, "") for c in self.identity]
            scores = [points(row.points.get(q)) for q in columns]
            rows.append([row.submission, *identity, *scores, points(self.total(row)), points(self.max_total())])
        return csv_text(rows)

    def write(self, out: OutputFolder) -> None:
        out.write_text(GRADES, text=self.text())

    def row(self, submission: str) -> Row | None:
        return next((r for r in self.rows if r.submission == submission), None)


def _number(text: str, where: str) -> float | None:
    if not text.strip():
        return None
    try:
        return float(text)
    except ValueError:
        raise GradesError(f"{where} holds {text!r}, which is not a number.") from None


def read_grades(out: OutputFolder) -> GradesTable:
    """The grades.csv of an earlier `autograder grade` into this folder."""
    path = out.path(GRADES)
    if not path.is_file():
        raise GradesError(f"{path} does not exist: grade the submissions into {out.root} first (without --question).")
    try:
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))  # a spreadsheet may add a BOM
    except UnicodeDecodeError:
        raise GradesError(
            f"{path} is not UTF-8 text: it was saved in another encoding; save it as 'CSV UTF-8' or grade again."
        ) from None
    if (
        len(rows) < 2
        or rows[0][:1] != ["submission"]
        or rows[0][-2:] != ["total", "max_total"]
        or rows[1][:1] != [POINTS_POSSIBLE]
    ):
        raise GradesError(f"{path} is not a grades.csv this command wrote; grade into a new folder instead.")
    header = rows[0]
    identity = tuple(c for c in header[1:-2] if c in IDENTITY_COLUMNS)
    scored = header[1 + len(identity) : -2]
    maxima = {
        q: _number(v, f"{path}, Points Possible, column {q}") or 0.0
        for q, v in zip(scored, rows[1][1 + len(identity) :])
    }
    table = GradesTable(
        {q: m for q, m in maxima.items() if not q.startswith(WRITTEN_PREFIX)},
        [],
        identity,
        {q: m for q, m in maxima.items() if q.startswith(WRITTEN_PREFIX)},
    )
    stated = _number(rows[1][-2], f"{path}, Points Possible total") or 0.0
    table.count_written = bool(table.written) and math.isclose(stated, sum(maxima.values()), rel_tol=1e-5)
    for number, values in enumerate(rows[2:], start=3):
        cells = dict(zip(header, values))
        table.rows.append(Row(
            values[0],
            {c: cells.get(c, "") for c in identity},
            {q: _number(cells.get(q, ""), f"{path}, line {number}, column {q}") for q in scored},
        ))  # fmt: skip
    return table
