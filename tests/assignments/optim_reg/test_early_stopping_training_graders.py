"""Checks of the hidden graders for [early_stopping] and [training] on trusted notebooks.

The solution gets full points and the template none (through the whole grading pipeline); correct alternatives
of EarlyStopping get full points; realistic single bugs lose points on
[early_stopping], and the table below records whether each one also changes [training]. Bugs in the other
components (Adam, Dropout, He init) are graded on [training] only: those that still let the network learn pass,
those that stop it from learning fail.

The many variants are graded with only this pair of grader modules (same plugin, same reference), which keeps
the file fast; the solution and the template go through grade_in_process, i.e. every grader of the assignment.
"""

from __future__ import annotations

import nbformat
import pytest

from autograder.assignment import load
from autograder.grading.implementations import reference
from autograder.grading.plugin import ProbeCache
from autograder.grading.results import TestResult
from tests.edit import code_cells, solution_cells, with_definitions, with_text
from tests.grading.inprocess import grade_in_process, scores_by_question

OPTIM_REG = load("optim_reg")
SOLUTION = solution_cells()
TEMPLATE = code_cells(nbformat.read(OPTIM_REG.template_notebook, as_version=4))
QUESTIONS = ("early_stopping", "training")
FULL = {q: p for q, p in OPTIM_REG.points().items() if q in QUESTIONS}


def scores(results: list[TestResult]) -> dict[str, tuple[float, float]]:
    return {q: v for q, v in scores_by_question(results).items() if q in QUESTIONS}


def feedback(results: list[TestResult], question: str) -> str:
    return " | ".join(f"{r.name}: {r.feedback}" for r in results if r.question == question and r.feedback)


def edit(cell: str, *pairs: tuple[str, str]) -> tuple[str, ...]:
    """The solution with text replaced in the cell that starts with `cell`."""
    return with_text(SOLUTION, *pairs, cell=cell)


def es_edit(*pairs: tuple[str, str]) -> tuple[str, ...]:
    return edit("class EarlyStopping", *pairs)


# ---------------------------------------------------------------- the solution and the template


def test_solution_full_and_template_zero():
    solution = scores_by_question(grade_in_process(SOLUTION))
    template_results = grade_in_process(TEMPLATE)
    template = scores_by_question(template_results)
    for q in QUESTIONS:
        assert solution[q] == (FULL[q], FULL[q]), (q, solution[q])
        assert template[q] == (0.0, FULL[q]), (q, template[q])
    # the template's feedback names the component that is missing
    assert "EarlyStopping.__init__: not implemented yet" in feedback(template_results, "early_stopping")
    assert "your he_normal failed" in feedback(template_results, "training")


# ---------------------------------------------------------------- correct alternatives

KERAS_STYLE = '''
import copy
import math


class EarlyStopping:
    """Keras 3 style: wait is incremented first and reset on an improvement; best starts at +-inf (the contract)."""

    def __init__(self, patience=5, min_delta=0.0, mode="min", restore_best_weights=False):
        if mode not in {"min", "max"}:
            raise ValueError("bad mode")
        if patience < 0:
            raise ValueError("bad patience")
        self.patience, self.min_delta, self.mode = patience, min_delta, mode
        self.restore_best_weights = restore_best_weights
        self.best = math.inf if mode == "min" else -math.inf
        self.best_epoch, self.counter, self.should_stop = -1, 0, False
        self.epoch = -1
        self.best_weights = None

    def is_improvement(self, current):
        if current != current:
            return False
        if self.mode == "min":
            return current + self.min_delta < self.best
        return current - self.min_delta > self.best

    def step(self, metric, model=None):
        self.epoch += 1
        self.counter += 1
        if self.is_improvement(float(metric)):
            self.best, self.best_epoch = float(metric), self.epoch
            if self.restore_best_weights and model is not None:
                self.best_weights = copy.deepcopy(model.state_dict())
            self.counter = 0
        self.should_stop = self.counter >= self.patience and self.counter > 0
        return self.should_stop

    def restore(self, model):
        model.load_state_dict(self.best_weights)
'''

