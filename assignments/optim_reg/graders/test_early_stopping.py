"""Hidden graders for [early_stopping] (SPEC A8): EarlyStopping driven with scripted metric sequences.

Expectations come from running the same probes on the reference; every sequence below is also worked out by
hand in tests/assignments/optim_reg/test_early_stopping_training_graders.py. Only observable behaviour SPEC defines is checked:
what step() returns, should_stop, counter, best, best_epoch, restored weights (buffers included) and the
ValueErrors. Test values stay at least 1e-6 away from `best -/+ min_delta`; exact ties appear only with
min_delta = 0, where SPEC says a tie is no improvement.
"""

from __future__ import annotations

import math
from typing import Any

from assignments.optim_reg.graders.mistakes_early_stopping import MISTAKES
from autograder.grading.api import KnownMistake, Mistake, hidden, public
from autograder.grading.diagnose import known_mistake, mistakes

QUESTION = "early_stopping"

NAN = None  # a NaN metric (JSON has no NaN; the probe feeds float("nan"))
KERAS = [1.0, 0.9, 0.95, 0.96, 0.97, 0.98, 0.99]

# name -> (constructor arguments, metric sequence)
RUNS: dict[str, tuple[dict[str, Any], list[float | None]]] = {
    "plateau": ({"patience": 2}, [1.0, 0.8, 0.85, 0.9, 0.95]),
    # stop rule
    "keras_p0": ({"patience": 0}, KERAS),
    "keras_p1": ({"patience": 1}, KERAS),
    "keras_p2": ({"patience": 2}, KERAS),
    "keras_p3": ({"patience": 3}, KERAS),
    "keras_p4": ({"patience": 4}, KERAS),
    "long_p5": ({"patience": 5}, [2.0, 1.5, 1.2, 1.0, 1.1, 1.05, 1.2, 1.3, 1.01, 1.4, 1.5]),
    "default_patience": ({}, [1.0, 1.5, 1.6, 1.7, 1.8, 1.9, 2.0, 2.1]),
    "monotone": ({"patience": 1}, [5.0, 4.0, 3.0, 2.0, 1.0]),
    # counter reset, best so far
    "interleaved": ({"patience": 2}, [1.0, 1.1, 0.9, 1.0, 0.8, 0.9, 0.7, 0.8]),
    "worse_than_best": ({"patience": 3}, [1.0, 0.5, 0.9, 0.8, 0.7, 0.6]),
    "counter_values": ({"patience": 10}, [1.0, 1.2, 1.1, 0.9, 0.95, 0.97]),
    # min_delta and ties
    "min_delta_min": ({"patience": 2, "min_delta": 0.05}, [1.0, 0.96, 0.93, 0.90, 0.895, 0.87]),
    "min_delta_max": ({"patience": 2, "min_delta": 0.05, "mode": "max"}, [0.5, 0.53, 0.6, 0.62, 0.64, 0.7]),
    "min_delta_creep": ({"patience": 2, "min_delta": 0.12}, [2.0, 1.95, 1.9, 1.85]),
    "min_delta_worse": ({"patience": 2, "min_delta": 0.1}, [1.0, 1.5, 2.0, 2.5]),
    "ties": ({"patience": 2}, [1.0, 1.0, 1.0, 1.0]),
    "tie_after_dip": ({"patience": 3}, [1.0, 0.7, 0.8, 0.7, 0.7, 0.9]),
    # mode max
    "max_plateau": ({"patience": 2, "mode": "max"}, [0.5, 0.6, 0.7, 0.8, 0.8, 0.79]),
    "max_rising": ({"patience": 1, "mode": "max"}, [0.2, 0.4, 0.6, 0.8, 0.9]),
    "max_negative": ({"patience": 2, "mode": "max"}, [-3.0, -2.0, -2.5, -2.4, -2.2]),
    # first call and NaN
    "rising_losses": ({"patience": 5}, [1.0, 1.1, 1.2]),
    "nan_after_best": ({"patience": 3}, [1.0, NAN, NAN, NAN]),
    "nan_first": ({"patience": 5}, [NAN, 2.0, 1.0]),
    "nan_between": ({"patience": 2}, [2.0, 1.0, NAN, 0.5, 0.6]),
    # should_stop and continuing after a stop
    "after_stop": ({"patience": 2}, [1.0, 1.1, 1.2, 0.5, 0.6]),
    # metrics as one-element tensors that require grad (a NaN among them), counted as their values
    "tensor_metrics": ({"patience": 2}, [1.0, 0.8, NAN, 0.9, 0.85, 0.95]),
    # constructor arguments
    "mode_auto": ({"mode": "auto"}, []),
    "mode_minimum": ({"mode": "minimum"}, []),
    "patience_negative": ({"patience": -1}, []),
    "patience_zero_max": ({"patience": 0, "mode": "max", "min_delta": 0.01}, [0.5, 0.4]),
}
NAMES = list(RUNS)
TENSOR_RUNS = ("tensor_metrics",)
PUBLIC_RUNS = ("plateau",)  # public tests send their own runs, never a hidden test's

