"""The isolated worker: misbehaving cells and calls cost only themselves, and nothing they start survives."""

import os
import shutil
import time

import pytest
import torch

from autograder.grading.implementations import StudentError
from autograder.grading.remote import RemoteSubmission
from autograder.limits import Limits
from autograder.worker.sandbox import plan
from autograder.worker.zygote import Zygote, close_all, warm_up
from tests.calls import ASSIGNMENT as CALLS

LIMITS = Limits(cell=1.0, call=1.0, submission=60.0)


def call(sub: RemoteSubmission, name: str, x: list[float]) -> list[float]:
    """What the cells' function `name` returned in the worker, or StudentError saying why it did not."""
    outcome = sub.probe("worker_test_call", name=name, x=x)
    if outcome.error is not None:
        raise StudentError(outcome.error)
    return outcome.result["out"].tolist()


@pytest.fixture(scope="module")
def zygote():
    warm_up(CALLS)
    (sandbox,) = plan()
    z = Zygote(sandbox)
    yield z
    close_all([z])
    shutil.rmtree(sandbox.work_root)


def session_processes(sid: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.getsid(int(entry)) == sid:
                    pids.append(int(entry))
            except ProcessLookupError:
                continue
    return pids


def test_endless_and_exiting_cells_are_skipped_and_later_cells_still_count(zygote):
    cells = [
        "import os\ndef double(x):\n    return 2 * x",
        "while True:\n    pass",
        "import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "while True:\n    pass",
        "os._exit(0)",
        "def triple(x):\n    return 3 * x",
    ]
    sub = RemoteSubmission(zygote, cells, LIMITS, CALLS)
    try:
        statuses = [c.status for c in sub.cell_outcomes]
        assert statuses == ["ok", "timeout", "timeout", "crashed", "ok"]
        assert "longer than 1 s" in sub.cell_outcomes[1].message
        assert "ended its process" in sub.cell_outcomes[3].message
        assert call(sub, "double", [1.0]) == [2.0]
        assert call(sub, "triple", [1.0]) == [3.0]
    finally:
        sub.close()


def test_honest_cells_share_one_fork_and_a_failed_cell_is_replayed_around(zygote):
    pids = "def pids(x):\n    return torch.tensor([float(first), float(last)])"
    honest = ["import os, torch\nfirst = os.getpid()", "last = os.getpid()", pids]
    failing = ["import os, torch\nfirst = os.getpid()\nruns = globals().get('runs', 0) + 1", "os._exit(3)",
               "last = os.getpid()", pids, "def count(x):\n    return x + runs"]  # fmt: skip
    sub = RemoteSubmission(zygote, honest, LIMITS, CALLS)
    try:
        first, last = call(sub, "pids", [0.0])
        assert first == last  # one fork ran every cell: no fork per cell for honest notebooks
    finally:
        sub.close()
    sub = RemoteSubmission(zygote, failing, LIMITS, CALLS)
    try:
        assert [c.status for c in sub.cell_outcomes] == ["ok", "crashed", "ok", "ok", "ok"]
        assert "exit code 3" in sub.cell_outcomes[1].message
        first, last = call(sub, "pids", [0.0])
        assert first != last  # after the failure, a fork per cell
        assert call(sub, "count", [0.0]) == [1.0]  # replayed from scratch
    finally:
        sub.close()


def test_a_call_that_hangs_or_crashes_costs_only_that_call(zygote):
    cells = [
        "import os\ndef spin(x):\n    while True:\n        pass\n"
        "def die(x):\n    os._exit(1)\n"
        "def fine(x):\n    return x + 1\n"
        "def boom(x):\n    raise ValueError('bad input')"
    ]
    sub = RemoteSubmission(zygote, cells, LIMITS, CALLS)
    try:
        with pytest.raises(StudentError, match="did not finish within 1 s"):
            call(sub, "spin", [1.0])
        with pytest.raises(StudentError, match="ended the worker process"):
            call(sub, "die", [1.0])
        with pytest.raises(StudentError, match=r"raised ValueError \(line 10 of boom\): “bad input”"):
            call(sub, "boom", [1.0])
        with pytest.raises(StudentError, match="missing is not defined at the top level"):
            call(sub, "missing", [1.0])
        assert call(sub, "fine", [1.0]) == [2.0]
    finally:
        sub.close()


def test_state_changed_while_one_question_is_probed_never_reaches_the_next(zygote):
    cells = ["counter = [0]\ndef bump(x):\n    counter[0] += 1\n    return x * 0 + counter[0]"]
    sub = RemoteSubmission(zygote, cells, LIMITS, CALLS)
    try:
        calls = [call(sub, "bump", [0.0]) for _ in range(2)]
        assert calls == [[1.0], [2.0]], "probes of one question share one worker, in order"
        sub.fresh()
        assert call(sub, "bump", [0.0]) == [1.0]
    finally:
        sub.close()


def test_after_a_hung_call_the_next_call_starts_from_the_state_after_the_cells(zygote):
    cells = ["counter = [0]\ndef bump_then_hang(x):\n    counter[0] += 1\n    while counter[0] > 1:\n        pass\n"
             "    return x * 0 + counter[0]"]  # fmt: skip
    sub = RemoteSubmission(zygote, cells, LIMITS, CALLS)
    try:
        assert call(sub, "bump_then_hang", [0.0]) == [1.0]
        with pytest.raises(StudentError, match="did not finish"):
            call(sub, "bump_then_hang", [0.0])
        assert call(sub, "bump_then_hang", [0.0]) == [1.0]
    finally:
        sub.close()


def test_processes_a_submission_starts_are_gone_after_grading(zygote):
    cells = ["import subprocess\nkids = [subprocess.Popen(['sleep', '300']) for _ in range(5)]"]
    sub = RemoteSubmission(zygote, cells, LIMITS, CALLS)
    sid = sub._session
    assert len(session_processes(sid)) >= 5
    sub.close()
    deadline = time.monotonic() + 5
    while session_processes(sid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert session_processes(sid) == []


def test_output_floods_and_forged_frames_on_stdout_change_nothing(zygote):
    cells = [
        "import sys\nfor _ in range(2000):\n    print('x' * 10_000)\n"
        "sys.stdout.write('{\"result\": {\"out\": 42}}')\nos = __import__('os')\nos.write(1, b'\\x00' * 64)",
        "def fine(x):\n    return x + 1",
    ]
    sub = RemoteSubmission(zygote, cells, LIMITS, CALLS)
    try:
        assert [c.status for c in sub.cell_outcomes] == ["ok", "ok"]
        assert call(sub, "fine", [1.0]) == [2.0]
    finally:
        sub.close()


def test_each_job_gets_its_own_uid_when_root():
    sandboxes = plan(jobs=40)
    try:
        uids = [s.uid for s in sandboxes]
        assert len(set(uids)) == 40 if os.geteuid() == 0 else uids == [None] * 40
    finally:
        for sandbox in sandboxes:
            shutil.rmtree(sandbox.work_root)


def test_closing_a_zygote_ends_the_sessions_it_still_runs():
    (sandbox,) = plan()
    z = Zygote(sandbox)
    channel, session = z.new_session()  # waits for its cells: alive until something kills it
    try:
        close_all([z])
        deadline = time.monotonic() + 10
        while os.path.exists(f"/proc/{session}") and time.monotonic() < deadline:
            time.sleep(0.05)  # killed, then reaped by its zygote or, once that is gone, by init
        assert not os.path.exists(f"/proc/{session}")
    finally:
        channel.close()
        shutil.rmtree(sandbox.work_root)