DEEPCOPY_MODEL = '''
import copy
import math

import numpy as np


class EarlyStopping:
    """Counts epochs since the best one; keeps a deep copy of the whole model."""

    def __init__(self, patience=5, min_delta=0.0, mode="min", restore_best_weights=False):
        if mode == "min":
            self.sign = 1.0
        elif mode == "max":
            self.sign = -1.0
        else:
            raise ValueError(f"unknown mode {mode}")
        if patience < 0:
            raise ValueError("patience must not be negative")
        self.patience, self.min_delta, self.restore_best_weights = patience, min_delta, restore_best_weights
        self.best = math.inf if mode == "min" else -math.inf
        self.best_epoch = -1
        self.epochs_seen = 0
        self.should_stop = False
        self.best_model = None

    @property
    def counter(self):
        return self.epochs_seen - 1 - self.best_epoch if self.best_epoch >= 0 else self.epochs_seen

    def step(self, metric, model=None):
        metric = float(metric)
        score = self.sign * metric
        if not np.isnan(metric) and score < self.sign * self.best - self.min_delta:
            self.best, self.best_epoch = metric, self.epochs_seen
            if self.restore_best_weights and model is not None:
                self.best_model = copy.deepcopy(model)
        self.epochs_seen += 1
        self.should_stop = self.best_epoch != self.epochs_seen - 1 and self.counter >= self.patience
        return self.should_stop

    def restore(self, model):
        model.load_state_dict(self.best_model.state_dict())
'''

BYTES_IO = '''
import io


class EarlyStopping:
    """Lightning style (+inf / -inf start, sign folded into min_delta); checkpoint in a BytesIO via torch.save."""

    def __init__(self, patience=5, min_delta=0.0, mode="min", restore_best_weights=False):
        torch_inf = float("inf")
        if mode not in ("min", "max"):
            raise ValueError(mode)
        if patience < 0:
            raise ValueError(patience)
        self.mode, self.patience, self.restore_best_weights = mode, patience, restore_best_weights
        self.delta = -min_delta if mode == "min" else min_delta
        self.best = torch_inf if mode == "min" else -torch_inf
        self.best_epoch, self.counter, self.should_stop, self._seen = -1, 0, False, 0
        self._buffer = None

    def _better(self, value):
        if math.isnan(value):
            return False
        return value < self.best + self.delta if self.mode == "min" else value > self.best + self.delta

    def step(self, metric, model=None):
        value = float(metric)
        if self._better(value):
            self.best, self.best_epoch, self.counter = value, self._seen, 0
            if self.restore_best_weights and model is not None:
                self._buffer = io.BytesIO()
                torch.save(model.state_dict(), self._buffer)
        else:
            self.counter += 1
        self._seen += 1
        self.should_stop = self.best_epoch != self._seen - 1 and self.counter >= self.patience
        return self.should_stop

    def restore(self, model):
        self._buffer.seek(0)
        model.load_state_dict(torch.load(self._buffer))
'''

ALTERNATIVES = {
    "keras_style_counter": with_definitions(SOLUTION, KERAS_STYLE),
    "copy_deepcopy_state_dict": es_edit(
        ("{k: v.detach().clone() for k, v in model.state_dict().items()}", "copy.deepcopy(model.state_dict())"),
        ("class EarlyStopping:", "import copy\n\n\nclass EarlyStopping:"),
    ),
    "copy_deepcopy_model": with_definitions(SOLUTION, DEEPCOPY_MODEL),
    "torch_save_bytesio": with_definitions(SOLUTION, BYTES_IO),
    "best_minus_metric_gt_delta": es_edit(
        ("return metric < self.best - self.min_delta", "return self.best - metric > self.min_delta"),
        ("return metric > self.best + self.min_delta", "return metric - self.best > self.min_delta"),
    ),
}


@pytest.mark.parametrize("name", list(ALTERNATIVES))
def test_correct_alternative_gets_full_points(name):
    results = grade_in_process(ALTERNATIVES[name], QUESTIONS)
    assert scores(results) == {q: (FULL[q], FULL[q]) for q in QUESTIONS}, (scores(results), feedback(results, "early_stopping"))


