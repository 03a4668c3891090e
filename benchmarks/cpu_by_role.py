"""Where a grade's CPU goes, by the role of each process: the profile behind docs/benchmarks.md.

    python benchmarks/cpu_by_role.py -- python -m autograder.cli grade solutions/optim_reg.ipynb --assignment \
        optim_reg --jobs 1 --out /tmp/one

Runs the command under `perf record` (Linux perf must be installed; root, or perf_event_paranoid <= 1) and prints, for
each role, the CPU-seconds sampled in user space and in the kernel, the kernel's page-table copying at fork
(`copy_page_range`) and the busiest functions. A process's role is its depth below the command's process: the grader
(depth 0: with `--jobs 1` it grades in the command's own process), the zygote (1), sessions (2), a session's
children (3: its pid-namespace init and the fork that runs the cells, then holds their state) and the forks that
run each question's calls, with whatever student code starts (4 and deeper). With `--jobs N` the grader processes
are at depth 1 with the zygotes, so read the roles of a `--jobs 1` run.
"""

from __future__ import annotations

import argparse
import collections
import re
import subprocess
import tempfile
from pathlib import Path

FREQUENCY = 499  # samples per second of CPU time
ROLES = ("grader", "zygote", "sessions", "session children (init, cells and state holder)", "call forks and deeper")
_FORK = re.compile(r"PERF_RECORD_FORK\((\d+):\d+\):\((\d+):\d+\)")


def profile(command: list[str]) -> str:
    """`perf script` text of the command's run (forks recorded, so the process tree can be rebuilt)."""
    with tempfile.TemporaryDirectory() as work:
        data = str(Path(work) / "perf.data")
        subprocess.run(["perf", "record", "-q", "-F", str(FREQUENCY), "-o", data, "--", *command], check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        script = ["perf", "script", "-i", data, "--show-task-events", "-F", "pid,ip,sym,dso"]
        return subprocess.run(script, check=True, capture_output=True, text=True).stdout


def by_role(script: str) -> dict[str, tuple[int, float, float, float, list[tuple[str, float]]]]:
    """Per role: processes, user CPU-s, kernel CPU-s, copy_page_range CPU-s, the five busiest functions."""
    parents: dict[int, int] = {}
    root = None
    samples: list[tuple[int, str, bool]] = []
    for line in script.splitlines():
        if fork := _FORK.search(line):
            child, parent = int(fork[1]), int(fork[2])
            root = parent if root is None else root
            if child != parent:
                parents[child] = parent
            continue
        fields = line.split()
        if len(fields) < 2 or not fields[0].isdigit() or "PERF_RECORD" in line:
            continue
        root = int(fields[0]) if root is None else root
        samples.append((int(fields[0]), " ".join(fields[2:-1]) or fields[1], "kernel" in fields[-1]))

    def role(pid: int) -> str:
        depth = 0
        while pid != root and pid in parents and depth < 64:
            pid, depth = parents[pid], depth + 1
        return ROLES[min(depth, len(ROLES) - 1)] if pid == root else "other"

    pids: dict[str, set[int]] = collections.defaultdict(set)
    counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for pid, function, kernel in samples:
        name = role(pid)
        pids[name].add(pid)
        counts[name]["(kernel)" if kernel else "(user)"] += 1
        counts[name][function] += 1
    table = {}
    for name in [*ROLES, "other"]:
        if name in counts:
            c = counts[name]
            busiest = [(f, n / FREQUENCY) for f, n in c.most_common(7) if f not in ("(kernel)", "(user)")][:5]
            table[name] = (len(pids[name]), c["(user)"] / FREQUENCY, c["(kernel)"] / FREQUENCY,
                           c["copy_page_range"] / FREQUENCY, busiest)  # fmt: skip
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command to profile, after --")
    command = [part for part in parser.parse_args().command if part != "--"]
    if not command:
        parser.error("give the command to profile after --")
    table = by_role(profile(command))
    print("| role | processes | user CPU-s | kernel CPU-s | of which copy_page_range | busiest functions (CPU-s) |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    for name, (processes, user, kernel, copies, busiest) in table.items():
        top = "; ".join(f"`{f[:48]}` {s:.2f}" for f, s in busiest)
        print(f"| {name} | {processes} | {user:.2f} | {kernel:.2f} | {copies:.2f} | {top} |")
    total = sum(user + kernel for _, user, kernel, _, _ in table.values())
    print(f"\ntotal sampled: {total:.2f} CPU-s")


if __name__ == "__main__":
    main()
