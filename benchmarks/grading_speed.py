"""Measure `autograder grade`: batch throughput, marginal cost per submission, one submission end to end, peak memory.

    python benchmarks/grading_speed.py            # N = 10, 40 and one submission (several minutes)
    python benchmarks/grading_speed.py --quick    # N = 3: checks that the benchmark runs (CI)

Submissions come from the grading corpus (tests/corpus/variants.py): correct notebooks and single-bug ones, cycled.
Peak memory is the largest sum, over the whole process tree (grader, zygotes, sessions, probe forks), of each
process's proportional set size, sampled every 20 ms, so pages shared by forks are counted once.
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
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.corpus.variants import BUGS, CORRECT, notebook  # noqa: E402


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


def run_measured(args: list[str]) -> tuple[float, int]:
    """Wall time (s) and peak tree PSS (KiB) of a command."""
    started = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_pss_kib(process.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = process.communicate()
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed with exit code {process.returncode}:\n{err[-2000:]}")
    return time.perf_counter() - started, peak


def make_batch(folder: Path, n: int) -> Path:
    variants = [*CORRECT, *BUGS]
    folder.mkdir(parents=True)
    for i in range(n):
        variant = variants[i % len(variants)]
        nbformat.write(notebook(variant), folder / f"{i:03d}-{variant.name}.ipynb")
    return folder


def grade_command(paths: list[Path], out: Path, jobs: int) -> list[str]:
    return [sys.executable, "-m", "autograder.cli", "grade", *map(str, paths), "--out", str(out), "--jobs", str(jobs)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a tiny run that only checks the benchmark works")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    sizes = [3] if args.quick else [10, 40]
    work = Path(tempfile.mkdtemp(prefix="grading-bench-"))
    rows = []
    try:
        single, single_peak = run_measured(grade_command([ROOT / "solutions/optim_reg.ipynb"], work / "one", 1))
        rows.append(("one submission, end to end (jobs 1)", 1, single, single, single_peak))
        for n in sizes:
            batch = make_batch(work / f"batch{n}", n)
            wall, peak = run_measured(grade_command([batch], work / f"out{n}", args.jobs))
            rows.append((f"batch of {n} (jobs {args.jobs})", n, wall, wall / n, peak))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{'run':40s} {'n':>4s} {'wall s':>8s} {'s/submission':>13s} {'peak MB':>8s}")
    for label, n, wall, per, peak in rows:
        print(f"{label:40s} {n:4d} {wall:8.2f} {per:13.3f} {peak / 1024:8.0f}")
    batches = [r for r in rows if r[0].startswith("batch")]
    if len(batches) >= 2:
        (_, n1, w1, _, _), (_, n2, w2, _, _) = batches[-2], batches[-1]
        print(f"marginal cost per extra submission (N={n1}→{n2}): {(w2 - w1) / (n2 - n1):.3f} s")
    print("otter run comparison: needs the otter zip from `autograder build` (otter path not built yet)")


if __name__ == "__main__":
    main()
