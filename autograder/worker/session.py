"""One submission's worker: runs its cells, then answers requests of calls. Runs in a process forked from the zygote.

The session process holds the grader's channel and never runs a line of student code: every cell and every call
runs in a fork, which reports to the session over a socket of its own, and only the session writes to the grader.
Of what arrives on that socket the session reads only what the fork wrote itself (autograder/worker/peer.py): what
a process the fork started writes there is dropped unread. A fork that dies halfway through writing, or writes
nonsense, can at worst spoil its own cell's or call's report; the session checks each report (size, deadline, shape)
and turns anything else into that cell's or call's failure, in words a student understands.

The cells run in one fork. Should a cell exceed its time limit or end its process (``os._exit``, a crash, an
exhausted memory limit), that fork is killed and the cells run again from the start, each in a fork of the state
the previous ones left (the process that ran a cell keeps its state and forks the next one), without the failed
cell: later cells and every call still run, as if it had never been there. Each cell is reported to the grader
once, and a fork's last cell only once that fork has handed over the state: should it end after its last report,
that cell failed, and its outcome says so. Calls run in a fork of the state after the cells, replaced by a fresh one
whenever the grader asks (at each question), so one question's calls can never disturb another's. The worker knows
no assignment and no probe: it runs the calls the grader asks for (autograder/worker/calls.py) and sends back their
outputs.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

from autograder import wire
from autograder.limits import Limits
from autograder.student_text import clean
from autograder.worker.calls import describe_error, run_request
from autograder.worker.execute import CellOutcome, is_public_check, run_cell
from autograder.worker.frames import ChannelClosed, ChannelTimeout, FrameTooLarge, frame, recv_frame, send_frame
from autograder.worker.peer import Peer, close_all, listen_for_names
from autograder.worker.sandbox import Sandbox

MAX_REQUEST_BYTES = 64 * 1024 * 1024
_MAX_OUTCOME_BYTES = 64 * 1024  # a cell's report: a status and two capped texts
_DONE = b"done"
_HELLO = b"hello"  # a fork's first message, before any student code: it names the fork to the session
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
        for number in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM):  # the zygote's own: student code gets the defaults
            signal.signal(number, signal.SIG_DFL)
        os.setsid()
        _isolate_output()
        os.set_inheritable(fd, False)
        request = json.loads(recv_frame(fd, None, MAX_REQUEST_BYTES))
        limits = Limits.from_json(request["limits"])
        sandbox.enter(int(limits.memory_mb * 2**20), int(limits.submission) + 30)
        session = _Session(fd, sandbox, limits)
        session.run_cells(list(enumerate(request["cells"], start=1)))
        send_frame(fd, json.dumps({"ready": True}).encode())
        while True:
            frame = recv_frame(fd, None, MAX_REQUEST_BYTES)
            if len(frame) < 256 and wire.decode(frame).get("fresh"):  # never decode a request just to relay it
                session.stop_calls()
                send_frame(fd, json.dumps({"fresh": True}).encode())
            else:
                send_frame(fd, session.call(frame))
    except (ChannelClosed, BrokenPipeError):
        os._exit(0)
    except BaseException:  # noqa: BLE001 - the grader sees the closed channel and reports it
        os._exit(1)


class _Lost(Exception):
    """The process holding the notebook's state did not start a fork as asked (it ended, or answered nonsense)."""


