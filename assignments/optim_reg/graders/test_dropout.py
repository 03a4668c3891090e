"""Hidden graders of [dropout]: dropout_forward, dropout_backward and the Dropout module (SPEC A7).

Four probe calls per submission (../probes/dropout.py), each cached across the tests below:
``dropout_forward_battery`` for the public tests (their own inputs) and for the hidden ones (training statistics
and every special case), ``dropout_backward_battery`` and ``dropout_module_battery``. Every statistic is computed
in the grader from the outputs themselves. Inputs are uniform in [9, 11) (never 0), so out == 0 exactly where an element was dropped.

Nothing is compared with the reference's seeded mask: every correct recipe (bernoulli, rand < 1 - p, rand >= p,
rand > p, bool or 0/1 float mask, x * m / (1 - p) or x * (m / (1 - p)), x itself or a copy in eval mode) draws a
different mask. Instead, against SPEC's formulas:

- dropped fraction: p within 6 SE, SE = sqrt(p (1 - p) / n). n = 2**18 gives +-0.0047 at p = 0.2 and +-0.0054 at
  p = 0.7, while keep/drop confusion moves it by 0.6 and 0.4;
- kept values: out / x = 1 / (1 - p) to rtol 1e-5 (float32) or 1e-6 (float64); the float32 rounding of the
  recipes differs by ~1e-7;
- mean(out) = mean(x) within 6 SE, SE = sqrt(p / (1 - p) * sum(x**2)) / n;
- independence: no row or column of a 500 x 500 mask at p = 0.5 is all dropped (probability < 1e-147 when
  independent) and no 32 x 32 plane of a (16, 16, 32, 32) input at p = 0.7 (< 1e-155);
- backward and the module's autograd gradient: grad * mask / (1 - p) for the forward's own mask, rtol 1e-5.

SPEC Part A lets a function update its tensor arguments in place, so changing x in place is not penalised by
itself; it costs points only where it breaks something SPEC asks for, such as the module's autograd gradient.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograder.grading.api import hidden, public

QUESTION = "dropout"

Z = 6.0
STATS = [
    {"p": 0.2, "shape": [512, 512], "dtype": "float32"},
    {"p": 0.7, "shape": [16, 16, 32, 32], "dtype": "float32"},
    {"p": 0.5, "shape": [500, 500], "dtype": "float32"},
    {"p": 0.2, "shape": [256, 256], "dtype": "float64"},
    {"p": 0.7, "shape": [256, 256], "dtype": "float64"},
    {"p": 0.3, "shape": [1000], "dtype": "float64"},
]
PUBLIC_STATS = [{"p": 0.3, "shape": [64, 32], "dtype": "float32"}, {"p": 0.6, "shape": [4, 3, 8, 8], "dtype": "float64"}]
PUBLIC_SEED = 1000  # public tests send their own inputs, never a hidden test's
BACKWARD_PS = [0.2, 0.5, 0.7, 1.0]
BACKWARD_SHAPE = [256, 128]


def _forward(impl: Any) -> dict[str, Any]:
    return impl.probe("dropout_forward_battery", stats=STATS, seed=0, parts=["stats", "p_one", "bad_p", "seeded"])


def _public_forward(impl: Any, part: str) -> dict[str, Any]:
    stats = PUBLIC_STATS if part == "stats" else []
    return impl.probe("dropout_forward_battery", stats=stats, seed=PUBLIC_SEED, parts=[part])


def _backward(impl: Any) -> list[dict[str, Any]]:
    return impl.probe("dropout_backward_battery", ps=BACKWARD_PS, shape=BACKWARD_SHAPE, seed=0)["cases"]


def _module(impl: Any) -> dict[str, Any]:
    return impl.probe("dropout_module_battery", seed=0)


def _shape(shape: Any) -> str:
    return str(tuple(shape))


def _failed(case: dict[str, Any]) -> None:
    if "error" in case:
        raise AssertionError(case["error"])


# --- shared checks ------------------------------------------------------------------------------------------


def check_rate(what: str, p: float, n: int, dropped: int, module: bool = False) -> None:
    """The dropped fraction is p within 6 SE = 6 sqrt(p (1 - p) / n)."""
    frac = dropped / n
    se = math.sqrt(p * (1 - p) / n)
    if abs(frac - p) <= Z * se:
        return
    message = f"{what}: the fraction of dropped entries is {abs(frac - p) / se:.0f} standard errors away from p (n={n})"
    if abs((1 - frac) - p) <= Z * se:
        message += "; about p of the entries were KEPT: p is the drop probability, not the keep probability"
    elif dropped == 0:
        message += "; nothing was dropped"
    elif dropped == n:
        message += "; everything was dropped"
    elif module and abs(frac - 0.5) <= Z * math.sqrt(0.25 / n):
        message += "; about half were dropped: is p ignored (hard-coded 0.5)?"
    raise AssertionError(message)


def check_scale(what: str, p: float, dtype: str, case: dict[str, Any]) -> None:
    """Every kept out / x equals 1 / (1 - p)."""
    if "ratio_min" not in case:
        raise AssertionError(f"{what}: every entry was dropped")
    scale = 1.0 / (1.0 - p)
    rtol = 1e-5 if dtype == "float32" else 1e-6
    lo, hi, mid = case["ratio_min"] / scale, case["ratio_max"] / scale, case["ratio_mean"]
    if abs(lo - 1) <= rtol and abs(hi - 1) <= rtol:
        return
    message = f"{what}: the kept entries of out are not x / (1 - p) (out / x is off by up to {max(abs(lo - 1), abs(hi - 1)):.2g} relative)"
    if abs(mid - 1) <= 1e-4:
        message += "; they are not scaled at all: inverted dropout divides the kept entries by 1 - p"
    elif abs(mid - 1 / p) <= 1e-4 / p:
        message += "; they are divided by p instead of by 1 - p (the keep probability is 1 - p)"
    elif abs(mid - (1 - p)) <= 1e-4:
        message += "; they are multiplied by 1 - p instead of divided by it"
    elif abs(mid - p) <= 1e-4:
        message += "; they are multiplied by p instead of divided by 1 - p"
    raise AssertionError(message)


def _forward_label(case: dict[str, Any]) -> str:
    return f"dropout_forward(x of shape {_shape(case['shape'])}, {case['dtype']}, p={case['p']})"


def check_shapes(case: dict[str, Any], what: str) -> None:
    if not case["shapes_ok"]:
        raise AssertionError(
            f"{what}: out has shape {_shape(case['out_shape'])} and mask {_shape(case['mask_shape'])}; "
            "both must have x's shape"
        )
    if not case["mask_binary"]:
        raise AssertionError(
            f"{what}: mask has values other than 0 and 1 (a bool or 0/1 mask is expected; scale out, not the mask)"
        )


def check_mask_matches(case: dict[str, Any], what: str) -> None:
    if case["nan"]:
        raise AssertionError(f"{what}: out contains {case['nan']} NaN values")
    if case["mask_mismatch"]:
        message = f"{what}: the mask is not True exactly where the entry was kept ({case['mask_mismatch']} entries disagree with out != 0)"
        if case["mask_mismatch"] == case.get("n"):
            message += "; the mask seems inverted: SPEC's mask has True = kept"
        raise AssertionError(message)


# --- dropout_forward ----------------------------------------------------------------------------------------


def check_drops(student: Any) -> None:
    """Shapes and an all-True mask are what returning x itself gives too: they count only when training-mode calls
    do drop entries (the public inputs)."""
    for case in _public_forward(student, "stats")["stats"]:
        what = _forward_label(case)
        _failed(case)
        check_shapes(case, what)
        if not case["dropped"]:
            raise AssertionError(f"{what}: nothing was dropped; in training mode each entry is dropped with probability p")


@public(1)
def test_forward_shapes(student):
    """dropout_forward returns (out, mask) with x's shape and a bool or 0/1 mask, and drops entries in training mode"""
    check_drops(student)


