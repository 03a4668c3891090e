"""What confines student code: a dedicated unprivileged uid, Landlock, resource limits, a clean environment.

The grader builds a Sandbox per job (`plan`); its zygote prepares it once (`Sandbox.prepare`, as root: a private
mount namespace if Python itself is unreachable for the sandbox uid, then the Landlock ruleset), and every
session enters it (`Sandbox.enter`) before it runs a single student line. Whatever a platform lacks is listed by
`Sandbox.reductions` in plain words, and the grader prints it: nothing is weakened silently.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import os
import resource
import secrets
import signal
import site
import stat
import sys
import sysconfig
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from autograder.worker import landlock

_SYSTEM_DIRS = ("/usr", "/lib", "/lib32", "/lib64", "/bin", "/sbin", "/etc", "/proc", "/sys")
_DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")
_UIDS = range(40000, 60000)  # inside the 65536 uids that container user namespaces map
_MAX_PROCESSES = 64  # a session needs about five; this bounds fork bombs
_MAX_FILE_BYTES = 64 * 2**20
_MAX_OPEN_FILES = 256
_CLONE_NEWNS, _MS_REC, _MS_PRIVATE, _MS_BIND, _MS_NOSUID, _MS_NODEV = 0x20000, 0x4000, 1 << 18, 0x1000, 2, 4

_libc = ctypes.CDLL(None, use_errno=True)


@dataclass
class Sandbox:
    """One job's confinement. Built in the grader before any secret is imported; holds no secret itself."""

    work_root: Path
    uid: int | None  # the dedicated unprivileged uid, when the grader runs as root
    landlock_abi: int
    runtime: tuple[Path, ...]  # what student code may read: the system and Python's own files
    _ruleset: landlock.Ruleset | None = field(default=None, init=False)

    def reductions(self) -> list[str]:
        """Plain sentences, one per guarantee this machine cannot give; empty when nothing is reduced."""
        found = []
        if self.uid is None:
            found.append(
                "the grader is not running as root, so submissions run as your own user instead of a dedicated "
                "unprivileged one (run it as root, e.g. in a container, for full isolation)"
            )
        if self.landlock_abi == 0:
            found.append(
                "this kernel has no Landlock, so submissions can read every file their user can read "
                "(keep the reference solutions and hidden tests unreadable for that user)"
            )
        elif self.landlock_abi < 6:
            found.append(
                f"this kernel's Landlock (ABI {self.landlock_abi}) cannot stop submissions from signalling "
                "processes of the same user"
            )
        return found

    def contains_signals(self) -> bool:
        """Can a confined process's kill(-1) reach only the sandbox's own processes?"""
        return self.uid is not None or self.landlock_abi >= 6

    def prepare(self) -> None:
        """In the zygote, once: make Python reachable for the sandbox uid, then build the Landlock ruleset."""
        if self.uid is not None:
            make_reachable(self.runtime)
        if self.landlock_abi:
            ruleset = landlock.Ruleset(self.landlock_abi)
            for path in self.runtime:
                ruleset.allow(path, landlock.READ)
            for device in _DEVICES:
                if os.path.exists(device):
                    ruleset.allow(Path(device), landlock.READ | landlock.WRITE_FILE)
            ruleset.allow(self.work_root, ruleset.handled)  # every file right this ABI knows
            self._ruleset = ruleset

    def workdir(self, session: int) -> Path:
        return self.work_root / str(session)

    def enter(self, memory_bytes: int, cpu_seconds: int) -> Path:
        """In a new session, before student code: confine this process for good; returns its working directory."""
        workdir = self.workdir(os.getpid())
        workdir.mkdir(mode=0o700)
        processes = _MAX_PROCESSES
        if self.uid is not None:
            os.chown(workdir, self.uid, self.uid)
        else:
            processes += _count_processes(os.getuid())  # RLIMIT_NPROC counts all of the user's processes
        _clean_environment(workdir)
        _set_limits(memory_bytes, cpu_seconds, processes)
        if self.uid is not None:
            os.setgroups([])
            os.setresgid(self.uid, self.uid, self.uid)
            os.setresuid(self.uid, self.uid, self.uid)
        if self._ruleset is not None:
            self._ruleset.restrict()
        os.chdir(workdir)
        return workdir


