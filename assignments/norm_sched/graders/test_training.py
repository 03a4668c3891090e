"""Hidden graders of [training]: the student's BatchNorm1d, warmup_cosine_lr and clip_grad_norm train a deeper network.

The grader trains (probe ``bn_training_run``, ../probes/training.py): 64 -> 128 -> BN -> ReLU -> 128 -> BN -> ReLU
-> 10 on scikit-learn's digits (1200 training images, 597 test images, split by the seed), from a badly scaled
initialisation (weights of std 1), with SGD (momentum 0.9, batches of 128, 3 epochs = 30 steps), the learning rate
the student's warmup_cosine_lr gives each step (base 2.0, 10 warm-up steps) and the gradients through the student's
clip_grad_norm (max_norm 1.0). Every BN is the student's module. The two hidden runs (seeds 0 and 1) are one probe
call, trained in lockstep (each request carries both runs' calls); their test accuracy is measured in eval mode on
batches of one digit each, where a module that normalises with the batch's own statistics loses what the digit has
in common. The public run (seed 7, 1 epoch = 10 steps, 3 warm-up steps) is evaluated one test image at a time, as
a deployed model sees images. The grader computes every loss, gradient, update and accuracy.

What it proves: that the three components work together in a training loop and that, put together, they learn as
well as the reference components (within MARGIN), with eval-mode predictions that do not depend on the rest of the
batch. A bug that still learns costs points on its own question only.

Margins, measured with ``.venv/bin/python -m tests.assignments.norm_sched.training_margins`` (hidden setup, seeds
0-5) and ``... --public`` (public setup, seeds 7-12), every variant of the corpus that touches these components
(tests/assignments/norm_sched/corpus/variants.py) and the alternatives of test_normalization_graders.py:
- reference components: test accuracy 0.905-0.943 per run (mean 0.929). Every correct alternative (two-pass or
  torch.var_mean variance, rsqrt, lerp_ or in-place buffers, an autograd.Function module, other schedule and
  clipping spellings: 10 in all) gives exactly the reference's accuracy on every run: in 30 steps their float
  rounding never changes a prediction (over 100 steps it did, by at most 0.005). Two networks as good as the
  reference, evaluated on the same 597 images, differ by sd sqrt(2 * 0.93 * 0.07 / 597) = 0.015 per run at most;
  the two-run mean has sd 0.0105, and MARGIN = 0.10 is 9.5 sd (0.06, the margin of 100 steps, would be 5.7);
- BatchNorm1d running statistics never stored: 0.33-0.59 per run (mean 0.46, at least 0.31 below the reference on
  every run); eval mode ignored (batch statistics in eval): 0.09-0.12 (mean 0.11);
- bugs that train as well, left to their own question, over the same six runs: every corpus bug of [batchnorm],
  [schedules] and [clipping] (momentum convention swapped 0.004 below the reference, unbiased variance to
  normalise, no eps, warm-up off by one, cosine over total_steps, per-tensor clipping, no clamp, sum of norms,
  squared norm: all within 0.01), no warm-up at all and no clipping at all within 0.01, and a constant learning
  rate 0.039 below (0.075 for the worst two of the six runs): all pass.
The public run: reference 0.759-0.889 per run (0.759 on seed 7), every correct alternative identical; one run on
597 images has sd 0.021, and PUBLIC_MARGIN = 0.15 is 7 sd. Running statistics never stored: 0.45-0.67 (at least
0.21 below the reference on every run; 0.31 on seed 7), eval mode ignored 0.09-0.11; the bugs that learn at most
0.07 below on any run (a constant learning rate; the lecture's momentum convention is 0.06 above on average: its
running statistics forget their initial values faster).

Cost per submission (the solution notebook through a real worker; grader and worker CPU): public 53 requests,
0.33 CPU-s; hidden 153 requests, 0.70 CPU-s. Before (100 steps per seed, one seed per call, 597 images one at a
time in every run, public 20 steps): 1109 requests, about 4.8 CPU-s.
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
            "is accepted). In eval mode BatchNorm1d must normalise with the running statistics, not with the "
            "statistics of the batch it is given, and in training mode it must move those running statistics towards "
            "each batch's (running = (1 - momentum) * running + momentum * batch statistic; check the order of eps "
            "and momentum in its constructor): the feedback of [batchnorm] says which differs"
        )


@hidden(8)
def test_reaches_reference_accuracy(student, reference):
    """The trained network reaches the reference components' test accuracy, at most 0.10 below it"""
    got = student.probe("bn_training_run", seeds=list(SEEDS), **SETUP)
    want = reference.probe("bn_training_run", seeds=list(SEEDS), **SETUP)
    got_acc, want_acc = float(got["test_acc"].mean()), float(want["test_acc"].mean())
    if not (math.isfinite(got_acc) and got_acc >= want_acc - MARGIN):
        finite = "" if got["finite"] else " (the training loss became NaN or infinite)"
        raise AssertionError(
            f"training {_what(SETUP)}, twice (two seeds), gave a mean test accuracy (eval mode, the test images in "
            f"batches of one digit each) {want_acc - got_acc:.2f} below what the reference components reach on the "
            f"same runs (at most {MARGIN:.2f} below is accepted){finite}. The network does not learn as well as it "
            "should, or its eval-mode outputs are wrong: BatchNorm1d in eval mode must use running statistics (not "
            "those of the batch it is given) that training moved towards each batch's (check the order of eps and "
            "momentum in its constructor). The feedback of [batchnorm], [schedules] and [clipping] says which "
            "component differs"
        )
