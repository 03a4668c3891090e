"""Measure `autograder grade` against otter-grader's `otter run`, side by side on the same notebooks and machine.

    python benchmarks/grading_speed.py            # one submission x3, N = 10 and 40, otter on 3 notebooks (~10 min)
    python benchmarks/grading_speed.py --quick    # one submission once, N = 1 and 2, otter on 1 notebook, each
                                                  # run once: every row and line of the table, at least cost (CI)
    python benchmarks/grading_speed.py --assignment norm_sched   # the same for the second assignment

Submissions come from the assignment's grading corpus (tests/assignments/<name>/corpus/variants.py): correct notebooks
and single-bug ones, cycled.
`otter run` grades with the otter zip that `autograder build` writes (skipped when otter-grader is not installed).

Every command is measured in CPU-seconds (user + system time of its whole process tree: every process it started,
forks and kernels included, as the kernel accounts them once they are reaped) next to wall time and the load average
when it started. CPU-seconds are what a shared machine can compare: wall time grows with everyone else's load.
Peak memory is the largest sum, over the whole process tree (grader, zygotes, sessions, probe forks, kernels), of
each process's proportional set size, sampled every 20 ms, so pages shared by forks are counted once.
"""

from __future__ import annotations

import argparse
import importlib
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.assignments.optim_reg.corpus.variants import notebook  # noqa: E402

ASSIGNMENTS = ("optim_reg", "norm_sched")

# Read from this benchmark's table, never asserted by a timed test (docs/benchmarks.md).
TARGETS = {"one_wall": 2.5, "marginal_cpu": 0.35, "vs_otter": 30.0, "peak_mb": 768.0}


@dataclass(frozen=True)
class Measured:
    """One command's run: wall time (s), CPU time of its process tree (s), peak tree PSS (KiB), 1-minute load."""

    wall: float
    cpu: float
    peak_kib: int
    load: float


def tree_pids(root: int) -> list[int]:
    """root and every process descending from it, parents before children."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def tree_pss_kib(root: int) -> int:
    """Sum of PSS (KiB) over root and all its descendants."""
    total = 0
    for pid in tree_pids(root):
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("Pss:"))
        except (OSError, StopIteration):
            continue
    return total


def run_measured(args: list[str], before: Callable[[], None] = lambda: None, once: bool = False) -> Measured:
    """Wall and CPU time of a command, then its peak tree PSS from a second run; `before` runs before each, to
    give both the same start (an emptied cache, say).

    Two runs, because reading smaps_rollup walks each process's page tables: sampling it every 20 ms slowed a
    batch of 10 from 15 s to 24 s, so the timed run is never sampled. With ``once`` (--quick, whose numbers only
    show that the benchmark works), one sampled run gives all three.
    """
    before()
    load = os.getloadavg()[0]
    if once:
        return Measured(*_run(args, sample=True), load)
    wall, cpu, _ = _run(args, sample=False)
    before()
    _, _, peak = _run(args, sample=True)
    return Measured(wall, cpu, peak, load)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(args: list[str], sample: bool) -> tuple[float, float, int]:
    """Wall time, CPU time of the whole tree (every descendant is reaped by its parent, and the command by us, so
    RUSAGE_CHILDREN grows by exactly the tree's user + system time; commands run one at a time) and peak PSS."""
    cpu_before = _children_cpu()
    started = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = 0
    done = threading.Event()

    def sampler() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_pss_kib(process.pid))
            time.sleep(0.02)

    thread = threading.Thread(target=sampler, daemon=True)
    if sample:
        thread.start()
    _, err = process.communicate()
    wall = time.perf_counter() - started
    cpu = _children_cpu() - cpu_before
    done.set()
    if sample:
        thread.join()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed with exit code {process.returncode}:\n{err[-2000:]}")
    return wall, cpu, peak


def make_batch(folder: Path, n: int, assignment: str) -> Path:
    corpus = importlib.import_module(f"tests.assignments.{assignment}.corpus.variants")
    variants = [*corpus.CORRECT, *corpus.BUGS]
    folder.mkdir(parents=True)
    for i in range(n):
        variant = variants[i % len(variants)]
        nbformat.write(notebook(variant, assignment), folder / f"{i:03d}-{variant.name}.ipynb")
    return folder


def grade_command(paths: list[Path], out: Path, jobs: int, assignment: str) -> list[str]:
    return [sys.executable, "-m", "autograder.cli", "grade", *map(str, paths), "--out", str(out), "--jobs", str(jobs),
            "--assignment", assignment]  # fmt: skip


def otter_executable() -> str | None:
    beside = Path(sys.executable).with_name("otter")
    return str(beside) if beside.exists() else shutil.which("otter")


def otter_zip(work: Path, assignment: str) -> Path:
    """The otter zip, built the way instructors build it."""
    subprocess.run([sys.executable, "-m", "autograder.cli", "build", "--out", str(work / "dist")], check=True,
                   cwd=ROOT, stdout=subprocess.DEVNULL)  # fmt: skip
    return work / "dist" / assignment / "otter" / "autograder.zip"


def _spread(values: list[float], digits: int = 2) -> str:
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"


