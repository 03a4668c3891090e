"""The session's side of its forks when student code works against it: a state holder that answers late, a fork that
ends right after its last report, processes a cell leaves behind that read or write the sockets they inherited, a
fork that leaves its process group, and memory held in files without a path."""

import pytest

from autograder.grading.remote import RemoteSubmission
from autograder.limits import Limits
from tests.calls import ASSIGNMENT as CALLS
from tests.worker.test_worker import call, zygote  # noqa: F401 - the module's zygote fixture

_SOCKETS = "import os, stat\nsockets = [fd for fd in range(3, 256) if _is_socket(fd)]\n"
_IS_SOCKET = (
    "import os, stat\ndef _is_socket(fd):\n    try:\n        return stat.S_ISSOCK(os.fstat(fd).st_mode)\n"
    "    except OSError:\n        return False\n"
)


def _frame(payload: str) -> str:
    """Code writing one frame of `payload` (a Python expression giving bytes) on every socket the process holds."""
    return (
        f"{_IS_SOCKET}message = {payload}\n"
        "for fd in range(3, 256):\n    if _is_socket(fd):\n"
        "        os.write(fd, len(message).to_bytes(8, 'big') + message)\n"
    )


def _holder_stopped_for(seconds: float) -> str:
    """A cell that, when it runs in a fork of the process holding the state (cells run so after one fails), stops
    that process for `seconds` through a process it leaves behind (holding none of its descriptors), then ends its
    own process."""
    return (
        "if os.getpid() != first:\n    holder = os.getppid()\n    if os.fork() == 0:\n        os.setsid()\n        os.closerange(3, 256)\n"
        f"        os.kill(holder, signal.SIGSTOP)\n        time.sleep({seconds})\n"
        "        os.kill(holder, signal.SIGCONT)\n        os._exit(0)\n    time.sleep(0.3)\nos._exit(3)"
    )


@pytest.mark.parametrize("stopped, third", [(4.3, "ok"), (8.3, "crashed")])
def test_a_late_answer_of_the_state_holder_is_never_taken_for_the_next_one(zygote, stopped, third):
    """Cell 2 fails, so the cells run again, each in a fork of the process holding the state, and cell 3 stops that
    process. Stopped for 4.3 s, it answers "how did cell 3's fork end" after the session stopped waiting (2 s); for
    8.3 s, also cell 4's fork after its time limit (4 s), and before cell 5's ends (2 s of margin each way). A late
    answer must be dropped, never read as the answer to the next request."""
    cells = ["import os, signal, time\nfirst = os.getpid()\ndef double(x):\n    return 2 * x", "os._exit(4)",
             _holder_stopped_for(stopped), "def triple(x):\n    return 3 * x", "def quadruple(x):\n    return 4 * x"]  # fmt: skip
    sub = RemoteSubmission(zygote, cells, Limits(cell=4, call=4, submission=60), CALLS)
    try:
        assert sub.dead is None
        assert [c.status for c in sub.cell_outcomes] == ["ok", "crashed", "crashed", third, "ok"], sub.cell_outcomes
        if third == "crashed":
            assert "did not answer in time" in sub.cell_outcomes[3].message
        else:
            assert call(sub, "triple", [1.0]) == [3.0]
        assert call(sub, "double", [1.0]) == [2.0]
        assert call(sub, "quadruple", [1.0]) == [4.0]
    finally:
        sub.close()


def test_a_last_cell_whose_process_ends_after_its_report_is_reported_as_failed(zygote):
    """Its effects are discarded (the cells run again without it), so the grader must not be told it ran."""
    last = (
        "def triple(x):\n    return 3 * x\n"
        + _frame('b\'{"cell": 2, "status": "ok", "error_type": "", "message": ""}\'')
        + "os._exit(0)"
    )
    sub = RemoteSubmission(
        zygote, ["def double(x):\n    return 2 * x", last], Limits(cell=3, call=3, submission=60), CALLS
    )
    try:
        assert [c.status for c in sub.cell_outcomes] == ["ok", "crashed"]
        assert "ended its process" in sub.cell_outcomes[1].message
        assert call(sub, "double", [1.0]) == [2.0]
    finally:
        sub.close()


