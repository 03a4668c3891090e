"""What confines student code: a dedicated unprivileged uid, namespaces, Landlock, seccomp, resource limits, a clean
environment.

The grader builds a Sandbox per job (`plan`); its zygote prepares it once (`Sandbox.prepare`, as root: a private
mount namespace if Python itself is unreachable for the sandbox uid), and every session enters it (`Sandbox.enter`)
before it runs a single student line: its own namespaces (a user namespace first when not root), its own working
directory on its own size-limited tmpfs, its own Landlock ruleset, the seccomp filter, the limits. Whatever a
platform lacks is listed by `Sandbox.reductions` in plain words, and the grader prints it: nothing is weakened
silently.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import os
import resource
import secrets
import shutil
import signal
import site
import stat
import struct
import sys
import sysconfig
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from autograder.worker import landlock, seccomp

_SYSTEM_DIRS = ("/usr", "/lib", "/lib32", "/lib64", "/bin", "/sbin", "/etc", "/proc", "/sys")
_DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")
_UIDS = range(40000, 60000)  # inside the 65536 uids that container user namespaces map
_MAX_PROCESSES = 64  # a session needs about five; this bounds fork bombs
_MAX_FILE_BYTES = 64 * 2**20
MAX_DISK_BYTES = 256 * 2**20  # all files of one session together (its own tmpfs)
_MAX_FILES = 16384
_MAX_OPEN_FILES = 256
_CLONE_NEWNS, _MS_REC, _MS_PRIVATE, _MS_BIND, _MS_NOSUID, _MS_NODEV = 0x20000, 0x4000, 1 << 18, 0x1000, 2, 4
_CLONE_NEWUSER, _CLONE_NEWIPC, _CLONE_NEWNET, _CLONE_NEWPID = 0x10000000, 0x08000000, 0x40000000, 0x20000000
_SESSION_NAMESPACES = _CLONE_NEWNS | _CLONE_NEWIPC | _CLONE_NEWNET | _CLONE_NEWPID
_PR_SET_DUMPABLE = 4

_libc = ctypes.CDLL(None, use_errno=True)


@dataclass
class Sandbox:
    """One job's confinement. Built in the grader before any secret is imported; holds no secret itself."""

    work_root: Path
    uid: int | None  # the dedicated unprivileged uid, when the grader runs as root
    landlock_abi: int
    runtime: tuple[Path, ...]  # what student code may read: the system and Python's own files
    namespaces: bool = False  # can each session have its own user (when not root), mount, IPC, network, pid namespaces?
    private: bool = field(default=False, init=False)  # in a session: did it get them?
    init_pid: int = field(default=0, init=False)  # in a session with them: its pid namespace's first process

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
        if not self.namespaces:
            found.append(
                "this system does not let the grader create namespaces"
                + ("" if self.uid is not None else " as an unprivileged user")
                + ", so submissions share the network stack (UDP)"
                + ("" if self.uid is not None else ", they share your user's process limit")
                + ", and disk use is bounded per file only (allow user namespaces, or grade as root with CAP_SYS_ADMIN)"
            )
        if not seccomp.supported():
            found.append(
                "seccomp filters are not built for this processor, so kernel keys, Unix sockets, SysV IPC and files "
                "without a path (memfd, which no memory limit counts) are open"
            )
        return found

    def session_cleaner(self) -> Callable[[], None] | None:
        """How the session process ends every process of its submission (so that it can fork again when they use
        up the process limit), or None when it cannot without reaching other processes: with a pid namespace,
        each process in it but its first; else kill(-1), kept inside the sandbox by the dedicated uid or the
        Landlock scope (ABI 6+)."""
        if self.private:
            return self._kill_namespace
        if self.uid is not None or self.landlock_abi >= 6:
            return _kill_all
        return None

    def student_cleaner(self) -> Callable[[], None] | None:
        """The same for a process that runs student code: kill(-1) never reaches the session process from the pid
        namespace (the session is outside it) or from a Landlock domain nested in the session's."""
        return _kill_all if self.private or self.landlock_abi >= 6 else None

    def _kill_namespace(self) -> None:
        namespace = os.readlink("/proc/self/ns/pid_for_children")
        for entry in os.scandir("/proc"):
            if entry.name.isdigit() and int(entry.name) != self.init_pid:
                with contextlib.suppress(OSError):
                    if os.readlink(f"/proc/{entry.name}/ns/pid") == namespace:
                        os.kill(int(entry.name), signal.SIGKILL)

    def prepare(self) -> None:
        """In the zygote, once: make Python reachable for the sandbox uid."""
        if self.uid is not None:
            make_reachable(self.runtime)

    def workdir(self, session: int) -> Path:
        return self.work_root / str(session)

    def enter(self, memory_bytes: int, cpu_seconds: int) -> Path:
        """In a new session, before student code: confine this process for good; returns its working directory.

        Everything here is the session's own: its namespaces (nothing of its IPC objects or network survives it, and
        its processes die with the first process of its pid namespace), its working directory (made here, on a tmpfs
        of MAX_DISK_BYTES when it has a mount namespace; Landlock lets it write there and nowhere else, so no session
        can plant anything where another one will work) and, in a user namespace, its own count of processes.
        """
        self.private = self.namespaces and _unshare(self.uid is None)
        workdir = self.workdir(os.getpid())
        shutil.rmtree(workdir, ignore_errors=True)
        workdir.mkdir(mode=0o700)
        owner = os.getuid() if self.uid is None else self.uid
        if self.private:
            options = f"size={MAX_DISK_BYTES},nr_inodes={_MAX_FILES},mode=0700,uid={owner},gid={os.getgid()}"
            _mount("tmpfs", str(workdir), "tmpfs", _MS_NOSUID | _MS_NODEV, options)
        os.chown(workdir, owner, owner if self.uid is not None else os.getgid())
        processes = _MAX_PROCESSES
        if self.uid is None and not self.private:
            processes += _count_processes(os.getuid())  # RLIMIT_NPROC counts all of the user's processes
        ruleset = self._ruleset(workdir) if self.landlock_abi else None
        _clean_environment(workdir)
        _set_limits(memory_bytes, cpu_seconds, processes)
        if self.uid is not None:
            os.setgroups([])
            os.setresgid(self.uid, self.uid, self.uid)
            os.setresuid(self.uid, self.uid, self.uid)
        elif self.private:
            _drop_capabilities()  # those the user namespace gave
        if seccomp.supported():
            seccomp.install()
        if ruleset is not None:
            ruleset.restrict()
            os.close(ruleset.fd)
        os.chdir(workdir)
        if self.private:
            self.init_pid = _start_init()
        return workdir

    def _ruleset(self, workdir: Path) -> landlock.Ruleset:
        ruleset = landlock.Ruleset(self.landlock_abi)
        for path in self.runtime:
            ruleset.allow(path, landlock.READ)
        for device in _DEVICES:
            if os.path.exists(device):
                ruleset.allow(Path(device), landlock.READ | landlock.WRITE_FILE)
        ruleset.allow(workdir, ruleset.handled)  # every file right this ABI knows, in its own folder only
        return ruleset

    def confine_student(self) -> None:
        """In each process forked to run student code: with Landlock signal scoping, a domain of its own inside the
        session's, so neither it nor anything it starts can signal the session process that talks to the grader."""
        if self.landlock_abi >= 6:
            ruleset = landlock.Ruleset(self.landlock_abi, scopes_only=True)
            ruleset.restrict()
            os.close(ruleset.fd)  # the domain stays; the descriptor would only leak into student code


