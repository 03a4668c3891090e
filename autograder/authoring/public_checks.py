# Public checks: `grader.check("<question>")` runs your code on the public cases of that question and compares what
# it sees with what the reference solution gave on the same cases (recorded when the notebook was built).
# Passing them is a good sign, not a grade: the hidden tests run at grading. Needs only torch; do not edit.
import hashlib
import inspect
import json
from math import floor, isclose, isfinite, log10
from struct import pack, unpack

import torch


def _tensor(spec):
    dtype = getattr(torch, spec["dtype"])
    if "tensor" in spec:
        return torch.tensor(spec["tensor"], dtype=dtype)
    generator = torch.Generator().manual_seed(spec["seed"])  # never the global generator: your seeds stay as they are
    return spec["offset"] + 2.0 * torch.rand(tuple(spec["shape"]), generator=generator, dtype=dtype)


def _decode(value):
    if isinstance(value, dict) and "dtype" in value:
        return _tensor(value)
    if isinstance(value, dict) and "tuple" in value:
        return tuple(value["tuple"])
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def _numbers(value):
    """What a returned value is, as plain data: tensors as nested lists of floats plus their shape."""
    if isinstance(value, torch.Tensor):
        value = value.detach().to("cpu", torch.float64)
        return {"shape": list(value.shape), "values": value.tolist()}
    if isinstance(value, (tuple, list)):
        return [_numbers(v) for v in value]
    if isinstance(value, (bool, int, float)):
        return value
    return {"type": type(value).__name__}


def _flat(values):
    return [x for v in values for x in _flat(v)] if isinstance(values, list) else [values]


def _close(got, want, rtol, where, atol=1e-12):
    """None when got matches want within rtol, else a sentence saying where they differ (never the answer)."""
    if isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            return f"{where} should be {len(want)} values, got {got.get('type', got) if isinstance(got, dict) else got}"
        return next((p for i, (g, w) in enumerate(zip(got, want)) if (p := _close(g, w, rtol, f"{where}[{i}]", atol))), None)
    if isinstance(want, dict) and "shape" in want:
        if not (isinstance(got, dict) and "shape" in got):
            return f"{where} should be a torch.Tensor, got a {got.get('type') if isinstance(got, dict) else type(got).__name__}"
        if got["shape"] != want["shape"]:
            return f"{where} has shape {tuple(got['shape'])}, expected {tuple(want['shape'])}"
        got_values, want_values = _flat(got["values"]), _flat(want["values"])
        bad = sum(not isclose(g, w, rel_tol=rtol, abs_tol=atol) for g, w in zip(got_values, want_values))
        return f"{where}: {bad} of {len(want_values)} values differ from the reference's" if bad else None
    numbers = isinstance(want, (int, float)) and isinstance(got, (int, float))
    if got == want or (numbers and isclose(got, want, rel_tol=rtol, abs_tol=atol)):
        return None
    return f"{where}: {got!r}, expected {want!r}"


def _canonical(value):
    """A result with its numbers rounded: arrays to 4 significant digits of their largest entry, numbers to 6
    (each first to the 12 digits the build stores, so a result and its stored copy give the same digest)."""
    if isinstance(value, dict) and "values" in value:
        flat = [float(f"{x:.12g}") for x in _flat(value["values"])]
        top = max((abs(x) for x in flat if isfinite(x)), default=0.0)
        step = 10.0 ** (floor(log10(top)) - 3) if top > 0 else 1.0
        return [value["shape"], step, [round(x / step) if isfinite(x) else repr(x) for x in flat]]
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items() if not k.startswith("_")}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    if isinstance(value, float) and not isinstance(value, bool):
        return float(f"{value:.6g}") if isfinite(value) else repr(value)
    return value


def _float32_valued(value):
    """Whether some tensor of a result holds only numbers that float32 can hold exactly, as float32 arithmetic leaves
    them (a result that is merely close to the reference's, from another cause, does not)."""
    if isinstance(value, dict) and "values" in value:
        flat = [x for x in _flat(value["values"]) if isinstance(x, float) and isfinite(x) and x != 0]
        return bool(flat) and all(unpack("f", pack("f", x))[0] == x for x in flat)
    parts = [v for k, v in value.items() if not k.startswith("_")] if isinstance(value, dict) else value
    return isinstance(parts, list) and any(_float32_valued(v) for v in parts)