# ---------------------------------------------------------------- single bugs in EarlyStopping

SAVE = "self._best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}"
IMPROVED = "self.best, self.best_epoch, self.counter = metric, self._epoch, 0"
FIRST = "        if self.best_epoch < 0:\n            return True\n"
NAN_CHECK = "        if math.isnan(metric):\n            return False\n"

# name -> (notebook, a phrase the [early_stopping] feedback must contain, [training] still full?)
BUGS = {
    "E1_state_dict_by_reference": (
        es_edit((SAVE, "self._best_state = model.state_dict()")),
        "held the values of epoch 5",
        True,
    ),
    "E1_detach_without_clone": (es_edit((SAVE, SAVE.replace(".detach().clone()", ".detach()"))), "save clones", True),
    "E2_parameters_only": (
        es_edit(
            (SAVE, SAVE.replace("model.state_dict().items()", "model.named_parameters()")),
            ("model.load_state_dict(self._best_state)", "model.load_state_dict(self._best_state, strict=False)"),
        ),
        "BatchNorm buffers were not restored",
        True,
    ),
    "E3_restore_rebinds": (
        es_edit(
            (SAVE, "self._best_state = copy.deepcopy(model)"),
            ("model.load_state_dict(self._best_state)", "model = self._best_state"),
            ("class EarlyStopping:", "import copy\n\n\nclass EarlyStopping:"),
        ),
        "rebinding",
        True,
    ),
    "E4_counter_gt_patience": (
        es_edit(("self.counter >= self.patience", "self.counter > self.patience")),
        "counter > patience",
        True,
    ),
    "E5_counter_not_reset": (
        es_edit((IMPROVED, "self.best, self.best_epoch = metric, self._epoch")),
        "does not reset counter",
        True,
    ),
    "E6_compares_with_previous": (
        es_edit(
            (
                "        self._epoch += 1\n",
                "        if not math.isnan(metric):\n            self.best = metric\n        self._epoch += 1\n",
            )
        ),
        "previous epoch",
        True,
    ),
    "E7_min_delta_sign": (
        es_edit(
            ("metric < self.best - self.min_delta", "metric < self.best + self.min_delta"),
            ("metric > self.best + self.min_delta", "metric > self.best - self.min_delta"),
        ),
        "wrong sign",
        True,
    ),
    "E8_ties_improve": (
        es_edit(
            ("metric < self.best - self.min_delta", "metric <= self.best - self.min_delta"),
            ("metric > self.best + self.min_delta", "metric >= self.best + self.min_delta"),
        ),
        "tie",
        True,
    ),
    "E9_mode_ignored": (
        es_edit(
            (
                '        if self.mode == "min":\n            return metric <',
                "        if True:\n            return metric <",
            )
        ),
        "always treats lower as better",
        True,
    ),
    "E10_initial_best_zero": (
        es_edit((FIRST, ""), ('self.best = math.inf if mode == "min" else -math.inf', "self.best = 0.0")),
        "starts best at 0",
        False,
    ),
    "E11_saves_every_epoch": (
        es_edit(
            (
                "            self.counter += 1\n",
                "            self.counter += 1\n            if model is not None:\n                " + SAVE + "\n",
            )
        ),
        "held the values of epoch 5",
        True,
    ),
    "E12_best_epoch_one_based": (  # the grader restores the epoch best_epoch names: one too far, or none at all
        es_edit((IMPROVED, "self.best, self.best_epoch, self.counter = metric, self._epoch + 1, 0")),
        "counts best_epoch from 1",
        False,
    ),
    "nan_poisons_best": (es_edit((NAN_CHECK + FIRST, FIRST + NAN_CHECK)), "NaN first metric become best", True),
    "nan_skipped": (
        es_edit(
            (
                "        if self._improves(metric):",
                "        if math.isnan(metric):\n            return self.should_stop\n"
                "        if self._improves(metric):",
            )
        ),
        "skips NaN epochs",
        True,
    ),
    "restore_assign_true": (
        es_edit(("model.load_state_dict(self._best_state)", "model.load_state_dict(self._best_state, assign=True)")),
        "second restore(model) gave wrong weights",
        True,
    ),
    "rejects_patience_zero": (es_edit(("if patience < 0:", "if patience < 1:")), "rejects patience=0", True),
    "sticky_stop": (
        es_edit(
            ("            self.should_stop = False\n", ""),
            (
                "self.should_stop = self.counter >= self.patience",
                "self.should_stop = self.should_stop or self.counter >= self.patience",
            ),
        ),
        "keeps returning True",
        True,
    ),
}