def plan(secret: Iterable[Path] = (), jobs: int = 1) -> list[Sandbox]:
    """One sandbox per job, each with its own working root and, when root, its own uid, so killing by uid never
    touches another job; `secret` paths (the output folder, the reference cache, ...) stay outside what they read,
    as do the packages that hold references and hidden graders."""
    holes = {p.resolve() for p in secret} | _installed_secrets()
    root = os.geteuid() == 0
    runtime = tuple(_without(sorted(_runtime_dirs()), holes))
    abi = landlock.abi()
    uids = _free_uids(jobs) if root else [None] * jobs
    namespaces = _namespaces_work(not root)
    sandboxes = []
    for uid in uids:
        work_root = Path(tempfile.mkdtemp(prefix="autograder-work-"))
        work_root.chmod(0o711 if root else 0o700)
        sandboxes.append(Sandbox(work_root, uid, abi, runtime, namespaces))
    return sandboxes


def _unshare(user: bool) -> bool:
    """Give this process its own mount, IPC, network and pid namespaces (its next child is pid 1 there), inside a new
    user namespace mapping only its own uid when `user`; False, with nothing changed, if the kernel refuses."""
    uid, gid = os.getuid(), os.getgid()
    if user:
        if _libc.unshare(_CLONE_NEWUSER) != 0:
            return False
        # The grader is not dumpable (no process of its user may trace it), which makes /proc/self root's: this
        # process may write its own maps only while dumpable, before any student code exists.
        _libc.prctl(_PR_SET_DUMPABLE, 1, 0, 0, 0)
        for name, text in (("uid_map", f"{uid} {uid} 1"), ("setgroups", "deny"), ("gid_map", f"{gid} {gid} 1")):
            with open(f"/proc/self/{name}", "w") as mapping:
                mapping.write(text)
        _libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
    if _libc.unshare(_SESSION_NAMESPACES) != 0:
        if user:  # a user namespace alone changes nothing a session needs; this process is confined as without one
            raise OSError(ctypes.get_errno(), "unshare of the session's namespaces failed in its user namespace")
        return False
    _mount(None, "/", None, _MS_REC | _MS_PRIVATE)  # the session's tmpfs must not appear anywhere else
    return True