def _row(label: str, n: int, runs: list[Measured]) -> str:
    walls, cpus = [r.wall for r in runs], [r.cpu for r in runs]
    per = [c / n for c in cpus]
    peak = max(r.peak_kib for r in runs) / 1024
    loads = ", ".join(f"{r.load:.1f}" for r in runs)
    return f"| {label} | {n} | {_spread(walls)} | {_spread(cpus)} | {_spread(per, 3)} | {peak:.0f} | {loads} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="the smallest run that prints every row and line (CI checks that the benchmark works)")
    parser.add_argument("--assignment", choices=ASSIGNMENTS, default=ASSIGNMENTS[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--sizes", type=int, nargs="+", help="batch sizes (default: 10 40)")
    parser.add_argument("--single", type=int, help="runs of one submission end to end (default: 3)")
    parser.add_argument("--otter-sample", type=int, help="notebooks graded with `otter run` (default: 3)")
    args = parser.parse_args()
    sizes = sorted(args.sizes or ([1, 2] if args.quick else [10, 40]))  # two sizes: the marginal cost
    singles = args.single if args.single is not None else (1 if args.quick else 3)
    sample = args.otter_sample if args.otter_sample is not None else (1 if args.quick else 3)
    once = args.quick
    work = Path(tempfile.mkdtemp(prefix="grading-bench-"))
    batches: dict[int, Measured] = {}
    try:
        solution = ROOT / "solutions" / f"{args.assignment}.ipynb"
        single = [run_measured(grade_command([solution], work / f"one{i}", 1, args.assignment), once=once)
                  for i in range(singles)]  # fmt: skip
        for n in sizes:
            batch = make_batch(work / f"batch{n}", n, args.assignment)
            batches[n] = run_measured(grade_command([batch], work / f"out{n}", args.jobs, args.assignment), once=once)
        otter_runs: list[tuple[str, Measured]] = []
        otter = otter_executable()
        if otter and sample:
            archive = otter_zip(work, args.assignment)
            for path in sorted(make_batch(work / "otter-sample", sample, args.assignment).glob("*.ipynb")):
                (work / f"otter-{path.stem}").mkdir()  # otter run writes into an existing folder
                command = [otter, "run", "--no-logo", "-a", str(archive), "-o", str(work / f"otter-{path.stem}"), str(path)]
                otter_runs.append((path.stem, run_measured(command, once=once)))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{args.assignment}, {os.cpu_count()} cores; medians with (min-max) over the runs; load = 1-minute load "
          "average at each start")  # fmt: skip
    print("| run | n | wall s | CPU s | CPU s/submission | peak MB | load |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    print(_row("one submission, end to end (`--jobs 1`)", 1, single))
    for n, measured in batches.items():
        print(_row(f"batch of {n} (`--jobs {args.jobs}`)", n, [measured]))
    if otter_runs:
        print(_row(f"`otter run`, {len(otter_runs)} notebooks, each", 1, [m for _, m in otter_runs]))
    one_wall = statistics.median(r.wall for r in single)
    peak = max(m.peak_kib for m in [*single, *batches.values()]) / 1024
    lines = [f"one submission end to end: {one_wall:.2f} s wall (target {TARGETS['one_wall']} s), "
             f"{statistics.median(r.cpu for r in single):.2f} CPU-s"]  # fmt: skip
    marginal = None
    if len(batches) >= 2:
        (n1, m1), (n2, m2) = list(batches.items())[-2:]
        marginal = (m2.cpu - m1.cpu) / (n2 - n1)
        lines.append(f"marginal cost per extra submission (N={n1}->{n2}): {marginal:.3f} CPU-s "
                     f"(target {TARGETS['marginal_cpu']}), {(m2.wall - m1.wall) / (n2 - n1):.3f} s wall")  # fmt: skip
    lines.append(f"peak memory of the whole tree: {peak:.0f} MB (target {TARGETS['peak_mb']:.0f})")
    if otter_runs:
        otter_cpu = [m.cpu for _, m in otter_runs]
        otter_wall = [m.wall for _, m in otter_runs]
        lines.append(f"otter run per notebook: {_spread(otter_cpu)} CPU-s, {_spread(otter_wall)} s wall, "
                     f"peak {max(m.peak_kib for _, m in otter_runs) / 1024:.0f} MB")  # fmt: skip
        if marginal is not None:
            lines.append(f"marginal CPU cost against otter run's CPU per notebook: "
                         f"{statistics.median(otter_cpu) / marginal:.1f}x (spread "
                         f"{min(otter_cpu) / marginal:.1f}-{max(otter_cpu) / marginal:.1f}x; target "
                         f"{TARGETS['vs_otter']:.0f}x)")  # fmt: skip
        lines.append(f"one submission against otter run: {statistics.median(otter_cpu) / statistics.median(r.cpu for r in single):.1f}x "
                     f"less CPU, {statistics.median(otter_wall) / one_wall:.1f}x less wall time")  # fmt: skip
    else:
        lines.append("otter run: not measured (otter-grader is not installed, or --otter-sample 0)")
    print("\n".join(f"- {line}" for line in lines))


if __name__ == "__main__":
    main()