RESTORE = {
    # name -> scenario; every model's weights and buffers encode the epoch they were set at
    "linear": {
        "kwargs": {"patience": 3, "restore_best_weights": True},
        "metrics": [3.0, 2.0, 1.0, 1.5, 1.7, 1.9],
        "batchnorm": False,
        "seed": 1,
    },
    "batchnorm": {
        "kwargs": {"patience": 3, "restore_best_weights": True},
        "metrics": [3.0, 2.0, 1.0, 1.5, 1.7, 1.9],
        "batchnorm": True,
        "seed": 2,
    },
    "batchnorm_max": {
        "kwargs": {"patience": 2, "mode": "max", "restore_best_weights": True},
        "metrics": [0.5, 0.7, 0.65, 0.72, 0.71, 0.70],
        "batchnorm": True,
        "seed": 3,
    },
    "best_first": {
        "kwargs": {"patience": 2, "restore_best_weights": True},
        "metrics": [1.0, 2.0, 3.0],
        "batchnorm": True,
        "seed": 4,
    },
    "never_stops": {
        "kwargs": {"patience": 5, "restore_best_weights": True},
        "metrics": [3.0, 2.0, 1.0],
        "batchnorm": True,
        "seed": 5,
    },
    "linear_again": {
        "kwargs": {"patience": 3, "restore_best_weights": True},
        "metrics": [3.0, 2.5, 1.0, 1.5, 1.7, 1.9],
        "batchnorm": False,
        "seed": 6,
    },
    # step() without a model at the best epoch: nothing is saved then, and restore loads the last copy made (epoch 1)
    "without_model": {
        "kwargs": {"patience": 2, "restore_best_weights": True},
        "metrics": [3.0, 2.0, 1.0, 1.5, 1.7],
        "without_model": [2],
        "batchnorm": True,
        "seed": 7,
    },
    # restore_best_weights=False: nothing was saved, so restore(model) raises and leaves the model as it was
    "nothing_saved": {
        "kwargs": {"patience": 2},
        "metrics": [3.0, 2.0, 2.5, 2.7],
        "nothing_saved": True,
        "batchnorm": False,
        "seed": 8,
    },
}
PUBLIC_RESTORE = ("linear",)


# ---------------------------------------------------------------- reading the probe results


def _names(public: bool) -> list[str]:
    return [n for n in NAMES if (n in PUBLIC_RUNS) == public]


def _params(public: bool) -> dict[str, Any]:
    return {"runs": [{"kwargs": RUNS[n][0], "metrics": RUNS[n][1], **({"tensors": True} if n in TENSOR_RUNS else {})}
                     for n in _names(public)]}  # fmt: skip


def _is_public(names: list[str]) -> bool:
    return set(names) <= set(PUBLIC_RUNS)


def _runs(impl: Any, public: bool = False) -> dict[str, dict[str, Any]]:
    return dict(zip(_names(public), impl.probe("early_stopping_runs", **_params(public))["runs"]))


def _show(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "nan"
    return repr(value)


def _where(name: str) -> str:
    kwargs, metrics = RUNS[name]
    args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items()) or "default arguments"
    kind = "metrics (one-element tensors that require grad)" if name in TENSOR_RUNS else "metrics"
    return f"{kind} [{', '.join(_show(m) for m in metrics)}] with {args}"


def _stop_epoch(run: dict[str, Any]) -> int | None:
    return next((e for e, s in enumerate(run["steps"]) if s["returned"] is True), None)


def _at_stop(run: dict[str, Any]) -> dict[str, Any]:
    """The attributes right after the first step that returned True, or after the last step."""
    stop = _stop_epoch(run)
    return run["steps"][stop if stop is not None else -1]


def _said_stop(stop: int | None) -> str:
    return "never returned True" if stop is None else f"first returned True at epoch {stop}"