def _namespaces_work(user: bool) -> bool:
    """Can a session get its namespaces here? Tried once per batch in a short-lived child (containers often refuse)."""
    pid = os.fork()
    if pid == 0:
        try:
            os._exit(0 if _unshare(user) else 1)
        except BaseException:  # noqa: BLE001
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def _kill_all() -> None:
    with contextlib.suppress(OSError):
        os.kill(-1, signal.SIGKILL)


def _start_init() -> int:
    """The first process of the session's pid namespace (pid 1 there): it runs no student code and only reaps the
    orphans re-parented to it. Processes inside cannot signal it; when it is killed, the kernel kills everything
    left in the namespace at once, so nothing a submission starts can outlive the session's sweep."""
    pid = os.fork()
    if pid:
        return pid
    try:
        os.closerange(0, 1 << 16)
        signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGCHLD])
        while True:
            with contextlib.suppress(ChildProcessError):
                while os.waitpid(-1, os.WNOHANG)[0] > 0:
                    pass
            signal.sigwaitinfo([signal.SIGCHLD])
    finally:
        os._exit(0)


def _drop_capabilities() -> None:
    """Clear every capability (those a user namespace grants its creator): student code gets none of them."""
    header = struct.pack("=Ii", 0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    data = bytes(24)  # two (effective, permitted, inheritable) sets, all empty
    if _libc.capset(header, data) != 0:
        raise OSError(ctypes.get_errno(), "capset failed")


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
    zombie: bool  # every one of its threads has ended (see has_ended)


def processes() -> list[Process]:
    """Every process, read from /proc/<pid>/status (its owner there is root for non-dumpable processes); only those
    whose status says zombie have their threads read as well (see has_ended)."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/status") as status:
                fields = dict(line.split(":", 1) for line in status if ":" in line)
            uids = frozenset(int(u) for u in fields["Uid"].split())
            ended = fields["State"].strip()[0] in "ZX" and _tasks_ended(int(entry.name))
            found.append(Process(int(entry.name), int(fields["PPid"]), uids, ended))
        except (OSError, KeyError, ValueError, IndexError):
            continue
    return found


def descendants(root: int) -> set[int] | None:
    """Every living descendant of `root`, found by following /proc/<pid>/task/<tid>/children down from it: it reads
    the tree's own processes, never every process on the machine. A process that forks and ends while the tree is
    read can be missed (its child moves up to a reaper already read), so callers read again until nothing is left.
    None when this kernel does not list children (CONFIG_PROC_CHILDREN)."""
    if not _LISTS_CHILDREN:
        return None
    found: set[int] = set()
    todo = [root]
    while todo:
        pid = todo.pop()
        try:
            threads = os.listdir(f"/proc/{pid}/task")
        except OSError:  # it has ended
            continue
        for thread in threads:  # each thread's own children: those it forked, or that were re-parented to it
            try:
                with open(f"/proc/{pid}/task/{thread}/children", "rb") as listing:
                    children = [int(child) for child in listing.read().split()]
            except (OSError, ValueError):
                continue
            for child in children:
                if child not in found and not has_ended(child):
                    found.add(child)
                    todo.append(child)
    return found


def has_ended(pid: int) -> bool:
    """Has it ended (a zombie or gone)? /proc/<pid>/stat shows only its main thread, which can exit (the exit system
    call, not exit_group) while other threads run on: a process has ended only when every thread has."""
    return _thread_ended(f"/proc/{pid}") and _tasks_ended(pid)


def _tasks_ended(pid: int) -> bool:
    try:
        threads = os.listdir(f"/proc/{pid}/task")
    except OSError:  # it is gone
        return True
    return all(_thread_ended(f"/proc/{pid}/task/{thread}") for thread in threads)


def _thread_ended(folder: str) -> bool:
    """Its state is the field after the name, which may itself hold ')'."""
    try:
        with open(f"{folder}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] in (b"Z", b"X")
    except (OSError, IndexError):
        return True


_LISTS_CHILDREN = os.path.exists(f"/proc/{os.getpid()}/task/{os.getpid()}/children")


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
