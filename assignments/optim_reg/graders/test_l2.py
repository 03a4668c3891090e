"""Hidden graders of [l2]: l2_penalty(params, lam) = lam / 2 * sum(||w||^2), differentiable (SPEC A6).

Two probe calls per submission (``l2_battery`` in ../probes/l2.py), one with the public case, one with the hidden
ones: the probe returns the parameters the grader made and passed, the value and the gradients autograd gave them;
the expected value (float64 numpy) and gradient lam * w are computed here. Tolerances: rtol 1e-5 on the value and on the gradient,
for float32 and float64 parameters alike (SPEC does not fix the result's dtype, so a float32 result for float64
parameters is accepted as long as it is that accurate). The 0-dim shape SPEC asks for is checked by the public test;
the hidden tests accept any one-element tensor.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.grading.api import KnownMistake, Mistake, hidden, public

QUESTION = "l2"

RTOL = 1e-5
SHAPES = [[64, 32], [32], [4, 3, 5, 5], []]
CASES: list[dict[str, Any]] = [
    {"name": "small", "shapes": [[2, 2], [3]], "lam": 0.1, "dtype": "float32", "seed": 1, "container": "list"},
    *[
        {"name": f"value{i}", "shapes": SHAPES, "lam": lam, "dtype": "float32", "seed": 10 + i, "container": "list"}
        for i, lam in enumerate((0.0123, 0.5, 3.0))
    ],
    {"name": "generator", "shapes": SHAPES, "lam": 0.5, "dtype": "float32", "seed": 20, "container": "generator"},
    {"name": "model", "shapes": [], "lam": 0.1, "dtype": "float32", "seed": 21, "container": "model"},
    {"name": "float64", "shapes": SHAPES, "lam": 0.3, "dtype": "float64", "seed": 22, "container": "list"},
]


PUBLIC = ("small",)  # public tests send their own cases, never a hidden test's


def _results(impl: Any, names: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    public = set(names) <= set(PUBLIC)
    cases = impl.probe("l2_battery", cases=[c for c in CASES if (c["name"] in PUBLIC) == public])["cases"]
    return {case["name"]: case for case in cases}


def describe(case: dict[str, Any]) -> str:
    if case["container"] == "model":
        return f"l2_penalty(Sequential(Linear(7, 5), ReLU(), Linear(5, 2)).parameters(), lam={case['lam']})"
    kind = "a list" if case["container"] == "list" else "a generator"
    shapes = ", ".join(str(tuple(s)) for s in case["shapes"])
    return f"l2_penalty({kind} of {case['dtype']} tensors of shapes {shapes}, lam={case['lam']})"


ITERATED_TWICE = Mistake(
    "l2.params_iterated_twice",
    "the value is 0 when params is a generator (as model.parameters() is) although it is right for a list: params is "
    "gone through twice (len(list(params)), or a first loop), and a generator is empty the second time; go through "
    "it once, or make a list of it first",
)


def mistaken_values(params: list[np.ndarray], lam: float) -> list[tuple[Mistake, float]]:
    """(mistake, value that mistake gives) for the usual mistakes, in the order tried."""
    sq = [float(np.square(w).sum()) for w in params]
    total = sum(sq)
    candidates = [
        ("l2.missing_half", "the value is twice lam/2·Σ‖w‖²: the factor 1/2 is missing (autograd then gives 2·lam·w)",
         lam * total),
        ("l2.norm_not_squared", "the value is lam/2 times the square root of Σ‖w‖² (the norm, not the squared norm)",
         lam / 2 * total**0.5),
        ("l2.sum_of_norms", "the value is lam/2 times the sum of the norms ‖w‖ instead of the squared norms",
         lam / 2 * sum(s**0.5 for s in sq)),
        ("l2.mean_of_squares", "the value uses the mean of the squares of each tensor instead of their sum",
         lam / 2 * sum(float(np.square(w).mean()) if w.size else 0.0 for w in params)),
        ("l2.l1_penalty", "the value is lam/2 times the sum of absolute values (an L1 penalty)",
         lam / 2 * sum(float(np.abs(w).sum()) for w in params)),
        ("l2.lam_missing", "lam is missing from the value", total / 2),
        ("l2.only_matrices", "only the tensors with 2 or more dimensions (the weight matrices) were added up; the "
         "contract's sum runs over every tensor of params, biases and scalars included",
         lam / 2 * sum(s for s, w in zip(sq, params) if w.ndim > 1)),
        ("l2.first_tensor_only", "only the first tensor of params was added up (a return inside the loop?)",
         lam / 2 * sq[0] if sq else 0.0),
        ("l2.last_tensor_only", "only the last tensor of params counts (is the total overwritten in the loop?)",
         lam / 2 * sq[-1] if sq else 0.0),
    ]  # fmt: skip
    return [(Mistake(mistake_id, text), value) for mistake_id, text, value in candidates]


def check_value(impl: Any, names: tuple[str, ...], zero_dim: bool) -> None:
    results = _results(impl, names)
    for name in names:
        case = results[name]
        what = describe(case)
        if "error" in case:
            raise AssertionError(case["error"])
        if not case["is_tensor"]:
            raise AssertionError(
                f"{what} returned a {case['type']}, expected a 0-dim torch.Tensor (a python number "
                "cannot be differentiated by autograd)"
            )
        if case["size"] != 1 or (zero_dim and case["value_shape"] != []):
            raise AssertionError(
                f"{what} returned a tensor of shape {tuple(case['value_shape'] or ())}, expected a "
                "0-dim tensor (one number)"
            )
        params = [np.asarray(w, dtype=np.float64) for w in case["params"]]
        want = case["lam"] / 2 * sum(float(np.square(w).sum()) for w in params)
        got = case["value"]
        if not abs(got - want) <= RTOL * abs(want):
            message = f"{what}: the value differs from lam/2·Σ‖w‖² (relative error {abs(got - want) / abs(want):.2g})"
            if case["container"] != "list" and got == 0:
                raise KnownMistake(f"{message}; {ITERATED_TWICE.text}", ITERATED_TWICE)
            found = [mistake for mistake, wrong in mistaken_values(params, case["lam"])
                     if abs(wrong - want) > 1e-3 * abs(want) and abs(got - wrong) <= 1e-4 * abs(wrong)]  # fmt: skip
            if len(found) == 1:
                raise KnownMistake(f"{message}; {found[0].text}", found[0])
            if found:  # this case cannot tell them apart: say so, and name none
                raise AssertionError(f"{message}; either {' or '.join(m.text for m in found)}")
            raise AssertionError(message)


def check_gradient(impl: Any, names: tuple[str, ...]) -> None:
    results = _results(impl, names)
    for name in names:
        case = results[name]
        what = describe(case)
        if "error" in case:
            raise AssertionError(case["error"])
        state = case.get("backward")
        if state == "not a tensor":
            raise AssertionError(
                f"{what} returned a {case['type']}, which autograd cannot differentiate; return the "
                "tensor expression itself"
            )
        if state == "no grad":
            raise AssertionError(
                f"{what} returned a tensor that does not require grad: it is not connected to the "
                "parameters (torch.tensor(...), .item(), .detach() or torch.no_grad() break the "
                "graph)"
            )
        if state != "ok":
            raise AssertionError(str(state))
        lam = case["lam"]
        for w, grad in zip(case["params"], case["grads"]):
            shape = tuple(np.shape(w))
            if grad is None:
                raise AssertionError(
                    f"{what}.backward(): the tensor of shape {shape} got no gradient (was it left out of the sum?)"
                )
            w = np.asarray(w, dtype=np.float64)
            grad = np.asarray(grad, dtype=np.float64)
            want = lam * w
            scale = float(np.abs(want).max()) if want.size else 0.0
            if grad.shape != want.shape or not np.all(np.abs(grad - want) <= RTOL * np.abs(want) + 1e-6 * scale):
                message = (
                    f"{what}.backward(): the gradient of the tensor of shape {shape} is not lam·w "
                    f"({int((np.abs(grad - want) > RTOL * np.abs(want) + 1e-6 * scale).sum())} of {want.size} "
                    "entries differ)"
                )
                if want.size and np.allclose(grad, 2 * want, rtol=1e-4, atol=1e-6 * scale):
                    message += "; it is 2·lam·w: the factor 1/2 of lam/2·Σ‖w‖² is missing"
                raise AssertionError(message)


VALUE_CASES = ("value0", "value1", "value2")


@public(2)
def test_small_value(student):
    """l2_penalty returns the 0-dim tensor lam/2·Σ‖w‖² for a list of a 2x2 and a 3-element tensor"""
    check_value(student, ("small",), True)


@public(1)
def test_small_gradient(student):
    """Autograd through l2_penalty gives lam·w for the 2x2 and 3-element tensors of the public case"""
    check_gradient(student, ("small",))


@hidden(1)
def test_value(student):
    """The value is lam/2·Σ‖w‖² for tensors of shapes (64, 32), (32,), (4, 3, 5, 5), () and three lams"""
    check_value(student, VALUE_CASES, False)


@hidden(1)
def test_gradient(student):
    """Autograd through l2_penalty gives lam·w for every parameter"""
    check_gradient(student, VALUE_CASES)


@hidden(1)
def test_generators_models_and_float64(student):
    """l2_penalty works on a generator, on model.parameters() and on float64 tensors (value and gradient)"""
    names = ("generator", "model", "float64")
    check_value(student, names, False)
    check_gradient(student, names)
