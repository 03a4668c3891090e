"""The adversarial suite (issue 4): every attack and broken file of attacks.py, graded in one batch by the real CLI.

It runs twice when the tests run as root: as root (the grader drops each worker to a dedicated uid) and as an
unprivileged user (`nobody`, Landlock only), and once otherwise. For every notebook: the score is never above what
its honest cells deserve, honest cells around a misbehaving one keep their credit, the result says what happened;
for the batch: it completes, no file outside the grader's own results changes, and no process is left behind.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from autograder.worker import landlock
from autograder.worker.sandbox import make_reachable, processes
from tests.security.attacks import ATTACKS, BROKEN, MARK, PORT, ROOT, SECRET_ENV, write_batch

NOBODY = 65534


@dataclass
class Graded:
    mode: str
    run: subprocess.CompletedProcess
    grades: dict[str, dict[str, float]]
    results: dict[str, dict]
    changed: list[str]
    leftovers: list[str]


def _digest(paths: list[Path]) -> dict[str, str]:
    found = {}
    for top in paths:
        for path in [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file()):
            if "__pycache__" not in path.parts:
                found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def _leftovers(out: Path) -> list[str]:
    """Processes still running with the grader's command line (forks of it) or an attack's mark."""
    left = []
    for process in processes():
        try:
            cmdline = Path(f"/proc/{process.pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if not process.zombie and (str(out) in cmdline or MARK in cmdline):
            left.append(f"{process.pid}: {cmdline}")
    return left


def _as_nobody() -> None:
    """In the child before exec: see Python and this repository even if they live under /root, then drop to nobody."""
    make_reachable([Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(), ROOT])
    os.setgroups([])
    os.setresgid(NOBODY, NOBODY, NOBODY)
    os.setresuid(NOBODY, NOBODY, NOBODY)


def _grade(mode: str) -> Graded:
    base = Path(tempfile.mkdtemp(prefix="adversarial-"))
    batch, out = base / "batch", base / "out"
    write_batch(batch)
    if mode == "unprivileged" and os.geteuid() != 0 and landlock.abi() < 6:
        (batch / "kill-everything.ipynb").unlink()  # nothing would stop it from killing the user's own processes
    out.mkdir()
    (out / "other-course.csv").write_text("keep me\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT), AUTOGRADER_CACHE=str(base / "cache"), HOME=str(base))
    env[SECRET_ENV] = "s3cret"
    if mode == "unprivileged" and os.geteuid() == 0:
        for path in [base, *base.rglob("*")]:
            os.chown(path, NOBODY, NOBODY)
    watched = [batch, out / "other-course.csv", ROOT / "solutions", ROOT / "assignments"]
    before = _digest(watched)
    command = [sys.executable, "-m", "autograder.cli", "grade", str(batch), "--out", str(out), "--jobs", "2",
               "--cell-timeout", "3", "--call-timeout", "10", "--submission-timeout", "120",
               "--assignment", "optim_reg"]  # fmt: skip
    preexec = _as_nobody if mode == "unprivileged" and os.geteuid() == 0 else None
    with socket.create_server(("127.0.0.1", PORT)):  # a service on this machine that submissions must not reach
        run = subprocess.run(
            command, check=False, capture_output=True, text=True, timeout=900, env=env, cwd=base, preexec_fn=preexec
        )
    after = _digest(watched)
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    rows = list(csv.DictReader((out / "grades.csv").open())) if (out / "grades.csv").exists() else []
    grades = {r["submission"]: {k: float(v) for k, v in r.items() if k != "submission"} for r in rows}
    results = {p.parent.name: json.loads(p.read_text()) for p in out.glob("*/results.json")}
    graded = Graded(mode, run, grades, results, changed, _leftovers(out))
    shutil.rmtree(base, ignore_errors=True)
    return graded


@pytest.fixture(scope="module", params=["root", "unprivileged"])
def graded(request) -> Graded:
    if request.param == "root" and os.geteuid() != 0:
        pytest.skip("the root half of the suite needs root (it is what Gradescope runs)")
    return _grade(request.param)


def test_the_batch_completes_and_reports_reduced_isolation(graded):
    assert graded.run.returncode == 0, graded.run.stderr[-3000:]
    expected = {f"control-{c}" for c in ("solution", "wrong-adam")} | {a.name for a in ATTACKS + BROKEN}
    if "kill-everything" not in graded.results:
        expected.discard("kill-everything")
    assert set(graded.results) == expected
    reduced = "Reduced isolation: the grader is not running as root" in graded.run.stdout
    assert reduced == (graded.mode == "unprivileged"), graded.run.stdout


def test_no_file_changes_and_no_process_is_left(graded):
    assert graded.changed == []
    assert graded.leftovers == []


def test_controls_are_graded_as_usual(graded):
    assert graded.grades["control-solution"]["total"] == 100
    wrong = graded.grades["control-wrong-adam"]
    adam_points = graded.grades["Points Possible"]["adam"]
    assert wrong["adam"] == 0 < adam_points and wrong["total"] == 100 - adam_points


@pytest.mark.parametrize("attack", ATTACKS + BROKEN, ids=lambda a: a.name)
def test_each_attack_gains_nothing_and_is_explained(graded, attack):
    if attack.name not in graded.results:
        pytest.skip("left out: this machine cannot contain it without root or Landlock signal scoping")
    row, result = graded.grades[attack.name], graded.results[attack.name]
    if attack.expect == "full":
        assert row["total"] == 100, result["output"]
    elif attack.expect == "zero":
        assert row["total"] == 0
    elif attack.expect == "at_most_full":
        assert row["total"] <= 100
    else:
        control = graded.grades["control-wrong-adam"]
        above = {q: (row[q], control[q]) for q in control if row[q] > control[q]}
        assert not above, f"{attack.name} scored above the honest control: {above}"
    text = result["output"] + " ".join(t.get("output", "") for t in result.get("tests", []))
    assert attack.says in text, result["output"]