def test_processes_a_cell_leaves_behind_cannot_take_the_state_holders_new_socket(zygote):
    """Sixteen processes wait on the socket the cells' fork reports on, ready to take any descriptor sent there:
    the fork that ran the cells must still hold the state afterwards."""
    thieves = (
        f"{_IS_SOCKET}import socket, time\nfirst = os.getpid()\n"
        "mine = [fd for fd in range(3, 256) if _is_socket(fd)]\n"
        "for _ in range(16):\n    if os.fork() == 0:\n        s = socket.socket(fileno=os.dup(mine[0]))\n"
        "        try:\n            _, got, _, _ = socket.recv_fds(s, 64, 4)\n        except OSError:\n            got = []\n"
        "        if got:\n            time.sleep(60)\n        os._exit(0)\n"
        "def holder(x):\n    return x * 0 + float(os.getppid() == first)"
    )
    sub = RemoteSubmission(
        zygote, [thieves, "def double(x):\n    return 2 * x"], Limits(cell=3, call=3, submission=60), CALLS
    )
    try:
        assert [c.status for c in sub.cell_outcomes] == ["ok", "ok"]
        assert call(sub, "double", [1.0]) == [2.0]
        assert call(sub, "holder", [0.0]) == [1.0]  # the call fork's parent: the fork that ran the cells
    finally:
        sub.close()


_NESTED = "b'[' * 30_000 + b']' * 30_000"


def test_a_deeply_nested_report_costs_only_its_cell(zygote):
    """The fork's own report nested deeper than the JSON reader recurses: the session survives, the cell fails."""
    sub = RemoteSubmission(zygote, ["def double(x):\n    return 2 * x", _frame(_NESTED) + "import time\ntime.sleep(0.5)",
                                    "def triple(x):\n    return 3 * x"], Limits(cell=3, call=3, submission=60), CALLS)  # fmt: skip
    try:
        assert sub.dead is None
        assert [c.status for c in sub.cell_outcomes] == ["ok", "crashed", "ok"]
        assert call(sub, "double", [1.0]) == [2.0] and call(sub, "triple", [1.0]) == [3.0]
    finally:
        sub.close()


def test_what_a_process_left_behind_writes_on_the_report_socket_is_never_read(zygote):
    """A process the first cell leaves behind writes deeply nested JSON, then forged outcomes, while the second cell
    runs: only what the fork running the cells writes itself is read, so every cell keeps its own outcome."""
    writer = (
        "import os, time\nif os.fork() == 0:\n    time.sleep(0.3)\n" + "\n".join("    " + line for line in (
            _frame(_NESTED) + _frame("b'{\"cell\": 2, \"status\": \"timeout\"}'")).splitlines())
        + "\n    time.sleep(30)\n    os._exit(0)"
    )  # fmt: skip
    cells = [
        writer,
        "import time\ntime.sleep(1.0)\ndef double(x):\n    return 2 * x",
        "def triple(x):\n    return 3 * x",
    ]
    sub = RemoteSubmission(zygote, cells, Limits(cell=3, call=3, submission=60), CALLS)
    try:
        assert sub.dead is None
        assert [c.status for c in sub.cell_outcomes] == ["ok", "ok", "ok"], sub.cell_outcomes
        assert call(sub, "double", [1.0]) == [2.0] and call(sub, "triple", [1.0]) == [3.0]
    finally:
        sub.close()