def _same_number(got: Any, want: Any) -> bool:
    if isinstance(want, float) and math.isnan(want):
        return isinstance(got, float) and math.isnan(got)
    if isinstance(got, str) or isinstance(want, str):
        return got == want
    return math.isclose(float(got), float(want), rel_tol=1e-6, abs_tol=1e-12)


def _problems_running(name: str, got: dict[str, Any], want: dict[str, Any]) -> str | None:
    """A sentence if the run could not be compared: constructor or step raised, or step returned a non-bool."""
    if got["init_error"] and not want["init_error"]:
        return f"EarlyStopping({_where(name).split(' with ', 1)[1]}) raised {got['init_error']}"
    if got["step_error"]:
        epoch = got["step_error"]["epoch"]
        return f"on {_where(name)}, step() raised {got['step_error']['error']} at epoch {epoch}"
    for epoch, s in enumerate(got["steps"]):
        if not isinstance(s["returned"], bool):
            return (
                f"on {_where(name)}, step() returned {s['returned']} at epoch {epoch}; SPEC says it returns "
                "True or False"
            )
    return None


def _check_stop(
    name: str, got: dict[str, Any], want: dict[str, Any], best: bool = False, best_epoch: bool = True
) -> str | None:
    """Stop epoch and best_epoch at the stop (and best, if asked) as SPEC's rule gives them."""
    problem = _problems_running(name, got, want)
    if problem:
        return problem
    got_stop, want_stop = _stop_epoch(got), _stop_epoch(want)
    if got_stop != want_stop:
        return (
            f"on {_where(name)}, your step() {_said_stop(got_stop)}, which is not what SPEC's rule gives: stop "
            "once counter, the number of epochs since the last strict improvement, reaches patience"
        )
    g, w = _at_stop(got), _at_stop(want)
    when = "when step() returned True" if want_stop is not None else "after the last call"
    if best_epoch and g["best_epoch"] != w["best_epoch"]:
        return (
            f"on {_where(name)}, best_epoch was {g['best_epoch']} {when}, which is not the 0-based index of "
            "the last improving call"
        )
    if best and not _same_number(g["best"], w["best"]):
        return f"on {_where(name)}, best was {_show(g['best'])} {when}, which is not the best metric under SPEC's rule"
    return None


def _check_sequence(name: str, got: dict[str, Any], want: dict[str, Any], field: str) -> str | None:
    problem = _problems_running(name, got, want)
    if problem:
        return problem
    g = [s[field] for s in got["steps"]]
    w = [s[field] for s in want["steps"]]
    if g != w:
        epoch = next(i for i, (a, b) in enumerate(zip(g, w)) if a != b)
        return f"on {_where(name)}, {field} after each call was {g}; it first departs from SPEC's rule at epoch {epoch}"
    return None


def _improving_calls(run: dict[str, Any]) -> list[int]:
    """The calls after which best_epoch changed: the improvements, whatever numbering best_epoch uses."""
    previous, calls = run["initial"]["best_epoch"], []
    for epoch, s in enumerate(run["steps"]):
        if s["best_epoch"] != previous:
            calls.append(epoch)
        previous = s["best_epoch"]
    return calls


def _check_improving_calls(name: str, got: dict[str, Any], want: dict[str, Any]) -> str | None:
    g, w = _improving_calls(got), _improving_calls(want)
    if g == w:
        return None
    return (
        f"on {_where(name)}, the calls that improved (best_epoch changed) were at epochs {g}, which is not what "
        "SPEC's rule gives: an epoch improves only when metric < best - min_delta, or > best + min_delta in mode "
        "'max', strictly, so a tie is no improvement"
    )


def _check_best_values(name: str, got: dict[str, Any], want: dict[str, Any]) -> str | None:
    """best after each call, i.e. which metrics counted as improvements (not compared before the first one)."""
    problem = _problems_running(name, got, want)
    if problem:
        return problem
    metrics = RUNS[name][1]
    shown_got, first = [], None
    for epoch, (g, w) in enumerate(zip(got["steps"], want["steps"])):
        if w["best_epoch"] == -1:
            shown_got.append("-")
            continue
        shown_got.append(_show(g["best"]))
        if first is None and not _same_number(g["best"], w["best"]):
            first = epoch
    if first is None:
        return _check_improving_calls(name, got, want)
    return (
        f"on {_where(name)}, best after each call was [{', '.join(shown_got)}]; it first departs from SPEC's "
        f"rule at epoch {first} (metric {_show(metrics[first])}): an epoch improves only when metric < best - "
        "min_delta, or > best + min_delta in mode 'max'"
    )


