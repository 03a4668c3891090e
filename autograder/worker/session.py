"""One submission's worker: runs its cells, then answers requests of calls. Runs in a process forked from the zygote.

The cells run in one fork while the session keeps the state from before them. Should a cell exceed its time
limit or end its process (``os._exit``, a crash, an exhausted memory limit), that fork is killed and the cells
run again from the start, each in a fork of the state the previous ones left, without the failed cell: later
cells and every call still run, as if it had never been there. Calls run in a fork of the state after the cells,
replaced by a fresh one whenever the grader asks (at each question), so one question's calls can never disturb
another's. The worker knows no assignment and no probe: it runs the calls the grader asks for
(autograder/worker/calls.py) and sends back their outputs. Everything sent to the grader is JSON or the wire format.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import sys
import time
from dataclasses import dataclass
from typing import Any, NoReturn

from autograder import wire
from autograder.limits import Limits
from autograder.worker.calls import describe_error, run_request
from autograder.worker.execute import CellOutcome, is_public_check, notebook_uses, run_cell
from autograder.worker.imports import Uses
from autograder.worker.frames import ChannelClosed, ChannelTimeout, recv_frame, send_frame
from autograder.worker.sandbox import Sandbox

MAX_REQUEST_BYTES = 64 * 1024 * 1024
_DONE = b"done"
_DISCARDED = "its effects were discarded and the cells after it ran without it"


class _Discard(io.TextIOBase):
    """Where student output goes: the grader never reads it, so a flood costs only the time to print it."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        return len(text)


def _isolate_output() -> None:
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    sys.stdin = io.StringIO("")
    sys.stdout = sys.stderr = _Discard()


def serve_session(fd: int, sandbox: Sandbox) -> NoReturn:
    """Entry point in the forked child: never returns. Confined in the sandbox before any student line runs."""
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.setsid()
        _isolate_output()
        request = json.loads(recv_frame(fd, None, MAX_REQUEST_BYTES))
        limits = Limits.from_json(request["limits"])
        sandbox.enter(int(limits.memory_mb * 2**20), int(limits.submission) + 30)
        fork = _Fork(sandbox.contains_signals())
        namespace: dict[str, Any] = {"__name__": "__main__"}
        cells = list(enumerate(request["cells"], start=1))
        used = notebook_uses(request["cells"])  # so imports nothing graded uses can wait (worker/imports.py)
        failed = _run_in_fork(fork, cells, namespace, fd, limits.cell, used)
        if failed is not None:  # from the state before the cells, without the failed one, a fork per cell
            for number, source in cells:  # the grader keeps the first outcome it gets for each cell
                if number != failed:
                    _run_in_fork(fork, [(number, source)], namespace, fd, limits.cell, used)
        send_frame(fd, json.dumps({"ready": True}).encode())
        calls = _CallWorker(fork, namespace, limits.call)
        while True:
            frame = recv_frame(fd, None, MAX_REQUEST_BYTES)
            if len(frame) < 256 and wire.decode(frame).get("fresh"):  # never decode a request just to relay it
                calls.stop()
                send_frame(fd, json.dumps({"fresh": True}).encode())
            else:
                send_frame(fd, calls.run(frame))
    except (ChannelClosed, BrokenPipeError):
        os._exit(0)
    except BaseException:  # noqa: BLE001 - the grader sees the closed channel and reports it
        os._exit(1)


def _run_in_fork(
    fork: _Fork, cells: list[tuple[int, str]], namespace: dict[str, Any], fd: int, limit: float, used: Uses
) -> int | None:
    """Run numbered cells in one fork, sending the grader each outcome. Returns None in the fork, once all have
    run; in this process, which still holds the state from before them, the number of the cell that timed out or
    ended the fork (its outcome sent, the fork gone).

    A fork costs ~20 ms at torch's size (page tables copied, then torn down): one per cell would be 15% of
    grading a submission, so all cells share one until a cell fails.
    """
    report_r, report_w = os.pipe()
    go_r, go_w = os.pipe()
    pid = fork()
    if pid == 0:
        os.close(report_r)
        os.close(go_w)
        os.setpgid(0, 0)
        for number, source in cells:
            send_frame(report_w, json.dumps(_run_or_skip(source, namespace, number, used)).encode())
        send_frame(report_w, _DONE)
        recv_frame(go_r, None, 16)  # the go-ahead: from here on this process holds the state
        os.close(report_w)
        os.close(go_r)
        return None
    os.close(report_w)
    os.close(go_r)
    number = 0
    try:
        for number, _ in cells:
            outcome = json.loads(recv_frame(report_r, limit, MAX_REQUEST_BYTES))
            if not isinstance(outcome, dict):
                raise TypeError("the fork sent something other than a cell outcome")
            send_frame(fd, json.dumps(outcome | {"cell": number}).encode())
        if recv_frame(report_r, limit, 16) != _DONE:  # a failure here is blamed on the last cell
            raise ValueError("the fork did not end its cells as expected")
    except ChannelTimeout:
        _kill_group(pid)
        stopped = f"the cell ran longer than {limit:g} s and was stopped; {_DISCARDED}"
        failure = CellOutcome(number, "timeout", message=stopped)
    except (ChannelClosed, ValueError, TypeError):
        ended = f"the cell ended its process ({_kill_group(pid)}); {_DISCARDED}"
        failure = CellOutcome(number, "crashed", message=ended)
    else:
        send_frame(go_w, b"go")
        os._exit(0)
    finally:
        os.close(report_r)
    os.close(go_w)
    send_frame(fd, json.dumps(failure.to_json()).encode())
    return number


