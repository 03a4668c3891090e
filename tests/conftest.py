"""Test modules marked ``beside`` run in a second pytest process, started as soon as the session has collected, so
that what they spend waiting (package downloads, disk-bound image builds) or on one core overlaps the rest of the
suite on a 2-core machine.

Their reports travel back through pytest's own report serialization (as pytest-xdist's do) and are shown at the
modules' places in this session: one run, one summary, one exit status, failures with their tracebacks; a second
process that exits with a status its reports do not explain is a failure too. A session that selects only such
modules, or runs in a pytest-xdist worker, runs them in-process. The second process has its own process session,
so a Ctrl-C reaches it once, from here: if this session ends early (a failure with ``-x``, Ctrl-C) or is killed
(a CI job cancelled, ``timeout``), it gets SIGINT and its fixtures' teardowns run (a module's daemons are stopped
by their pids there); a second Ctrl-C while this session waits for those teardowns kills its process group.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

MARKER = "beside"
REPORTS = "AUTOGRADER_BESIDE_REPORTS"  # set in the second process: the file its reports are appended to
STOP_SECONDS = 300  # for the second process to run its teardowns after SIGINT (stopping a Docker engine takes ~1 min)
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>: the signal a process gets when the thread that started it ends


@dataclass
class Beside:
    """The second process: what it runs, and its reports as they arrive."""

    process: subprocess.Popen
    nodeids: set[str]
    folder: Path
    started: float
    ended: float | None = None
    waited: float = 0.0
    interrupted: bool = False  # this session sent it SIGINT: it stopped before its tests ended
    killed: bool = False  # its process group got SIGKILL: its teardowns may not have run
    unfinished: bool = False  # a test of it has been reported failed here because it ended before that test did
    reports: dict[str, list] = field(default_factory=dict)
    read: int = 0  # bytes of the reports file read so far

    def receive(self, config: pytest.Config) -> None:
        """Read the reports the second process has written since the last call (whole lines only)."""
        if self.process.poll() is not None and self.ended is None:
            self.ended = time.monotonic()
        path = self.folder / "reports.jsonl"
        if not path.exists():
            return
        with path.open("rb") as f:
            f.seek(self.read)
            data = f.read()
        complete = data[: data.rfind(b"\n") + 1]
        self.read += len(complete)
        for line in complete.decode().splitlines():
            report = config.hook.pytest_report_from_serializable(config=config, data=json.loads(line))
            self.reports.setdefault(report.nodeid, []).append(report)

    def output(self) -> str:
        return (self.folder / "output.txt").read_text(errors="replace")[-6000:]

    def failure(self, nodeid: str, location: tuple, when: str, sentence: str) -> pytest.TestReport:
        """A failed report saying what went wrong with the second process, and what its output ends with."""
        return pytest.TestReport(nodeid, location, {}, "failed", f"{sentence}; its output ends:\n{self.output()}", when)

    def interrupt(self) -> None:
        self.interrupted = True
        self.process.send_signal(signal.SIGINT)

    def kill(self) -> None:
        """SIGKILL its process group: pytest and whatever it started that stayed in its group."""
        self.killed = True
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)

    def done(self, nodeid: str) -> bool:
        return any(report.when == "teardown" for report in self.reports.get(nodeid, []))

    def wait_for(self, config: pytest.Config, nodeid: str) -> list:
        """``nodeid``'s reports, once its teardown is reported or the second process has ended."""
        waiting = time.monotonic()
        self.receive(config)
        while not self.done(nodeid) and self.ended is None:
            time.sleep(0.5)
            self.receive(config)
        self.waited += time.monotonic() - waiting
        return self.reports.get(nodeid, [])


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{MARKER}: run this module in a second pytest process started with the "
                            "session (it mostly waits, or uses one core, and shares nothing with other modules)")
    if os.environ.get(REPORTS):
        config.pluginmanager.register(_Writer(config, os.environ[REPORTS]), "beside-writer")


def pytest_collection_finish(session: pytest.Session) -> None:
    config = session.config
    if os.environ.get(REPORTS) or os.environ.get("PYTEST_XDIST_WORKER") or config.option.collectonly:
        return  # under pytest-xdist, each worker would start a second process of its own
    beside = [item.nodeid for item in session.items if item.get_closest_marker(MARKER)]
    if not beside or len(beside) == len(session.items):
        return
    folder = Path(tempfile.mkdtemp(prefix="pytest-beside-"))
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", f"--basetemp={folder / 'tmp'}",
               *beside]  # fmt: skip
    env = {**os.environ, REPORTS: str(folder / "reports.jsonl")}
    orphaned = functools.partial(_interrupt_when_orphaned, ctypes.CDLL(None, use_errno=True).prctl, os.getpid())
    with (folder / "output.txt").open("wb") as output:  # Popen from this (main) thread, which PR_SET_PDEATHSIG watches
        process = subprocess.Popen(command, cwd=config.rootpath, env=env, stdout=output, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True, preexec_fn=orphaned)  # fmt: skip
    config.stash[_KEY] = Beside(process, set(beside), folder, time.monotonic())


