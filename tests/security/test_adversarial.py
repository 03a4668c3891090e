"""The adversarial suite (issue 4): every attack and broken file of attacks.py, graded in one batch by the real CLI.

It runs twice when the tests run as root: as root (the grader drops each worker to a dedicated uid) and as an
unprivileged user (`nobody`, Landlock only), and once otherwise. For every notebook: the score is never above what
its honest cells deserve, honest cells around a misbehaving one keep their credit, the result says what happened;
for the batch: it completes with one row per submission, no file outside the grader's own results changes, nothing is
left behind (processes, SysV IPC objects, POSIX queues, kernel keys, files in the shared temporary folders), and no
service on the machine (TCP, UDP, a world-writable Unix socket, an abstract Unix socket) is reached.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from autograder.worker import landlock
from tests.security import attacks
from tests.security.attacks import ATTACKS, BROKEN
from tests.security.harness import Services, check_batch, graded_batches


def _write_batch(folder: Path, services: Services) -> None:
    attacks.write_batch(folder, services)
    if os.geteuid() != 0 and landlock.abi() < 6:
        (folder / "kill-everything.ipynb").unlink()  # nothing would stop it from killing the user's own processes


graded = graded_batches(
    _write_batch,
    ["--jobs", "2", "--cell-timeout", "3", "--call-timeout", "10", "--submission-timeout", "120"],
)


def test_the_batch_completes_and_reports_reduced_isolation(graded):
    assert graded.run.returncode == 0, graded.run.stderr[-3000:]
    expected = {f"control-{c}" for c in ("solution", "wrong-adam")} | {a.name for a in ATTACKS + BROKEN}
    if "kill-everything" not in graded.results:
        expected.discard("kill-everything")
    assert set(graded.results) == expected
    reduced = "Reduced isolation: the grader is not running as root" in graded.run.stdout
    assert reduced == (graded.mode == "unprivileged"), graded.run.stdout


def test_one_row_each_nothing_changed_outside_out_and_nothing_left(graded):
    check_batch(graded)


def test_no_service_on_this_machine_was_reached(graded):
    assert graded.reached == []


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