def fingerprint(value):
    """A short digest of a result that results equal to rounding share: how a known mistake is recognised."""
    text = json.dumps(_canonical(value), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _call(case, env):
    return _numbers(env[case["fn"]](*_decode(case["args"]), **case.get("kwargs", {})))


def _new_tensor(case, env):
    out = env[case["fn"]](tuple(case["shape"]))
    if not isinstance(out, torch.Tensor):
        return {"returns a torch.Tensor": False}
    return {"returns a torch.Tensor": True, "shape": list(out.shape), "dtype": str(out.dtype)}


def _update_run(case, env):
    """An update function run step after step, fed back the param and state it returned (as an optimizer loop
    does): what it returned at each step, by name."""
    fn, names = env[case["fn"]], case["returns"]
    param, state = _tensor(case["param"]), [_tensor(s) for s in case["state"]]
    seen = {}
    for step, grad in enumerate(case["grads"]):
        extra = [case["t0"] + step] if "t0" in case else []
        out = fn(param.clone(), _tensor(grad), *(s.clone() for s in state), *extra, **case.get("hyper", {}))
        when = f" at step {step + 1}" if len(case["grads"]) > 1 else ""
        if not isinstance(out, (tuple, list)) or len(out) != len(names):
            seen[f"what it returned{when}"] = f"{type(out).__name__} of {len(out) if isinstance(out, (tuple, list)) else 1}"
            return seen
        for name, value in zip(names, out):
            seen[f"the {name} it returned{when}"] = _numbers(value)
        if not all(isinstance(v, torch.Tensor) for v in out):
            return seen
        param, *state = (v.detach().to(param.dtype) for v in out)
    return seen


# How each kind of case is observed, and the name a kind needs defined (a "call" case names its function itself).
# An assignment's own public_checks.py, appended to this code in its notebook, adds its kinds to both.
OBSERVERS = {"call": _call, "new_tensor": _new_tensor, "update_run": _update_run}
NEEDS = {}


def observe(case, env):
    """What the code in env does on one public case, as plain data."""
    return OBSERVERS[case["kind"]](case, env)


def _differences(case, seen):
    """Sentences saying where what the code gave differs from the reference's result on the case, first first."""
    rtol, atol, expected = case.get("rtol", 1e-6), case.get("atol", 1e-12), case["expected"]
    if case["kind"] == "call" and "returns" in case and isinstance(expected, list):
        if not isinstance(seen, list) or len(seen) != len(expected):
            return [f"it should return {len(expected)} values ({', '.join(case['returns'])})"]
        named = zip(case["returns"], seen, expected)
        return [p for name, g, w in named if (p := _close(g, w, rtol, f"the {name} it returned", atol))]
    if case["kind"] == "call":
        return [p] if (p := _close(seen, expected, rtol, "the result", atol)) else []
    rtols = case.get("rtols", {})  # a tolerance of its own for the keys that start with a given text

    def tolerance(key):
        return next((r for start, r in rtols.items() if key.startswith(start)), rtol)

    return [p for key, want in expected.items()
            if (p := _close(seen.get(key, "<not seen>"), want, tolerance(key), key, atol))]  # fmt: skip


def _problem(case, env, mistakes):
    name = case.get("fn") or NEEDS.get(case["kind"])
    if name and name not in env:
        return f"{name} is not defined; run the cell that defines it first"
    try:
        seen = observe(case, env)
    except NotImplementedError:
        return "not implemented yet"
    except Exception as exc:  # noqa: BLE001 - a check reports the student's error instead of stopping the notebook
        return f"your code raised {type(exc).__name__}: {exc}"
    differences = _differences(case, seen)
    if not differences:
        return None
    problem = "; ".join(differences[:2])
    why = seen.get("_why") if isinstance(seen, dict) else None
    known = case.get("mistakes", {}).get(fingerprint(seen))
    if known:
        problem += f". This is what happens when {mistakes[known]}"
    elif why:
        problem += f". {why}"
    elif _float32_valued(seen) and not _float32_valued(case["expected"]) and fingerprint(seen) == fingerprint(
        case["expected"]
    ):
        problem += " (it agrees with the reference to about 4 digits, in float32 numbers: is it computed in float32?)"
    return problem


class PublicChecks:
    """The notebook's `grader`: public cases only, with honest wording (hidden tests run at grading).

    `mistakes` holds the text of each known mistake a case recognises (its "mistakes" map a result's fingerprint
    to one of them): the same sentences the grader's feedback uses.
    """

    def __init__(self, cases, mistakes=None):
        self.cases = cases
        self.mistakes = mistakes or {}

    def check(self, question):
        env = inspect.currentframe().f_back.f_globals  # the notebook's variables
        cases = self.cases.get(question)
        if cases is None:
            print(f"There is no question {question!r}; the questions are {', '.join(self.cases)}.")
            return
        with torch.random.fork_rng(devices=[]):  # your code may draw from torch's global generator: put it back after
            problems = [(case["what"], p) for case in cases if (p := _problem(case, env, self.mistakes))]
        passed = len(cases) - len(problems)
        if not problems:
            print(f"[{question}] public checks passed ({passed} of {len(cases)}). Hidden tests run at grading.")
            return
        print(f"[{question}] {passed} of {len(cases)} public checks passed. Hidden tests run at grading.")
        if {problem for _, problem in problems} == {"not implemented yet"}:
            print("  not implemented yet: this part's code still raises NotImplementedError.")
            return
        for what, problem in problems:
            print(f"  failed: {what}: {problem}")