def plan(secret: Iterable[Path] = (), jobs: int = 1) -> list[Sandbox]:
    """One sandbox per job, each with its own working root and, when root, its own uid, so killing by uid never
    touches another job; `secret` paths (the output folder, the reference cache, ...) stay outside what they read,
    as do the packages that hold references and hidden graders."""
    holes = {p.resolve() for p in secret} | _installed_secrets()
    root = os.geteuid() == 0
    runtime = tuple(_without(sorted(_runtime_dirs()), holes))
    abi = landlock.abi()
    uids = _free_uids(jobs) if root else [None] * jobs
    sandboxes = []
    for uid in uids:
        work_root = Path(tempfile.mkdtemp(prefix="autograder-work-"))
        work_root.chmod(0o711 if root else 0o700)
        sandboxes.append(Sandbox(work_root, uid, abi, runtime))
    return sandboxes


def _installed_secrets() -> set[Path]:
    """References and hidden graders: every folder of their packages (``assignments`` and ``solutions`` are namespace
    packages, one folder per root) if installed, else the whole root that holds it (a source checkout)."""
    sites = {Path(p).resolve() for p in (*site.getsitepackages(), site.getusersitepackages())}
    found = set()
    for package in ("solutions", "assignments", "autograder"):
        spec = importlib.util.find_spec(package)  # finds without importing: the grader must not load the reference
        for location in (spec.submodule_search_locations or []) if spec else []:
            folder = Path(location).resolve()
            found.add(folder if folder.parent in sites else folder.parent)
    return found


