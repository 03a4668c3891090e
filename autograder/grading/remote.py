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
from autograder.limits import Limits
from autograder.probes.observed import StudentError, read_reply
from autograder.probes.proxy import Request
from autograder.probes.run import ProbeOutcome, run_probe
from autograder.worker.execute import CellOutcome
from autograder.worker.frames import ChannelClosed, ChannelTimeout, recv_frame, send_frame
from autograder.worker.session import MAX_REQUEST_BYTES
from autograder.worker.zygote import Zygote

_MARGIN = 5.0  # seconds the session may take beyond its own limits to report


class RemoteSubmission:
    """A submission running in its own worker session."""

    def __init__(self, zygote: Zygote, cells: list[str], limits: Limits, assignment: Assignment) -> None:
        self.cells = list(cells)
        self.assignment = assignment
        self.limits = limits
        self.cell_outcomes: list[CellOutcome] = []
        self.dead: str | None = None
        self._deadline = time.monotonic() + limits.submission
        self._zygote = zygote
        self._channel, self._session = zygote.new_session()
        self._fd = self._channel.fileno()
        try:
            send_frame(self._fd, json.dumps({"cells": cells, "limits": limits.to_json()}).encode())
            self._collect_cells(len(cells))
        except (ChannelClosed, ChannelTimeout, BrokenPipeError, ValueError) as exc:
            self._fail(f"the worker running your notebook stopped while running its cells ({exc})")

    def _remaining(self, limit: float) -> float:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise ChannelTimeout(f"the submission used up its {self.limits.submission:g} s")
        return min(limit + _MARGIN, left)

    def _collect_cells(self, count: int) -> None:
        """One outcome per cell, in order; a cell the worker ran again after another cell failed keeps its first."""
        while len(self.cell_outcomes) < count:
            message = json.loads(recv_frame(self._fd, self._remaining(self.limits.cell), MAX_REQUEST_BYTES))
            outcome = CellOutcome.from_json(message)
            if not 1 <= outcome.cell <= count:
                raise ValueError("unexpected message from the worker")
            if outcome.cell == len(self.cell_outcomes) + 1:
                self.cell_outcomes.append(outcome)
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
            return wire.decode(recv_frame(self._fd, self._remaining(self.limits.call), wire.MAX_MESSAGE_BYTES))
        except (ChannelClosed, ChannelTimeout, BrokenPipeError, wire.WireError) as exc:
            self._fail(f"the worker running your notebook stopped responding ({exc})")
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
            self._fail(f"the worker running your notebook stopped responding ({exc})")

    def close(self) -> None:
        """End the session and every process it started."""
        self._channel.close()
        self._zygote.end_session(self._session)


class RemoteTarget:
    """A submission in its worker session, as probes see it: each request goes through the session's channel."""

    def __init__(self, remote: RemoteSubmission) -> None:
        self.remote = remote

    def run(self, request: Request) -> None:
        request.receive(read_reply(self.remote.exchange(request.message()), len(request.ops)))
