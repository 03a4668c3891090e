"""A regrade (`--question`) after a fix is often run on a newer export, where some students resubmitted. Their
other questions must not be kept from the notebook graded before while the asked one comes from the new notebook (a
grade no notebook earned): a submission whose notebook changed since is graded in full."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COURSE = ROOT / "tests" / "fixtures" / "course"
TOY = ["--assignment", "toy", "--root", str(COURSE)]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder.cli", *args], capture_output=True, text=True, timeout=600)


def test_a_resubmitted_notebook_is_graded_in_full_and_an_unchanged_one_only_on_the_question(tmp_path):
    batch, out = tmp_path / "batch", tmp_path / "out"
    batch.mkdir()
    template, solution = (COURSE / d / "toy.ipynb" for d in ("student_template", "solutions"))
    (batch / "alice.ipynb").write_bytes(template.read_bytes())
    (batch / "bob.ipynb").write_bytes(template.read_bytes())
    assert run("grade", str(batch), "--out", str(out), *TOY).returncode == 0
    bob_before = json.loads((out / "bob" / "results.json").read_text(encoding="utf-8"))

    (batch / "alice.ipynb").write_bytes(solution.read_bytes())  # alice resubmitted the finished notebook
    regrade = run("grade", str(batch), "--out", str(out), "--question", "relu", *TOY)
    assert regrade.returncode == 0, regrade.stderr[-3000:]

    rows = {r["submission"]: r for r in csv.DictReader((out / "grades.csv").open(encoding="utf-8"))}
    assert (rows["alice"]["scale"], rows["alice"]["relu"], rows["alice"]["total"]) == ("3", "2", "5")
    alice = json.loads((out / "alice" / "results.json").read_text(encoding="utf-8"))
    assert alice["score"] == 5 and all(t["score"] == t["max_score"] for t in alice["tests"])
    bob = json.loads((out / "bob" / "results.json").read_text(encoding="utf-8"))
    assert [t["name"] for t in bob["tests"]] == [t["name"] for t in bob_before["tests"]]
    assert "notebooks are not the ones graded before: alice." in regrade.stdout
