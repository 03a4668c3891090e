"""A simulated Gradescope container: Gradescope's folders in a temporary root, `run_autograder` started as Gradescope
starts it, and every results.json it writes checked against a JSON Schema of Gradescope's format.

Measure runs of the solution (wall time, CPU time and peak memory of the whole process tree), docs/gradescope.md:

    python -m tests.integrations.gradescope_container --runs 3            # on this machine as it is
    python -m tests.integrations.gradescope_container --runs 3 --limits   # in cgroups: 0.5 CPU and 768 MB (root)
    python -m tests.integrations.gradescope_container --limits --assignment norm_sched   # the second assignment
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema

from autograder.assignment import Assignment, load
from autograder.grading import reference_cache
from autograder.integrations.wheel import build_wheel

REPO = Path(__file__).resolve().parents[2]
SCHEMA = json.loads(Path(__file__).with_name("gradescope_results.schema.json").read_text(encoding="utf-8"))

# What Gradescope puts in submission_metadata.json (docs/submission_metadata.md), with made-up people.
METADATA = {
    "id": 301234567,
    "created_at": "2026-11-20T14:03:11.518254-08:00",
    "assignment": {
        "id": 6543210,
        "course_id": 765432,
        "title": "Optimization & Regularization",
        "release_date": "2026-11-01T00:00:00.000000-07:00",
        "due_date": "2026-11-21T23:59:00.000000-08:00",
        "late_due_date": None,
        "group_submission": True,
        "group_size": 2,
        "total_points": "100.0",
    },
    "submission_method": "upload",
    "users": [
        {"email": "ada.student@example.edu", "id": 4401, "name": "Ada Student", "assignment": {"release_date": None}},
        {"email": "bo.partner@example.edu", "id": 4402, "name": "Bo Partner", "assignment": {"release_date": None}},
    ],
    "previous_submissions": [
        {
            "submission_time": "2026-11-19T10:12:45.000000-08:00",
            "score": 35.0,
            "autograder_error": False,
            "results": {"score": 35.0, "output": "Score 35/100.", "tests": []},
        }
    ],
}


def make_root(parent: Path, autograder_zip: Path, submission: dict[str, bytes]) -> Path:
    """Gradescope's /autograder in ``parent``: the zip unpacked into source/, the student's files, the metadata."""
    root = parent / "autograder"
    with zipfile.ZipFile(autograder_zip) as archive:
        archive.extractall(root / "source")
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    (root / "run_autograder").chmod(0o755)  # zipfile drops modes; Gradescope's image build sets them
    (root / "results").mkdir(mode=0o755)
    (root / "submission").mkdir()
    for name, content in submission.items():
        (root / "submission" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "submission" / name).write_bytes(content)
    metadata = root / "submission_metadata.json"
    metadata.write_text(json.dumps(METADATA, indent=2), encoding="utf-8")
    metadata.chmod(0o644)
    return root


def built_zip(kind: str, assignment: Assignment, out: Path) -> Path:
    """The assignment's ``kind`` ("gradescope" or "otter") zip, as `autograder build` writes it, in ``out``."""
    build = importlib.import_module(f"autograder.integrations.{kind}.build").build_zip
    with tempfile.TemporaryDirectory(prefix="wheel-") as tmp:
        return build(assignment, out, build_wheel(assignment, Path(tmp)))


