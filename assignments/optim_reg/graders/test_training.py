"""Hidden graders for [training] (SPEC A9): the student's He init, Dropout, Adam and EarlyStopping train a network.

The grader trains (probe `training_run`): a 64 -> 64 -> 10 MLP on scikit-learn's digits (1000 training, 400
validation, 397 test images, split by the seed), its weights from the student's he_normal, the student's
Dropout(0.2) on the input layer, the student's adam_update (lr 0.01) on all parameters after each mini-batch of
100, and the student's EarlyStopping(patience=3) fed the validation loss after each epoch, for at most 30 epochs;
then the weights of the student's best_epoch are restored. The grader computes every loss, gradient and accuracy.

What it proves: that the four components work together in a training loop and that, put together, they learn as
well as the reference components (within MARGIN). It does not prove that each is exactly right: a bug that still
learns (no bias correction, Xavier's scale for He's, dropout without rescaling) passes here and costs points on
its own question. Hence few points: 2 public for running end to end, 4 hidden for learning as well.

Margin, measured over seeds 0-11 (tests/assignments/optim_reg/test_early_stopping_training_graders.py checks
components on both sides of it): a correct implementation whose random draws differ from the
reference's (a different mask recipe, another generator stream) changes a run's test accuracy by sd 0.0115
(n = 72 runs, worst 0.028), so the mean of the two graded runs by sd 0.0081: MARGIN = 0.05 is 6.1 sd. Correct
alternatives of the corpus differ by at most 0.016 on the two-run mean. Components that stop the network from
learning lose at least 0.062 on the two-run mean (dropout keeping p instead of 1 - p: 0.062-0.102; Adam with
betas swapped: 0.18-0.50; bias-corrected moments stored: 0.70-0.83; plain SGD instead of Adam: 0.20 and more;
Adam without the square root: 0.24 and more; stopping at the first epoch: 0.14 and more; no update, a flipped
sign, zero weights or dropping every input: 0.83 and more).
"""

from __future__ import annotations

import math
from typing import Any

from assignments.optim_reg.probes.training import NOT_FINITE_ADVICE
from autograder.grading.api import hidden, public

QUESTION = "training"

SEEDS = (0, 1)
PUBLIC_SEED = 7  # the public check's own run: it never sends an input of the hidden runs
SETUP = {"hidden": 64, "p_drop": 0.2, "lr": 1e-2, "epochs": 30, "patience": 3, "batch_size": 100}
PUBLIC_EPOCHS = 3
MARGIN = 0.05

WHAT = (
    "a 64 -> 64 -> 10 network on scikit-learn's digits, its weights from your he_normal, your Dropout(0.2) on its "
    "inputs, your adam_update (lr=0.01) on all its parameters after each batch of 100, and your "
    "EarlyStopping(patience=3) on the validation loss after each epoch"
)


def _runs(impl: Any) -> list[dict[str, Any]]:
    return [impl.probe("training_run", seed=seed, **SETUP) for seed in SEEDS]


@public(2)
def test_trains_end_to_end(student):
    """The network trains end to end with your he_normal, Dropout, adam_update and EarlyStopping"""
    run = student.probe("training_run", seed=PUBLIC_SEED, **{**SETUP, "epochs": PUBLIC_EPOCHS})
    if not run["finite"]:
        raise AssertionError(
            f"training {WHAT} for {PUBLIC_EPOCHS} epochs ran, but the validation loss became NaN or infinite: "
            + NOT_FINITE_ADVICE
        )


@hidden(4)
def test_reaches_reference_accuracy(student, reference):
    """The trained network reaches the reference components' test accuracy, within 5 points"""
    got, want = _runs(student), _runs(reference)
    got_acc = sum(r["test_acc"] for r in got) / len(got)
    want_acc = sum(r["test_acc"] for r in want) / len(want)
    if not (math.isfinite(got_acc) and got_acc >= want_acc - MARGIN):
        epochs = ", ".join(f"{r['epochs_run']} epochs (best epoch {r['best_epoch']})" for r in got)
        raise AssertionError(
            f"training {WHAT}, twice (two seeds), gave a mean test accuracy after restoring the best epoch "
            f"{want_acc - got_acc:.2f} below what the reference components reach on the same runs (at most "
            f"{MARGIN:.2f} below is accepted); the runs lasted {epochs}. The network does not learn as well as it "
            "should: the feedback of [init], [adam], [dropout] and [early_stopping] says which component "
            "differs from SPEC"
        )