@public(1)
def test_forward_identity(student):
    """With training=False, or p=0, dropout_forward returns x unchanged and an all-True mask"""
    for case in _public_forward(student, "identity")["identity"]:
        what = f"dropout_forward(x of shape (64, 32), {case['dtype']}, p={case['p']}, training={case['training']})"
        _failed(case)
        check_shapes(case, what)
        if not case["equal"]:
            hint = (
                "; dropout must be off when training is False"
                if not case["training"]
                else "; with p=0 nothing is dropped and the scale 1/(1-p) is 1"
            )
            raise AssertionError(f"{what}: out differs from x in {case['changed']} entries{hint}")
        if not case["mask_all_true"]:
            raise AssertionError(f"{what}: the mask is not all True")
    check_drops(student)


@public(2)
def test_forward_public_statistics(student):
    """On the notebook's public inputs: each entry dropped with probability p, kept ones x / (1 - p), mask = kept"""
    for case in _public_forward(student, "stats")["stats"]:
        what = _forward_label(case)
        _failed(case)
        check_shapes(case, what)
        check_rate(what, case["p"], case["n"], case["dropped"])
        check_mask_matches(case, what)
        check_scale(what, case["p"], case["dtype"], case)


@hidden(2)
def test_forward_keep_rate(student):
    """Each entry is dropped with probability p (p = 0.2, 0.3, 0.5, 0.7), and the mask marks the kept ones"""
    for case in _forward(student)["stats"]:
        what = _forward_label(case)
        _failed(case)
        check_shapes(case, what)
        check_rate(what, case["p"], case["n"], case["dropped"])
        check_mask_matches(case, what)


