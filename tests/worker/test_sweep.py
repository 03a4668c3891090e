"""The sweep at each session's end: it finds what a session left behind, also after setsid and double forks, from the
process tree below the zygote, and reads every process on the machine only when it must."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

import pytest

from autograder.worker import sandbox, zygote
from autograder.worker.sandbox import has_ended
from autograder.worker.zygote import sweep

# A stand-in for the zygote: a child subreaper whose child calls setsid and double-forks a sleeper, then exits; it
# prints the sleeper's pid and keeps reaping.
_REAPER = """
import ctypes, os, signal, sys, time
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)
signal.signal(signal.SIGCHLD, lambda *_: os.waitpid(-1, os.WNOHANG))
read, write = os.pipe()
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.write(write, str(os.getpid()).encode())
        os.execvp("sleep", ["sleep", "300"])
    os._exit(0)
print(os.read(read, 32).decode(), flush=True)
while True:
    time.sleep(1)
"""


@pytest.fixture
def reaper():
    process = subprocess.Popen([sys.executable, "-c", _REAPER], stdout=subprocess.PIPE, text=True)
    escaped = int(process.stdout.readline())
    yield process.pid, escaped
    process.kill()
    process.wait()
    with contextlib.suppress(ProcessLookupError):
        os.kill(escaped, signal.SIGKILL)


def _gone(pid: int) -> bool:
    deadline = time.monotonic() + 5
    while not has_ended(pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    return has_ended(pid)


def test_the_sweep_finds_a_double_forked_setsid_process_without_reading_every_process(reaper, monkeypatch):
    def every_process():
        raise AssertionError("the sweep read every process on the machine")

    monkeypatch.setattr(zygote, "processes", every_process)
    root, escaped = reaper
    assert escaped in sandbox.descendants(root)
    sweep(root, None)
    assert _gone(escaped)
    assert not has_ended(root)  # the sweep ends what is below the zygote, never the zygote


def test_without_children_lists_the_sweep_reads_every_process(reaper, monkeypatch):
    monkeypatch.setattr(sandbox, "_LISTS_CHILDREN", False)
    root, escaped = reaper
    assert sandbox.descendants(root) is None
    sweep(root, None)
    assert _gone(escaped)


def test_once_the_zygote_has_ended_processes_of_the_sandbox_uid_are_still_found():
    """Its descendants then move to another reaper: the uid is what still marks them."""
    if os.geteuid() != 0:
        pytest.skip("needs root to run a process as another uid")
    (uid,) = sandbox._free_uids(1)
    ended = subprocess.Popen(["true"])
    ended.wait()
    stray = subprocess.Popen(["sleep", "300"], user=uid, group=uid)
    try:
        sweep(ended.pid, uid)
        assert stray.wait(timeout=5) == -signal.SIGKILL
    finally:
        stray.kill()
        stray.wait()
