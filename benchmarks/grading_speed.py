"""Measure `autograder grade` against otter-grader's `otter run`, side by side on the same notebooks and machine.

    python benchmarks/grading_speed.py            # N = 10, 40, 160, one submission, otter on 3 notebooks (~10 min)
    python benchmarks/grading_speed.py --quick    # N = 3, otter on 1 notebook: checks that the benchmark runs (CI)

Submissions come from optim_reg's grading corpus (tests/assignments/optim_reg/corpus/variants.py): correct notebooks
and single-bug ones, cycled.
`otter run` grades with the otter zip that `autograder build` writes (skipped when otter-grader is not installed).
Peak memory is the largest sum, over the whole process tree (grader, zygotes, sessions, probe forks, kernels), of
each process's proportional set size, sampled every 20 ms, so pages shared by forks are counted once.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.assignments.optim_reg.corpus.variants import BUGS, CORRECT, notebook  # noqa: E402


def tree_pss_kib(root: int) -> int:
    """Sum of PSS (KiB) over root and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("Pss:"))
        except (OSError, StopIteration):
            continue
    return total


def run_measured(args: list[str], before: Callable[[], None] = lambda: None) -> tuple[float, int]:
    """Wall time (s) of a command, then its peak tree PSS (KiB) from a second run; `before` runs before each, to
    give both the same start (an emptied cache, say).

    Two runs, because reading smaps_rollup walks each process's page tables: sampling it every 20 ms slowed a
    batch of 10 from 15 s to 24 s, so the timed run is never sampled.
    """
    before()
    wall, _ = _run(args, sample=False)
    before()
    _, peak = _run(args, sample=True)
    return wall, peak


def _run(args: list[str], sample: bool) -> tuple[float, int]:
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
    done.set()
    if sample:
        thread.join()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed with exit code {process.returncode}:\n{err[-2000:]}")
    return wall, peak


def make_batch(folder: Path, n: int) -> Path:
    variants = [*CORRECT, *BUGS]
    folder.mkdir(parents=True)
    for i in range(n):
        variant = variants[i % len(variants)]
        nbformat.write(notebook(variant), folder / f"{i:03d}-{variant.name}.ipynb")
    return folder


def grade_command(paths: list[Path], out: Path, jobs: int) -> list[str]:
    return [sys.executable, "-m", "autograder.cli", "grade", *map(str, paths), "--out", str(out), "--jobs", str(jobs),
            "--assignment", "optim_reg"]  # fmt: skip


def otter_executable() -> str | None:
    beside = Path(sys.executable).with_name("otter")
    return str(beside) if beside.exists() else shutil.which("otter")


def otter_zip(work: Path) -> Path:
    """The otter zip, built the way instructors build it."""
    subprocess.run([sys.executable, "-m", "autograder.cli", "build", "--out", str(work / "dist")], check=True,
                   cwd=ROOT, stdout=subprocess.DEVNULL)  # fmt: skip
    return work / "dist" / "optim_reg" / "otter" / "autograder.zip"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a tiny run that only checks the benchmark works")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--sizes", type=int, nargs="+", help="batch sizes (default: 10 40 160)")
    parser.add_argument("--otter-sample", type=int, help="notebooks graded with `otter run` (default: 3)")
    args = parser.parse_args()
    sizes = args.sizes or ([3] if args.quick else [10, 40, 160])
    sample = args.otter_sample if args.otter_sample is not None else (1 if args.quick else 3)
    work = Path(tempfile.mkdtemp(prefix="grading-bench-"))
    rows, otter_rows = [], []
    try:
        single, single_peak = run_measured(grade_command([ROOT / "solutions/optim_reg.ipynb"], work / "one", 1))
        rows.append(("one submission, end to end (jobs 1)", 1, single, single, single_peak))
        for n in sizes:
            batch = make_batch(work / f"batch{n}", n)
            wall, peak = run_measured(grade_command([batch], work / f"out{n}", args.jobs))
            rows.append((f"batch of {n} (jobs {args.jobs})", n, wall, wall / n, peak))
        otter = otter_executable()
        if otter and sample:
            archive = otter_zip(work)
            for path in sorted(make_batch(work / "otter-sample", sample).glob("*.ipynb")):
                (work / f"otter-{path.stem}").mkdir()  # otter run writes into an existing folder
                command = [
                    otter,
                    "run",
                    "--no-logo",
                    "-a",
                    str(archive),
                    "-o",
                    str(work / f"otter-{path.stem}"),
                    str(path),
                ]
                wall, peak = run_measured(command)
                otter_rows.append((f"otter run: {path.stem[:29]}", 1, wall, wall, peak))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{'run':44s} {'n':>4s} {'wall s':>8s} {'s/submission':>13s} {'peak MB':>8s}")
    for label, n, wall, per, peak in rows + otter_rows:
        print(f"{label:44s} {n:4d} {wall:8.2f} {per:13.3f} {peak / 1024:8.0f}")
    batches = [r for r in rows if r[0].startswith("batch")]
    if len(batches) >= 2:
        (_, n1, w1, _, _), (_, n2, w2, _, _) = batches[-2], batches[-1]
        print(f"marginal cost per extra submission (N={n1}->{n2}): {(w2 - w1) / (n2 - n1):.3f} s")
    if not otter_rows:
        print("otter run: not measured (otter-grader is not installed, or --otter-sample 0)")
        return
    otter_each = sum(r[2] for r in otter_rows) / len(otter_rows)
    batch = min(batches, key=lambda r: abs(r[1] - 40))
    print(f"otter run: {otter_each:.2f} s per notebook, peak {max(r[4] for r in otter_rows) / 1024:.0f} MB")
    print(f"throughput vs otter run (batch of {batch[1]}): {otter_each / batch[3]:.1f}x")
    print(f"one submission vs otter run: {otter_each / single:.1f}x faster")


if __name__ == "__main__":
    main()