def _runtime_dirs() -> set[Path]:
    """The system's folders and Python's own (prefixes, standard library, site-packages), never sys.path at large:
    an editable install puts the source checkout, reference included, on sys.path."""
    paths = {*_SYSTEM_DIRS, sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    paths |= {sysconfig.get_path(name) for name in ("stdlib", "platstdlib", "purelib", "platlib")}
    paths |= {*site.getsitepackages(), site.getusersitepackages()}
    return {Path(p).resolve() for p in paths if os.path.isdir(p)}


def _without(roots: Iterable[Path], holes: set[Path]) -> Iterable[Path]:
    """The roots with every hole beneath them cut out: such a root is replaced by its other children.

    A root inside a hole stays (a virtualenv inside the source checkout, say); only holes beneath it are cut.
    """
    for root in roots:
        if root in holes:
            continue
        if not any(h != root and h.is_relative_to(root) for h in holes):
            yield root
            continue
        with contextlib.suppress(OSError):
            yield from _without((root / name for name in sorted(os.listdir(root))), holes)


def _free_uids(count: int) -> list[int]:
    """Distinct random uids that no account and no running process uses, so killing by uid touches nothing else."""
    import pwd

    busy = {entry.pw_uid for entry in pwd.getpwall()} | _process_uids()
    uids: list[int] = []
    while len(uids) < count:
        if (uid := _UIDS[secrets.randbelow(len(_UIDS))]) not in busy:
            busy.add(uid)
            uids.append(uid)
    return uids


@dataclass(frozen=True)
class Process:
    pid: int
    parent: int
    uids: frozenset[int]  # real, effective, saved and filesystem uid
    zombie: bool


def processes() -> list[Process]:
    """Every process, read from /proc/<pid>/status (its owner there is root for non-dumpable processes)."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/status") as status:
                fields = dict(line.split(":", 1) for line in status if ":" in line)
            uids = frozenset(int(u) for u in fields["Uid"].split())
            found.append(Process(int(entry.name), int(fields["PPid"]), uids, fields["State"].strip()[0] == "Z"))
        except (OSError, KeyError, ValueError, IndexError):
            continue
    return found


def _process_uids() -> set[int]:
    return {uid for process in processes() for uid in process.uids}


def _count_processes(uid: int) -> int:
    return sum(uid in process.uids for process in processes())


def _blocked_ancestor(path: Path) -> Path | None:
    """The first folder on the way to `path` that other users may not enter (e.g. /root, mode 0700)."""
    for folder in [*reversed(path.parents), path]:
        if not os.stat(folder).st_mode & stat.S_IXOTH:
            return folder
    return None


def make_reachable(paths: Iterable[Path]) -> None:
    """Let other users reach `paths` (e.g. Python under /root): needs root, changes only this process's view.

    In a private mount namespace, each folder that blocks the way is covered by an empty one, into which just the
    needed paths are bound back; the rest of it (root's home, say) stays out of sight.
    """
    runtime = list(paths)
    blocked = {a for p in runtime if (a := _blocked_ancestor(p)) is not None}
    if not blocked:
        return
    _check(_libc.unshare(_CLONE_NEWNS), "unshare(CLONE_NEWNS)")
    _mount(None, "/", None, _MS_REC | _MS_PRIVATE)
    for folder in sorted(blocked, key=lambda p: len(p.parts), reverse=True):
        handle = os.open(folder, os.O_PATH | os.O_CLOEXEC)  # the real folder, still reachable once covered
        _mount("tmpfs", str(folder), "tmpfs", _MS_NOSUID | _MS_NODEV, "mode=0755,size=1m")
        for path in runtime:
            if path.is_relative_to(folder) and path != folder:
                path.mkdir(parents=True, exist_ok=True)
                _mount(f"/proc/self/fd/{handle}/{path.relative_to(folder)}", str(path), None, _MS_BIND | _MS_REC)
        os.close(handle)


def _mount(source: str | None, target: str, kind: str | None, flags: int, data: str | None = None) -> None:
    result = _libc.mount(_bytes(source), _bytes(target), _bytes(kind), ctypes.c_ulong(flags), _bytes(data))
    _check(result, f"mount {target}")


def _bytes(text: str | None) -> bytes | None:
    return None if text is None else text.encode()


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _clean_environment(workdir: Path) -> None:
    """Nothing of the grader's environment (tokens, paths) reaches student code; temporary files go to workdir."""
    keep = {k: os.environ[k] for k in ("LANG", "LC_ALL", "TZ") if k in os.environ}
    _scrub_exec_environment()
    os.environ.clear()
    os.environ.update(keep, HOME=str(workdir), TMPDIR=str(workdir), PATH="/usr/local/bin:/usr/bin:/bin")
    os.environ.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MPLBACKEND="Agg")
    tempfile.tempdir = str(workdir)


def _scrub_exec_environment() -> None:
    """Zero the environment block the grader was started with: /proc/self/environ reads it, not os.environ."""
    with open("/proc/self/stat", "rb") as stat:
        fields = stat.read().rsplit(b")", 1)[1].split()
    start, end = int(fields[47]), int(fields[48])  # env_start and env_end (fields 50 and 51 of proc(5))
    if 0 < start < end:
        ctypes.memset(start, 0, end - start)


def _set_limits(memory_bytes: int, cpu_seconds: int, processes: int) -> None:
    """Address space beyond what the warm process already maps, CPU time, processes, file size and open files."""
    with open("/proc/self/statm") as statm:
        mapped = int(statm.read().split()[0]) * resource.getpagesize()
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an oversized write fails with an error instead of killing
    for limit, value in (
        (resource.RLIMIT_AS, mapped + memory_bytes),
        (resource.RLIMIT_CPU, cpu_seconds),
        (resource.RLIMIT_NPROC, processes),
        (resource.RLIMIT_FSIZE, _MAX_FILE_BYTES),
        (resource.RLIMIT_NOFILE, _MAX_OPEN_FILES),
        (resource.RLIMIT_CORE, 0),
    ):
        resource.setrlimit(limit, (value, value))