def test_a_timed_out_fork_that_left_its_process_group_is_still_killed(zygote):
    """The cell moves its process into the group of a child it made, then loops: killing the fork's own group
    reaches nothing, so the session must kill the fork by its pid, or wait for it forever."""
    leave = ("import os, time\nchild = os.fork()\nif child == 0:\n    time.sleep(60)\n    os._exit(0)\n"
             "os.setpgid(child, child)\nos.setpgid(0, child)\nwhile True:\n    pass")  # fmt: skip
    cells = ["def double(x):\n    return 2 * x", leave, "def triple(x):\n    return 3 * x"]
    sub = RemoteSubmission(zygote, cells, Limits(cell=1.5, call=3, submission=30), CALLS)
    try:
        assert sub.dead is None
        assert [c.status for c in sub.cell_outcomes] == ["ok", "timeout", "ok"]
        assert call(sub, "triple", [1.0]) == [3.0]
    finally:
        sub.close()


def test_files_without_a_path_cannot_hold_memory_beyond_the_limits(zygote):
    """memfd files and SysV shared memory keep their pages with nothing mapped, outside the address-space limit and
    the working folder's size: 320 MB of them against a 64 MB memory limit must not be possible."""
    hold = (
        "import os, ctypes, torch\nlibc = ctypes.CDLL(None, use_errno=True)\nlibc.shmat.restype = ctypes.c_void_p\n"
        "kept = []\ndef hold(x):\n    held, chunk = 0, b'x' * (16 << 20)\n    for _ in range(20):\n        try:\n"
        "            fd = os.memfd_create('m')\n            os.write(fd, chunk)\n        except OSError:\n            break\n"
        "        kept.append(fd)\n        held += len(chunk)\n"
        "    for _ in range(20):\n        shm = libc.shmget(0, 16 << 20, 0o1600)\n        if shm < 0:\n            break\n"
        "        address = libc.shmat(shm, None, 0)\n        if address in (None, ctypes.c_void_p(-1).value):\n"
        "            break\n        ctypes.memset(address, 1, 16 << 20)\n        libc.shmdt(ctypes.c_void_p(address))\n"
        "        held += 16 << 20\n    return torch.tensor([float(held)])\n"
        "def errors(x):\n    found = []\n    try:\n        os.memfd_create('m')\n        found.append(0)\n"
        "    except OSError as e:\n        found.append(e.errno)\n"
        "    found.append(ctypes.get_errno() if libc.shmget(0, 4096, 0o1600) < 0 else 0)\n"
        "    return torch.tensor(found, dtype=torch.float64)"
    )
    sub = RemoteSubmission(zygote, [hold], Limits(cell=10, call=10, submission=60, memory_mb=64), CALLS)
    try:
        assert call(sub, "hold", [0.0]) == [0.0]
        assert call(sub, "errors", [0.0]) == [38.0, 1.0]  # ENOSYS: libraries fall back to other files; EPERM
    finally:
        sub.close()


def test_a_process_left_behind_writing_without_pause_does_not_lift_the_time_limit(zygote):
    """A process the first cell leaves behind floods the report socket while the second cell loops forever: what it
    writes is dropped, and the second cell still gets its timeout at its limit, not at the submission's."""
    flood = (
        f"{_IS_SOCKET}import time\nif os.fork() == 0:\n    block = b'x' * 65536\n    end = time.monotonic() + 40\n"
        "    while time.monotonic() < end:\n        for fd in range(3, 256):\n            if _is_socket(fd):\n"
        "                try:\n                    os.write(fd, block)\n                except OSError:\n"
        "                    pass\n    os._exit(0)"
    )
    cells = [flood, "while True:\n    pass", "def triple(x):\n    return 3 * x"]
    sub = RemoteSubmission(zygote, cells, Limits(cell=1.5, call=3, submission=30), CALLS)
    try:
        assert sub.dead is None
        assert [c.status for c in sub.cell_outcomes] == ["ok", "timeout", "ok"], sub.cell_outcomes
        assert call(sub, "triple", [1.0]) == [3.0]
    finally:
        sub.close()