VERSIONS = {mistake_id: {"EarlyStopping": cls} for mistake_id, (_, cls) in MISTAKES.items()}


def _error_type(error: str | None) -> str | None:
    return error.split(":", 1)[0] if error else None


def _rounded(step: dict[str, Any]) -> Any:
    best = step["best"]
    if step["best_epoch"] == -1 or not isinstance(best, (int, float)):
        return None
    return "nan" if math.isnan(best) else round(float(best), 6)


def _signature(result: dict[str, Any], names: list[str]) -> list[Any]:
    runs = dict(zip(_names(_is_public(names)), result["runs"]))
    return [
        (
            _error_type(runs[n]["init_error"]),
            _error_type((runs[n]["step_error"] or {}).get("error")),
            [(s["returned"], s["best_epoch"], s["should_stop"], _rounded(s)) for s in runs[n]["steps"]],
        )
        for n in names
    ]


def _fail(problems: list[str], names: list[str], student: Any, reference: Any) -> None:
    """Raise one AssertionError with the first problems and, when recognisable, the mistake behind them."""
    if not problems:
        return
    params = _params(_is_public(names))
    got = student.probe("early_stopping_runs", **params)
    errors = [r["init_error"] or (r["step_error"] or {}).get("error") or "" for r in got["runs"]]
    if any(e.startswith("NotImplementedError") for e in errors):
        raise AssertionError(problems[0])
    message = "; ".join(problems[:2]) + ("" if len(problems) <= 2 else f" (and {len(problems) - 2} more)")
    found = known_mistake(
        got,
        "early_stopping_runs",
        params,
        mistakes(reference, VERSIONS),
        lambda a, b: _signature(a, names) == _signature(b, names),
    )
    if found:
        text = MISTAKES[found][0]
        raise KnownMistake(f"{message}. Your results match an EarlyStopping that {text}.", Mistake(found, text))
    raise AssertionError(message)


def _check_runs(student: Any, reference: Any, names: list[str], check: Any) -> None:
    got, want = _runs(student, _is_public(names)), _runs(reference, _is_public(names))
    problems = [p for n in names if (p := check(n, got[n], want[n]))]
    _fail(problems, names, student, reference)


# ---------------------------------------------------------------- tests


@public(2)
def test_plateau_patience_2(student, reference):
    """Plateau after an improvement, patience 2: stop epoch, best, and best_epoch before and after each call"""

    def check(name: str, got: dict[str, Any], want: dict[str, Any]) -> str | None:
        if got["init_error"]:
            return f"EarlyStopping(patience=2) raised {got['init_error']}"
        if got["initial"]["best_epoch"] != -1:
            return f"before the first call to step(), best_epoch was {got['initial']['best_epoch']}; SPEC says -1"
        return _check_stop(name, got, want, best=True) or _check_sequence(name, got, want, "best_epoch")

    _check_runs(student, reference, ["plateau"], check)


@hidden(3)
def test_stop_rule_for_each_patience(student, reference):
    """Stops at the first epoch where counter reaches patience (patience 0 to 5 and the default)"""
    names = ["keras_p0", "keras_p1", "keras_p2", "keras_p3", "keras_p4", "long_p5", "default_patience", "monotone"]
    _check_runs(student, reference, names, _check_stop)


@hidden(2)
def test_counter_resets_and_compares_with_best(student, reference):
    """An improvement resets counter; later epochs are compared with the best so far, not the previous epoch"""

    def check(name: str, got: dict[str, Any], want: dict[str, Any]) -> str | None:
        if name == "interleaved":
            return _check_stop(name, got, want, best_epoch=False)
        if name == "counter_values":
            return _check_sequence(name, got, want, "counter")
        return _check_best_values(name, got, want)

    _check_runs(student, reference, ["interleaved", "counter_values", "worse_than_best"], check)


@hidden(2)
def test_min_delta_and_ties(student, reference):
    """min_delta in both modes (improvement only by more than min_delta) and ties (never an improvement)"""
    names = ["min_delta_min", "min_delta_max", "min_delta_creep", "min_delta_worse", "ties", "tie_after_dip"]
    _check_runs(student, reference, names, _check_best_values)


@hidden(1)
def test_mode_max(student, reference):
    """mode="max": rising metrics improve, a plateau does not, negative metrics work"""
    _check_runs(student, reference, ["max_plateau", "max_rising", "max_negative"], _check_best_values)


