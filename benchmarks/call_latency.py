"""Latency and CPU cost of one round trip of the call protocol (probes/proxy.py <-> worker/calls.py).

Grader-side probes talk to a submission's worker in requests of calls; this measures what one request costs, for
requests of different sizes, through a real worker session (the solution notebook's cells run first), and the same
requests in this process (the reference's path). CPU is user+sys of the grader and every process of its zygote.

    .venv/bin/python benchmarks/call_latency.py [--repeat 200]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from autograder.assignment import load
from autograder.grading.remote import RemoteSubmission, RemoteTarget
from autograder.limits import Limits
from autograder.probes.proxy import LocalTarget, Request, tensor
from autograder.worker.sandbox import plan
from autograder.worker.zygote import Zygote, warm_up

ROOT = Path(__file__).resolve().parents[1]
_TICK = os.sysconf("SC_CLK_TCK")


def _tree_cpu(root: int) -> float:
    """CPU seconds (user + sys) of this process and every live descendant of `root`."""
    parents, cpu = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        cpu[int(entry)] = (int(fields[11]) + int(fields[12])) / _TICK

    def descends(pid: int) -> bool:
        while pid > 1:
            if pid == root:
                return True
            pid = parents.get(pid, 0)
        return False

    return cpu.get(os.getpid(), 0.0) + sum(c for pid, c in cpu.items() if descends(pid))


def _requests() -> dict[str, Callable[[], Request]]:
    rng = np.random.default_rng(0)
    p = rng.standard_normal((64, 64))

    def empty() -> Request:
        request = Request()
        request.call("compute_fans", {"tuple": [3, 4]})
        return request

    def adam(count: int) -> Callable[[], Request]:
        def make() -> Request:
            request = Request()
            for _ in range(count):
                request.call("adam_update", tensor(p, "float32"), tensor(p, "float32"), tensor(p, "float32"),
                             tensor(p * p, "float32"), 3)  # fmt: skip
            return request

        return make

    return {"one tiny call": empty, "4 adam_update calls on 64x64": adam(4), "100 adam_update calls on 64x64": adam(100)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    import nbformat

    from solutions import optim_reg

    solution = nbformat.read(ROOT / "solutions" / "optim_reg.ipynb", as_version=4)
    cells = [cell.source for cell in solution.cells if cell.cell_type == "code"]

    assignment = load("optim_reg")
    warm_up(assignment)
    with tempfile.TemporaryDirectory() as out:
        zygote = Zygote(plan([Path(out)], 1)[0])
        remote = RemoteSubmission(zygote, cells, Limits(), assignment)
        try:
            targets = {"worker": RemoteTarget(remote), "in process": LocalTarget(vars(optim_reg))}
            print(f"{'request':32} {'target':11} {'wall ms':>8} {'CPU ms':>8}")
            for label, make in _requests().items():
                for name, target in targets.items():
                    target.run(make())  # warm
                    repeat = args.repeat if "100" not in label else max(1, args.repeat // 20)
                    cpu, wall = _tree_cpu(zygote.pid), time.perf_counter()
                    for _ in range(repeat):
                        target.run(make())
                    wall = (time.perf_counter() - wall) / repeat
                    cpu = (_tree_cpu(zygote.pid) - cpu) / repeat
                    print(f"{label:32} {name:11} {wall * 1e3:8.3f} {cpu * 1e3:8.3f}")
        finally:
            remote.close()
            zygote.close()


if __name__ == "__main__":
    main()