@pytest.mark.parametrize("name", list(BUGS))
def test_single_bug_loses_early_stopping_points(name):
    sources, phrase, training_full = BUGS[name]
    results = grade_in_process(sources, QUESTIONS)
    got = scores(results)
    text = feedback(results, "early_stopping")
    assert got["early_stopping"][0] < FULL["early_stopping"], (name, got)
    assert phrase in text, (name, text)
    assert (got["training"][0] == FULL["training"]) == training_full, (name, got, feedback(results, "training"))
    if not training_full:
        assert "your EarlyStopping failed" in feedback(results, "training"), feedback(results, "training")


# ---------------------------------------------------------------- bugs in the other components, on [training]

ADAM = "def adam_update"
DROPOUT = "def _check_drop_probability"
INIT = "def compute_fans"

# name -> (notebook, [training] full?)
OTHER = {
    "adam_without_bias_correction": (
        edit(ADAM, ("m_hat = m / (1 - beta1**t)", "m_hat = m"), ("v_hat = v / (1 - beta2**t)", "v_hat = v")),
        True,
    ),
    "adam_default_betas_swapped": (edit(ADAM, ("beta1=0.9, beta2=0.999", "beta1=0.999, beta2=0.9")), True),

    "dropout_not_scaled": (edit(DROPOUT, ("scale = 0.0 if p == 1 else 1.0 / (1.0 - p)", "scale = 1.0")), True),
    "dropout_active_in_eval": (edit(DROPOUT, ("        if not self.training:\n            return x\n", "")), True),
    "he_with_xavier_formula": (
        edit(INIT, ("s = math.sqrt(2.0 / _fan(shape, mode))", "s = math.sqrt(2.0 / sum(compute_fans(shape)))")),
        True,
    ),
    "he_variance_as_std": (
        edit(INIT, ("s = math.sqrt(2.0 / _fan(shape, mode))", "s = 2.0 / _fan(shape, mode)")),
        True,
    ),
    # the network does not learn (properly): [training] must fail
    "dropout_keep_drop_confusion": (  # keeping p = 0.2 of the inputs: 0.06 or more below on the two-run mean
        edit(
            DROPOUT,
            (
                "mask = torch.rand(x.shape, generator=generator, device=x.device) >= p",
                "mask = torch.rand(x.shape, generator=generator, device=x.device) < p",
            ),
        ),
        False,
    ),
    "adam_plain_sgd": (
        edit(ADAM, ("param = param - lr * m_hat / (v_hat.sqrt() + eps)", "param = param - lr * grad")),
        False,
    ),
    # betas swapped in the averages but not in the bias corrections: steps ~100x too small, learns too slowly
    "adam_betas_swapped_in_averages_only": (
        edit(
            ADAM,
            ("m = beta1 * m + (1 - beta1) * grad", "m = beta2 * m + (1 - beta2) * grad"),
            ("v = beta2 * v + (1 - beta2) * grad * grad", "v = beta1 * v + (1 - beta1) * grad * grad"),
        ),
        False,
    ),
    "adam_no_sqrt": (edit(ADAM, ("v_hat.sqrt() + eps", "v_hat + eps")), False),
    # no eps: 0/0 on pixels that are always 0, so the losses turn NaN; the feedback says so, not EarlyStopping
    "adam_without_eps": (edit(ADAM, ("v_hat.sqrt() + eps", "v_hat.sqrt()")), False),
    "adam_sign_flipped": (edit(ADAM, ("param = param - lr", "param = param + lr")), False),
    "he_zeros": (
        edit(
            INIT,
            (
                "return torch.empty(tuple(shape), dtype=torch.float32).normal_(0.0, s, generator=generator)",
                "return torch.zeros(tuple(shape))",
            ),
        ),
        False,
    ),
    "he_ten_times_too_large": (edit(INIT, ("s = math.sqrt(2.0 / _fan(shape, mode))", "s = 10.0")), False),
}