@hidden(1)
def test_first_call_and_nan(student, reference):
    """Values before the first step; the first non-NaN metric improves, a NaN never does but counts as a call for best_epoch; tensor metrics count as values"""

    def check(name: str, got: dict[str, Any], want: dict[str, Any]) -> str | None:
        if not got["init_error"] and got["initial"] != want["initial"]:
            shown = ", ".join(f"{k}={_show(v)}" for k, v in got["initial"].items())
            return (
                f"on {_where(name)}, before the first call to step() it held {shown}; the contract says best is "
                "math.inf in mode 'min' (-math.inf in mode 'max'), best_epoch -1, counter 0 and should_stop False"
            )
        problem = _check_best_values(name, got, want)
        if not problem and name in ("nan_after_best", "tensor_metrics"):
            problem = _check_sequence(name, got, want, "counter")
        if not problem and name in ("nan_first", "nan_between"):
            problem = _check_sequence(name, got, want, "best_epoch")
            if problem:  # improvements that are not consecutive calls: an index of the call, not of the improvement
                problem += (": best_epoch is the 0-based index of the call that set best, counting every call "
                            "(NaN calls and calls without improvement too), not the number of improvements so far")
        return problem

    names = ["rising_losses", "nan_after_best", "nan_first", "nan_between", "max_rising", "tensor_metrics"]
    _check_runs(student, reference, names, check)


@hidden(0.5)
def test_should_stop_after_each_call(student, reference):
    """should_stop holds what step() last returned, also when training continues after a stop"""

    def check(name: str, got: dict[str, Any], want: dict[str, Any]) -> str | None:
        if got["init_error"]:
            return f"EarlyStopping(patience=2) raised {got['init_error']}"
        if got["initial"]["should_stop"] is not False:
            return f"before the first call to step(), should_stop was {got['initial']['should_stop']}; SPEC says False"
        problem = _problems_running(name, got, want)
        if problem:
            return problem
        returned = [s["returned"] for s in got["steps"]]
        flags = [s["should_stop"] for s in got["steps"]]
        if flags != returned:
            return (
                f"on {_where(name)}, step() returned {returned} but should_stop after each call was {flags}; "
                "SPEC says should_stop holds the value step() last returned"
            )
        expected = [w["returned"] for w in want["steps"]]
        if returned != expected:
            return (
                f"on {_where(name)}, step() returned {returned}; the stop rule gives {expected} (patience 2: "
                "it stops at epoch 2, then the improvement at epoch 3 resets it)"
            )
        if returned[3] is not False:
            return (
                f"on {_where(name)}, step() returned {returned}: the call at epoch 3 improves (0.5 < 1.0), "
                "and SPEC says an improving call returns False, even after an earlier stop"
            )
        return None

    _check_runs(student, reference, ["after_stop"], check)


@hidden(0.5)
def test_invalid_arguments(student, reference):
    """ValueError for an unknown mode or a negative patience; patience 0 is allowed"""
    got = _runs(student)
    problems = []
    for name, call in [
        ("mode_auto", 'EarlyStopping(mode="auto")'),
        ("mode_minimum", 'EarlyStopping(mode="minimum")'),
        ("patience_negative", "EarlyStopping(patience=-1)"),
    ]:
        error = got[name]["init_error"]
        if not error:
            problems.append(f"{call} did not raise an error; SPEC asks for ValueError")
        elif not error.startswith("ValueError"):
            problems.append(f"{call} raised {error.split(':', 1)[0]}; SPEC asks for ValueError")
    if got["patience_zero_max"]["init_error"]:
        problems.append(
            f'EarlyStopping(patience=0, mode="max", min_delta=0.01) raised '
            f"{got['patience_zero_max']['init_error']}; SPEC allows patience 0"
        )
    _fail(problems, ["mode_auto", "mode_minimum", "patience_negative", "patience_zero_max"], student, reference)


# ---------------------------------------------------------------- restoring the best weights


