"""Modules marked ``beside`` (tests/conftest.py) run in a second pytest process, overlapping the rest; their results,
failures included, are this session's, and an early end, or this session being killed, still runs their teardowns."""

import contextlib
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
        record("stopping")
        time.sleep(float(os.environ.get("BESIDE_TEARDOWN", "0")))
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


def _pytest(project: Path, *args: str, sleep: float, **env: str) -> subprocess.Popen:
    # TMPDIR: the second process's folder (kept after a failure, for its output) goes into the project
    env = {**os.environ, "PYTHONPATH": str(REPO), "BESIDE_LOG": str(project / "log"), "BESIDE_SLEEP": str(sleep),
           "TMPDIR": str(project), **env}  # fmt: skip
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--rootdir", str(project), *args]
    return subprocess.Popen(command, cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _log(project: Path) -> dict[str, tuple[int, float]]:
    lines = (project / "log").read_text().split("\n") if (project / "log").exists() else []
    return {what: (int(pid), float(when)) for what, pid, when in (line.split() for line in lines if line)}


def _wait_for(project: Path, run: subprocess.Popen | None, *what: str, seconds: float = 60) -> dict:
    """The log, once it records each of ``what`` (while ``run``, if given, still runs)."""
    deadline = time.monotonic() + seconds
    while not set(what) <= (log := _log(project)).keys():
        assert time.monotonic() < deadline and (run is None or run.poll() is None), (
            log, run and run.poll() is not None and run.communicate()[0])
        time.sleep(0.1)
    return log


def _gone(pid: int, seconds: float = 30) -> bool:
    """Whether process ``pid`` has ended (a zombie counts: it has ended, its parent has not reaped it yet)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                time.sleep(0.1)
                continue
        return True
    return False


@contextlib.contextmanager
def _killed_after(*pids: int):
    """Kills what a failing test would leave running (a second process and its children, each its own pid)."""
    try:
        yield
    finally:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


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


def test_a_marked_module_in_a_package_with_unmarked_ones_leaves_nothing_set_up_for_the_next_test(tmp_path):
    project = tmp_path
    (project / "conftest.py").write_text(CONFTEST)
    (project / "pkg").mkdir()
    (project / "pkg" / "__init__.py").write_text("")
    (project / "pkg" / "test_a_here.py").write_text("def test_here():\n    pass\n")  # sets the package up here
    (project / "pkg" / "test_b_beside.py").write_text(FIRST)
    (project / "test_z_after.py").write_text("def test_after():\n    pass\n")  # outside the package
    run = _pytest(project, sleep=0)
    out, _ = run.communicate(timeout=120)
    assert run.returncode == 0 and "3 passed" in out, out


def test_a_session_of_marked_modules_only_runs_them_in_process(tmp_path):
    project = _project(tmp_path)
    run = _pytest(project, "test_z_beside.py", sleep=0)
    out, _ = run.communicate(timeout=120)
    assert run.returncode == 1 and "1 failed, 1 passed" in out, out
    assert _log(project)["waits"][0] == run.pid


def test_an_interrupted_session_runs_the_second_processs_teardowns(tmp_path):
    project = _project(tmp_path)
    run = _pytest(project, sleep=60)
    _wait_for(project, run, "works", "waits")
    run.send_signal(signal.SIGINT)
    out, _ = run.communicate(timeout=120)
    log = _log(project)
    assert "stopped" in log, out
    second = log["waits"][0]
    assert not Path(f"/proc/{second}").exists() or "Z" in Path(f"/proc/{second}/stat").read_text().split()[2], out


def test_a_killed_session_interrupts_the_second_process_which_runs_its_teardowns(tmp_path):
    project = _project(tmp_path)
    run = _pytest(project, sleep=60)
    second = _wait_for(project, run, "works", "waits")["waits"][0]
    with _killed_after(second):
        run.kill()  # as a cancelled CI job or `timeout -s KILL` does: no hook of this session runs
        run.communicate(timeout=60)
        log = _wait_for(project, None, "stopped", seconds=30)
        assert "waited" not in log, "the second process went on with its tests after this session was killed"
        assert _gone(second)


STUBBORN = """
import os, signal, subprocess, time

import pytest

pytestmark = pytest.mark.beside


def test_ignores_ctrl_c():
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    child = subprocess.Popen(["sleep", "120"])
    with open(os.environ["BESIDE_LOG"], "a") as f:
        f.write(f"child {child.pid} {time.time()}\\nsecond {os.getpid()} {time.time()}\\n")
    time.sleep(120)
"""
STOPS_FIRST = """
import os, time


def test_fails_once_the_second_process_has_a_child():
    while "child" not in open(os.environ["BESIDE_LOG"]).read():
        time.sleep(0.1)
    assert False
"""


def test_a_second_process_that_does_not_stop_is_killed_with_its_children(tmp_path):
    (tmp_path / "conftest.py").write_text(CONFTEST + "import tests.conftest\n\ntests.conftest.STOP_SECONDS = 1\n")
    (tmp_path / "test_a_stops.py").write_text(STOPS_FIRST)
    (tmp_path / "test_z_stubborn.py").write_text(STUBBORN)
    (tmp_path / "log").touch()
    run = _pytest(tmp_path, "-x", sleep=0)
    log = _wait_for(tmp_path, run, "child", "second")
    with _killed_after(log["second"][0], log["child"][0]):
        out, _ = run.communicate(timeout=60)
        assert run.returncode == 1, out
        assert _gone(log["second"][0]) and _gone(log["child"][0], seconds=5), "the second process's child survived"


EXITS = """
import os

import pytest

pytestmark = pytest.mark.beside


def test_passes():
    pass


def test_ends_the_process():
    os._exit(int(os.environ["BESIDE_EXIT"]))


def test_never_runs():
    pass
"""
ERRS = """
import os


def pytest_sessionfinish(session):
    if os.environ.get("AUTOGRADER_BESIDE_REPORTS"):  # only in the second process, after its last report
        raise RuntimeError("an error after the last report")
"""


def test_a_second_process_that_errs_after_its_last_passing_report_fails_the_session(tmp_path):
    project = _project(tmp_path)
    (project / "test_z_beside.py").unlink()  # the second process's tests all pass
    (project / "conftest.py").write_text(CONFTEST + "pytest_plugins = ['errs']\n")
    (project / "errs.py").write_text(ERRS)
    run = _pytest(project, "-rf", sleep=0)
    out, _ = run.communicate(timeout=120)
    assert run.returncode == 1, out
    assert "1 failed, 2 passed" in out, out
    assert "the second pytest process exited with status 1, which its tests' reports (all passed) do not" in out, out
    assert "FAILED beside - the second pytest process" in out, out
    assert "RuntimeError: an error after the last report" in out, out


def test_a_second_process_that_ends_before_its_tests_do_fails_the_session_even_with_exit_status_0(tmp_path):
    project = _project(tmp_path)
    (project / "test_z_beside.py").write_text(EXITS)
    run = _pytest(project, "-rf", sleep=0, BESIDE_EXIT="0")
    out, _ = run.communicate(timeout=120)
    assert run.returncode == 1, out
    assert "1 failed, 3 passed, 1 error" in out, out
    assert "FAILED test_z_beside.py::test_never_runs - the second pytest process" in out, out
    assert "the second pytest process (exit code 0) ended before this test did" in out, out


def test_a_second_ctrl_c_while_teardowns_run_kills_the_second_process_and_still_summarizes(tmp_path):
    project = _project(tmp_path)
    run = _pytest(project, sleep=60, BESIDE_TEARDOWN="120")
    second = _wait_for(project, run, "works", "waits")["waits"][0]
    with _killed_after(second):
        run.send_signal(signal.SIGINT)
        _wait_for(project, run, "stopping")
        time.sleep(0.5)  # this session is in its wait for the second process by now
        run.send_signal(signal.SIGINT)
        out, _ = run.communicate(timeout=60)
        assert run.returncode == 2, out
        assert "Traceback" not in out and "ran beside the rest in a second pytest process" in out, out
        assert "stopped" not in _log(project) and _gone(second, seconds=5), "the second process was not killed"


def test_a_pytest_xdist_worker_runs_marked_modules_in_process(tmp_path):
    project = _project(tmp_path)
    run = _pytest(project, sleep=0, PYTEST_XDIST_WORKER="gw0")  # each worker would start its own second process
    out, _ = run.communicate(timeout=120)
    assert run.returncode == 1 and "1 failed, 3 passed" in out, out
    assert {pid for pid, _ in _log(project).values()} == {run.pid}, out