_KEY = pytest.StashKey[Beside]()


def _interrupt_when_orphaned(prctl, parent: int) -> None:
    """In the second process, before it runs pytest: get SIGINT when this session ends however it ends (killed,
    too), so that it stops its tests and runs its teardowns instead of running on with nobody waiting."""
    if prctl(PR_SET_PDEATHSIG, int(signal.SIGINT)) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent:  # this session ended before the prctl: no signal will come, nothing has run yet
        os._exit(1)


class _Writer:
    """In the second process: appends each report, serialized, for the first process to show."""

    def __init__(self, config: pytest.Config, path: str) -> None:
        self.config, self.path = config, path

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        data = self.config.hook.pytest_report_to_serializable(config=self.config, report=report)
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(data) + "\n")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> bool | None:
    beside = item.config.stash.get(_KEY, None)
    if beside is None or item.nodeid not in beside.nodeids:
        return None
    reports = beside.wait_for(item.config, item.nodeid)
    item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    if not beside.done(item.nodeid):
        beside.unfinished = True
        reports = [*reports, beside.failure(item.nodeid, item.location, "teardown" if reports else "call", (
            f"the second pytest process (exit code {beside.process.returncode}) ended before this test did"))]
    for report in reports:
        item.ihook.pytest_runtest_logreport(report=report)
    # What the tests run here before it left set up (a package this module shares with them) is torn down as pytest
    # does after each test: down to what the next test needs, or the next one's setup finds it left over.
    item.session._setupstate.teardown_exact(nextitem)
    item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
    return True


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Let the second process end; if this session ended before its tests did (``-x``, Ctrl-C), SIGINT it first, so
    that it stops at once and its teardowns run. A Ctrl-C while waiting interrupts it, a second one kills it."""
    beside = session.config.stash.get(_KEY, None)
    if beside is None:
        return
    beside.receive(session.config)
    if beside.ended is None and not all(beside.done(nodeid) for nodeid in beside.nodeids):
        beside.interrupt()
    while beside.process.poll() is None:
        try:
            beside.process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            beside.kill()
        except KeyboardInterrupt:
            session.exitstatus = pytest.ExitCode.INTERRUPTED
            if beside.interrupted:
                beside.kill()
            else:
                beside.interrupt()
    beside.receive(session.config)
    _fail_unexplained_exit(session, beside)


def _fail_unexplained_exit(session: pytest.Session, beside: Beside) -> None:
    """A failure when the second process ran to its end but exited with a status its reports do not explain (an
    error in a hook or plugin after its last report): otherwise this session could pass."""
    failed = any(report.failed for reports in beside.reports.values() for report in reports)
    code = beside.process.returncode
    if beside.interrupted or beside.unfinished or code == (pytest.ExitCode.TESTS_FAILED if failed else 0):
        return
    nodeid, location = MARKER, (MARKER, None, "second pytest process")
    report = beside.failure(nodeid, location, "call", (
        f"the second pytest process exited with status {code}, which its tests' reports "
        f"({'some failed' if failed else 'all passed'}) do not explain: something in it failed outside its tests "
        "(a hook, a plugin)"))
    session.ihook.pytest_runtest_logstart(nodeid=nodeid, location=location)
    session.ihook.pytest_runtest_logreport(report=report)
    session.ihook.pytest_runtest_logfinish(nodeid=nodeid, location=location)
    if session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    beside = config.stash.get(_KEY, None)
    if beside is None:
        return
    failed = any(r.failed for reports in beside.reports.values() for r in reports) or beside.process.returncode != 0
    count = len(beside.nodeids)
    terminalreporter.write_line(
        f"{count} test{'' if count == 1 else 's'} ran beside the rest in a second pytest process: "
        f"{beside.ended - beside.started:.0f} s from this session's collection to its end; this session waited "
        f"{beside.waited:.0f} s for their results"
        + ("; it was killed before its teardowns ended: daemons its modules started may still run, stop them by hand"
           if beside.killed else "")
        + (f"; its output and temporary files: {beside.folder}" if failed else "")
    )
    if not failed:
        shutil.rmtree(beside.folder, ignore_errors=True)
