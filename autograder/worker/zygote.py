"""The zygote: a warm process, forked from the grader before the reference or hidden tests are imported, that
forks one session per submission. No submission pays for importing torch, and no session inherits anything
secret from the grader.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import resource
import signal
import socket
from pathlib import Path
from typing import NoReturn

from autograder.worker.session import serve_session

_PR_SET_CHILD_SUBREAPER = 36


def warm_up() -> None:
    """Import what every submission needs, once, so forks start warm (call in the grader before forking)."""
    import matplotlib

    matplotlib.use("Agg")  # this process and its forks only: never leak a backend choice through the environment
    import matplotlib.pyplot  # noqa: F401
    import numpy  # noqa: F401
    import sklearn.datasets
    import torch

    import autograder.probes.optim_reg  # noqa: F401  (registers the probes)
    from autograder.probes.forbidden import install

    torch.set_num_threads(1)  # small tensors; one thread is faster and keeps forks safe
    sklearn.datasets.load_digits()
    install()


class Zygote:
    """The grader's handle on its zygote process."""

    def __init__(self) -> None:
        parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        pid = os.fork()
        if pid == 0:
            parent_end.close()
            _zygote_main(child_end)
        child_end.close()
        self.pid, self._control = pid, parent_end

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

    def close(self) -> None:
        """Tell the zygote to exit (it sees the channel close) and wait for it."""
        self._control.close()
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)


def close_all(zygotes: list[Zygote]) -> None:
    """Close every zygote's channel first, then wait: no zygote waits on a channel another one still holds."""
    for zygote in zygotes:
        zygote._control.close()
    for zygote in zygotes:
        zygote.close()


def kill_session(sid: int) -> None:
    """Kill every process of a session (all share its session id unless they escaped with setsid)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getsid(int(entry.name)) == sid:
                os.kill(int(entry.name), signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            continue


def _reap_children(*_: object) -> None:
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass


def _close_inherited_fds(keep: int) -> None:
    """Drop every descriptor inherited from the grader (other zygotes' channels, output files) but `keep`."""
    limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    os.closerange(3, keep)
    os.closerange(keep + 1, limit if limit != resource.RLIM_INFINITY else 65536)


def _zygote_main(control: socket.socket) -> NoReturn:
    try:
        _close_inherited_fds(control.fileno())
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
        signal.signal(signal.SIGCHLD, _reap_children)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the grader, which shuts us down
        while True:
            message, fds, _, _ = socket.recv_fds(control, 16, 1)
            if not message or not fds:
                os._exit(0)
            pid = os.fork()
            if pid == 0:
                control.close()
                serve_session(fds[0])
            os.close(fds[0])
            control.sendall(str(pid).encode())
    except BaseException:  # noqa: BLE001
        os._exit(1)
