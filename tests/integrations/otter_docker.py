"""A real `otter grade`: a Docker engine this harness starts itself, a base image made without a registry, otter 7.

Used by test_otter_docker.py, and run directly to measure (docs/otter.md has the numbers):

    python -m tests.integrations.otter_docker          # as root; reuses the cached base image and layers
    python -m tests.integrations.otter_docker --cold   # first deletes every cache: fresh debootstrap, fresh images

The engine is Debian's docker.io, started as ``dockerd --iptables=false --ip-forward=false --bridge=none`` with its
own data root, socket and cgroup parent, and stopped by its pid whatever happens (leftovers of an earlier run are
stopped first). Its state (images, the debootstrap tarball) stays in /var/lib/autograder-docker-test between runs.

The zip is exactly what `autograder build` writes, and the command is the one docs/otter.md gives. What this machine
cannot reach is stood in for, outside the zip (an instructor's machine needs none of it):

1. Docker Hub (otter's base image ``ubuntu:22.04``): a Debian bookworm tree made by ``debootstrap --variant=minbase``
   and ``docker import``ed, tagged ``ubuntu:22.04`` in this private engine only. The zip's setup.sh needs nothing of
   Ubuntu but apt and a python3 of 3.10 or newer (Ubuntu 22.04 has 3.10; bookworm 3.11).
2. PyTorch's CPU index: the base image's ``/etc/pip.conf`` gives pip a folder (find-links) with torch's CPU wheel
   and its dependencies, as this machine's pip downloads them (the machine keeps that CPU wheel on disk). setup.sh
   still asks PyTorch's index first, as on any machine; pip finds it unreachable and takes the folder's wheel, and
   setup.sh's guard checks that it is the CPU build.
3. The host's trust store: the same pip.conf trusts the host's CA bundle (this machine reaches PyPI through a
   TLS-inspecting proxy whose CA only the host knows).
4. ``docker buildx`` (otter builds with it; Debian's docker.io has no buildx): the CLI plugin stand-in
   ``otter_docker_buildx`` in the harness's own DOCKER_CONFIG runs the engine's classic ``docker build``, on the
   host's network, since the engine has no bridge network.
Miniforge (GitHub) needs no stand-in: the zip's setup.sh uses no conda.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import hashlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
STATE = Path("/var/lib/autograder-docker-test")  # images, layers and the debootstrap tarball, kept between runs
RUN = Path("/run/autograder-docker-test")  # socket, pid file and the engine's exec root
CGROUP_PARENT = "autograder-docker-test"  # every container's cgroup, so leftovers are found by pid
BASE_IMAGE = "ubuntu:22.04"  # otter grade's default base image, stood in for (see above)
DEBIAN = ("bookworm", "http://deb.debian.org/debian")
BUILDX = Path(__file__).with_name("otter_docker_buildx")
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")  # Debian's, which pip here is told to use too
PACKAGES = {"dockerd": "docker.io", "debootstrap": "debootstrap"}
OTTER_IMAGE = "otter-grade:"  # otter tags its image otter-grade:<-n name>


def is_root() -> bool:
    return os.geteuid() == 0


def install_tools() -> None:
    """Debian's docker.io and debootstrap, unless there already (a fresh CI machine has neither)."""
    missing = [package for command, package in PACKAGES.items() if shutil.which(command) is None]
    if not missing:
        return
    apt = ["apt-get", "-o", "DPkg::Lock::Timeout=900"]
    subprocess.run([*apt, "update", "-qq"], check=True, capture_output=True)
    install = [*apt, "install", "-y", "-qq", "--no-install-recommends", *missing]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    done = subprocess.run(install, check=False, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        output = done.stdout[-2000:] + done.stderr[-2000:]
        raise RuntimeError(f"apt-get could not install {' '.join(missing)}:\n{output}")


def without_member(archive: bytes, name: str) -> bytes:
    """A copy of a zip (a wheel, say) with one member left out: graders that cannot be imported, for the tests."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(archive)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            if item.filename != name:
                target.writestr(item, source.read(item))
    return out.getvalue()


# --- the engine ------------------------------------------------------------------------------------------------------


def _ours(pid: int) -> bool:
    """A process of this harness's engine: its command line names the engine's own folders."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return False
    return str(RUN) in cmdline or str(STATE) in cmdline


def leftover_pids() -> set[int]:
    """The engine's processes (dockerd, containerd, shims) and every process inside its containers' cgroups."""
    pids = {int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _ours(int(p.name))}
    for procs in [*Path("/sys/fs/cgroup").glob(f"*/{CGROUP_PARENT}/**/cgroup.procs"),
                  *Path("/sys/fs/cgroup").glob(f"{CGROUP_PARENT}/**/cgroup.procs")]:  # fmt: skip
        with contextlib.suppress(OSError):
            pids |= {int(line) for line in procs.read_text().split()}
    return pids - {os.getpid()}


def _wait_gone(pids: set[int], seconds: float) -> set[int]:
    deadline = time.monotonic() + seconds
    while pids and time.monotonic() < deadline:
        pids = {pid for pid in pids if Path(f"/proc/{pid}").exists() and not _zombie(pid)}
        time.sleep(0.2)
    return pids


def _zombie(pid: int) -> bool:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    return True


def stop_leftovers() -> None:
    """Stop whatever an earlier run left: its dockerd gently (it stops its containers and unmounts), then the rest."""
    pidfile = RUN / "dockerd.pid"
    with contextlib.suppress(OSError, ValueError):
        pid = int(pidfile.read_text())
        if _ours(pid):
            os.kill(pid, signal.SIGTERM)
            _wait_gone({pid}, 30)
    stubborn = leftover_pids()
    for pid in stubborn:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    left = _wait_gone(stubborn, 10)
    if left:
        raise RuntimeError(f"processes of an earlier test engine would not stop: {sorted(left)}")


@dataclass
class Engine:
    """A running dockerd of this harness: its pid, the environment that points docker and otter at it."""

    pid: int
    env: dict[str, str]
    storage_driver: str
    log: Path

    def docker(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run(["docker", *args], check=False, env=self.env, capture_output=True, text=True, **kwargs)


def _start_dockerd(driver: str, config: Path, log: Path) -> Engine:
    socket = RUN / "docker.sock"
    command = [
        "dockerd", "--data-root", str(STATE / "docker"), "--exec-root", str(RUN / "exec"),
        "--pidfile", str(RUN / "dockerd.pid"), "--host", f"unix://{socket}", "--cgroup-parent", CGROUP_PARENT,
        "--iptables=false", "--ip-forward=false", "--bridge=none", "--storage-driver", driver,
    ]  # fmt: skip
    with log.open("ab") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)  # fmt: skip
    env = {**os.environ, "DOCKER_HOST": f"unix://{socket}", "DOCKER_CONFIG": str(config)}
    engine = Engine(process.pid, env, driver, log)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and process.poll() is None:
        if engine.docker("info", "--format", "{{.Driver}}").stdout.strip() == driver:
            return engine
        time.sleep(0.5)
    _stop(engine)
    ending = log.read_text()[-2000:]
    raise RuntimeError(f"dockerd with the {driver} storage driver did not start; its log ends:\n{ending}")


def _stop(engine: Engine) -> None:
    """Stop the engine by its pid: its containers first, then dockerd gently, then anything of it still left."""
    with contextlib.suppress(subprocess.TimeoutExpired):  # an engine that no longer answers is killed below
        running = engine.docker("ps", "--quiet", timeout=30).stdout.split()
        if running:
            engine.docker("kill", *running, timeout=60)
    with contextlib.suppress(ProcessLookupError):
        os.kill(engine.pid, signal.SIGTERM)
    if _wait_gone({engine.pid}, 60):
        os.kill(engine.pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(engine.pid, 0)
    stop_leftovers()


@contextlib.contextmanager
def engine() -> Iterator[Engine]:
    """A private dockerd (overlay2, or vfs where overlay2 cannot work), stopped by pid whatever happens."""
    stop_leftovers()
    RUN.mkdir(parents=True, exist_ok=True)
    STATE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="otter-docker-config-") as config:
        plugins = Path(config) / "cli-plugins"
        plugins.mkdir()
        shutil.copy2(BUILDX, plugins / "docker-buildx")  # the stand-in, in this harness's DOCKER_CONFIG only
        log = RUN / "dockerd.log"
        try:
            running = _start_dockerd("overlay2", Path(config), log)
        except RuntimeError:
            running = _start_dockerd("vfs", Path(config), log)
        try:
            yield running
        finally:
            _stop(running)


# --- the base image --------------------------------------------------------------------------------------------------


def _debootstrap_tarball() -> Path:
    """Debian bookworm (minbase) as a tarball, made once by debootstrap from Debian's mirror, then kept."""
    tarball = STATE / "bookworm-minbase.tar"
    if tarball.is_file():
        return tarball
    with tempfile.TemporaryDirectory(prefix="debootstrap-", dir=STATE) as tmp:
        tree = Path(tmp) / "rootfs"
        suite, mirror = DEBIAN
        subprocess.run(["debootstrap", "--variant=minbase", suite, str(tree), mirror], check=True, capture_output=True)
        partial = Path(tmp) / "rootfs.tar"
        subprocess.run(["tar", "-C", str(tree), "--numeric-owner", "-cf", str(partial), "."], check=True)
        partial.rename(tarball)
    return tarball


def _stand_in_context(folder: Path) -> str:
    """The build context of the stand-ins' layer (see the module's docstring); returns its Dockerfile's text."""
    index = folder / "pytorch-cpu-index"
    from autograder.integrations.gradescope.build import TORCH_VERSION

    download = [sys.executable, "-m", "pip", "download", "--quiet", "--dest", str(index), f"torch=={TORCH_VERSION}"]
    subprocess.run(download, check=True, capture_output=True)
    if not list(index.glob(f"torch-{TORCH_VERSION}+cpu-*.whl")):
        raise RuntimeError(f"this machine's pip offers no CPU build of torch {TORCH_VERSION} to stand in with")
    shutil.copy2(HOST_CA_BUNDLE, folder / "host-ca-certificates.crt")
    (folder / "pip.conf").write_text(
        "[global]\nfind-links = /opt/pytorch-cpu-index\ncert = /opt/host-ca-certificates.crt\n"
    )
    return (
        "FROM autograder-test/debian:bookworm-minbase\n"
        "COPY pytorch-cpu-index /opt/pytorch-cpu-index\n"
        "COPY host-ca-certificates.crt /opt/host-ca-certificates.crt\n"
        "COPY pip.conf /etc/pip.conf\n"
    )


def base_image(running: Engine) -> bool:
    """Make ``ubuntu:22.04`` in the engine from debootstrap and the stand-ins, unless it is there already and built
    from the same inputs; returns whether it was made."""
    prune(running)
    tarball = _debootstrap_tarball()
    with tempfile.TemporaryDirectory(prefix="otter-base-") as tmp:
        context = Path(tmp)
        dockerfile = _stand_in_context(context)
        digest = hashlib.sha256(dockerfile.encode())
        for path in sorted(p for p in context.rglob("*") if p.is_file()):
            digest.update(f"{path.relative_to(context)}:{path.stat().st_size}".encode())
        digest.update((context / "host-ca-certificates.crt").read_bytes() + f"{tarball.stat().st_mtime_ns}".encode())
        key = digest.hexdigest()[:16]
        label = running.docker("image", "inspect", BASE_IMAGE, "--format",
                               '{{ index .Config.Labels "autograder.stand-in" }}').stdout.strip()  # fmt: skip
        if label == key:
            return False
        imported = running.docker("import", str(tarball), "autograder-test/debian:bookworm-minbase")
        if imported.returncode != 0:
            raise RuntimeError(f"docker import failed: {imported.stderr}")
        (context / "Dockerfile").write_text(dockerfile + f"LABEL autograder.stand-in={key}\n")
        build = ["docker", "build", "--network", "none", "--tag", BASE_IMAGE, str(context)]
        env = {**running.env, "DOCKER_BUILDKIT": "0"}  # the classic builder: nothing to run, so no buildx needed
        built = subprocess.run(build, check=False, env=env, capture_output=True, text=True)
        if built.returncode != 0:
            raise RuntimeError(f"building the stand-in base image failed:\n{built.stdout[-2000:]}{built.stderr}")
    return True


def prune(running: Engine) -> None:
    """Drop what earlier runs left in the kept state: stopped containers, layers no tag uses (an older zip's)."""
    running.docker("container", "prune", "--force")
    running.docker("image", "prune", "--force")


# --- otter grade -----------------------------------------------------------------------------------------------------


def documented_commands() -> str:
    """The shell block of docs/otter.md that runs `otter grade` (the folder it needs, then the command)."""
    blocks = re.findall(r"```bash\n(.*?)```", (REPO / "docs/otter.md").read_text(), flags=re.DOTALL)
    (block,) = [b for b in blocks if "otter grade " in b]
    return block


@dataclass
class Grading:
    """What one `otter grade` run gave: rows of final_grades.csv by file, and how long it took."""

    rows: dict[str, dict[str, str]]
    seconds: float
    image_seconds: float
    notebook_seconds: list[float] = field(default_factory=list)
    output: str = ""


def _container_seconds(running: Engine, since: float, until: float, image: str) -> tuple[float, list[float]]:
    """From the engine's events: when the first grading container was created, and each one's run time."""
    events = running.docker("events", "--since", f"{since:.3f}", "--until", f"{until:.3f}", "--filter",
                            "type=container", "--filter", f"image={image}", "--format", "{{json .}}").stdout  # fmt: skip
    created, started, runs = [], {}, []
    for line in events.splitlines():
        event = json.loads(line)
        when = event["timeNano"] / 1e9
        if event["Action"] == "create":
            created.append(when)
        elif event["Action"] == "start":
            started[event["id"]] = when
        elif event["Action"] == "die" and event["id"] in started:
            runs.append(when - started.pop(event["id"]))
    return (min(created) - since if created else float("nan")), sorted(runs)


def otter_grade(running: Engine, workdir: Path, name: str = "optim_reg", commands: str | None = None) -> Grading:
    """Run ``commands`` (by default docs/otter.md's) in ``workdir``, with this environment's otter on PATH."""
    commands = commands or documented_commands()
    env = {**running.env, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{running.env['PATH']}"}
    start = time.time()
    bash = ["bash", "-euo", "pipefail", "-c", commands]
    done = subprocess.run(bash, check=False, cwd=workdir, env=env, capture_output=True, text=True, timeout=3600)
    end = time.time()
    output = done.stdout[-6000:] + done.stderr[-6000:]
    if done.returncode != 0:
        raise RuntimeError(f"`otter grade` failed (exit {done.returncode}):\n{output}")
    folder = re.search(r"-o (\S+)", commands).group(1)
    with open(workdir / folder / "final_grades.csv", newline="") as f:
        rows = {row["file"]: row for row in csv.DictReader(f)}
    image, notebooks = _container_seconds(running, start, end, OTTER_IMAGE + name)
    return Grading(rows, end - start, image, notebooks, output)


# --- measuring (python -m tests.integrations.otter_docker) -----------------------------------------------------------


def prepare(workdir: Path) -> Path:
    """`autograder build` into workdir/dist and the measured notebooks into workdir/submissions; returns the zip."""
    import nbformat

    from autograder.assignment import load
    from tests.assignments.optim_reg.corpus.variants import BUGS, notebook

    optim_reg = load("optim_reg")

    build = [sys.executable, "-m", "autograder.cli", "build", "--out", str(workdir / "dist")]
    subprocess.run(build, check=True, cwd=REPO, capture_output=True)
    submissions = workdir / "submissions"
    submissions.mkdir()
    shutil.copy2(optim_reg.solution_notebook, submissions / "solution.ipynb")
    shutil.copy2(optim_reg.template_notebook, submissions / "template.ipynb")
    for variant in BUGS:
        if variant.name in MEASURED_BUGS:
            nbformat.write(notebook(variant), submissions / f"{variant.name}.ipynb")
    return workdir / "dist/optim_reg/otter/autograder.zip"


MEASURED_BUGS = ("A1-no-bias-correction", "D13-modifies-input", "E1-weights-aliased", "I1-fans-swapped")


def measure(cold: bool) -> None:
    started = time.time()
    install_tools()
    if cold:
        stop_leftovers()
        shutil.rmtree(STATE, ignore_errors=True)
    with engine() as running, tempfile.TemporaryDirectory(prefix="otter-docker-") as tmp:
        before = time.time()
        made = base_image(running)
        base = time.time() - before
        prepare(Path(tmp))
        grading = otter_grade(running, Path(tmp))
    total = time.time() - started
    print(f"engine: dockerd pid {running.pid}, {running.storage_driver}; base image {'made' if made else 'cached'} "
          f"in {base:.0f} s")  # fmt: skip
    print(
        f"otter grade: {grading.seconds:.0f} s for {len(grading.rows) - 1} notebooks; image build "
        f"{grading.image_seconds:.0f} s; per notebook {', '.join(f'{s:.0f}' for s in grading.notebook_seconds)} s"
    )
    for name, row in grading.rows.items():
        print(f"  {name}: {row['total_points_earned']} ({row['grading_status']})")
    print(f"all, from start to engine stopped: {total:.0f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold", action="store_true", help="delete every cache first (debootstrap, images, layers)")
    if not is_root():
        sys.exit("run this as root: it installs packages and starts its own Docker engine")
    measure(parser.parse_args().cold)
