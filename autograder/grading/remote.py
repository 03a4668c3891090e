"""The grader's side of a submission's worker session: send the cells, collect cell outcomes, run probes on it.

Probes run here, in the grader, and send the worker requests of calls (autograder/probes/proxy.py). Only JSON and
wire-format messages are read back, with size caps and deadlines, and every reply passes the checks of
probes/observed.py; a session that breaks the protocol, dies or runs out of time is killed, and every later probe
fails with a sentence saying why.
"""

from __future__ import annotations

import json
import time
from typing import Any

from autograder import wire
from autograder.assignment import Assignment
from autograder.limits import MAX_CELL_BYTES, MAX_CELLS_BYTES, Limits
from autograder.probes.observed import StudentError, read_reply
from autograder.probes.proxy import Request
from autograder.probes.run import ProbeOutcome, run_probe
from autograder.worker.execute import CellOutcome
from autograder.worker.frames import ChannelClosed, ChannelTimeout, FrameTooLarge, recv_frame, send_frame
from autograder.worker.session import MAX_REQUEST_BYTES
from autograder.worker.zygote import Zygote

_MARGIN = 5.0  # seconds the session may take beyond its own limits to report


class RemoteSubmission:
    """A submission running in its own worker session."""

    def __init__(self, zygote: Zygote, cells: list[str], limits: Limits, assignment: Assignment) -> None:
        self.cells, self._too_large = _within_caps(list(cells))  # what runs is also what the static scan reads
        self.assignment = assignment
        self.limits = limits
        self.cell_outcomes: list[CellOutcome] = []
        self.dead: str | None = None
        self._received = 0  # bytes of replies so far
        self._deadline = time.monotonic() + limits.submission
        self._zygote = zygote
        self._channel, self._session = zygote.new_session()
        self._fd = self._channel.fileno()
        try:
            send_frame(self._fd, json.dumps({"cells": self.cells, "limits": limits.to_json()}).encode())
            self._collect_cells(len(cells))
        except (ChannelClosed, ChannelTimeout, BrokenPipeError, ValueError) as exc:
            self._fail(f"the worker running your notebook stopped while running its cells ({self._words(exc)})")

    def _remaining(self, limit: float) -> float:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise ChannelTimeout("the submission's time is up")
        return min(limit + _MARGIN, left)

    def _words(self, exc: Exception) -> str:
        """What went wrong with the session, as a student would say it."""
        if isinstance(exc, ChannelTimeout):
            if time.monotonic() >= self._deadline - 0.5:
                return f"your notebook used up its time limit of {self.limits.submission:g} s for the whole submission"
            return "it did not answer within its time limit"
        if isinstance(exc, FrameTooLarge):
            return f"it sent {exc.size / 2**20:.0f} MB at once, more than the {exc.limit / 2**20:.0f} MB the grader accepts"
        if isinstance(exc, (ChannelClosed, BrokenPipeError)):
            return "its process ended"
        return "it sent something the grader does not accept"

    def _collect_cells(self, count: int) -> None:
        """One outcome per cell, in order. The session enforces each cell's limit (and may run cells again after one
        fails, reporting each cell once), so here only the submission's own time limit applies."""
        while len(self.cell_outcomes) < count:
            message = json.loads(recv_frame(self._fd, self._remaining(self.limits.submission), MAX_REQUEST_BYTES))
            outcome = CellOutcome.from_json(message)
            if outcome.cell != len(self.cell_outcomes) + 1:
                raise ValueError("unexpected message from the worker")
            self.cell_outcomes.append(self._too_large.get(outcome.cell, outcome))
        if json.loads(recv_frame(self._fd, self._remaining(self.limits.cell), 1024)) != {"ready": True}:
            raise ValueError("unexpected message from the worker")

    def _fail(self, reason: str) -> None:
        self.dead = reason
        self.close()

    def probe(self, name: str, /, **params: Any) -> ProbeOutcome:
        """Run the assignment's probe here, its calls in the worker."""
        if self.dead:
            return ProbeOutcome(error=f"not checked: {self.dead}")
        return run_probe(self.assignment, RemoteTarget(self), name, params)

    def exchange(self, message: dict[str, Any]) -> Any:
        """Send one request of the call protocol (autograder/worker/calls.py) and return the decoded reply."""
        if self.dead:
            raise StudentError(f"not checked: {self.dead}")
        try:
            send_frame(self._fd, wire.encode(message))
            reply = recv_frame(self._fd, self._remaining(self.limits.call), wire.MAX_REPLY_BYTES)
        except (ChannelClosed, ChannelTimeout, BrokenPipeError) as exc:
            self._fail(f"the worker running your notebook stopped responding ({self._words(exc)})")
            raise StudentError(f"not checked: {self.dead}") from exc
        self._received += len(reply)
        if self._received > wire.MAX_SUBMISSION_BYTES:  # nothing more is read, so nothing more is kept
            self._fail(f"your code's results added up to more than {wire.MAX_SUBMISSION_BYTES // 2**20} MB, all the "
                       "grader reads from one submission (return smaller values)")  # fmt: skip
            raise StudentError(f"not checked: {self.dead}")
        try:
            return wire.decode(reply)
        except wire.WireError as exc:
            self._fail(f"the worker running your notebook stopped responding ({self._words(exc)})")
            raise StudentError(f"not checked: {self.dead}") from exc

    def fresh(self) -> None:
        """Start the next probes from the state right after the cells (called at each new question)."""
        if self.dead:
            return
        try:
            send_frame(self._fd, wire.encode({"fresh": True}))
            if json.loads(recv_frame(self._fd, self._remaining(self.limits.call), 1024)) != {"fresh": True}:
                raise ValueError("unexpected message from the worker")
        except (ChannelClosed, ChannelTimeout, BrokenPipeError, ValueError) as exc:
            self._fail(f"the worker running your notebook stopped responding ({self._words(exc)})")

    def close(self) -> None:
        """End the session and every process it started."""
        self._channel.close()
        self._zygote.end_session(self._session)


def _within_caps(cells: list[str]) -> tuple[list[str], dict[int, CellOutcome]]:
    """The cells to send, an empty one in place of each cell over the caps, and the outcome such a cell gets."""
    sent, too_large, total = [], {}, 0
    for number, source in enumerate(cells, start=1):
        size = len(source.encode(errors="replace"))
        total += size
        if size > MAX_CELL_BYTES or total > MAX_CELLS_BYTES:
            total -= size
            cap = MAX_CELL_BYTES if size > MAX_CELL_BYTES else MAX_CELLS_BYTES
            whole = "" if size > MAX_CELL_BYTES else " with the cells before it"
            message = (f"the cell's code is {size / 2**20:.0f} MB, more than the {cap // 2**20} MB the grader runs"
                       f"{whole}, so it was not run (keep data in files, not pasted into code)")  # fmt: skip
            too_large[number] = CellOutcome(number, "error", "CellTooLarge", message)
            source = ""
        sent.append(source)
    return sent, too_large


class RemoteTarget:
    """A submission in its worker session, as probes see it: each request goes through the session's channel."""

    def __init__(self, remote: RemoteSubmission) -> None:
        self.remote = remote

    def run(self, request: Request) -> None:
        request.receive(read_reply(self.remote.exchange(request.message()), len(request.ops)))