@dataclass
class _Child:
    """A fork running student code, seen from the session: what it writes (a Peer), and how to stop it."""

    peer: Peer
    parent: _Child | None = None  # the state holder that forked it; None: the session did
    asked: int = 0  # requests made of it as a state holder: each answer names the request it answers

    def kill(self, ask: bool = False) -> str:
        """Stop it and its process group; how it ended (asked of the holder that forked it when `ask`)."""
        if self.parent is None:
            self.peer.sock.close()
            ended = _kill_group(self.peer.pid)
            self.peer.close()
            return ended
        with contextlib.suppress(OSError):
            signal.pidfd_send_signal(self.peer.pidfd, signal.SIGKILL)
        self.release()
        try:  # the holder kills the rest of its group and reaps it
            if ask:
                answer, fds = self.parent.request({"job": "report"}, 2.0)
                close_all(fds)
                return clean(str(answer.get("ended") or "exit status unknown"), 80)
            self.parent.peer.sock.send(frame(json.dumps({"job": "kill"}).encode()), socket.MSG_DONTWAIT)
        except (OSError, ChannelClosed, ChannelTimeout):
            pass
        return "exit status unknown"

    def request(self, command: dict[str, Any], timeout: float) -> tuple[dict[str, Any], list[int]]:
        """Ask this state holder something and wait for its answer to it, with the descriptors sent with it.

        An answer to an earlier request, which came after the session had stopped waiting for it, is dropped (and
        the fork it announces killed): it is never read as the answer to a later one.
        """
        self.asked += 1
        deadline = time.monotonic() + timeout
        self.peer.send(json.dumps({**command, "id": self.asked}).encode(), timeout)
        while True:
            payload, fds = self.peer.recv_with_fds(max(0.0, deadline - time.monotonic()), 1024)
            try:
                answer = json.loads(payload)
            except (ValueError, RecursionError):
                answer = None
            if isinstance(answer, dict) and answer.get("id") == self.asked:
                return answer, fds
            if len(fds) == 2:
                with contextlib.suppress(OSError):
                    signal.pidfd_send_signal(fds[1], signal.SIGKILL)
            close_all(fds)
            if time.monotonic() >= deadline:  # answers to nothing asked never extend the wait
                raise ChannelTimeout("no answer within the time limit")

    def release(self) -> None:
        """Let it go: a state holder ends when its socket closes."""
        self.peer.close()


