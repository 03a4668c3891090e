"""Checks of update functions (optimizer steps) run by the probe body of autograder/probes/updates.py.

An assignment describes its update functions once (:class:`UpdateChecks`: the probe that runs them, each function's
:class:`~autograder.probes.updates.UpdateRule`, its known mistakes as buggy versions) and its graders call
:meth:`UpdateChecks.check_runs`, which compares the student's runs with the reference's, run by run and step by step:

- float64 runs: the step taken (returned param minus the param passed in) with rtol 3e-6 and atol 2e-6 * lr, and
  the returned state with rtol 1e-8. Gradients are kept at 0.5-1.5 times their scale, so at scale 1 eps conventions
  stay below the tolerance and only tiny-gradient runs (scale 1e-4..1e-6) judge where eps goes;
- float32 runs: the returned param and state with rtol 1e-4, atol 1e-6 (times the state's scale), the drift of
  float32 arithmetic over 60 steps being ~1e-5.

atol is scaled by the run's gradient size (grad, or grad**2 for squared states), so states of gradients of size 1e-6
are compared as strictly as those of size 1. The returned dtype is not graded; a float32 result for float64 inputs is
pointed out when it fails the float64 tolerance, and so is a float64 result that agrees only to float32's precision
(float32 arithmetic cast back). When a result is wrong, the known mistakes are run on the same inputs
and the one the student's result matches is named in the feedback (and by its id in results.json).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograder.grading.api import KnownMistake, Mistake
from autograder.grading.compare import assert_close
from autograder.grading.diagnose import known_mistake, mistakes
from autograder.grading.plugin import ProbeCache
from autograder.probes.updates import UpdateRule, run_inputs

TINY = [1e-4, 1e-5, 1e-6]  # gradient sizes where eps is not negligible next to the root of a squared average
F64_DELTA_TOL = (3e-6, 2e-6)  # atol times the run's lr
F64_STATE_RTOL = 1e-8
F64_STATE_ATOL = 1e-12  # times the gradient scale (or its square)
F32_TOL = (1e-4, 1e-6)  # atol times the gradient scale (or its square) for states


def run(shape: tuple[int, ...], steps: int, seed: int, dtype: str = "float64", hyper: dict | None = None,
        **extra: Any) -> dict[str, Any]:  # fmt: skip
    """One run of an update function (autograder.probes.updates.update_runs lists the keys ``extra`` may set)."""
    return {"shape": list(shape), "dtype": dtype, "steps": steps, "seed": seed, "hyper": hyper or {}, **extra}


def _tensor(values: Any, dtype: str) -> dict[str, Any]:
    return {"tensor": np.asarray(values).tolist(), "dtype": dtype}


def _fmt(x: Any) -> str:
    return f"{x:g}" if isinstance(x, (int, float)) else repr(x)


@dataclass(frozen=True)
class UpdateChecks:
    """An assignment's update functions as its graders check them.

    ``probe`` names the assignment's probe wrapping update_runs(target, function, rule, runs); ``mistakes`` maps each
    known mistake's id to its text; ``versions`` maps each function to {mistake id: {name: buggy version}}.
    """

    probe: str
    rules: Mapping[str, UpdateRule]
    mistakes: Mapping[str, str]
    versions: Mapping[str, Mapping[str, Mapping[str, Callable[..., Any]]]]

    def describe_run(self, function: str, run: Mapping[str, Any]) -> str:
        """The inputs of one run in plain words (never any expected value)."""
        names = self.rules[function].states
        shape = tuple(run["shape"])
        tensor = f"a {run['dtype']} scalar (0-dim) tensor" if shape == () else f"a {run['dtype']} tensor of shape {shape}"
        start = "param 0" if run.get("param0") != "normal" else "a random param"
        state_text = f"{' = '.join(names)} = 0" if run.get("state0") != "random" else f"nonzero starting {' and '.join(names)}"
        steps = run["steps"]
        t_text = ""
        if "t0" in run:
            t0 = run["t0"]
            t_text = f", t = {t0}" if steps == 1 else f", t = {t0} to {t0 + steps - 1}"
        scales = sorted(set(run.get("grad_scales", [1.0])))
        grad_text = "gradients of size about 1" if scales == [1.0] else "gradients of sizes about " + ", ".join(
            _fmt(s) for s in scales)  # fmt: skip
        if run.get("zero_grad"):
            grad_text += " (one coordinate's gradient always 0)"
        hyper = run.get("hyper", {})
        hyper_text = "default hyper-parameters" if not hyper else ", ".join(f"{k}={_fmt(v)}" for k, v in hyper.items())
        step_text = "one step" if steps == 1 else f"{steps} steps"
        return (f"{function}, {step_text} on {tensor} from {start} and {state_text}{t_text}, "
                f"{grad_text}, {hyper_text}")  # fmt: skip

    def _tolerances(self, function: str, run: Mapping[str, Any], loosen: float = 1.0) -> list[tuple[str, str, float, float]]:
        """(key, what, rtol, atol) of each quantity compared for a run."""
        rule = self.rules[function]
        if run["dtype"] == "float64":
            lr = run.get("hyper", {}).get("lr", rule.default_lr)
            checks = [("delta", "the step it took (returned param minus the param passed in)", F64_DELTA_TOL[0],
                       F64_DELTA_TOL[1] * lr)]  # fmt: skip
            checks += [(n, f"the {n} it returned", F64_STATE_RTOL, F64_STATE_ATOL * rule.scale(run, n)) for n in rule.states]
        else:
            checks = [("param", "the param it returned", *F32_TOL)]
            checks += [(n, f"the {n} it returned", F32_TOL[0], F32_TOL[1] * rule.scale(run, n)) for n in rule.states]
        return [(key, what, loosen * rtol, loosen * atol) for key, what, rtol, atol in checks]

    def _compare_run(self, function: str, run: Mapping[str, Any], i: int, got: Mapping[str, Any],
                     want: Mapping[str, Any]) -> None:  # fmt: skip
        """AssertionError naming the first step and quantity of run i that differs."""
        steps = run["steps"]
        for step in range(steps):
            when = "" if steps == 1 else f" at step {step + 1}"
            if "t0" in run and steps > 1:
                when += f" (t={run['t0'] + step})"
            for key, what, rtol, atol in self._tolerances(function, run):
                assert_close(got[f"{i}.{key}"][step], want[f"{i}.{key}"][step], rtol, atol, f"{what}{when}")

    def check_runs(self, student: ProbeCache, reference: ProbeCache, function: str, runs: list[dict[str, Any]],
                   only: Any = None) -> None:  # fmt: skip
        """Compare the student's function with the reference on the runs (those numbered in `only`, if given).

        The probe call covers only the runs this test grades, so code that crashes on another test's inputs fails that
        test alone, with its own inputs in the message. Fails with the first difference, in words, and names the
        known mistake the student's results match, if any.
        """
        runs = [run for i, run in enumerate(runs) if only is None or i in only]
        params = {"function": function, "runs": runs}
        got = student.probe(self.probe, **params)
        want = reference.probe(self.probe, **params)
        for i, run in enumerate(runs):
            try:
                self._compare_run(function, run, i, got, want)
            except AssertionError as exc:
                message = f"{self.describe_run(function, run)}: {exc}."
                if run["dtype"] == "float64":
                    names = ("param", *self.rules[function].states)
                    dtypes = got.get(f"{i}.dtypes", [got.get(f"{i}.dtype", "")])
                    low = [(n, d) for n, d in zip(names, dtypes) if any(f in str(d) for f in ("float32", "float16"))]
                    if low:
                        returned = " and ".join(f"a {d} {n}" for n, d in low)
                        message += f" Your function returned {returned} for float64 inputs, which loses precision."
                    elif self._within_float32(function, run, i, got, want):
                        message += (" Your results agree with the expected ones only to float32's precision (about 7 "
                                    "significant digits): is part of the arithmetic done in float32 (a .float(), or a "
                                    "float32 tensor mixed in)?")  # fmt: skip
                found = self.diagnose(reference, function, got, params)
                if found:
                    raise KnownMistake(f"{message} This is what happens when {found.text}.", found) from None
                raise AssertionError(message) from None

    def _within_float32(self, function: str, run: Mapping[str, Any], i: int, got: Mapping[str, Any],
                        want: Mapping[str, Any]) -> bool:  # fmt: skip
        """Whether a float64 run that failed agrees with the reference at float32's tolerance on every quantity:
        the sign of float32 arithmetic cast back to float64, which the returned dtype does not show."""
        for key, _, _, atol in self._tolerances(function, run):
            a = np.asarray(got[f"{i}.{key}"], dtype=np.float64)
            b = np.asarray(want[f"{i}.{key}"], dtype=np.float64)
            if a.shape != b.shape or not np.allclose(a, b, rtol=F32_TOL[0], atol=atol):
                return False
        return True

    def _matches(self, function: str, runs: list[dict[str, Any]]) -> Callable[[Mapping[str, Any], Mapping[str, Any]], bool]:
        """Whether a student's results agree with a mistake's on every run: the same quantities as the checks, with
        tolerances 10 times looser (the student may arrange the same mistake differently)."""

        def matches(got: Mapping[str, Any], candidate: Mapping[str, Any]) -> bool:
            for i, run in enumerate(runs):
                for key, _, rtol, atol in self._tolerances(function, run, loosen=10.0):
                    a = np.asarray(got[f"{i}.{key}"], dtype=np.float64)
                    b = np.asarray(candidate[f"{i}.{key}"], dtype=np.float64)
                    if a.shape != b.shape or not np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True):
                        return False
            return True

        return matches

    def public_cases(self, function: str, runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The runs of a @public test as the notebook's public cases ("update_run", observed by the engine's public
        checks): inputs drawn as the probe draws them, with the known mistakes the build fingerprints."""
        rule = self.rules[function]
        known = {mistake_id: (self.mistakes[mistake_id], names) for mistake_id, names in self.versions[function].items()}
        cases = []
        for run in runs:
            param, state, grads = run_inputs(run, rule)
            dtype = run["dtype"]
            case = {
                "kind": "update_run", "fn": function, "returns": ["param", *rule.states], "param": _tensor(param, dtype),
                "state": [_tensor(state[name], dtype) for name in rule.states], "grads": [_tensor(g, dtype) for g in grads],
                "hyper": run.get("hyper", {}), "atol": 1e-30, "what": self.describe_run(function, run), "mistakes": known,
                # float64 states to the hidden tests' precision (float32 arithmetic does not pass here); the param as before
                "rtol": F64_STATE_RTOL if dtype == "float64" else F32_TOL[0],
                "rtols": {"the param it returned": 1e-6 if dtype == "float64" else F32_TOL[0]},
            }  # fmt: skip
            if rule.takes_t:
                case["t0"] = run["t0"]
            cases.append(case)
        return cases

    def diagnose(self, reference: ProbeCache, function: str, got: Mapping[str, Any],
                 params: dict[str, Any]) -> Mistake | None:  # fmt: skip
        """The known mistake whose results match the student's, if one does."""
        matches = self._matches(function, params["runs"])
        if matches(got, reference.probe(self.probe, **params)):
            return None  # as close to the reference as to any mistake: naming one would mislead
        found = known_mistake(got, self.probe, params, mistakes(reference, self.versions[function]), matches)
        return Mistake(found, self.mistakes[found]) if found else None
