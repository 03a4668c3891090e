"""The benchmark's quick mode runs end to end and prints every row and line of its table, with numbers (it checks that
the benchmark works, not how fast anything is). It grades one submission at a time and asserts no timing, so in a
whole-suite run it runs beside the rest, in a second pytest process (tests/conftest.py), using the core the rest
often leaves idle."""

import importlib.util
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

from grading_speed import tree_pids  # noqa: E402

import pytest  # noqa: E402

pytestmark = pytest.mark.beside

GUARD = 1800  # seconds: a guard against a hang, not a time limit


def kill_tree(root: int) -> None:
    """SIGKILL root and every process descending from it, wherever it went (sessions call setsid, so a process
    group would miss them): stop them all first, so none forks or re-parents while the tree is read, then kill."""
    stopped: set[int] = set()
    for _ in range(100):
        fresh = [pid for pid in tree_pids(root) if pid not in stopped]
        if not fresh:
            break
        for pid in fresh:
            try:
                os.kill(pid, signal.SIGSTOP)
            except ProcessLookupError:
                pass
            stopped.add(pid)
        time.sleep(0.01)
    for pid in stopped:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_quick_benchmark_prints_its_table():
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "benchmarks/grading_speed.py"), "--quick", "--jobs", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        out, err = process.communicate(timeout=GUARD)
    except subprocess.TimeoutExpired:
        kill_tree(process.pid)
        process.communicate()
        raise AssertionError(f"the quick benchmark did not finish within {GUARD} s; its processes were killed")
    assert process.returncode == 0, err[-2000:]
    assert "| run | n | wall s | CPU s | CPU s/submission | peak MB | load |" in out, out
    rows = ["one submission, end to end (`--jobs 1`) | 1", "batch of 1 (`--jobs 1`) | 1", "batch of 2 (`--jobs 1`) | 2"]
    lines = ["one submission end to end:", "marginal cost per extra submission (N=1->2):",
             "peak memory of the whole tree:"]  # fmt: skip
    if importlib.util.find_spec("otter"):
        rows.append("`otter run`, 1 notebooks, each | 1")
        lines += ["otter run per notebook:", "marginal CPU cost against otter run's CPU per notebook:",
                  "one submission against otter run:"]  # fmt: skip
    else:
        lines.append("otter run: not measured")
    numbers = r" \| [\d.]+ \| [\d.]+ \| [\d.]+ \| \d+ \| [\d.]+ \|$"  # wall, CPU, CPU per submission, MB, load
    for row in rows:
        assert re.search(rf"^\| {re.escape(row)}{numbers}", out, re.M), (row, out)
    for line in lines:
        assert re.search(rf"^- {re.escape(line)} .*\d", out, re.M), (line, out)


def test_kill_tree_reaches_processes_that_left_the_group():
    """A grandchild in its own session (as worker sessions are) dies with the tree."""
    script = (
        "import os, sys, time\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        "        print(os.getpid(), flush=True); time.sleep(600)\n"
        "    time.sleep(600)\n"
        "time.sleep(600)\n"
    )
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    grandchild = int(process.stdout.readline())
    kill_tree(process.pid)
    process.wait(timeout=10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{grandchild}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    break
        except FileNotFoundError:
            break
        time.sleep(0.05)
    else:
        raise AssertionError("a process of the tree survived kill_tree")
