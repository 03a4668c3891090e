"""The zygote: a warm process, forked from the grader before the reference or hidden tests are imported, that
forks one session per submission. No submission pays for importing torch, and no session inherits anything
secret from the grader.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import os
import resource
import shutil
import signal
import socket
import time
import types
from typing import NoReturn

from autograder.assignment import Assignment
from autograder.worker import deferred, recorder
from autograder.worker.sandbox import Sandbox, descendants, has_ended, processes
from autograder.worker.session import reap_children, serve_session

_PR_SET_CHILD_SUBREAPER = 36
_QUIET_READINGS = 3


def warm_up(assignment: Assignment) -> None:
    """Prepare what every submission of the assignment needs, once, so forks start warm: import its warm-up modules,
    install the forbidden-call recorder of its list, and defer its deferred modules (imported in a session only if
    its graded code uses them). Call it in the grader before forking, and before the hidden graders, the probes or the
    reference are imported: the workers hold everything this imports, and nothing else."""
    import threadpoolctl
    import torch

    reached = [entry for entry in assignment.deferred if assignment.forbidden.reaches(entry.partition(":")[0])]
    for entry in assignment.warm_up:
        module, _, function = entry.partition(":")
        loaded = importlib.import_module(module)
        if function:
            getattr(loaded, function)()
    for entry in reached:  # before the recorder: it instruments only what is loaded
        importlib.import_module(entry.partition(":")[0])
    torch.set_num_threads(1)  # small tensors; one thread is faster and keeps forks safe
    # The same for numpy's BLAS and OpenMP pools, already started at import: their idle threads spin, and with
    # --jobs 2 on two cores the spinning cost 40% of the batch's wall time (measured: 31.7 s -> 18.7 s for 12).
    threadpoolctl.threadpool_limits(1)
    recorder.install(assignment.forbidden.names, assignment.forbidden.allowed)
    deferred.install([e for e in assignment.deferred if e not in reached], {"matplotlib": _agg})


def _agg(matplotlib: types.ModuleType) -> None:
    """Agg in this process and its forks. Not MPLBACKEND: it would leak to other programs. Not matplotlib.use: it runs
    pyplot, which may still be deferred, in the middle of another import (mpl_toolkits then imports circularly)."""
    matplotlib.rcParams["backend"] = "Agg"


class Zygote:
    """The grader's handle on its zygote process, which confines every session it starts in its sandbox."""

    def __init__(self, sandbox: Sandbox) -> None:
        parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        pid = os.fork()
        if pid == 0:
            parent_end.close()
            _zygote_main(child_end, sandbox)
        child_end.close()
        self.pid, self.sandbox, self._control = pid, sandbox, parent_end
        ready = parent_end.recv(2000).decode(errors="replace")
        if ready != "ready":
            self.close()
            raise RuntimeError(f"the worker sandbox could not be set up: {ready or 'the zygote stopped'}")

    def new_session(self) -> tuple[socket.socket, int]:
        """A fresh session process and the grader's end of its channel."""
        grader_end, session_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        socket.send_fds(self._control, [b"s"], [session_end.fileno()])
        session_end.close()
        reply = self._control.recv(32)
        if not reply:
            grader_end.close()
            raise RuntimeError("the worker zygote has stopped; the grader cannot start new submissions")
        return grader_end, int(reply)

    def end_session(self, pid: int) -> None:
        """Kill every process the session started, wherever it went, then delete its working directory."""
        sweep(self.pid, self.sandbox.uid)
        shutil.rmtree(self.sandbox.workdir(pid), ignore_errors=True)

    def close(self) -> None:
        """Tell the zygote to exit (it sees the channel close) and wait for it."""
        self._control.close()
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)


def close_all(zygotes: list[Zygote]) -> None:
    """Sweep each zygote's processes while it lives (once it has exited, they no longer descend from it), then
    close every channel before waiting: no zygote waits on a channel another one still holds."""
    try:
        for zygote in zygotes:
            sweep(zygote.pid, zygote.sandbox.uid)
    finally:
        for zygote in zygotes:
            zygote._control.close()
        for zygote in zygotes:
            zygote.close()


def sweep(zygote: int, uid: int | None) -> None:
    """SIGKILL every descendant of the zygote and, when there is one, every process of the sandbox uid.

    The zygote is a child subreaper, so processes that double-fork or call setsid are re-parented to it and stay
    its descendants: nothing a session starts can leave this set while the zygote lives. Only the sandbox uid's fresh
    processes have that uid, so while the zygote lives its descendants are all of them, read from the process tree
    below it (sandbox.descendants) instead of every process on the machine; every process is read only when the
    kernel does not list children or the zygote has ended. When a session has its own pid namespace, killing its
    first process makes the kernel kill everything in it at once. Otherwise a chain of processes that each fork
    their successor and exit could be missed by one reading (the successor born after it was read, the predecessor
    already a zombie), so it repeats until several readings in a row find none; zombies are skipped, the zygote
    reaps them.
    """
    deadline = time.monotonic() + 10.0  # a process tearing down a large address space can take a moment to die
    quiet = 0
    while time.monotonic() < deadline:
        victims = _victims(zygote, uid)
        if not victims:
            quiet += 1
            if quiet == _QUIET_READINGS:
                return
            time.sleep(0.001)
            continue
        quiet = 0
        for pid in victims:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.005)
    raise RuntimeError("processes started by a submission could not all be stopped")


def _victims(zygote: int, uid: int | None) -> set[int]:
    """The zygote's living descendants and the sandbox uid's processes (see sweep)."""
    below = descendants(zygote)
    if below is not None and not has_ended(zygote):  # read after the tree: it was whole while it was read
        return below
    alive = [p for p in processes() if not p.zombie]
    parents = {p.pid: p.parent for p in alive}
    return {p.pid for p in alive if uid in p.uids or _descends(p.pid, zygote, parents)}


def _descends(pid: int, ancestor: int, parents: dict[int, int]) -> bool:
    seen = 0
    while (pid := parents.get(pid, 0)) > 1 and seen < 10_000:
        if pid == ancestor:
            return True
        seen += 1
    return False


def _close_inherited_fds(keep: int) -> None:
    """Drop every descriptor inherited from the grader (other zygotes' channels, output files) but `keep`."""
    limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    os.closerange(3, keep)
    os.closerange(keep + 1, limit if limit != resource.RLIM_INFINITY else 65536)


def _zygote_main(control: socket.socket, sandbox: Sandbox) -> NoReturn:
    try:
        _close_inherited_fds(control.fileno())
        recorder.watch_for_tampering()  # here, not in the grader: the grader's own tools may use gc and tracing
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
        try:
            sandbox.prepare()
        except OSError as exc:
            control.sendall(str(exc).encode()[:2000])
            os._exit(1)
        control.sendall(b"ready")
        signal.signal(signal.SIGCHLD, reap_children)
        for stop in (signal.SIGINT, signal.SIGTERM):  # Ctrl-C or `timeout` reach the grader, which shuts us down
            signal.signal(stop, signal.SIG_IGN)
        while True:
            message, fds, _, _ = socket.recv_fds(control, 16, 1)
            if not message or not fds:
                os._exit(0)
            pid = os.fork()
            if pid == 0:
                control.close()
                serve_session(fds[0], sandbox)
            os.close(fds[0])
            control.sendall(str(pid).encode())
    except BaseException:  # noqa: BLE001
        os._exit(1)
