"""What `autograder grade` shows while it works and when it is done.

While grading: a progress bar (rich) with the count, the rate, the time elapsed and the time left, on stderr and only
when stderr is a terminal; messages (reduced isolation, notes about inputs) are printed above it, or as plain lines
when not on a terminal. At the end: a table with each question's count, mean and median, and the submissions that
could not be graded, each with its reason.
"""

from __future__ import annotations

import statistics
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TextIO

from rich import box
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from autograder.gradebook.cells import points
from autograder.gradebook.grades import GradesTable


class _Rate(ProgressColumn):
    def render(self, task: Task) -> Text:
        return Text(f"{task.speed * 60:.1f}/min" if task.speed else "-/min", style="progress.data.speed")


class BatchProgress:
    """A progress bar for a batch; quiet (messages only, as plain lines) when the stream is not a terminal."""

    def __init__(self, stream: TextIO = sys.stderr) -> None:
        self.console = Console(file=stream, highlight=False)
        self._bar: Progress | None = None
        self._task = None

    def start(self, total: int) -> None:
        if not self.console.is_terminal or total == 0:
            return
        self._bar = Progress(
            TextColumn("grading"), BarColumn(), MofNCompleteColumn(), _Rate(), TimeElapsedColumn(),
            TextColumn("left"), TimeRemainingColumn(), TextColumn("{task.description}"),
            console=self.console, transient=True, redirect_stdout=False, redirect_stderr=False,
        )  # fmt: skip
        self._task = self._bar.add_task("", total=total)
        self._bar.start()

    def finished(self, name: str, status: str) -> None:
        """One submission is graded."""
        if self._bar is not None:
            self._bar.update(self._task, advance=1, description=f"{name}: {status}")

    def say(self, line: str) -> None:
        self.console.print(line, markup=False, emoji=False, soft_wrap=True)

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


@dataclass(frozen=True)
class Statistic:
    column: str
    possible: float
    count: int
    mean: float | None
    median: float | None


def statistics_of(table: GradesTable, not_graded: Mapping[str, str]) -> list[Statistic]:
    """Per question (written ones over the scored answers only) and for the total, over the graded submissions."""
    graded = [r for r in table.rows if r.submission not in not_graded]
    maxima = {**table.questions, **table.written}
    columns = {q: [r.points.get(q) for r in graded] for q in maxima}
    columns["total"] = [table.total(r) for r in graded]
    out = []
    for column, values in columns.items():
        scored = [v for v in values if v is not None]
        possible = table.max_total() if column == "total" else maxima[column]
        mean, median = (statistics.fmean(scored), statistics.median(scored)) if scored else (None, None)
        out.append(Statistic(column, possible, len(scored), mean, median))
    return out


def _number(value: float | None) -> str:
    return "-" if value is None else points(round(value, 2))


def print_summary(table: GradesTable, not_graded: Mapping[str, str], stream: TextIO = sys.stdout) -> None:
    """The summary table, then every submission that could not be graded with its reason."""
    console = Console(file=stream, highlight=False, width=None if stream.isatty() else 100)
    summary = Table(box=box.SIMPLE, title=f"{len(table.rows)} submissions, {len(not_graded)} could not be graded")
    for heading in ("question", "points", "count", "mean", "median"):
        summary.add_column(heading, justify="left" if heading == "question" else "right")
    for s in statistics_of(table, not_graded):
        summary.add_row(s.column, points(s.possible), str(s.count), _number(s.mean), _number(s.median))
    console.print(summary)
    if not_graded:
        console.print("Could not be graded (0 points; not in the statistics above):", markup=False)
        for name, reason in not_graded.items():
            console.print(f"  {name}: {reason}", markup=False, emoji=False, soft_wrap=True)
