"""`autograder grade` stopped from outside (SIGTERM, as `timeout`, a job scheduler or a container's shutdown sends it)
stops at once and leaves nothing running: not its zygote, not a session, not the student code a cell was running,
whether the signal comes while a cell runs or while the hidden graders run (inside pytest, which turns exceptions
into exit codes); and student code gets SIGTERM's default action, not the zygote's."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from autograder.worker.sandbox import processes

ROOT = Path(__file__).resolve().parents[2]

# A cell that will not stop by itself and ignores the polite signals.
_STUCK = "import signal\nfor s in (signal.SIGINT, signal.SIGTERM):\n    signal.signal(s, signal.SIG_IGN)\nwhile True:\n    pass"
# A slow but correct adam_update: the hidden graders are still calling it when the signal comes.
_SLOW = "import time\n_adam_update = adam_update\n\ndef adam_update(*args, **kwargs):\n    time.sleep(0.2)\n" \
    "    return _adam_update(*args, **kwargs)"


def _started(pid: int) -> str:
    """The process's start time, so a pid reused after it ended is not taken for it."""
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()[19]


def _tree(root: int) -> dict[int, str]:
    alive = [p for p in processes() if not p.zombie]
    parents = {p.pid: p.parent for p in alive}
    found = {}
    for pid in parents:
        ancestor = pid
        while ancestor > 1 and ancestor != root:
            ancestor = parents.get(ancestor, 0)
        if ancestor == root and pid != root:
            try:
                found[pid] = _started(pid)
            except OSError:
                continue
    return found


def _still_running(seen: dict[int, str]) -> list[int]:
    left = []
    for process in processes():
        try:
            if not process.zombie and seen.get(process.pid) == _started(process.pid):
                left.append(process.pid)
        except OSError:
            continue
    return left


@pytest.mark.parametrize(("whom", "jobs", "cell"), [
    ("grader", "1", _STUCK), ("group", "1", _STUCK), ("grader", "2", _STUCK), ("group", "2", _STUCK),
    ("grader", "1", _SLOW), ("group", "2", _SLOW),
], ids=["cell-grader-1", "cell-group-1", "cell-grader-2", "cell-group-2", "graders-grader-1", "graders-group-2"])  # fmt: skip
def test_sigterm_stops_every_process_the_grade_started(tmp_path, whom, jobs, cell):
    notebook = nbformat.read(ROOT / "solutions/optim_reg.ipynb", as_version=4)
    notebook.cells.insert(3, nbformat.v4.new_code_cell(_STUCK)) if cell == _STUCK else notebook.cells.append(
        nbformat.v4.new_code_cell(cell))
    batch = tmp_path / "batch"
    batch.mkdir()
    for name in ("a", "b"):
        nbformat.write(notebook, batch / f"{name}.ipynb")
    grader = subprocess.Popen(
        [sys.executable, "-m", "autograder.cli", "grade", str(batch), "--assignment", "optim_reg", "--jobs", jobs,
         "--cell-timeout", "120", "--out", str(tmp_path / "out")],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    seen: dict[int, str] = {}
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and len(seen) < 2 + 2 * int(jobs):  # zygotes, sessions, the stuck cells
            seen.update(_tree(grader.pid))
            assert grader.poll() is None, grader.stderr.read().decode()
            time.sleep(0.2)
        time.sleep(1.0 if cell == _STUCK else 4.0)  # a slow submission: its cells are done, its graders run
        seen.update(_tree(grader.pid))
        if whom == "group":
            os.killpg(grader.pid, signal.SIGTERM)
        else:
            grader.send_signal(signal.SIGTERM)
        code = grader.wait(timeout=60)
    finally:
        if grader.poll() is None:
            os.killpg(grader.pid, signal.SIGKILL)
    assert code == 143, grader.stderr.read().decode()
    time.sleep(0.5)
    left = _still_running(seen)
    for pid in left:  # a failing run must not leave its stuck cells spinning for the rest of the suite
        os.kill(pid, signal.SIGKILL)
    assert not left, f"left running after SIGTERM: {left} of {sorted(seen)}"
    assert "stopped by SIGTERM" in grader.stderr.read().decode()
    assert not (tmp_path / "out" / "grades.csv").exists()


def test_student_code_gets_the_default_action_of_sigterm(tmp_path):
    notebook = nbformat.read(ROOT / "solutions/optim_reg.ipynb", as_version=4)
    notebook.cells.insert(3, nbformat.v4.new_code_cell(
        "import signal, subprocess\n"
        "assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL == signal.getsignal(signal.SIGINT)\n"
        "helper = subprocess.Popen(['sleep', '30'])\nhelper.terminate()\nassert helper.wait(timeout=5) == -15"
    ))  # fmt: skip
    nbformat.write(notebook, tmp_path / "terminates.ipynb")
    run = subprocess.run(
        [sys.executable, "-m", "autograder.cli", "grade", str(tmp_path / "terminates.ipynb"), "--assignment",
         "optim_reg", "--jobs", "1", "--out", str(tmp_path / "out")],
        check=False, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    output = (tmp_path / "out" / "terminates" / "results.json").read_text()
    assert "Code cell" not in output, output
