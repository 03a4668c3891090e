"""The sweep at each session's end: it finds what a session left behind, also after setsid and double forks, from the
process tree below the zygote, and reads every process on the machine only when it must."""

from __future__ import annotations

import contextlib
import os
import platform
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.grading.remote import RemoteSubmission
from autograder.worker import sandbox, zygote
from autograder.worker.sandbox import has_ended, processes
from autograder.worker.zygote import Zygote, close_all, sweep, warm_up
from tests.calls import ASSIGNMENT as CALLS
from tests.security import harness
from tests.worker.test_worker import LIMITS, call

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


# The exit system call (not exit_group, which os._exit makes) ends only the calling thread: /proc/<pid>/stat then shows
# the main thread a zombie while the process runs on in its other threads.
_SYS_EXIT = {"x86_64": 60, "aarch64": 93}.get(platform.machine())
needs_sys_exit = pytest.mark.skipif(_SYS_EXIT is None, reason="the exit system call's number is not known here")

_MAIN_THREAD_EXITS = f"""
import ctypes, sys, threading, time
threading.Thread(target=time.sleep, args=(300,)).start()
ctypes.CDLL(None).syscall({_SYS_EXIT}, 0)
"""


def _main_thread_ended(pid: int) -> bool:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            if stat.read().rsplit(b")", 1)[1].split()[0] == b"Z" and len(os.listdir(f"/proc/{pid}/task")) == 2:
                return True
        time.sleep(0.01)
    return False


@needs_sys_exit
def test_a_process_whose_main_thread_exited_has_not_ended_while_another_thread_runs():
    process = subprocess.Popen([sys.executable, "-c", _MAIN_THREAD_EXITS, harness.MARK])
    try:
        assert _main_thread_ended(process.pid)
        assert not has_ended(process.pid)
        assert process.pid in sandbox.descendants(os.getpid())
        assert not next(p for p in processes() if p.pid == process.pid).zombie
        assert any(f"process {process.pid}:" in left for left in harness._processes_left(Path("/nonexistent")))
    finally:
        process.kill()  # SIGKILL to the process ends every thread
    assert _gone(process.pid)  # a zombie until reaped: every thread has ended
    process.wait()


# The review's attack: a process started by a cell leaves its session, starts a thread that forks a sleeper and runs
# on, and ends its main thread; the cell waits until the sleeper exists.
_ATTACK = f"""
import ctypes, os, threading, time
ready, told = os.pipe()
if os.fork() == 0:
    os.setsid()
    def spawn():
        if os.fork() == 0:
            os.execvp("sleep", ["sleep", "{harness.MARK}"])
        os.write(told, b"x")
        while True:
            time.sleep(1)
    threading.Thread(target=spawn).start()
    ctypes.CDLL(None).syscall({_SYS_EXIT}, 0)
os.read(ready, 1)
def double(x):
    return 2 * x
"""


def _live_threads_of(uid: int) -> list[str]:
    """Every thread on the machine that runs as `uid` and has not ended, read thread by thread."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        with contextlib.suppress(OSError):
            for thread in os.listdir(f"/proc/{pid}/task"):
                with contextlib.suppress(OSError):
                    fields = dict(line.split(":", 1) for line in open(f"/proc/{pid}/task/{thread}/status"))
                    if str(uid) in fields["Uid"].split() and fields["State"].split()[0] not in ("Z", "X"):
                        found.append(f"{pid}/{thread}")
    return found


@needs_sys_exit
def test_a_process_whose_main_thread_exited_is_swept_with_its_children(monkeypatch):
    if os.geteuid() != 0:
        pytest.skip("needs root to run sessions as the sandbox uid")
    monkeypatch.setattr(sandbox, "_namespaces_work", lambda user: False)  # no pid namespace ends them at once
    warm_up(CALLS)
    (box,) = sandbox.plan()
    assert not box.namespaces and box.uid is not None
    z = Zygote(box)
    try:
        sub = RemoteSubmission(z, [_ATTACK], LIMITS, CALLS)
        try:
            assert call(sub, "double", [1.0]) == [2.0]
            assert _live_threads_of(box.uid)  # the attack is running
        finally:
            sub.close()
    finally:
        close_all([z])
        shutil.rmtree(box.work_root)
    deadline = time.monotonic() + 5
    while (left := _live_threads_of(box.uid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in {int(thread.split("/")[0]) for thread in left}:  # a failed test leaves nothing running
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    assert left == []