class _Session:
    """The session's side of its forks: which process holds the state, what has been reported to the grader."""

    def __init__(self, fd: int, sandbox: Sandbox, limits: Limits) -> None:
        self.fd, self.sandbox, self.limits = fd, sandbox, limits
        self.holder: _Child | None = None  # None: this process's own state, from before any cell
        self.reported: set[int] = set()
        self.calls: _Child | None = None
        self.fork = _Fork(sandbox.session_cleaner())  # used only where no student code runs

    def run_cells(self, cells: list[tuple[int, str]]) -> None:
        """All cells in one fork; if one fails, again from the state before them, a fork per cell, without it."""
        failed = self._run(cells)
        if failed is None:
            return
        self._adopt(None)
        for number, source in cells:
            if number != failed:
                self._run([(number, source)])

    def _report(self, outcome: CellOutcome) -> None:
        if outcome.cell not in self.reported:  # the grader gets each cell's first outcome, once
            self.reported.add(outcome.cell)
            send_frame(self.fd, json.dumps(outcome.to_json()).encode())

    def _run(self, cells: list[tuple[int, str]]) -> int | None:
        """Run numbered cells in one fork of the current state; the number of the cell that failed, or None (the
        fork then holds the state)."""
        limit = self.limits.cell
        number, last = cells[0][0], cells[-1][0]
        try:
            child = self._spawn({"job": "cells", "cells": cells}, limit)
        except _Lost as exc:
            self._report(CellOutcome(number, "crashed", message=f"the cell could not start: {exc}; {_DISCARDED}"))
            return number
        held = None  # the last cell's outcome, reported once its fork has handed over: a failure until then is its own
        try:
            for number, _ in cells:
                outcome = CellOutcome.from_json(json.loads(child.peer.recv(limit, _MAX_OUTCOME_BYTES)))
                outcome = CellOutcome(number, outcome.status, outcome.error_type, outcome.message)
                if number == last:
                    held = outcome
                else:
                    self._report(outcome)
            self._hand_over(child, limit)
        except ChannelTimeout:
            child.kill()
            stopped = f"the cell ran longer than {limit:g} s, its time limit, and was stopped; {_DISCARDED}"
            failure = CellOutcome(number, "timeout", message=stopped)
        except FrameTooLarge as exc:
            child.kill()
            failure = CellOutcome(number, "crashed", message=f"the cell's report to the grader was {_size(exc.size)}, "
                                  f"far more than a report can be (did it write to the grader's channel?); {_DISCARDED}")  # fmt: skip
        except (ChannelClosed, OSError, ValueError, TypeError, KeyError, RecursionError):  # a malformed report too
            ended = child.kill(ask=True)
            failure = CellOutcome(number, "crashed", message=f"the cell ended its process ({ended}); {_DISCARDED}")
        else:
            if held is not None:
                self._report(held)
            self._adopt(child)
            return None
        self._report(failure)
        return number

    @staticmethod
    def _hand_over(child: _Child, limit: float) -> None:
        """Take the new socket a fork that ran its cells holds the state on. The fork makes it and sends the session
        its end, which only the session can receive (processes its cells started hold the old socket too, and could
        take anything sent the other way); and the session takes it only from the fork itself."""
        payload, fds = child.peer.recv_with_fds(limit, 16)
        if payload != _DONE or len(fds) != 1:
            close_all(fds)
            raise ValueError("the fork did not end its cells as expected")
        try:
            sock = socket.socket(fileno=fds[0])
        except OSError:
            close_all(fds)
            raise
        child.peer.replace(sock)

    def _adopt(self, child: _Child | None) -> None:
        """`child` holds the state from now on; the previous holder, told nothing more, ends when its socket closes."""
        previous, self.holder = self.holder, child
        if previous is not None:
            previous.release()

    def _spawn(self, command: dict[str, Any], limit: float) -> _Child:
        """A fork of the current state running `command` (cells to run, or calls to serve)."""
        if self.holder is None:
            child = self._fork_session(command)
        else:
            child = _fork_holder(self.holder, command, limit)
        try:
            if child.peer.recv(limit, len(_HELLO)) == _HELLO:
                return child
        except (ChannelClosed, ChannelTimeout, OSError):
            pass
        child.kill()
        raise _Lost("a new process for it did not start as expected")

    def _fork_session(self, command: dict[str, Any]) -> _Child:
        """A fork of this process's own state (no cell has run in it); _Lost if the system refuses one (a process,
        descriptor or memory limit), so that only this cell or call fails, not the session."""
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            listen_for_names(mine)
            pid = self.fork()
        except OSError as exc:
            mine.close()
            theirs.close()
            raise _Lost(f"the system refused a new process ({exc.strerror or exc})") from exc
        if pid == 0:  # the grader's channel, and every other descriptor of the session, stay out of reach
            os.closerange(3, theirs.fileno())
            os.closerange(theirs.fileno() + 1, 1 << 16)
            self.sandbox.confine_student()
            _start(theirs, command, _Fork(self.sandbox.student_cleaner()))
        theirs.close()
        try:
            pidfd = os.pidfd_open(pid)
        except OSError as exc:
            _kill_group(pid)
            mine.close()
            raise _Lost(f"the system refused to watch a new process ({exc.strerror or exc}); the grader needs "
                        "Linux 5.3 or later") from exc  # fmt: skip
        return _Child(Peer(mine, pidfd, pid))

    def call(self, request: bytes) -> bytes:
        """The wire-encoded reply to one wire-encoded request, from the call fork of the current question."""
        limit = self.limits.call
        try:
            if self.calls is None:
                self.calls = self._spawn({"job": "calls"}, limit)
            self.calls.peer.send(request, limit)
            return self.calls.peer.recv(limit, wire.MAX_REPLY_BYTES)
        except _Lost as exc:
            return _error("Crashed", f"the call could not start: {exc}")
        except TimeoutError:  # ChannelTimeout too
            self.stop_calls()
            return _error("Timeout", f"the call did not finish within {limit:g} s, its time limit, and was stopped (an endless loop?)")
        except FrameTooLarge as exc:
            self.stop_calls()
            return _error("TooLarge", f"the call's result was {_size(exc.size)}, more than the "
                          f"{_size(wire.MAX_REPLY_BYTES)} the grader accepts from one call (return smaller values)")  # fmt: skip
        except (ChannelClosed, OSError):
            self.stop_calls()
            return _error("Crashed", "the call ended the worker process (os._exit, a crash, or too much memory)")

    def stop_calls(self) -> None:
        if self.calls is not None:
            self.calls.kill()
            self.calls = None


def _fork_holder(holder: _Child, command: dict[str, Any], limit: float) -> _Child:
    """A fork of the state holder, which sends the session its end of the fork's socket and the fork's pidfd."""
    try:
        _, fds = holder.request(command, limit)
    except TimeoutError as exc:  # ChannelTimeout too
        raise _Lost("the process holding your notebook's state did not answer in time") from exc
    except (OSError, ChannelClosed) as exc:
        raise _Lost("the process holding your notebook's state has ended") from exc
    if len(fds) != 2:
        close_all(fds)
        raise _Lost("the process holding your notebook's state has ended")
    try:  # a thread of the student's in the holder could have sent any descriptor
        sock = socket.socket(fileno=fds[0])
    except OSError as exc:
        close_all(fds)
        raise _Lost("the process holding your notebook's state sent something unexpected") from exc
    return _Child(Peer(sock, fds[1]), parent=holder)