@hidden(2)
def test_forward_inverted_scaling(student):
    """Kept entries are x / (1 - p) and mean(out) matches mean(x) (float32 and float64)"""
    for case in _forward(student)["stats"]:
        what = _forward_label(case)
        _failed(case)
        check_shapes(case, what)
        check_scale(what, case["p"], case["dtype"], case)
        p, n = case["p"], case["n"]
        se = math.sqrt(p / (1 - p) * case["sum_x2"]) / n  # SE of mean(out) around mean(x)
        if abs(case["mean_out"] - case["mean_x"]) > Z * se:
            raise AssertionError(
                f"{what}: mean(out) is {abs(case['mean_out'] - case['mean_x']) / se:.0f} standard "
                "errors away from mean(x); inverted dropout keeps the mean"
            )


@hidden(1)
def test_forward_p_one(student):
    """p = 1 drops everything: out is all zeros, never NaN, and the mask all False"""
    for case in _forward(student)["p_one"]:
        what = f"dropout_forward(x of shape (128, 64), {case['dtype']}, p=1)"
        _failed(case)
        check_shapes(case, what)
        if case["nonfinite"]:
            raise AssertionError(
                f"{what}: out has {case['nonfinite']} NaN or infinite values; 1 / (1 - p) divides "
                "by zero at p = 1, so p = 1 must return zeros directly"
            )
        if case["nonzero"]:
            raise AssertionError(f"{what}: {case['nonzero']} entries of out are not 0")
        if case["mask_any_kept"]:
            raise AssertionError(f"{what}: the mask keeps some entries")


@hidden(0.5)
def test_forward_rejects_bad_p(student):
    """dropout_forward raises ValueError for p outside [0, 1]"""
    for case in _forward(student)["bad_p"]:
        if not case["value_error"]:
            did = f"raised {case['message'] or case['raised']}" if case["raised"] else "returned normally"
            raise AssertionError(
                f"dropout_forward(x of shape (8, 8), p={case['p']}) {did}; p outside [0, 1] must raise ValueError"
            )


