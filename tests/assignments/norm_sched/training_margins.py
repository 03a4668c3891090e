"""Measure [training]'s margins: the test accuracy the probe ``bn_training_run`` gives the reference components, the
correct alternatives, the broken running statistics and eval modes [training] must fail, and the bugs that still
learn (which must pass it, costing points on their own question only), over several seeds.

    .venv/bin/python -m tests.assignments.norm_sched.training_margins            # hidden setup, seeds 0-5
    .venv/bin/python -m tests.assignments.norm_sched.training_margins --public   # public setup, seeds 7-12

Everything runs in this process, on trusted notebooks (the solution with one change each: the corpus's variants,
corpus/variants.py, and the alternatives of test_normalization_graders.py), all seeds of a variant in one probe call
(the runs of one call are independent). It prints each variant's accuracy per seed and, against the reference on
the same seed, the largest per-run difference of the correct alternatives, its standard deviation, and the margin
in those standard deviations for the mean of as many runs as the grader uses. The numbers in the docstring of
assignments/norm_sched/graders/test_training.py come from this script; no test asserts them (too slow for the
suite), test_normalization_graders.py and test_corpus.py check components on both sides of the margin.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import statistics
import time

import torch

from assignments.norm_sched.graders import test_training
from autograder.assignment import load
from autograder.grading.implementations import reference
from tests.assignments.norm_sched.corpus.variants import BUGS, CORRECT
from tests.assignments.norm_sched.test_normalization_graders import ALTERNATIVES, TRAINING
from tests.edit import solution_cells, with_definitions, with_text
from tests.grading.inprocess import in_process

NORM_SCHED = load("norm_sched")
COMPONENTS = ("batchnorm", "schedules", "clipping")  # the questions whose functions [training] uses

# Bugs named in the docstring that are not single corpus variants: a schedule or clipping that does nothing.
EXTRA_LEARNS = {
    "no warm-up (cosine from step 0)": '''
def warmup_cosine_lr(step, base_lr, warmup_steps, total_steps, min_lr=0.0):
    return cosine_lr(step, base_lr, total_steps, min_lr)
''',
    "constant learning rate": '''
def warmup_cosine_lr(step, base_lr, warmup_steps, total_steps, min_lr=0.0):
    return base_lr
''',
    "no clipping at all": '''
def clip_grad_norm(grads, max_norm):
    grads = list(grads)
    return grads, torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))
''',
}


def variants() -> dict[str, tuple[str, tuple[str, ...]]]:
    """name -> (kind, cells): kind "reference", "correct", "fails" (must fail [training]) or "learns" (must pass)."""
    solution = solution_cells("norm_sched")
    found: dict[str, tuple[str, tuple[str, ...]]] = {"reference": ("reference", solution)}
    for v in CORRECT:
        if v.replacements and v.name.startswith(("bn-", "schedules-", "clipping-")):
            found[v.name] = ("correct", with_text(solution, *v.replacements))
    for name, sources in ALTERNATIVES.items():
        if "BatchNorm1d" in "".join(sources):
            found[name] = ("correct", with_definitions(solution, *sources))
    for name, (source, passes) in TRAINING.items():
        if not passes:
            found[name] = ("fails", with_definitions(solution, source))
    for v in BUGS:
        if v.question in COMPONENTS:
            found[v.name] = ("fails" if "training" in v.also else "learns", with_text(solution, *v.replacements))
    for name, source in EXTRA_LEARNS.items():
        found[name] = ("learns", with_definitions(solution, source))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--public", action="store_true", help="the public tests' setup (default: the hidden test's)")
    parser.add_argument("--seeds", type=int, default=6, help="how many seeds (default 6)")
    parser.add_argument("--first-seed", type=int, help="the first seed (default: 0 hidden, 7 public)")
    parser.add_argument("--setup", default="{}", help="JSON overriding the grader's setup, to try another one")
    parser.add_argument("--only", nargs="*", help="only these variants (and the reference)")
    args = parser.parse_args()
    torch.set_num_threads(1)  # as in the worker; also the fastest for these small tensors

    setup = test_training.PUBLIC_SETUP if args.public else test_training.SETUP
    setup = {**setup, **json.loads(args.setup)}
    first = args.first_seed if args.first_seed is not None else (test_training.PUBLIC_SEED if args.public else 0)
    seeds = list(range(first, first + args.seeds))
    runs = 1 if args.public else len(test_training.SEEDS)
    margin = test_training.PUBLIC_MARGIN if args.public else test_training.MARGIN
    print(f"setup {json.dumps(setup)}\nseeds {seeds}; the grader compares the mean of {runs} run(s), margin {margin}")

    chosen = variants()
    if args.only:
        chosen = {k: v for k, v in chosen.items() if k == "reference" or k in args.only}
    accuracy: dict[str, list[float]] = {}
    for name, (kind, cells) in chosen.items():
        start = time.process_time()
        with contextlib.redirect_stdout(io.StringIO()):  # the notebook's own public checks print
            implementation = reference(NORM_SCHED) if kind == "reference" else in_process(cells, NORM_SCHED)
        outcome = implementation.probe("bn_training_run", seeds=seeds, **setup)
        if outcome.error:
            print(f"{kind:9} {name[:60]:60} error: {outcome.error}")
            continue
        accuracy[name] = [float(a) for a in outcome.result["test_acc"]]
        row = " ".join(f"{a:.3f}" for a in accuracy[name])
        mean = statistics.fmean(accuracy[name])
        below = statistics.fmean(accuracy["reference"]) - mean
        print(f"{kind:9} {name[:60]:60} {row}  mean {mean:.3f} ({below:+.3f} below)  {time.process_time() - start:.1f} CPU-s",
              flush=True)  # fmt: skip

    want = accuracy["reference"]
    diffs = [a - w for name, acc in accuracy.items() if chosen[name][0] == "correct" for a, w in zip(acc, want)]
    differing = [d for d in diffs if d != 0.0]
    sd = math.sqrt(statistics.fmean(d * d for d in differing)) if differing else 0.0
    test_size = setup["test_size"]
    p = statistics.fmean(want)
    sampling = math.sqrt(2 * p * (1 - p) / test_size)
    print(f"\nreference: {min(want):.4f}-{max(want):.4f} per run (mean {p:.4f})")
    print(f"correct alternatives: per-run difference from the reference {min(diffs):+.4f} to {max(diffs):+.4f}; "
          f"{len(differing)} of {len(diffs)} runs differ at all; root mean square of those {sd:.4f}")  # fmt: skip
    print(f"two independent networks as good as the reference, on {test_size} test images: sd of the difference "
          f"{sampling:.4f} per run")  # fmt: skip
    per_run = max(sd, sampling)
    print(f"taking sd {per_run:.4f} per run: the mean of {runs} run(s) has sd {per_run / math.sqrt(runs):.4f}; "
          f"margin {margin} = {margin / (per_run / math.sqrt(runs)):.1f} sd")  # fmt: skip
    for kind in ("fails", "learns"):
        worst = {name: statistics.fmean(want) - statistics.fmean(acc) for name, acc in accuracy.items() if chosen[name][0] == kind}
        if worst:
            name = max(worst, key=worst.get) if kind == "learns" else min(worst, key=worst.get)
            print(f"{kind}: {'largest' if kind == 'learns' else 'smallest'} mean deficit {worst[name]:+.4f} ({name}); "
                  f"per-run range {min(min(accuracy[n]) for n in worst):.3f}-{max(max(accuracy[n]) for n in worst):.3f}")


if __name__ == "__main__":
    main()
