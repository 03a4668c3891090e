"""Both generated norm_sched notebooks run top to bottom in a real Jupyter kernel (nbclient + ipykernel), and the
solution's experiments show what the notebook's text says they show."""

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
    printed,
)

NORM_SCHED = load("norm_sched")
QUESTIONS = list(NORM_SCHED.questions)
PLOTS = 10  # a figure per experiment, two of them with a second


@pytest.fixture(scope="module")
def solution_run() -> NotebookRun:
    return run_notebook(NORM_SCHED.solution_notebook)


@pytest.fixture(scope="module")
def template_run() -> NotebookRun:
    return run_notebook(NORM_SCHED.template_notebook)


def test_solution_runs_without_error_and_shows_every_plot(solution_run):
    assert problems(solution_run, "solution") == []
    assert solution_run.errors == []
    assert solution_run.images == PLOTS


def _last_accuracy(text: str, label: str) -> float:
    """The last validation accuracy of a run whose line lists one per epoch."""
    return numbers(text, rf"{re.escape(label)} +RMS after layer 10 at the start: [\d.e+-]+; validation accuracy per "
                         r"epoch: (?:[\d.]+ )*([\d.]+)")[0]  # fmt: skip


def test_batchnorm_rescues_badly_scaled_deep_networks(solution_run):
    text = printed(solution_run)
    for scale in ("s = 0.05", "s = 0.5"):
        plain, normalized = _last_accuracy(text, f"{scale}, no normalization"), _last_accuracy(text, f"{scale}, BatchNorm")
        assert plain < 0.2 < 0.7 < normalized, (scale, plain, normalized)


def test_layernorm_beats_batchnorm_at_batch_size_two(solution_run):
    text = printed(solution_run)
    accuracy = {label: numbers(text, rf"{re.escape(label)} +validation accuracy in eval mode: ([\d.]+)")[0]
                for label in ("BatchNorm, batch 2", "LayerNorm, batch 2", "BatchNorm, batch 64")}  # fmt: skip
    assert accuracy["BatchNorm, batch 2"] + 0.3 < accuracy["LayerNorm, batch 2"] < accuracy["BatchNorm, batch 64"]


def test_clipping_rescues_the_run_that_explodes(solution_run):
    text = printed(solution_run)
    unclipped = numbers(text, r"no clipping +validation accuracy per epoch: (?:[\d.]+ )*([\d.]+);")[0]
    clipped = numbers(text, r"clipped at max_norm = 1 +validation accuracy per epoch: (?:[\d.]+ )*([\d.]+);")[0]
    assert unclipped < 0.3 and clipped > 0.7, (unclipped, clipped)


def test_warm_up_cosine_tames_the_early_loss_burst_and_ends_best(solution_run):
    text = printed(solution_run)
    row = r" +final training loss ([\d.]+), validation loss ([\d.]+), validation accuracy ([\d.]+); largest mini-batch loss ([\d.]+)"
    constant, warm = numbers(text, "constant" + row), numbers(text, re.escape("warm-up (32 steps) + cosine") + row)
    assert warm[3] < constant[3] - 0.5 and warm[2] > constant[2] + 0.02, (constant, warm)


def test_only_the_proximal_step_gives_exact_zeros(solution_run):
    text = printed(solution_run)
    zeros = {label: numbers(text, rf"{re.escape(label)} +validation accuracy [\d.]+, training loss [\d.]+; weights "
                                  r"exactly 0: +([\d.]+)%")[0]
             for label in ("no penalty", "L2 penalty", "L1 penalty (subgradient)", "L1, proximal step")}  # fmt: skip
    assert zeros["L1, proximal step"] > 10 and max(zeros[k] for k in zeros if k != "L1, proximal step") == 0, zeros


def test_shifts_make_the_network_robust_to_shifted_digits(solution_run):
    text = printed(solution_run)
    shifted = {label: numbers(text, rf"{label} +accuracy \(mean of 2 seeds\) .*?shifted validation ([\d.]+)")[0]
               for label in ("none", "shifts", "noise")}  # fmt: skip
    assert shifted["shifts"] > max(shifted["none"], shifted["noise"]) + 0.2, shifted


def test_the_random_search_reports_the_test_set_once_with_its_noise(solution_run):
    text = printed(solution_run)
    accuracy, error = numbers(text, r"test accuracy, measured once: ([\d.]+) ± ([\d.]+) \(standard error over 397")
    assert accuracy > 0.9 and abs(error - (accuracy * (1 - accuracy) / 397) ** 0.5) < 1e-3, (accuracy, error)


def test_template_fails_only_at_its_stubs(template_run):
    assert_fails_only_at_its_stubs(template_run)


def test_solution_passes_its_public_checks_in_a_kernel(solution_run):
    said = check_outputs(solution_run)
    assert list(said) == QUESTIONS
    for question, text in said.items():
        assert passed_every_public_check(question, text), text


def test_template_public_checks_say_honestly_what_is_missing_in_a_kernel(template_run):
    said = check_outputs(template_run)
    assert list(said) == QUESTIONS
    for question, text in said.items():
        assert passed_no_public_check(question, text), text
        assert "not implemented yet" in text or "is not defined yet" in text, text