def environment(
    root: Path, python: str = sys.executable, cache: Path | None = None, roots: tuple[Path, ...] = ()
) -> dict[str, str]:
    """run_autograder's environment: the test's Python (with this repository, and any other course ``roots``,
    importable) instead of the venv, and the given reference cache (default: the user's) instead of setup.sh's."""
    path = os.pathsep.join(filter(None, [*map(str, roots), str(REPO), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": python, "PYTHONPATH": path,
            "AUTOGRADER_CACHE": str(cache or reference_cache.cache_dir())}  # fmt: skip


def run_autograder(
    root: Path, python: str = sys.executable, roots: tuple[Path, ...] = ()
) -> tuple[dict, subprocess.CompletedProcess]:
    """Run ``root/run_autograder`` as Gradescope does (its own process, cwd = root); the schema-valid results."""
    done = subprocess.run(
        [str(root / "run_autograder")], check=False, cwd=root, env=environment(root, python, roots=roots),
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(results, SCHEMA)
    return results, done


@contextlib.contextmanager
def gradescope_cgroups() -> Iterator[list[str]]:
    """A command prefix that runs a command in cgroup-v1 groups limited as Gradescope's default container."""
    groups = {"cpu": {"cpu.cfs_period_us": "100000", "cpu.cfs_quota_us": "50000"},
              "memory": {"memory.limit_in_bytes": str(768 * 2**20)}}  # fmt: skip
    name = f"gradescope-sim-{os.getpid()}"
    made = []
    try:
        for controller, settings in groups.items():
            folder = Path("/sys/fs/cgroup", controller, name)
            try:
                folder.mkdir()
            except OSError as exc:
                raise SystemExit(
                    f"--limits needs root and cgroup-v1 controllers under /sys/fs/cgroup ({exc})."
                ) from exc
            made.append(folder)
            for key, value in settings.items():
                (folder / key).write_text(value)
        enter = " ".join(f"echo $$ > {folder}/cgroup.procs;" for folder in made)
        yield ["sh", "-c", f'{enter} exec "$@"', "sh"]
    finally:
        for folder in made:
            with contextlib.suppress(OSError):
                folder.rmdir()


def _measured_run(parent: Path, autograder_zip: Path, cache: Path, limits: bool, warmed: bool, name: str) -> Any:
    """Wall time, CPU time of the process tree and peak tree PSS of one Gradescope run of the solution (a
    grading_speed.Measured), which must earn full marks.
    Unless `warmed`, the cache is emptied before each of run_measured's two runs: the first would fill it."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    from grading_speed import run_measured

    root = make_root(parent, autograder_zip, {f"{name}.ipynb": (REPO / "solutions" / f"{name}.ipynb").read_bytes()})
    os.environ.update(environment(root, cache=cache))  # run_measured starts the command with this environment
    os.chdir(root)
    with gradescope_cgroups() if limits else contextlib.nullcontext([]) as prefix:
        empty = (lambda: None) if warmed else (lambda: shutil.rmtree(cache, ignore_errors=True))
        measured = run_measured([*prefix, str(root / "run_autograder")], before=empty)
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(results, SCHEMA)
    if results["score"] != 100:
        raise SystemExit(f"the solution did not earn full marks:\n{results['output']}")
    return measured


def _warm(parent: Path, autograder_zip: Path, cache: Path) -> None:
    """What setup.sh does to fill the reference cache: grade an empty submission."""
    root = make_root(parent, autograder_zip, {})
    subprocess.run([str(root / "run_autograder")], check=True, capture_output=True, env=environment(root, cache=cache))


def measure(limits: bool, runs: int, name: str = "optim_reg") -> None:
    """Print the wall time and peak tree PSS of Gradescope runs of the solution, without and with the reference
    cache that setup.sh fills; the range over ``runs`` fresh containers of each (the peak varies between runs)."""
    where = "in cgroups limited to 0.5 CPU and 768 MB" if limits else "on this machine, unlimited"
    with tempfile.TemporaryDirectory(prefix="gradescope-measure-") as tmp:
        work = Path(tmp)
        autograder_zip = built_zip("gradescope", load(name), work / "dist")
        for label, warmed in (
            ("no reference cache", False),
            ("reference cache from setup.sh (as on Gradescope)", True),
        ):
            measured = []
            for run in range(runs):
                container = work / f"{warmed}-{run}"
                if warmed:
                    _warm(container / "setup", autograder_zip, container / "cache")
                measured.append(_measured_run(container, autograder_zip, container / "cache", limits, warmed, name))
            walls, cpus = [m.wall for m in measured], [m.cpu for m in measured]
            peaks = [m.peak_kib / 1024 for m in measured]
            loads = ", ".join(f"{m.load:.1f}" for m in measured)
            print(f"{name}, {where}, {label}, {runs} runs: wall {min(walls):.1f}-{max(walls):.1f} s, "
                  f"CPU {min(cpus):.2f}-{max(cpus):.2f} s (user + system of the process tree), "
                  f"peak memory of the process tree (sum of PSS) {min(peaks):.0f}-{max(peaks):.0f} MB; "
                  f"load average at start {loads}")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limits", action="store_true", help="run in cgroups with Gradescope's default limits (root)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each kind (default: 3)")
    parser.add_argument("--assignment", default="optim_reg", help="whose solution is graded (default: optim_reg)")
    arguments = parser.parse_args()
    measure(arguments.limits, arguments.runs, arguments.assignment)
