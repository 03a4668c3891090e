"""Modules marked ``beside`` (tests/conftest.py) run in a second pytest process, overlapping the rest; their results,
failures included, are this session's, and an early end still runs their teardowns."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CONFTEST = "from tests.conftest import (pytest_collection_finish, pytest_configure, pytest_runtest_protocol,\n" \
           "    pytest_sessionfinish, pytest_terminal_summary)\n"  # fmt: skip
RECORD = "import os, time\n\ndef record(what):\n    with open(os.environ['BESIDE_LOG'], 'a') as f:\n" \
         "        f.write(f'{what} {os.getpid()} {time.time()}\\n')\n"  # fmt: skip
BESIDE = RECORD + """
import pytest

pytestmark = pytest.mark.beside


@pytest.fixture(scope="module")
def daemon():
    record("started")
    try:
        yield
    finally:
        record("stopped")


def test_waits(daemon):
    record("waits")
    time.sleep(float(os.environ["BESIDE_SLEEP"]))
    record("waited")


def test_fails(daemon):
    assert 1 == 2, "a failure in the second process"
"""
FIRST = """
import pytest

pytestmark = pytest.mark.beside


def test_first():
    pass
"""
REST = RECORD + """

def test_works():
    record("works")
    time.sleep(float(os.environ["BESIDE_SLEEP"]))
    record("worked")
"""


def _project(tmp_path: Path) -> Path:
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_a_first.py").write_text(FIRST)  # before the rest: the rest waits for its results only
    (tmp_path / "test_rest.py").write_text(REST)
    (tmp_path / "test_z_beside.py").write_text(BESIDE)  # after the rest: the rest must not wait for it
    return tmp_path


def _pytest(project: Path, *args: str, sleep: float) -> subprocess.Popen:
    # TMPDIR: the second process's folder (kept after a failure, for its output) goes into the project
    env = {**os.environ, "PYTHONPATH": str(REPO), "BESIDE_LOG": str(project / "log"), "BESIDE_SLEEP": str(sleep),
           "TMPDIR": str(project)}  # fmt: skip
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--rootdir", str(project), *args]
    return subprocess.Popen(command, cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _log(project: Path) -> dict[str, tuple[int, float]]:
    lines = (project / "log").read_text().split("\n") if (project / "log").exists() else []
    return {what: (int(pid), float(when)) for what, pid, when in (line.split() for line in lines if line)}


def test_a_marked_module_runs_in_a_second_process_overlapping_the_rest_and_its_failures_are_this_sessions(tmp_path):
    project = _project(tmp_path)
    run = _pytest(project, sleep=2)
    out, _ = run.communicate(timeout=120)
    assert run.returncode == 1, out
    assert "1 failed, 3 passed" in out, out
    assert "FAILED test_z_beside.py::test_fails" in out and "a failure in the second process" in out, out
    assert "3 tests ran beside the rest in a second pytest process" in out, out
    assert f"its output and temporary files: {project}/pytest-beside-" in out, out
    log = _log(project)
    assert log["works"][0] == run.pid != log["waits"][0] == log["stopped"][0]
    assert log["waits"][1] < log["worked"][1] and log["works"][1] < log["waited"][1], "the two did not overlap"


def test_a_session_of_marked_modules_only_runs_them_in_process(tmp_path):
    project = _project(tmp_path)
    run = _pytest(project, "test_z_beside.py", sleep=0)
    out, _ = run.communicate(timeout=120)
    assert run.returncode == 1 and "1 failed, 1 passed" in out, out
    assert _log(project)["waits"][0] == run.pid


def test_an_interrupted_session_runs_the_second_processs_teardowns(tmp_path):
    project = _project(tmp_path)
    run = _pytest(project, sleep=60)
    deadline = time.monotonic() + 60
    while not {"works", "waits"} <= _log(project).keys():
        assert time.monotonic() < deadline and run.poll() is None, run.communicate()[0]
        time.sleep(0.1)
    run.send_signal(signal.SIGINT)
    out, _ = run.communicate(timeout=120)
    log = _log(project)
    assert "stopped" in log, out
    second = log["waits"][0]
    assert not Path(f"/proc/{second}").exists() or "Z" in Path(f"/proc/{second}/stat").read_text().split()[2], out
