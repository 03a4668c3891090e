"""Hidden graders of [training]: the student's BatchNorm1d, warmup_cosine_lr and clip_grad_norm train a deeper network.

The grader trains (probe ``bn_training_run``, ../probes/training.py): 64 -> 128 -> BN -> ReLU -> 128 -> BN -> ReLU
-> 10 on scikit-learn's digits (1200 training images, 597 test images, split by the seed), from a badly scaled
initialisation (weights of std 1), with SGD (momentum 0.9, batches of 128, 10 epochs = 100 steps), the learning rate
the student's warmup_cosine_lr gives each step (base 2.0, 10 warm-up steps) and the gradients through the student's
clip_grad_norm (max_norm 1.0). Every BN is the student's module; test accuracy is measured in eval mode, one image
at a time, as a deployed model sees images. The grader computes every loss, gradient, update and accuracy.

What it proves: that the three components work together in a training loop and that, put together, they learn as
well as the reference components (within MARGIN). A bug that still learns costs points on its own question only.

Margin, measured with this probe over seeds 0-5 (tests/assignments/norm_sched/test_normalization_graders.py checks
components on both sides of it):
- reference components: test accuracy 0.9615-0.9749 per run (mean 0.968). A correct BatchNorm1d whose float
  rounding differs (torch.var_mean, rsqrt, in-place lerp_ of the buffers) differs from it by at most 0.005 per run
  (mean 0.970). Test-set sampling alone gives sd sqrt(0.97 * 0.03 / 597) = 0.007 per run for an equally good
  network; taking sd 0.012 per run to be safe, the two-run mean has sd 0.0085 and MARGIN = 0.06 is 7 sd;
- BatchNorm1d running statistics never stored: 0.47-0.61 per run (mean 0.54: 0.43 below the reference);
  eval mode ignored (batch statistics in eval; one image at a time normalises to beta): 0.07-0.11 (mean 0.095);
- bugs that train as well, left to their own question: no warm-up (cosine from step 0) 0.972 mean, no clipping at
  all 0.970 mean; in a plain-torch copy of this loop (seeds 0-3): momentum convention swapped, unbiased variance
  to normalise, cosine over total_steps instead of total_steps - warmup_steps all within 0.01; a constant learning
  rate 0.946 (0.02 below: passes).
The public runs (seed 7, 2 epochs): reference 0.938, the same correct alternative 0.938, running statistics never
stored 0.486, eval mode ignored 0.089; PUBLIC_MARGIN = 0.15.
"""

from __future__ import annotations

import math
from typing import Any

from autograder.grading.api import hidden, public

QUESTION = "training"

SEEDS = (0, 1)  # trained together, in lockstep, by one probe call
PUBLIC_SEED = 7  # the public checks' own run: it never sends an input of the hidden runs
SETUP = {"hidden": 128, "depth": 2, "epochs": 3, "batch_size": 128, "base_lr": 2.0, "warmup_steps": 10,
         "max_norm": 1.0, "momentum": 0.9, "init_std": 1.0, "train_size": 1200, "test_size": 597,
         "evaluation": "by_class"}  # fmt: skip
PUBLIC_SETUP = {**SETUP, "epochs": 1, "warmup_steps": 3, "evaluation": "alone"}
MARGIN = 0.10
PUBLIC_MARGIN = 0.15  # one short run: wider, still far from what broken running statistics give


def _what(setup: dict[str, Any]) -> str:
    return (
        f"a 64 -> {setup['hidden']} -> {setup['hidden']} -> 10 network on scikit-learn's digits with your BatchNorm1d "
        f"after each hidden linear layer, SGD with momentum at the learning rates of your warmup_cosine_lr (base_lr="
        f"{setup['base_lr']:g}, warmup_steps={setup['warmup_steps']}) and the gradients through your clip_grad_norm "
        f"(max_norm={setup['max_norm']:g}), for {setup['epochs']} epoch{'s' * (setup['epochs'] != 1)}"
    )


def _public(impl: Any) -> dict[str, Any]:
    return impl.probe("bn_training_run", seeds=[PUBLIC_SEED], **PUBLIC_SETUP)


@public(2)
def test_trains_end_to_end(student):
    """The network trains end to end with your BatchNorm1d, warmup_cosine_lr and clip_grad_norm, its losses finite"""
    run = _public(student)
    if not run["finite"]:
        raise AssertionError(
            f"training {_what(PUBLIC_SETUP)} ran, but the training loss became NaN or infinite: check BatchNorm1d (a "
            "division by a zero variance: eps), warmup_cosine_lr and clip_grad_norm"
        )


@public(2)
def test_eval_one_image_at_a_time(student, reference):
    """After a short training, the network in eval mode classifies test images one at a time about as well as the
    reference's"""
    got, want = _public(student), _public(reference)
    got_acc, want_acc = float(got["test_acc"][0]), float(want["test_acc"][0])
    if not (math.isfinite(got_acc) and got_acc >= want_acc - PUBLIC_MARGIN):
        raise AssertionError(
            f"after training {_what(PUBLIC_SETUP)}, the network in eval mode, given the test images one at a time, is "
            f"{want_acc - got_acc:.2f} less accurate than with the reference components (at most {PUBLIC_MARGIN:.2f} "
            "is accepted). In eval mode BatchNorm1d must normalise with the running statistics it accumulated in "
            "training, not with the statistics of the batch it is given"
        )


@hidden(8)
def test_reaches_reference_accuracy(student, reference):
    """The trained network reaches the reference components' test accuracy, within 10 points"""
    got = student.probe("bn_training_run", seeds=list(SEEDS), **SETUP)
    want = reference.probe("bn_training_run", seeds=list(SEEDS), **SETUP)
    got_acc, want_acc = float(got["test_acc"].mean()), float(want["test_acc"].mean())
    if not (math.isfinite(got_acc) and got_acc >= want_acc - MARGIN):
        finite = "" if got["finite"] else " (the training loss became NaN or infinite)"
        raise AssertionError(
            f"training {_what(SETUP)}, twice (two seeds), gave a mean test accuracy (eval mode, the test images in "
            f"batches of one digit each) {want_acc - got_acc:.2f} below what the reference components reach on the "
            f"same runs (at most {MARGIN:.2f} below is accepted){finite}. The network does not learn as well as it "
            "should, or its eval-mode outputs depend on the other images of the batch: the feedback of [batchnorm], "
            "[schedules] and [clipping] says which component differs"
        )
