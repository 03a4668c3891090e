"""Hidden graders for [training] (SPEC A9): the student's He init, Dropout, Adam and EarlyStopping train a network.

The probe `training_run` trains a 64 -> 64 -> 10 MLP on scikit-learn's digits (1000 training, 400 validation,
397 test images, split by the seed) with the implementation's he_normal weights, Dropout(0.2) after the hidden
layer, adam_update (lr 1e-2, mini-batches of 64) and EarlyStopping(patience=3, restore_best_weights=True) on the
validation loss, for at most 30 epochs, then restore(). About 0.2 s of CPU per run; two runs (seeds 0 and 1).

Margin, from measurements over 16 seeds (tests/assignments/optim_reg/test_early_stopping_training_graders.py
re-measures a few): correct alternatives (other dropout mask recipes, numpy masks, He-uniform or randn*std init,
Adam in the eps-hat or lerp form, in-place updates) differ from the reference's test accuracy by at most 0.018 on any seed;
components with a bug that still learn (default betas swapped, no bias correction, Adam state not carried,
dropout keep/drop confusion or no scaling, Xavier instead of He) lose at most 0.07; networks that do not learn
properly lose 0.11 or more (Adam replaced by plain SGD: 0.11-0.18, weights 10x too large: 0.18-0.31, Adam
without the square root: 0.13-0.91, betas swapped in the averages only: 0.11-0.41, no update / sign flipped /
zero init: 0.77-0.95). The mean test accuracy over the two runs must be at most
MARGIN below the reference's.
"""

from __future__ import annotations

import math
from typing import Any

from autograder.grading.api import hidden, public

QUESTION = "training"

SEEDS = (0, 1)
SETUP = {"hidden": [64], "p_drop": 0.2, "lr": 1e-2, "epochs": 30, "patience": 3, "batch_size": 64}
MARGIN = 0.08

WHAT = (
    "a 64 -> 64 -> 10 network on scikit-learn's digits, with your he_normal for the weights, your Dropout(0.2) "
    "after the hidden layer, your adam_update (lr=0.01) on every parameter and your "
    "EarlyStopping(patience=3, restore_best_weights=True) on the validation loss, at most 30 epochs"
)


def _runs(impl: Any) -> list[dict[str, Any]]:
    return [impl.probe("training_run", seed=seed, **SETUP) for seed in SEEDS]


@public(4)
def test_trains_end_to_end(student):
    """The network trains end to end with your he_normal, Dropout, adam_update and EarlyStopping"""
    for seed, run in zip(SEEDS, _runs(student)):
        if not run["finite"]:
            raise AssertionError(
                f"training {WHAT} (seed {seed}) ran, but the validation loss became NaN or infinite after some "
                "epoch: check adam_update (a division by zero or a missing eps) and Dropout (p == 0 or 1)"
            )


@hidden(12)
def test_reaches_reference_accuracy(student, reference):
    """The trained network reaches the reference components' test accuracy, within 8 points"""
    got, want = _runs(student), _runs(reference)
    got_acc = sum(r["test_acc"] for r in got) / len(got)
    want_acc = sum(r["test_acc"] for r in want) / len(want)
    if not (math.isfinite(got_acc) and got_acc >= want_acc - MARGIN):
        epochs = ", ".join(f"{r['epochs_run']} epochs (best epoch {r['best_epoch']})" for r in got)
        raise AssertionError(
            f"training {WHAT}, twice (seeds {SEEDS[0]} and {SEEDS[1]}), gave a mean test accuracy after restore "
            f"{want_acc - got_acc:.2f} below what the reference components reach on the same runs (at most "
            f"{MARGIN:.2f} below is accepted); the runs lasted {epochs}. The network does not learn as well as it "
            "should: the feedback of [init], [adam], [dropout] and [early_stopping] says which component "
            "differs from SPEC"
        )
