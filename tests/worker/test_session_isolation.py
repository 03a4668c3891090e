"""Issue 12, items 5, 8 and 9 at the worker: only the process that ran a cell or call reports to the grader, the end
of a notebook is handled like its middle, each session's kernel resources are its own and die with it, and sizes
and time limits are said in words."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.grading.implementations import StudentError
from autograder.grading.remote import RemoteSubmission
from autograder.limits import MAX_CELL_BYTES, Limits
from autograder.worker.sandbox import MAX_DISK_BYTES, processes
from tests.calls import ASSIGNMENT as CALLS
from tests.security.harness import ROOT, as_nobody
from tests.worker.test_worker import LIMITS, call, zygote  # noqa: F401 - the module's zygote fixture

MARK = "4243"


@pytest.mark.parametrize("last", ["while True:\n    pass", "import os\nos._exit(0)", "import os, signal\n"
                                  "os.kill(os.getppid(), signal.SIGKILL)\nos.kill(0, signal.SIGKILL)"])
def test_a_last_cell_that_loops_exits_or_kills_its_parent_costs_only_itself(zygote, last):
    cells = ["def double(x):\n    return 2 * x", "def triple(x):\n    return 3 * x", last]
    sub = RemoteSubmission(zygote, cells, LIMITS, CALLS)
    try:
        assert sub.dead is None
        assert [c.status for c in sub.cell_outcomes][:2] == ["ok", "ok"]
        assert call(sub, "double", [1.0]) == [2.0]
        assert call(sub, "triple", [1.0]) == [3.0]
    finally:
        sub.close()


def test_a_process_a_cell_leaves_behind_cannot_write_to_the_grader(zygote):
    forger = (
        "import os, time\nif os.fork() == 0:\n    time.sleep(0.5)\n    end = time.monotonic() + 3\n"
        "    while time.monotonic() < end:\n        for fd in range(3, 256):\n            try:\n"
        "                os.write(fd, (20).to_bytes(8, 'big') + b'{\"cell\": 1, \"status\"')\n"
        "            except OSError:\n                pass\n        time.sleep(0.05)\n    os._exit(0)"
    )
    cells = [forger, "def double(x):\n    return 2 * x"]
    sub = RemoteSubmission(zygote, cells, LIMITS, CALLS)
    try:
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline:  # every call while the forger writes, each to a fresh fork
            assert call(sub, "double", [1.0]) == [2.0]
            sub.fresh()
        assert sub.dead is None
    finally:
        sub.close()


def test_a_result_over_the_cap_and_results_over_the_total_are_said_in_words(zygote):
    cells = ["import torch\ndef huge(x):\n    return torch.zeros(10_000_000)\n"
             "def big(x):\n    return torch.zeros(7_000_000)\ndef fine(x):\n    return x + 1"]  # fmt: skip
    sub = RemoteSubmission(zygote, cells, Limits(cell=5, call=5, submission=60), CALLS)
    try:
        with pytest.raises(StudentError, match="was 38 MB, more than the 32 MB the grader accepts from one call"):
            call(sub, "huge", [1.0])
        assert call(sub, "fine", [1.0]) == [2.0]
        with pytest.raises(StudentError, match="added up to more than 256 MB"):
            for _ in range(12):
                call(sub, "big", [1.0])
    finally:
        sub.close()


def test_the_submission_time_limit_is_said_in_words(zygote):
    cells = ["import time\ntime.sleep(1.5)", "time.sleep(1.5)", "time.sleep(1.5)"]
    sub = RemoteSubmission(zygote, cells, Limits(cell=5, call=5, submission=2.5), CALLS)
    assert sub.dead is not None and "used up its time limit of 2.5 s for the whole submission" in sub.dead
    assert "bytes arrived" not in sub.dead


def test_a_cell_too_large_to_run_is_said_in_words_and_the_others_run(zygote):
    cells = ["# " + "x" * (MAX_CELL_BYTES + 10) + "\nboom = 1", "def double(x):\n    return 2 * x"]
    sub = RemoteSubmission(zygote, cells, LIMITS, CALLS)
    try:
        first = sub.cell_outcomes[0]
        assert first.status == "error" and "MB the grader runs, so it was not run" in first.message
        assert call(sub, "double", [1.0]) == [2.0]
    finally:
        sub.close()


def _namespaces() -> list[float]:
    return [float(os.stat(f"/proc/self/ns/{kind}").st_ino) for kind in ("ipc", "net", "pid_for_children", "mnt")]


def test_each_session_has_its_own_namespaces_disk_and_no_keys_or_unix_sockets(zygote):
    if not zygote.sandbox.namespaces:
        pytest.skip("this system refuses namespaces to the grader (see docs/security.md)")
    cells = [
        "import os, socket, ctypes, torch, errno\n"
        "def namespaces(x):\n"
        "    return torch.tensor([float(os.stat(f'/proc/self/ns/{k}').st_ino) for k in ('ipc', 'net', 'pid', 'mnt')],"
        " dtype=torch.float64)\n"
        "def denied(x):\n"
        "    libc = ctypes.CDLL(None, use_errno=True)\n"
        "    libc.syscall.restype = ctypes.c_long\n"
        "    key = libc.syscall(248 if os.uname().machine == 'x86_64' else 217, b'user', b'k', b'v', 1, -4)\n"
        "    key_errno = ctypes.get_errno()\n"
        "    try:\n        socket.socket(socket.AF_UNIX)\n        unix = 0\n    except OSError as e:\n        unix = e.errno\n"
        "    return torch.tensor([float(key), float(key_errno), float(unix)])\n"
        "def fill(x):\n"
        "    written = 0\n"
        "    for i in range(8):\n"
        "        try:\n"
        "            with open(f'f{i}', 'wb') as out:\n"
        "                for _ in range(15):\n"
        "                    written += out.write(b'x' * (4 << 20))\n"
        "                    out.flush()\n"
        "        except OSError:\n"
        "            pass\n"
        "    return torch.tensor([float(written), float(os.getpid())])"
    ]
    sub = RemoteSubmission(zygote, cells, LIMITS, CALLS)
    try:
        mine = [float(os.stat(f"/proc/self/ns/{kind}").st_ino) for kind in ("ipc", "net", "pid", "mnt")]
        theirs = call(sub, "namespaces", [0.0])
        assert all(a != b for a, b in zip(mine, theirs)), (mine, theirs)
        assert call(sub, "denied", [0.0]) == [-1.0, 1.0, 13.0]  # EPERM for keys, EACCES for Unix sockets
        written, pid = call(sub, "fill", [0.0])
        assert written <= MAX_DISK_BYTES < 480 << 20 and pid < 100  # its own tmpfs; a pid of its own namespace
    finally:
        sub.close()
    assert not list(zygote.sandbox.work_root.iterdir())


def _ipc() -> set[str]:
    found = set()
    for kind in ("shm", "msg", "sem"):
        with open(f"/proc/sysvipc/{kind}") as table:
            found |= {f"{kind} {line.split()[1]}" for line in list(table)[1:]}
    return found


def test_nothing_of_a_session_is_left_ipc_objects_and_process_chains_included(zygote):
    if not shutil.which("ipcmk"):
        pytest.skip("ipcmk (util-linux) is needed to make SysV objects")
    before = _ipc()
    cells = [
        "import subprocess\nfor kind in ('-M', '-Q', '-S'):\n"
        "    subprocess.run(['ipcmk', kind, '4096' if kind == '-M' else '2'], check=True, capture_output=True)\n"
        "open('chain.sh', 'w').write('sh \"$0\" \"$1\" &\\n')\n"
        f"subprocess.Popen(['sh', 'chain.sh', '{MARK}'], start_new_session=True)",
        "def double(x):\n    return 2 * x",
    ]
    sub = RemoteSubmission(zygote, cells, LIMITS, CALLS)
    try:
        assert call(sub, "double", [1.0]) == [2.0]
        if zygote.sandbox.namespaces:
            assert _ipc() == before  # made in the session's own IPC namespace
    finally:
        sub.close()
    time.sleep(0.5)
    chain = [p.pid for p in processes() if not p.zombie and MARK in _cmdline(p.pid)]
    assert chain == []
    assert _ipc() == before


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


def test_unprivileged_sessions_do_not_share_a_process_limit_or_a_work_folder():
    """As nobody, through a child process: one session holding its whole process limit does not stop another's
    forks, and the folder the job's sessions work in accepts nothing from a session."""
    if os.geteuid() != 0:
        pytest.skip("needs root to become nobody")
    script = Path(__file__).with_name("unprivileged_sessions.py")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HOME": "/tmp", "MPLCONFIGDIR": "/tmp"}
    run = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300, cwd="/", env=env,
        preexec_fn=as_nobody,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr


