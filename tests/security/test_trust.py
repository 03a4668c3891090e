"""The attacks of trust_attacks.py, graded in one batch by the real CLI, as root and as an unprivileged user.

What each must not achieve: forged judgements gain nothing over a do-nothing or an honest notebook; a forbidden
library call by any route costs its question; no visible feedback shows a hidden test's input; odd student values
are the submission's failures, never the grader's; student text cannot forge, flood or style the output.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.security.test_adversarial import NOBODY, _as_nobody
from tests.security.trust_attacks import ATTACKS, ROOT, TrustAttack, write_batch

PUBLIC_EARLY_STOPPING = {(2, 0.0, "min"), (3, 0.0, "min")}  # the kwargs public tests construct EarlyStopping with


@dataclass
class Batch:
    run: subprocess.CompletedProcess
    grades: dict[str, dict[str, float]]
    results: dict[str, dict]


def _grade(mode: str) -> Batch:
    base = Path(tempfile.mkdtemp(prefix="trust-"))
    batch, out = base / "batch", base / "out"
    write_batch(batch)
    env = dict(os.environ, PYTHONPATH=str(ROOT), AUTOGRADER_CACHE=str(base / "cache"), HOME=str(base))
    if mode == "unprivileged" and os.geteuid() == 0:
        for path in [base, *base.rglob("*")]:
            os.chown(path, NOBODY, NOBODY)
    command = [sys.executable, "-m", "autograder.cli", "grade", str(batch), "--out", str(out), "--jobs", "2",
               "--cell-timeout", "20", "--call-timeout", "20", "--submission-timeout", "170",
               "--assignment", "optim_reg"]  # fmt: skip
    preexec = _as_nobody if mode == "unprivileged" and os.geteuid() == 0 else None
    run = subprocess.run(
        command, check=False, capture_output=True, text=True, timeout=1800, env=env, cwd=base, preexec_fn=preexec
    )
    rows = list(csv.DictReader((out / "grades.csv").open())) if (out / "grades.csv").exists() else []
    grades = {r["submission"]: {k: float(v) for k, v in r.items() if k != "submission"} for r in rows}
    results = {p.parent.name: json.loads(p.read_text()) for p in out.glob("*/results.json")}
    shutil.rmtree(base, ignore_errors=True)
    return Batch(run, grades, results)


@pytest.fixture(scope="module", params=["root", "unprivileged"])
def graded(request) -> Batch:
    if request.param == "root" and os.geteuid() != 0:
        pytest.skip("the root half of the suite needs root (it is what Gradescope runs)")
    return _grade(request.param)


def test_the_batch_completes_without_a_grader_fault(graded):
    assert graded.run.returncode == 0, graded.run.stderr[-3000:]
    assert set(graded.results) == {a.name for a in ATTACKS} | {f"control-{c}" for c in ("template", "solution",
                                                                                         "several-wrong")}  # fmt: skip
    assert graded.grades["control-solution"]["total"] == 100 and graded.grades["control-template"]["total"] == 0


def _visible_text(result: dict) -> str:
    return result["output"] + "\n".join(t.get("output", "") for t in result["tests"] if t["visibility"] == "visible")


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda a: a.name)
def test_each_attack_gains_nothing(graded, attack: TrustAttack):
    row, result = graded.grades[attack.name], graded.results[attack.name]
    questions = [q for q in graded.grades["Points Possible"] if q not in ("total", "max_total")]
    if attack.expect == "zero":
        assert row["total"] == 0, result["output"]
    elif attack.expect == "control":
        control = graded.grades["control-several-wrong"]
        above = {q: (row[q], control[q]) for q in questions if row[q] > control[q]}
        assert not above, f"{attack.name} scored above the honest notebook under it: {above}"
    elif attack.expect.startswith("question-zero:"):
        question = attack.expect.split(":", 1)[1]
        assert row[question] == 0, [t["output"] for t in result["tests"] if t["tags"] == [question]]
        solution = graded.grades["control-solution"]
        assert all(row[q] == solution[q] for q in questions if q not in (question, "training")), row
    elif attack.expect == "no-leak":
        shown = re.findall(r'\{"patience": (-?\d+), "min_delta": ([\d.e-]+), "mode": "(\w+)"\}', _visible_text(result))
        seen = {(int(p), float(d), m) for p, d, m in shown}
        assert seen <= PUBLIC_EARLY_STOPPING, f"visible feedback shows hidden inputs: {seen - PUBLIC_EARLY_STOPPING}"
    elif attack.expect == "no-grader-fault":
        assert not [t for t in result["tests"] if "grader itself failed" in t.get("output", "")], result["output"]
    elif attack.expect == "safe-output":
        assert result.get("output_format") == "text" and result.get("test_output_format") == "text"
        for text in [result["output"], *(t.get("output", "") for t in result["tests"])]:
            assert len(text) < 20_000 and "\x1b" not in text
        lines = result["output"].splitlines()
        assert not [line for line in lines[1:] if line.startswith(("Score", "Full marks"))], result["output"]
        for test in result["tests"]:
            assert "\n" not in test.get("output", "") and len(test["name"]) < 300
    else:
        raise AssertionError(f"unknown expectation {attack.expect}")