@hidden(1)
def test_forward_independence_and_generator(student):
    """Entries are dropped independently, the same generator state gives the same mask, new draws differ"""
    results = _forward(student)
    for case in results["stats"]:
        what = _forward_label(case)
        _failed(case)
        check_shapes(case, what)
        lines = [
            (case.get("rows_all_dropped", 0), "rows"),
            (case.get("cols_all_dropped", 0), "columns"),
            (case.get("planes_all_dropped", 0), "(sample, channel) planes"),
        ]
        for count, kind in lines:
            if count:
                raise AssertionError(
                    f"{what}: {count} whole {kind} were dropped together; every entry must be "
                    "kept or dropped independently (is one mask broadcast over a dimension?)"
                )
    seeded = results["seeded"]
    what = "dropout_forward(x of shape (128, 128), float32, p=0.5)"
    _failed(seeded)
    if not seeded["same_seed_equal"]:
        raise AssertionError(
            f"{what}: two generators seeded alike gave different masks; draw with the generator "
            "argument (e.g. torch.rand(x.shape, generator=generator))"
        )
    if not seeded["successive_differ"]:
        raise AssertionError(f"{what}: two successive draws from one generator gave the same mask")
    if not seeded["unseeded_differ"]:
        raise AssertionError(
            f"{what}: two calls without a generator gave the same mask (is the seed reset inside the function?)"
        )


# --- dropout_backward ---------------------------------------------------------------------------------------


@hidden(2)
def test_backward(student):
    """dropout_backward(grad, mask, p) = grad·mask/(1-p) for the forward's own mask (zeros at p = 1)"""
    for case in _backward(student):
        p = case["p"]
        what = f"dropout_backward(grad of shape {_shape(BACKWARD_SHAPE)}, mask from dropout_forward, p={p})"
        _failed(case)
        kept = np.asarray(case["kept"], dtype=bool)
        grad = np.asarray(case["grad"], dtype=np.float64)
        got = np.asarray(case["grad_in"])
        if got.shape != grad.shape:
            raise AssertionError(f"{what}: returned shape {_shape(got.shape)}, expected {_shape(grad.shape)}")
        got = got.astype(np.float64)
        if np.isnan(got).any() or np.isinf(got).any():
            hint = "; at p = 1 the gradient is all zeros (1 / (1 - p) divides by zero)" if p == 1 else ""
            raise AssertionError(f"{what}: the result contains NaN or infinite values{hint}")
        want = np.where(kept, grad / (1 - p) if p < 1 else 0.0, 0.0)
        tol = 1e-5 * np.abs(want) + 1e-6 * float(np.abs(grad).max()) / max(1 - p, 1e-3)
        bad = np.abs(got - want) > tol
        if bad.any():
            message = f"{what}: {int(bad.sum())} of {bad.size} entries differ from grad·mask/(1-p)"
            if ((got != 0) & ~kept).any():
                message += (
                    "; the gradient is nonzero where the forward pass dropped: use the mask argument "
                    "(a new random mask in backward does not match the forward's)"
                )
            elif p < 1 and np.allclose(got, np.where(kept, grad, 0.0), rtol=1e-5, atol=1e-6):
                message += "; it is grad·mask: the 1/(1-p) scale of the forward pass is missing"
            elif p < 1 and np.allclose(got, np.where(kept, grad / p, 0.0), rtol=1e-5, atol=1e-6):
                message += "; it is divided by p instead of 1 - p"
            raise AssertionError(message)


# --- Dropout module -----------------------------------------------------------------------------------------