def test_a_cell_that_fills_the_process_limit_then_hangs_costs_only_itself(zygote):
    """The cells run again after it, from the session's own state: its leftovers must be cleared first, without
    ending the session's pid namespace."""
    bomb = ("import os, time\nfor _ in range(500):\n    try:\n        if os.fork() == 0:\n"
            "            os.setsid()\n            time.sleep(300)\n            os._exit(0)\n"
            "    except OSError:\n        break\nwhile True:\n    pass")  # fmt: skip
    cells = ["def double(x):\n    return 2 * x", bomb, "def triple(x):\n    return 3 * x"]
    sub = RemoteSubmission(zygote, cells, LIMITS, CALLS)
    try:
        assert [c.status for c in sub.cell_outcomes] == ["ok", "timeout", "ok"]
        assert call(sub, "double", [1.0]) == [2.0]
        assert call(sub, "triple", [1.0]) == [3.0]
    finally:
        sub.close()


def test_a_cell_replayed_in_a_fork_of_a_fork_still_says_how_it_ended(zygote):
    cells = ["import os, signal", "os._exit(3)", "os.killpg(os.getpgid(0), signal.SIGKILL)", "def double(x):\n    return 2 * x"]
    sub = RemoteSubmission(zygote, cells, LIMITS, CALLS)
    try:
        assert "(exit code 3)" in sub.cell_outcomes[1].message
        assert "(killed by signal SIGKILL)" in sub.cell_outcomes[2].message  # run by a fork the state holder made
        assert call(sub, "double", [1.0]) == [2.0]
    finally:
        sub.close()