def _describe_restore(name: str, which: dict[str, int], best: int, last: int) -> str | None:
    """A sentence when some state_dict entry does not hold the best epoch's values, naming the likely cause."""
    wrong = {k: e for k, e in which.items() if e != best}
    if not wrong:
        return None
    epochs = sorted(set(wrong.values()))
    entries = ", ".join(sorted(wrong)[:4]) + (" ..." if len(wrong) > 4 else "")
    held = " and ".join("values of no epoch" if e < 0 else f"the values of epoch {e}" for e in epochs)
    buffers = all(k.endswith(("running_mean", "running_var", "num_batches_tracked")) for k in wrong)
    if buffers:
        hint = (
            "the BatchNorm buffers were not restored: save and load the whole state_dict (buffers included), "
            "not only the parameters"
        )
    elif epochs == [last]:
        hint = (
            "those are the weights the model had before restore(), so either the saved copy changed with the "
            "model (model.state_dict(), and .detach(), .data, dict(...) or copy.copy of it, hold references to "
            "the live tensors: save clones or a copy.deepcopy), or the weights were saved at every epoch "
            "instead of only at improvements, or restore(model) did not load anything into the model it was "
            "given (rebinding `model = ...` inside restore changes only a local name; use "
            "model.load_state_dict)"
        )
    else:
        hint = "restore(model) must load the weights saved at the best epoch back into the model it is given"
    return f"{entries} held {held} instead of the best epoch {best}'s: {hint}"


def _restore_check(student: Any, reference: Any, names: list[str], second: bool) -> None:
    phase = [n for n in RESTORE if (n in PUBLIC_RESTORE) == (set(names) <= set(PUBLIC_RESTORE))]
    params = {"scenarios": [RESTORE[n] for n in phase]}
    got = dict(zip(phase, student.probe("early_stopping_restore", **params)["scenarios"]))
    want = dict(zip(phase, reference.probe("early_stopping_restore", **params)["scenarios"]))
    for name in names:
        scenario = RESTORE[name]
        kwargs = ", ".join(f"{k}={v!r}" for k, v in scenario["kwargs"].items())
        model = "Linear-BatchNorm-ReLU-Linear" if scenario["batchnorm"] else "Linear-ReLU-Linear"
        where = (
            f"EarlyStopping({kwargs}) on a {model} model whose weights and buffers were changed in place "
            f"before each step, metrics {scenario['metrics']}"
        )
        if scenario.get("without_model"):
            where += f", with step() given no model at epoch {', '.join(map(str, scenario['without_model']))}"
        g, w = got[name], want[name]
        if g["error"]:
            raise AssertionError(f"{where}: {g['error']}")
        if scenario.get("nothing_saved"):
            _check_nothing_saved(where, g)
            continue
        best = max(w["first_restore"].values())  # the best epoch, or the last copy made when step() had no model
        problem = _describe_restore(name, g["first_restore"], best, g["epochs_run"] - 1)
        if problem:
            raise AssertionError(f"{where}: after restore(model), {problem}")
        if second:
            problem = _describe_restore(name, g["second_restore"], best, g["epochs_run"])
            if problem:
                raise AssertionError(
                    f"{where}: restore(model) worked once, but after the model was trained further (in place) a "
                    f"second restore(model) gave wrong weights: {problem.split(':')[0]}. The model must not share "
                    "storage with your saved copy after a restore (no load_state_dict(..., assign=True) or "
                    "assigning your saved tensors to the model), and restore must not use up the saved copy"
                )


def _check_nothing_saved(where: str, got: dict[str, Any]) -> None:
    if not got["restore_raised"]:
        raise AssertionError(
            f"{where}: restore(model) returned without raising although no weights were ever saved; the contract "
            "says it raises (any exception) and leaves the model as it is"
        )
    last = got["epochs_run"] - 1
    if any(epoch != last for epoch in got["first_restore"].values()):
        raise AssertionError(f"{where}: restore(model) raised, but changed the model first; leave it as it is")


@hidden(1)
def test_restore_decisions(student, reference):
    """restore() loads the last copy made when step() had no model, and raises (model unchanged) if none was saved"""
    _restore_check(student, reference, ["without_model", "nothing_saved"], second=False)


@public(2)
def test_restore_best_weights(student, reference):
    """restore_best_weights=True: restore(model) brings back the best epoch's weights, not the last ones"""
    _restore_check(student, reference, ["linear"], second=False)


@hidden(2)
def test_restore_buffers_and_copies(student, reference):
    """restore() also restores BatchNorm buffers, in both modes, and still works after more training"""
    _restore_check(
        student, reference, ["batchnorm", "batchnorm_max", "best_first", "never_stops", "linear_again"], second=True
    )


# --- public inputs: what the notebook's grader.check("early_stopping") runs besides "plateau" and "linear" ---------

# Tensor metrics (one requiring grad) and a NaN, in mode "max": the decisions the contract page states.
PUBLIC_TENSOR_RUN = ({"patience": 1, "mode": "max"}, [0.5, None, 0.7, 0.7, 0.6])
