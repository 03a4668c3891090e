"""Test modules marked ``beside`` run in a second pytest process, started as soon as the session has collected, so
that their waiting (package downloads, disk-bound image builds) overlaps the CPU-bound rest of the suite.

Their reports travel back through pytest's own report serialization (as pytest-xdist's do) and are shown at the
modules' places in this session: one run, one summary, one exit status, failures with their tracebacks. A session
that selects only such modules runs them in-process. The second process has its own process session, so a Ctrl-C
reaches it once, from here: if this session ends early (a failure with ``-x``, Ctrl-C), it gets SIGINT and its
fixtures' teardowns run (a module's daemons are stopped by their pids there); if this one is killed, it finishes
its tests and teardowns on its own.
"""

from __future__ import annotations

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


@dataclass
class Beside:
    """The second process: what it runs and where its reports go."""

    process: subprocess.Popen
    nodeids: set[str]
    folder: Path
    started: float
    ended: float | None = None
    waited: float = 0.0
    reports: dict[str, list] = field(default_factory=dict)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{MARKER}: run this module in a second pytest process started with the session (it mostly waits)"
    )
    if os.environ.get(REPORTS):
        config.pluginmanager.register(_Writer(config, os.environ[REPORTS]), "beside-writer")


def pytest_collection_finish(session: pytest.Session) -> None:
    config = session.config
    if os.environ.get(REPORTS) or config.option.collectonly:
        return
    beside = [item.nodeid for item in session.items if item.get_closest_marker(MARKER)]
    if not beside or len(beside) == len(session.items):
        return
    folder = Path(tempfile.mkdtemp(prefix="pytest-beside-"))
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", f"--basetemp={folder / 'tmp'}",
               *beside]  # fmt: skip
    env = {**os.environ, REPORTS: str(folder / "reports.jsonl")}
    with (folder / "output.txt").open("wb") as output:
        process = subprocess.Popen(command, cwd=config.rootpath, env=env, stdout=output, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    config.stash[_KEY] = Beside(process, set(beside), folder, time.monotonic())


_KEY = pytest.StashKey[Beside]()


class _Writer:
    """In the second process: appends each report, serialized, for the first process to show."""

    def __init__(self, config: pytest.Config, path: str) -> None:
        self.config, self.path = config, path

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        data = self.config.hook.pytest_report_to_serializable(config=self.config, report=report)
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(data) + "\n")


def _finish(config: pytest.Config, beside: Beside) -> None:
    """Wait for the second process, then read its reports."""
    if beside.ended is None:
        waiting = time.monotonic()
        beside.process.wait()
        beside.ended = time.monotonic()
        beside.waited = beside.ended - waiting
        path = beside.folder / "reports.jsonl"
        lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        for line in lines:
            report = config.hook.pytest_report_from_serializable(config=config, data=json.loads(line))
            beside.reports.setdefault(report.nodeid, []).append(report)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> bool | None:
    beside = item.config.stash.get(_KEY, None)
    if beside is None or item.nodeid not in beside.nodeids:
        return None
    _finish(item.config, beside)
    item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    reports = beside.reports.get(item.nodeid)
    if not reports:
        output = (beside.folder / "output.txt").read_text(errors="replace")[-6000:]
        reports = [pytest.TestReport(item.nodeid, item.location, {}, "failed", (
            f"the second pytest process (exit code {beside.process.returncode}) reported nothing for this test; "
            f"its output ends:\n{output}"), "call")]  # fmt: skip
    for report in reports:
        item.ihook.pytest_runtest_logreport(report=report)
    item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
    return True


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Stop a second process this session no longer waits for (an early end): SIGINT, so its teardowns run."""
    beside = session.config.stash.get(_KEY, None)
    if beside is None or beside.process.poll() is not None:
        return
    beside.process.send_signal(signal.SIGINT)
    try:
        beside.process.wait(STOP_SECONDS)
    except subprocess.TimeoutExpired:
        beside.process.kill()
        beside.process.wait()


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    beside = config.stash.get(_KEY, None)
    if beside is None or beside.ended is None:
        return
    failed = any(r.failed for reports in beside.reports.values() for r in reports) or beside.process.returncode != 0
    terminalreporter.write_line(
        f"{len(beside.nodeids)} tests ran beside the rest in a second pytest process: "
        f"{beside.ended - beside.started:.0f} s from this session's collection, of which it waited "
        f"{beside.waited:.0f} s at their place"
        + (f"; its output and temporary files: {beside.folder}" if failed else "")
    )
    if not failed:
        shutil.rmtree(beside.folder, ignore_errors=True)