def _error(kind: str, message: str) -> bytes:
    return wire.encode({"error": {"type": kind, "message": message}})


def _size(size: int) -> str:
    return f"{size / 2**20:.0f} MB" if size >= 2**20 else f"{size} bytes"


def _start(sock: socket.socket, command: dict[str, Any], fork: _Fork) -> NoReturn:
    """In a fork: run the command's cells, reporting each, then hold the state; or serve calls. Never returns."""
    try:
        os.setpgid(0, 0)
        send_frame(sock.fileno(), _HELLO)
        if command["job"] == "calls":
            _serve_calls(sock.fileno())
        for number, source in command["cells"]:
            send_frame(sock.fileno(), json.dumps(_run_or_skip(source, _NAMESPACE, number)).encode())
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)  # made now: no process the cells
        socket.send_fds(sock, [frame(_DONE)], [listen_for_names(theirs).fileno()])  # started holds it
        theirs.close()
        sock.close()
        _hold(mine, fork)
    except BaseException:  # noqa: BLE001
        os._exit(0)


_NAMESPACE: dict[str, Any] = {"__name__": "__main__"}  # the notebook's globals, in the forks that run its code


def _hold(sock: socket.socket, fork: _Fork) -> NoReturn:
    """Keep the state the cells left and fork from it whenever the session asks; end when the session lets go."""
    last = 0
    while True:
        command = json.loads(recv_frame(sock.fileno(), None, MAX_REQUEST_BYTES))
        if command["job"] in ("kill", "report"):
            ended = _kill_group(last) if last else "exit status unknown"  # before any other reaping takes its status
            reap_children()
            last = 0
            if command["job"] == "report":
                send_frame(sock.fileno(), json.dumps({"id": command["id"], "ended": ended}).encode())
            continue
        reap_children()
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        listen_for_names(mine)  # before the fork writes: the session reads only what the fork itself writes
        last = fork()
        if last == 0:
            sock.close()
            mine.close()
            _start(theirs, command, fork)
        theirs.close()
        pidfd = os.pidfd_open(last)
        socket.send_fds(sock, [frame(json.dumps({"id": command["id"]}).encode())], [mine.fileno(), pidfd])
        mine.close()
        os.close(pidfd)


def _run_or_skip(source: str, namespace: dict[str, Any], number: int) -> dict[str, Any]:
    if is_public_check(source):  # prints only; skipping it saves the checks' own work
        return CellOutcome(number, "skipped-work").to_json()
    return run_cell(source, namespace, number).to_json()


def _serve_calls(channel: int) -> NoReturn:
    """The call fork's loop; it ends when the session closes its socket. Objects a request keeps under handles stay
    here for the later requests of the same scope (one probe run)."""
    handles: dict[str, Any] = {}
    try:
        while True:
            request = wire.decode(recv_frame(channel, None, MAX_REQUEST_BYTES))
            try:
                payload = wire.encode(run_request(_NAMESPACE, request, handles))
            except BaseException as exc:  # noqa: BLE001 - e.g. student code broke the executor or the encoder
                payload = wire.encode({"error": describe_error(exc)})
            send_frame(channel, payload)
    except BaseException:  # noqa: BLE001
        os._exit(0)


@dataclass(frozen=True)
class _Fork:
    """os.fork that, when the process limit is reached, first ends every other process of this submission.

    Processes a cell left behind (sleepers, a fork bomb) would otherwise use up the limit and stop later cells.
    `clean_up` (Sandbox.session_cleaner or student_cleaner) does it where it reaches nothing but the submission's
    own processes, and never the session process; without one, the fork fails.
    """

    clean_up: Callable[[], None] | None

    def __call__(self) -> int:
        for _ in range(50):
            try:
                return os.fork()
            except BlockingIOError:
                if self.clean_up is None:
                    raise
                self.clean_up()
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
    for kill in (os.killpg, os.kill):  # the fork itself too: it may have moved to another process group
        try:
            kill(pid, signal.SIGKILL)
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