@hidden(1)
def test_module_training(student):
    """A new Dropout(p) is in training mode, drops at rate p (0.5 by default), scales kept entries by 1/(1-p), a fresh mask each call"""
    for case in _module(student)["train"]:
        p = case["args"][0] if case["args"] else 0.5
        what = (
            f"Dropout({', '.join(map(str, case['args']))}) on x of shape {_shape(case['shape'])}, {case['dtype']}"
        )
        _failed(case)
        if not case["training_flag"]:
            raise AssertionError(f"{what}: a new module is not in training mode (call super().__init__())")
        if case["out_shape"] != case["shape"]:
            raise AssertionError(f"{what}: returned shape {_shape(case['out_shape'])}")
        if case["nan"]:
            raise AssertionError(f"{what}: the output contains NaN")
        check_rate(what, p, case["n"], case["dropped"], module=True)
        check_scale(what, p, case["dtype"], case)
        if case["same_mask"]:
            raise AssertionError(
                f"{what}: a second call of the same module dropped exactly the same entries; draw a fresh mask at "
                "every call (a mask kept from the first call is not dropout)"
            )


@hidden(1)
def test_module_eval(student):
    """After .eval() Dropout is the identity; .train() turns dropout back on"""
    result = _module(student)["eval"]
    _failed(result)
    for case in result["eval"]:
        if not case["equal"]:
            raise AssertionError(
                f"Dropout(0.5).eval() on x of shape {_shape(case['shape'])}, {case['dtype']}: the "
                f"output differs from x ({case['changed']} entries); check self.training in "
                "forward"
            )
    if not result["train_again_dropped"]:
        raise AssertionError(
            "Dropout(0.5).eval().train() on x of shape (64, 32): nothing was dropped after .train()"
        )


@hidden(1.5)
def test_module_autograd(student):
    """Autograd through Dropout(p) gives grad·mask/(1-p) for the mask it used (p = 0.2, 0.7, 1)"""
    for case in _module(student)["grad"]:
        p = case["p"]
        what = f"Dropout({p}) backward on x of shape (8, 4, 16, 16), {case['dtype']}"
        _failed(case)
        if not case["connected"] or case.get("grad_none"):
            if p == 1:
                continue  # all zeros without a graph is the right gradient too
            raise AssertionError(
                f"{what}: the output is not connected to x in the autograd graph (x.grad is None); "
                "compute it from x with tensor operations, without .detach(), .data or "
                "torch.tensor(...)"
            )
        if "backward_error" in case:
            raise AssertionError(case["backward_error"])
        kept = np.asarray(case["kept"], dtype=bool)
        g = np.asarray(case["g"], dtype=np.float64)
        got = np.asarray(case["x_grad"], dtype=np.float64)
        want = np.where(kept, g / (1 - p) if p < 1 else 0.0, 0.0)
        if got.shape != want.shape:
            raise AssertionError(f"{what}: x.grad has shape {_shape(got.shape)}, expected x's shape")
        if not np.isfinite(got).all():
            hint = " (at p = 1, 1/(1-p) divides by zero: return zeros)" if p == 1 else ""
            raise AssertionError(f"{what}: x.grad contains NaN or infinite values{hint}")
        tol = 1e-5 * np.abs(want) + 1e-6 * float(np.abs(g).max()) / max(1 - p, 1e-3)
        bad = np.abs(got - want) > tol
        if bad.any():
            message = f"{what}: {int(bad.sum())} of {bad.size} entries of x.grad differ from grad·mask/(1-p)"
            if ((got != 0) & ~kept).any():
                message += "; the gradient is nonzero where the output was dropped (a different mask in backward?)"
            elif p < 1 and np.allclose(got, np.where(kept, g, 0.0), rtol=1e-5, atol=1e-6):
                message += "; it is grad·mask: the 1/(1-p) scale is missing from the backward pass"
            elif p < 1 and np.allclose(got, np.where(kept, g / p, 0.0), rtol=1e-5, atol=1e-6):
                message += "; it is grad·mask/p: the kept entries are divided by p instead of 1 - p"
            raise AssertionError(message)


# --- inputs only the notebook's grader.check("dropout") sends (no hidden test uses them) ---------------------------

PUBLIC_MODULE = {"p": 0.4, "shape": [64, 48], "dtype": "float32"}
PUBLIC_BACKWARD = {"p": 0.3, "shape": [6, 5], "dtype": "float64"}  # its mask drawn from PUBLIC_SEED + 80
