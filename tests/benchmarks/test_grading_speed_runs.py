"""The benchmark's quick mode runs end to end (it checks that the benchmark works, not how fast anything is)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_quick_benchmark_prints_its_table():
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks/grading_speed.py"), "--quick", "--jobs", "1"],
        capture_output=True, text=True, timeout=1800,  # a guard against a hang, not a time limit
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    assert "one submission, end to end" in run.stdout and "batch of 3" in run.stdout
    assert "peak MB" in run.stdout
    assert "throughput vs otter run" in run.stdout or "otter run: not measured" in run.stdout