def _run_or_skip(source: str, namespace: dict[str, Any], number: int, used: Uses) -> dict[str, Any]:
    if is_public_check(source):  # prints only; skipping it saves the checks' own work
        return CellOutcome(number, "skipped-work").to_json()
    return run_cell(source, namespace, number, used).to_json()


class _CallWorker:
    """A fork of the state after the cells that runs requests of calls one after another.

    The grader asks for a fresh one at each question, so nothing student code changes while one question is
    probed can reach another; a call that hangs or ends the process takes its worker with it, and the next request
    gets a fresh fork. One fork per question instead of one per request: a fork costs ~20 ms at torch's size.
    """

    def __init__(self, fork: _Fork, namespace: dict[str, Any], limit: float) -> None:
        self.fork, self.namespace, self.limit = fork, namespace, limit
        self.pid = 0
        self.requests = self.replies = -1

    def _start(self) -> None:
        request_r, request_w = os.pipe()
        reply_r, reply_w = os.pipe()
        pid = self.fork()
        if pid == 0:
            os.close(request_w)
            os.close(reply_r)
            os.setpgid(0, 0)
            _serve_calls(self.namespace, request_r, reply_w)
        os.close(request_r)
        os.close(reply_w)
        self.pid, self.requests, self.replies = pid, request_w, reply_r

    def run(self, request: bytes) -> bytes:
        """The wire-encoded reply to one wire-encoded request."""
        if not self.pid:
            self._start()
        try:
            send_frame(self.requests, request)
            return recv_frame(self.replies, self.limit, wire.MAX_MESSAGE_BYTES)
        except ChannelTimeout:
            self.stop()
            message = f"the call did not finish within {self.limit:g} s and was stopped (an endless loop?)"
            return wire.encode({"error": {"type": "Timeout", "message": message}})
        except (ChannelClosed, BrokenPipeError):
            self.stop()
            message = "the call ended the worker process (os._exit, a crash, or too much memory)"
            return wire.encode({"error": {"type": "Crashed", "message": message}})

    def stop(self) -> None:
        if self.pid:
            os.close(self.requests)
            os.close(self.replies)
            _kill_group(self.pid)
            self.pid = 0


def _serve_calls(namespace: dict[str, Any], requests: int, replies: int) -> NoReturn:
    """The call worker's loop; it ends when the session closes its request pipe. Objects a request keeps under
    handles stay here for the later requests of the same scope (one probe run)."""
    handles: dict[str, Any] = {}
    try:
        while True:
            request = wire.decode(recv_frame(requests, None, MAX_REQUEST_BYTES))
            try:
                payload = wire.encode(run_request(namespace, request, handles))
            except BaseException as exc:  # noqa: BLE001 - e.g. student code broke the executor or the encoder
                payload = wire.encode({"error": describe_error(exc)})
            send_frame(replies, payload)
    except BaseException:  # noqa: BLE001
        os._exit(0)


@dataclass(frozen=True)
class _Fork:
    """os.fork that, when the process limit is reached, first ends every other process of this session.

    Processes a cell left behind (sleepers, a fork bomb) would otherwise use up the limit and stop later cells.
    It is done only when kill(-1) can reach nothing but the sandbox's own processes: it runs as its dedicated uid,
    or inside its Landlock domain (ABI 6+), whose scope keeps signals from leaving it.
    """

    can_kill_all: bool

    def __call__(self) -> int:
        for _ in range(50):
            try:
                return os.fork()
            except BlockingIOError:
                if not self.can_kill_all:
                    raise
                with contextlib.suppress(OSError):
                    os.kill(-1, signal.SIGKILL)
                time.sleep(0.02)
                reap_children()  # they count until reaped: this process's own by it, orphans by the zygote
        return os.fork()


def reap_children(*_: object) -> None:
    """Reap every child that has ended (also a SIGCHLD handler, for the zygote)."""
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass


def _kill_group(pid: int) -> str:
    """Kill a fork and its process group; how it ended (its own exit status if it had ended already)."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    return _reap(pid)


def _reap(pid: int) -> str:
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        return "exit status unknown"
    if os.WIFSIGNALED(status):
        return f"killed by signal {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exit code {os.WEXITSTATUS(status)}"
