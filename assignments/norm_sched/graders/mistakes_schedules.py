"""Checks of [schedules] and their known mistakes.

Each test runs ``schedule_runs`` (../probes/schedules.py) on the student and the reference: one call per step of
each run, steps 0 to past the end. Learning rates are compared with rtol 1e-5 and atol 1e-6 * base_lr: math and torch
formulas agree to ~1e-16 in float64, and to ~1e-7 when torch computes the cosine in float32 (torch.tensor(x) of a
Python float is float32), which is still a correct schedule; every mistake below is off by 1e-2 or more somewhere
in the runs. A returned float, int, numpy scalar or one-element tensor is read as its number.

When a result is wrong, the buggy versions below run on the same steps and the one the student's rates match (rtol
1e-4) is named in the feedback and by its id in results.json.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from assignments.norm_sched.probes.schedules import call_text
from autograder.grading.api import KnownMistake, Mistake
from autograder.grading.diagnose import known_mistake, mistakes
from autograder.grading.plugin import ProbeCache

PROBE = "schedule_runs"
RTOL, ATOL = 1e-5, 1e-6  # atol times the run's base_lr


def schedule_run(function: str, args: list[Any], steps: tuple[int, int], **kwargs: Any) -> dict[str, Any]:
    """A run: `function` called at every step from steps[0] to steps[1] with these arguments after the step."""
    return {"function": function, "args": list(args), "kwargs": kwargs, "steps": list(steps)}


def _cosine(step, base_lr, total_steps, min_lr, kind=""):
    if step >= total_steps and kind != "no_clamp":
        return min_lr
    if kind == "min_lr_ignored":
        return base_lr * (1 + math.cos(math.pi * step / total_steps)) / 2
    if kind == "min_lr_added":
        return min_lr + base_lr * (1 + math.cos(math.pi * step / total_steps)) / 2
    if kind == "no_half":
        return min_lr + (base_lr - min_lr) * (1 + math.cos(math.pi * step / total_steps))
    if kind == "no_pi":
        return min_lr + (base_lr - min_lr) * (1 + math.cos(step / total_steps)) / 2
    if kind == "off_by_one":
        step = step + 1
        if step >= total_steps:
            return min_lr
    return min_lr + (base_lr - min_lr) * (1 + math.cos(math.pi * step / total_steps)) / 2


def _step_lr(kind: str) -> Callable[..., float]:
    def step_lr(step, base_lr, step_size, gamma=0.1):
        if kind == "gamma_hardcoded":
            gamma = 0.1
        exponent = {
            "round": lambda: round(step / step_size),
            "ceil": lambda: math.ceil(step / step_size),
            "off_by_one": lambda: (step + 1) // step_size,
            "no_floor": lambda: step / step_size,
        }.get(kind, lambda: step // step_size)()
        if kind == "gamma_multiplied":
            return base_lr * gamma * exponent
        return base_lr * gamma**exponent

    return step_lr


STEP_LR_MISTAKES = {
    "schedules.step_round": "the number of completed periods is rounded (round(step / step_size)) instead of floored",
    "schedules.step_ceil": "the number of completed periods is rounded up (ceil(step / step_size)) instead of floored",
    "schedules.step_off_by_one": "the decay comes one step early ((step + 1) // step_size instead of step // step_size)",
    "schedules.step_no_floor": "the exponent is step / step_size (a smooth decay) instead of step // step_size",
    "schedules.step_gamma_multiplied": "base_lr is multiplied by gamma * (step // step_size) instead of gamma ** (step // step_size)",
    "schedules.step_gamma_hardcoded": "the gamma argument is ignored (hard-coded to 0.1)",
}


def _cosine_lr(kind: str) -> Callable[..., float]:
    def cosine_lr(step, base_lr, total_steps, min_lr=0.0):
        return _cosine(step, base_lr, total_steps, min_lr, kind)

    return cosine_lr


COSINE_MISTAKES = {
    "schedules.cosine_min_lr_ignored": "min_lr is ignored in the cosine (base_lr * (1 + cos) / 2 goes down to 0)",
    "schedules.cosine_min_lr_added": (
        "min_lr is added to base_lr * (1 + cos) / 2 instead of to (base_lr - min_lr) * (1 + cos) / 2, so the schedule "
        "starts at base_lr + min_lr"
    ),
    "schedules.cosine_no_clamp": "the cosine goes on after total_steps (it rises again) instead of staying at min_lr",
    "schedules.cosine_no_half": "the factor 1/2 of (1 + cos(pi * step / total_steps)) / 2 is missing",
    "schedules.cosine_no_pi": "the cosine is of step / total_steps instead of pi * step / total_steps",
    "schedules.cosine_off_by_one": "the schedule is one step ahead (cosine of step + 1)",
}


def _warmup_cosine_lr(kind: str) -> Callable[..., float]:
    def warmup_cosine_lr(step, base_lr, warmup_steps, total_steps, min_lr=0.0):
        if step < warmup_steps:
            if kind == "warmup_off_by_one":
                return base_lr * (step + 1) / warmup_steps
            if kind == "warmup_from_min_lr":
                return min_lr + (base_lr - min_lr) * step / warmup_steps
            return base_lr * step / warmup_steps
        if kind == "warmup_cosine_over_total":
            return _cosine(step, base_lr, total_steps, min_lr)
        if kind == "warmup_cosine_not_shifted":
            return _cosine(step, base_lr, total_steps - warmup_steps, min_lr)
        if kind == "warmup_min_lr_ignored":
            return _cosine(step - warmup_steps, base_lr, total_steps - warmup_steps, 0.0)
        return _cosine(step - warmup_steps, base_lr, total_steps - warmup_steps, min_lr)

    return warmup_cosine_lr


WARMUP_MISTAKES = {
    "schedules.warmup_off_by_one": "the warm-up is one step ahead (base_lr * (step + 1) / warmup_steps): step 0 must give 0",
    "schedules.warmup_from_min_lr": "the warm-up starts from min_lr instead of from 0",
    "schedules.warmup_cosine_over_total": (
        "after the warm-up, the cosine runs over all total_steps (cosine of step / total_steps) instead of over the "
        "remaining total_steps - warmup_steps steps, counted from the end of the warm-up"
    ),
    "schedules.warmup_cosine_not_shifted": (
        "after the warm-up, the cosine is taken at step instead of at step - warmup_steps (the remaining steps are "
        "counted from 0 at the end of the warm-up)"
    ),
    "schedules.warmup_min_lr_ignored": "min_lr is ignored after the warm-up (the cosine goes down to 0)",
}

MISTAKES = {**STEP_LR_MISTAKES, **COSINE_MISTAKES, **WARMUP_MISTAKES}
VERSIONS: dict[str, dict[str, dict[str, Callable[..., float]]]] = {
    "step_lr": {i: {"step_lr": _step_lr(i.partition("_")[2])} for i in STEP_LR_MISTAKES},
    "cosine_lr": {i: {"cosine_lr": _cosine_lr(i.partition("cosine_")[2])} for i in COSINE_MISTAKES},
    "warmup_cosine_lr": {i: {"warmup_cosine_lr": _warmup_cosine_lr(i.partition(".")[2])} for i in WARMUP_MISTAKES},
}


def _close(got: list[float], want: list[float], base_lr: float, loosen: float = 1.0) -> np.ndarray:
    g, w = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    return np.abs(g - w) <= loosen * (ATOL * abs(base_lr) + RTOL * np.abs(w))


def _matches(runs: list[dict[str, Any]]) -> Callable[[Mapping[str, Any], Mapping[str, Any]], bool]:
    def matches(got: Mapping[str, Any], candidate: Mapping[str, Any]) -> bool:
        return all(bool(_close(got[str(i)], candidate[str(i)], run["args"][0], 10.0).all()) for i, run in enumerate(runs))

    return matches


def check_schedule(student: ProbeCache, reference: ProbeCache, runs: list[dict[str, Any]]) -> None:
    """Compare the student's learning rates with the reference's at every step of every run (one function per
    test); fail at the first step that differs, naming the known mistake the student's rates match, if any."""
    params = {"runs": runs}
    got = student.probe(PROBE, **params)
    want = reference.probe(PROBE, **params)
    for i, run in enumerate(runs):
        ok = _close(got[str(i)], want[str(i)], run["args"][0])
        if ok.all():
            continue
        index = int(np.argmin(ok))
        g, w = got[str(i)][index], want[str(i)][index]
        error = f"relative error {abs(g / w - 1):.2g}" if w else f"absolute error {abs(g):.2g}"
        first, last = run["steps"]
        message = (f"{call_text(run, first + index)} returned a learning rate that differs from the schedule's "
                   f"({error}); {int((~ok).sum())} of the {len(ok)} steps {first} to {last} differ")
        found = known_mistake(got, PROBE, params, mistakes(reference, VERSIONS[run["function"]]), _matches(runs))
        if found:
            raise KnownMistake(f"{message}. This is what happens when {MISTAKES[found]}.", Mistake(found, MISTAKES[found]))
        raise AssertionError(message + ".")
