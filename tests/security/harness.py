"""One way to grade a batch of attack notebooks through the real CLI, as root or as an unprivileged user, and to
check what a batch must never leave behind: processes, SysV IPC objects, kernel keys, files outside --out, rows
missing or doubled.

`graded_batches(write_batch, ...)` makes the module-scoped `graded` fixture of a suite: one batch per mode (root,
then `nobody`; only the latter when the tests do not run as root).
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from autograder.worker.sandbox import make_reachable, processes

ROOT = Path(__file__).resolve().parents[2]
NOBODY = 65534
MARK = "4242"  # in the command line, file names and IPC keys of everything an attack leaves behind
SANDBOX_UIDS = range(40000, 60000)  # the dedicated uids the grader picks as root
HOST_SOCKET = Path("/tmp/autograder-security-4242/service.sock")  # a world-writable Unix socket on the host
ABSTRACT_SOCKET = b"\0autograder-security-4242"


def as_nobody() -> None:
    """In the child before exec: see Python and this repository even if they live under /root, then drop to nobody."""
    make_reachable([Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(), ROOT])
    os.setgroups([])
    os.setresgid(NOBODY, NOBODY, NOBODY)
    os.setresuid(NOBODY, NOBODY, NOBODY)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Services:
    """What submissions must not reach on this machine: a TCP and a UDP port on localhost, a Unix socket anyone may
    connect to, an abstract Unix socket. Each counts who reached it."""

    port: int
    reached: list[str] = field(default_factory=list)

    @contextlib.contextmanager
    def running(self) -> Iterator[None]:
        HOST_SOCKET.parent.mkdir(mode=0o755, exist_ok=True)
        HOST_SOCKET.parent.chmod(0o755)
        HOST_SOCKET.unlink(missing_ok=True)
        tcp = socket.create_server(("127.0.0.1", self.port))
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind(("127.0.0.1", self.port))
        unix = socket.socket(socket.AF_UNIX)
        unix.bind(str(HOST_SOCKET))
        HOST_SOCKET.chmod(0o777)
        unix.listen()
        abstract = socket.socket(socket.AF_UNIX)
        abstract.bind(ABSTRACT_SOCKET)
        abstract.listen()
        listeners = {"tcp": tcp, "udp": udp, "unix": unix, "abstract": abstract}
        stop = threading.Event()

        def serve() -> None:
            import select

            while not stop.is_set():
                ready, _, _ = select.select(list(listeners.values()), [], [], 0.1)
                for sock in ready:
                    kind = next(k for k, s in listeners.items() if s is sock)
                    self.reached.append(kind)
                    if kind == "udp":
                        _, sender = sock.recvfrom(2048)
                        sock.sendto(b"pong", sender)
                    else:
                        conn, _ = sock.accept()
                        with contextlib.suppress(OSError):
                            conn.sendall(b"pong")
                        conn.close()

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()
            for sock in listeners.values():
                sock.close()
            shutil.rmtree(HOST_SOCKET.parent, ignore_errors=True)


@dataclass
class Graded:
    mode: str
    run: subprocess.CompletedProcess
    grades: dict[str, dict[str, float]]
    results: dict[str, dict]
    rows: list[str]  # the submission column of grades.csv, in order, the Points Possible row left out
    submitted: int  # notebooks in the batch folder
    changed: list[str]  # files outside --out whose content changed
    leftovers: list[str]  # processes, IPC objects, keys and files the batch left behind
    reached: list[str]  # services on this machine that a submission reached


def _digest(paths: list[Path]) -> dict[str, str]:
    found = {}
    for top in paths:
        for path in [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file()):
            if "__pycache__" not in path.parts:
                found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def _processes_left(out: Path) -> list[str]:
    """Processes still running with the grader's command line (forks of it) or an attack's mark."""
    left = []
    for process in processes():
        cmdline = _cmdline(process.pid)
        if not process.zombie and (str(out) in cmdline or MARK in cmdline):  # not by uid: other graders may run
            left.append(f"process {process.pid}: {cmdline}")
    return left


def _cmdline(pid: int) -> str:
    """Its command line, read from any of its threads: /proc/<pid>/cmdline is empty once the main thread has exited
    (the exit system call) while others run on."""
    try:
        threads = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return ""
    for thread in threads:
        with contextlib.suppress(OSError):
            if cmdline := Path(f"/proc/{pid}/task/{thread}/cmdline").read_bytes():
                return cmdline.replace(b"\0", b" ").decode(errors="replace")
    return ""


def _ipc_objects() -> set[str]:
    """Every SysV shared memory segment, message queue and semaphore set (by kind, key and id), and POSIX queues."""
    found = set()
    for kind in ("shm", "msg", "sem"):
        with contextlib.suppress(OSError), open(f"/proc/sysvipc/{kind}") as table:
            next(table, None)
            found |= {f"SysV {kind} key {line.split()[0]} id {line.split()[1]}" for line in table if line.strip()}
    with contextlib.suppress(OSError):
        found |= {f"POSIX queue {name}" for name in os.listdir("/dev/mqueue")}
    return found


def _keys() -> dict[int, int]:
    """Kernel keys per uid (every uid, whoever reads it), for the uids a sandbox uses."""
    found = {}
    with contextlib.suppress(OSError), open("/proc/key-users") as table:
        for line in table:
            uid, _, counts = line.split(maxsplit=2)
            if int(uid.rstrip(":")) in SANDBOX_UIDS or int(uid.rstrip(":")) == NOBODY:
                found[int(uid.rstrip(":"))] = int(counts.split("/")[0])
    return found


def _files_left(started: float, base: Path) -> list[str]:
    """Files in the shared temporary folders owned by a sandbox uid, or made during the batch by nobody or with the
    mark."""
    left = []
    for top in (Path("/tmp"), Path("/var/tmp"), Path("/dev/shm")):
        for folder, dirs, files in os.walk(top):
            depth = Path(folder).relative_to(top).parts
            if len(depth) >= 2 or Path(folder).is_relative_to(base):
                dirs[:] = []
            if depth == ():  # graders' own working folders (this batch's are gone; another may be running)
                dirs[:] = [d for d in dirs if not d.startswith("autograder-work-")]
            for name in [*dirs, *files]:
                path = Path(folder, name)
                if path == base:
                    continue
                try:
                    info = path.lstat()
                except OSError:
                    continue
                new = info.st_ctime >= started
                if info.st_uid in SANDBOX_UIDS or (new and (info.st_uid == NOBODY or MARK in name)):
                    left.append(f"file {path}")
    return left


def grade(
    mode: str, write_batch: Callable[[Path, Services], None], options: list[str], timeout: float = 1800
) -> Graded:
    """Grade the batch `write_batch` writes, in `mode` ("root" or "unprivileged"), with the CLI `options`."""
    base = Path(tempfile.mkdtemp(prefix=f"security-{mode}-"))
    batch, out = base / "batch", base / "out"
    services = Services(free_port())
    write_batch(batch, services)
    out.mkdir()
    (out / "other-course.csv").write_text("keep me\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT), AUTOGRADER_CACHE=str(base / "cache"), HOME=str(base))
    env.update(XDG_CACHE_HOME=str(base / "cache"), MPLCONFIGDIR=str(base / "cache" / "matplotlib"))
    env["AUTOGRADER_TEST_TOKEN"] = "s3cret"
    if mode == "unprivileged" and os.geteuid() == 0:
        for path in [base, *base.rglob("*")]:
            os.chown(path, NOBODY, NOBODY)
    watched = [batch, out / "other-course.csv", ROOT / "solutions", ROOT / "assignments"]
    before, ipc_before, keys_before = _digest(watched), _ipc_objects(), _keys()
    started = time.time() - 1
    command = [sys.executable, "-m", "autograder.cli", "grade", str(batch), "--out", str(out), "--assignment", "optim_reg"]
    command += options
    preexec = as_nobody if mode == "unprivileged" and os.geteuid() == 0 else None
    with services.running():
        run = subprocess.run(
            command, check=False, capture_output=True, text=True, timeout=timeout, env=env, cwd=base,
            preexec_fn=preexec,
        )  # fmt: skip
    after = _digest(watched)
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    changed += [f"{p} (new)" for p in base.iterdir() if p.name not in {"batch", "out", "cache"}]
    leftovers = _processes_left(out) + sorted(_ipc_objects() - ipc_before) + _files_left(started, base)
    leftovers += [f"{n - keys_before.get(uid, 0)} kernel keys of uid {uid}" for uid, n in _keys().items()
                  if n > keys_before.get(uid, 0)]  # fmt: skip
    rows = list(csv.DictReader((out / "grades.csv").open())) if (out / "grades.csv").exists() else []
    grades = {r["submission"]: {k: float(v) for k, v in r.items() if k != "submission"} for r in rows}
    results = {p.parent.name: json.loads(p.read_text()) for p in out.glob("*/results.json")}
    names = [r["submission"] for r in rows if r["submission"] != "Points Possible"]
    submitted = sum(1 for p in batch.rglob("*.ipynb"))
    graded = Graded(mode, run, grades, results, names, submitted, changed, leftovers, list(services.reached))
    _remove(base)
    return graded


def _remove(base: Path) -> None:
    for path in [base, *base.rglob("*")]:  # a submission may have left a folder without the owner's rights
        with contextlib.suppress(OSError):
            if path.is_dir() and not path.is_symlink():
                path.chmod(path.stat().st_mode | stat.S_IRWXU)
    shutil.rmtree(base, ignore_errors=True)


def graded_batches(write_batch: Callable[[Path, Services], None], options: list[str]) -> Callable:
    """The `graded` fixture of a suite: the batch graded once per mode, as root and as `nobody`."""

    @pytest.fixture(scope="module", params=["root", "unprivileged"])
    def graded(request) -> Graded:
        if request.param == "root" and os.geteuid() != 0:
            pytest.skip("the root half of the suite needs root (it is what Gradescope runs)")
        return grade(request.param, write_batch, options)

    return graded


def check_batch(graded: Graded) -> None:
    """What every batch must hold: exactly one row per submission, nothing outside --out changed, nothing left."""
    assert len(graded.rows) == len(set(graded.rows)) == graded.submitted, graded.rows
    assert len(graded.results) == graded.submitted, sorted(graded.results)
    assert graded.changed == [], graded.changed
    assert graded.leftovers == [], graded.leftovers
