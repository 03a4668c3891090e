"""Both generated notebooks run top to bottom in a real Jupyter kernel (nbclient + ipykernel)."""

import re

import pytest

from autograder.assignment import load
from autograder.authoring.verify import NotebookRun, problems, run_notebook
from tests.notebook_runs import (
    assert_fails_only_at_its_stubs,
    check_outputs,
    numbers,
    passed_every_public_check,
    passed_no_public_check,
)
from tests.notebook_runs import printed as all_printed

OPTIM_REG = load("optim_reg")
QUESTIONS = list(OPTIM_REG.questions)
PLOTS = 7  # digits preview, depth profiles, ravine paths and distances, learning-rate grid, ablation, early stopping, part 9


@pytest.fixture(scope="module")
def solution_run() -> NotebookRun:
    return run_notebook(OPTIM_REG.solution_notebook)


@pytest.fixture(scope="module")
def template_run() -> NotebookRun:
    return run_notebook(OPTIM_REG.template_notebook)


def test_solution_runs_without_error_and_shows_every_plot(solution_run):
    assert problems(solution_run, "solution") == []
    assert solution_run.errors == []
    assert solution_run.images == PLOTS


def test_solution_experiments_show_what_the_text_claims(solution_run):
    printed = all_printed(solution_run)
    assert "test accuracy with the restored weights: 0.9" in printed, "part 9 should reach > 90% test accuracy"
    stopped, restored, never = numbers(
        printed, r"stopped: ([\d.]+); after restoring the best weights: ([\d.]+); after 150 epochs without stopping: ([\d.]+)"
    )
    assert restored <= stopped < never, "early stopping's restored weights should beat the stopped and the full run"


def test_depth_experiment_shows_what_part_1_says(solution_run):
    printed = all_printed(solution_run)

    def rms(net: str, init: str) -> tuple[float, float, float]:
        return tuple(numbers(
            printed, rf"{net} +{re.escape(init)} +RMS of h after layer 50: ([\d.e+-]+).*?at layer 1: ([\d.e+-]+), at layer 50: ([\d.e+-]+)"
        ))  # fmt: skip

    assert 0.3 < rms("ReLU", "He normal")[0] < 3, "He should keep a ReLU net's signal at its scale"
    assert rms("ReLU", "Xavier normal")[0] < 1e-6, "Xavier should lose the ReLU signal (halving per layer)"
    assert re.search(r"ReLU naive.*exactly 0 from layer 4\d on.*weight gradients' norms between 0\.0e\+00 and 0\.0e\+00", printed), (
        "the naive ReLU net should underflow to exact zeros after about 40 layers, with every weight gradient 0"
    )
    _, first, last = rms("tanh", "Xavier normal, gain 5/3")
    assert first / last > 30, "with gain 5/3 the tanh net's gradients should grow about 100x back to layer 1"


def test_ravine_experiment_shows_what_part_4_says(solution_run):
    printed = all_printed(solution_run)
    assert "Adam's first step: [ 0.4 -0.4]" in printed, "Adam's first step should be lr * sign(g)"
    distance = {
        name: numbers(printed, rf"{re.escape(name)} +distance to the minimum after 60 steps: ([\d.e+-]+), after 150: ([\d.e+-]+)")
        for name in ("SGD (β=0, lr=0.07)", "momentum (β=0.5, lr=0.2)", "RMSProp (α=0.9, lr=0.2)", "Adam (lr=0.4)",
                     "RMSProp, lr ÷ 10 every 50 steps")
    }  # fmt: skip
    assert max(distance, key=lambda name: distance[name][0]) == "Adam (lr=0.4)", "Adam should be furthest after 60 steps"
    assert distance["RMSProp (α=0.9, lr=0.2)"][0] < 1e-5 < 0.05 < distance["RMSProp (α=0.9, lr=0.2)"][1], (
        "RMSProp should get close, then be thrown back out"
    )
    assert distance["RMSProp, lr ÷ 10 every 50 steps"][1] < 1e-10, "the schedule should let RMSProp settle"


def test_learning_rate_grid_shows_what_question_2_says(solution_run):
    printed = all_printed(solution_run)
    loss = {
        (name, lr): numbers(printed, rf"{re.escape(name)} .*?lr={lr} +loss ([\d.]+)")[0]
        for name, lrs in (("SGD", ("0.3", "1", "3")), ("momentum (β=0.9)", ("0.3", "1", "3")))
        for lr in lrs
    }
    assert loss["SGD", "3"] > 2, "SGD should diverge at lr 3"
    assert all(loss["momentum (β=0.9)", lr] >= 0.9 * loss["SGD", lr] for lr in ("0.3", "1")), (
        "at equal learning rates EMA momentum should be no faster than SGD"
    )
    assert loss["momentum (β=0.9)", "3"] < min(loss["SGD", lr] for lr in ("0.3", "1", "3")), (
        "momentum at its larger learning rate should beat SGD's best"
    )


def test_ablation_shows_what_question_3_says(solution_run):
    printed = all_printed(solution_run)
    row = {
        label: numbers(printed, rf"{re.escape(label)} +" + r" +".join([r"([\d.]+)±[\d.]+"] * 5))
        for label in ("none", "dropout p=0.5", "L2 penalty λ=1e-2", "AdamW λ=3")
    }
    assert all(r[0] == 1.0 for r in row.values()), "every version should fit all 60 training images"
    assert all(abs(r[1] - row["none"][1]) < 0.03 for r in row.values()), "no regularizer should move validation accuracy"
    for label in ("L2 penalty λ=1e-2", "AdamW λ=3"):
        train_acc, val_acc, train_loss, val_loss, norm = row[label]
        assert 0.03 < train_loss < 0.08, f"{label} should cost a training loss of about 0.05"
        assert val_loss < row["none"][3] - 0.1 and norm < row["none"][4] - 3, f"{label} should shrink val loss and ‖w‖"


def test_template_fails_only_at_its_stubs(template_run):
    assert_fails_only_at_its_stubs(template_run)


def test_solution_passes_its_public_checks_in_a_kernel(solution_run):
    printed = check_outputs(solution_run)
    assert list(printed) == list(QUESTIONS)
    for question, text in printed.items():
        assert passed_every_public_check(question, text), text


def test_template_public_checks_say_honestly_what_is_missing_in_a_kernel(template_run):
    printed = check_outputs(template_run)
    assert list(printed) == list(QUESTIONS)
    for question, text in printed.items():
        assert passed_no_public_check(question, text), text
        assert "not implemented yet" in text or "part 9 has run (final_history is defined): False" in text