@pytest.mark.parametrize("name", list(OTHER))
def test_training_reacts_to_other_components(name):
    sources, training_full = OTHER[name]
    results = grade_in_process(sources, QUESTIONS)
    got = scores(results)
    assert got["early_stopping"] == (FULL["early_stopping"],) * 2, (name, got)
    assert (got["training"][0] == FULL["training"]) == training_full, (name, got, feedback(results, "training"))
    if not training_full:
        public = next(r for r in results if r.question == "training" and r.visibility == "visible")
        assert public.passed or "NaN" in public.feedback, (name, public.feedback)
        assert "your EarlyStopping failed" not in feedback(results, "training"), (name, public.feedback)


# ---------------------------------------------------------------- the scripted sequences, worked out by hand


def test_reference_matches_hand_derived_stop_and_best_epochs():
    """The grader's expectations come from the reference; check it against the rule worked out by hand."""
    from assignments.optim_reg.graders import test_early_stopping as grader

    hand = {  # name -> (first epoch step() returns True or None, best_epoch then (or after the last call))
        "plateau": (3, 1),
        "keras_p0": (2, 1),
        "keras_p1": (2, 1),
        "keras_p2": (3, 1),
        "keras_p3": (4, 1),
        "keras_p4": (5, 1),
        "long_p5": (8, 3),
        "default_patience": (5, 0),
        "monotone": (None, 4),
        "interleaved": (None, 6),
        "worse_than_best": (4, 1),
        "counter_values": (None, 3),
        "min_delta_min": (4, 2),
        "min_delta_max": (4, 2),
        "min_delta_creep": (2, 0),
        "min_delta_worse": (2, 0),
        "ties": (2, 0),
        "tie_after_dip": (4, 1),
        "max_plateau": (5, 3),
        "max_rising": (None, 4),
        "max_negative": (3, 1),
        "rising_losses": (None, 0),
        "nan_after_best": (3, 0),
        "nan_first": (None, 2),
        "nan_between": (None, 3),
        "after_stop": (2, 0),
        "tensor_metrics": (3, 1),
        "patience_zero_max": (1, 0),
    }
    cache = ProbeCache(reference(OPTIM_REG))
    runs = {**grader._runs(cache, public=True), **grader._runs(cache)}
    for name, (stop, best) in hand.items():
        run = runs[name]
        assert (grader._stop_epoch(run), grader._at_stop(run)["best_epoch"]) == (stop, best), name
    assert [s["counter"] for s in runs["counter_values"]["steps"]] == [0, 1, 2, 0, 1, 2]
    assert [s["returned"] for s in runs["after_stop"]["steps"]] == [False, False, True, False, False]
    for name in ("mode_auto", "mode_minimum", "patience_negative"):
        assert runs[name]["init_error"].startswith("ValueError"), name
    scenarios = cache.probe("early_stopping_restore", scenarios=list(grader.RESTORE.values()))["scenarios"]
    bests = {"linear": 2, "batchnorm": 2, "batchnorm_max": 3, "best_first": 0, "never_stops": 2, "linear_again": 2,
             "without_model": 1}  # step() had no model at the best epoch 2: the last copy made is epoch 1's
    for name, result in zip(grader.RESTORE, scenarios):
        if name == "nothing_saved":  # restore() raised and left the last epoch's weights
            assert result["restore_raised"] and set(result["first_restore"].values()) == {3}, result
            continue
        best = bests[name]
        assert set(result["first_restore"].values()) == {best}, (name, result["first_restore"])
        assert set(result["second_restore"].values()) == {best}, (name, result["second_restore"])
