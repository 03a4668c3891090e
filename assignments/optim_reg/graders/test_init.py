"""Hidden graders of [init]: compute_fans, xavier_uniform, xavier_normal, he_uniform, he_normal (SPEC A1).

Four probe calls per submission (../probes/init.py): ``init_basics`` for the public tests (their own shapes and
seed) and for the hidden ones (fans, errors, generator behaviour), and ``init_stats`` twice (Xavier cases, He
cases), cached across the tests below. Every statistic is computed in the grader from the draws themselves.

The distributions are tested against SPEC's formulas, computed here from the shape, gain and mode, never against a
seeded tensor of the reference (different correct sampling recipes give different tensors). Every case pools at
least N = 2**18 draws; margins are Z = 6 standard errors:

    SE(mean)            = s / sqrt(n)                           -> 6 SE = 1.2 % of s
    SE(std)             = s * sqrt((kappa - 1) / (4 n))         -> 6 SE = 0.52 % (uniform, kappa 1.8), 0.83 % (normal)
    SE(excess kurtosis) <= sqrt(24 / n)                         -> 6 SE = 0.057 (normal; the uniform's is smaller)

while the mistakes change the std by 11 % or more (Xavier used for He on (256, 1024)), the mean by 87 % of s
(rand * a) and the kurtosis by 1.2 (uniform vs normal). Uniform bounds: max |w| <= a (1 + 1e-5) (float32
rounding of a), and max |w| >= 0.99 a, which a correct sampler misses with probability 0.99**n < 1e-70.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from autograder.grading.api import KnownMistake, Mistake, hidden, public

QUESTION = "init"

Z = 6.0
N_MIN = 2**18
KAPPA = {"uniform": 1.8, "normal": 3.0}
XAVIER_CASES = [((256, 1024), 1.0), ((32, 16, 3, 5), 5 / 3), ((64, 32, 5), 1.38675)]
# mode None: called without mode, whose default is "fan_in" (last: a wrong fan is reported on the explicit modes first)
HE_CASES = [((256, 1024), "fan_in"), ((256, 1024), "fan_out"), ((32, 16, 3, 5), "fan_in"), ((32, 16, 3, 5), "fan_out"),
            ((512, 128), None)]  # fmt: skip
FAMILY = {"xavier_uniform": "uniform", "xavier_normal": "normal", "he_uniform": "uniform", "he_normal": "normal"}


# --- probes, cached per submission -----------------------------------------------------------------------------


FAN_PUBLIC = [(10, 20), (32, 16, 3, 5)]
FAN_HIDDEN = [(256, 1024), (1, 1), (64, 32, 5), (7, 3, 1, 1), (8, 4, 3, 3, 3)]
PUBLIC_SEED = 1000  # public tests send their own inputs, never a hidden test's


def _basics(impl: Any) -> dict[str, Any]:
    return impl.probe("init_basics", fan_shapes=[list(s) for s in FAN_HIDDEN], seed=0,
                      parts=["fans", "errors", "generator"])  # fmt: skip


def _public_basics(impl: Any) -> dict[str, Any]:
    return impl.probe("init_basics", fan_shapes=[list(s) for s in FAN_PUBLIC], seed=PUBLIC_SEED, parts=["fans", "returns"])


def _cases(fns: tuple[str, ...]) -> list[dict[str, Any]]:
    cases = []
    for fn in fns:
        if fn.startswith("xavier"):
            cases += [{"fn": fn, "shape": list(s), "kwargs": {"gain": g}} for s, g in XAVIER_CASES]
        else:
            cases += [{"fn": fn, "shape": list(s), "kwargs": {"mode": m} if m else {}} for s, m in HE_CASES]
    return cases


def _public_draws(impl: Any) -> list[dict[str, Any]]:
    return impl.probe("init_stats", cases=PUBLIC_DRAWS, n_min=PUBLIC_N_MIN, seed=PUBLIC_DRAW_SEED)["cases"]


def _stats(impl: Any, fn: str) -> list[dict[str, Any]]:
    fns = ("xavier_uniform", "xavier_normal") if fn.startswith("xavier") else ("he_uniform", "he_normal")
    result = impl.probe("init_stats", cases=_cases(fns), n_min=N_MIN, seed=0)
    return [case for case in result["cases"] if case["fn"] == fn]


# --- SPEC's formulas ------------------------------------------------------------------------------------------


def fans(shape: tuple[int, ...]) -> tuple[int, int]:
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def label(fn: str, shape: Any, kwargs: dict[str, Any]) -> str:
    args = "".join(f", {k}={v:.6g}" if isinstance(v, float) else f", {k}={v!r}" for k, v in kwargs.items())
    return f"{fn}(shape={tuple(shape)}{args})"


def expected_std(fn: str, shape: tuple[int, ...], kwargs: dict[str, Any]) -> float:
    fan_in, fan_out = fans(shape)
    if fn.startswith("xavier"):
        return kwargs.get("gain", 1.0) * math.sqrt(2.0 / (fan_in + fan_out))
    return math.sqrt(2.0 / (fan_in if kwargs.get("mode", "fan_in") == "fan_in" else fan_out))


@dataclass(frozen=True)
class _Shape:
    """What the std a mistaken formula gives can depend on, for one initializer call."""

    fan_in: int
    fan_out: int
    in_channels: int  # shape[1], without the receptive field
    out_channels: int  # shape[0]
    numel: int
    gain: float
    fan: int  # the fan the mode picks (He)
    other: int  # the other fan (He)
    std: float  # SPEC's std
    to_std: float  # a uniform U(-b, b) has std b / sqrt(3)


# Known mistakes (catalogue §4.6): (mistake id, description, when it applies, the std it gives). When applies to
# every call, "conv" only to conv weights, "gain" to gains other than 1, the others to that family or mode.
XAVIER_MISTAKES = [
    ("init.xavier_no_receptive_field",
     "the receptive field (product of the kernel sizes) is missing from fan_in and fan_out",
     "conv", lambda c: c.gain * math.sqrt(2.0 / (c.out_channels + c.in_channels))),
    ("init.xavier_fans_are_numel",
     "fan_in and fan_out were both taken as the number of all weights (the product of every dimension), not in/out "
     "channels times the receptive field",
     "always", lambda c: c.gain * math.sqrt(1.0 / c.numel)),
    ("init.xavier_std_as_bound",
     "the std formula gain·sqrt(2/(fan_in+fan_out)) was used as the uniform bound a (a is sqrt(3) times the std: "
     "a = gain·sqrt(6/(fan_in+fan_out)))",
     "uniform", lambda c: c.std / math.sqrt(3)),
    ("init.xavier_variance_as_bound", "the variance 6/(fan_in+fan_out) was used where its square root belongs",
     "uniform", lambda c: c.gain * 6.0 / (c.fan_in + c.fan_out) * c.to_std),
    ("init.xavier_bound_as_std",
     "the uniform bound gain·sqrt(6/(fan_in+fan_out)) was used as the normal's std (it is sqrt(3) times too large)",
     "normal", lambda c: c.std * math.sqrt(3)),
    ("init.xavier_variance_as_std", "the variance 2/(fan_in+fan_out) was used as the std (the square root is missing)",
     "normal", lambda c: c.gain * 2.0 / (c.fan_in + c.fan_out)),
    ("init.xavier_gain_on_variance",
     "the gain is applied to the variance instead of the std (the std is off by sqrt(gain))",
     "gain", lambda c: c.std / math.sqrt(c.gain)),
    ("init.xavier_gain_twice", "the gain is applied twice (squared)", "gain", lambda c: c.std * c.gain),
    ("init.xavier_gain_ignored", "the gain is ignored", "gain", lambda c: c.std / c.gain),
]  # fmt: skip
HE_MISTAKES = [
    ("init.he_default_fan_out",
     "called without mode, the std matches fan_out: the default of mode must be \"fan_in\"",
     "default", lambda c: math.sqrt(2.0 / c.fan_out)),
    ("init.he_fans_swapped",
     "the std matches fan_out although mode='fan_in': fan_in and fan_out are swapped (a PyTorch weight is (out, in, "
     "*kernel), so fan_in comes from shape[1])",
     "fan_in", lambda c: math.sqrt(2.0 / c.other)),
    ("init.he_mode_ignored",
     "with mode='fan_out' the std matches fan_in: the mode argument seems to be ignored (or fan_in and fan_out are "
     "swapped)",
     "fan_out", lambda c: math.sqrt(2.0 / c.other)),
    ("init.he_no_receptive_field", "the receptive field (product of the kernel sizes) is missing from the fan",
     "conv", lambda c: math.sqrt(2.0 / (c.in_channels if c.fan == c.fan_in else c.out_channels))),
    ("init.he_fan_is_numel", "the fan was taken as the number of all weights (the product of every dimension)",
     "always", lambda c: math.sqrt(2.0 / c.numel)),
    ("init.he_xavier_formula", "the std matches Xavier's gain·sqrt(2/(fan_in+fan_out)); He init uses sqrt(2/fan)",
     "always", lambda c: math.sqrt(2.0 / (c.fan_in + c.fan_out))),
    ("init.he_lecun", "the factor 2 is missing: sqrt(1/fan) is LeCun's init, He's is sqrt(2/fan)",
     "always", lambda c: math.sqrt(1.0 / c.fan)),
    ("init.he_std_as_bound",
     "the std formula sqrt(2/fan) was used as the uniform bound b (b = sqrt(6/fan) is sqrt(3) times the std)",
     "uniform", lambda c: c.std / math.sqrt(3)),
    ("init.he_linear_default",
     "the bound 1/sqrt(fan_in) of nn.Linear's default init (kaiming_uniform_ with a=sqrt(5)) was used; that is not "
     "He init",
     "uniform", lambda c: 1 / math.sqrt(3 * c.fan_in)),
    ("init.he_variance_as_bound", "the variance 6/fan was used as the bound (the square root is missing)",
     "uniform", lambda c: 6.0 / c.fan * c.to_std),
    ("init.he_bound_as_std",
     "the uniform bound sqrt(6/fan) was used as the normal's std (it is sqrt(3) times too large)",
     "normal", lambda c: c.std * math.sqrt(3)),
    ("init.he_variance_as_std", "the variance 2/fan was used as the std (the square root is missing)",
     "normal", lambda c: 2.0 / c.fan),
]  # fmt: skip


def mistaken_stds(fn: str, shape: tuple[int, ...], kwargs: dict[str, Any]) -> list[tuple[Mistake, float]]:
    """(mistake, std that mistake gives) for the known mistakes that apply to this call, in the order tried."""
    fan_in, fan_out = fans(shape)
    mode, gain = kwargs.get("mode", "fan_in"), kwargs.get("gain", 1.0)
    fan, other = (fan_in, fan_out) if mode == "fan_in" else (fan_out, fan_in)
    family = FAMILY[fn]
    c = _Shape(fan_in, fan_out, shape[1], shape[0], math.prod(shape), gain, fan, other,
               expected_std(fn, shape, kwargs), 1 / math.sqrt(3) if family == "uniform" else 1.0)  # fmt: skip
    holds = {"always": True, "conv": len(shape) > 2, "gain": abs(gain - 1) > 0.05, family: True,
             "default": fn.startswith("he") and "mode" not in kwargs}  # fmt: skip
    if fn.startswith("he"):
        holds[mode] = True
    table = XAVIER_MISTAKES if fn.startswith("xavier") else HE_MISTAKES
    return [(Mistake(i, text), std(c)) for i, text, when, std in table if holds.get(when, False)]


# --- checks (each raises AssertionError with a sentence) ------------------------------------------------------


def check_distribution(case: dict[str, Any]) -> None:
    fn, shape, kwargs = case["fn"], tuple(case["shape"]), case["kwargs"]
    what = label(fn, shape, kwargs)
    if "error" in case:
        raise AssertionError(case["error"])
    if tuple(case.get("got_shape") or ()) != shape or "n" not in case:
        raise AssertionError(
            f"{what}: returned a tensor of shape {tuple(case.get('got_shape') or ())}, expected {shape}"
        )
    if case["n"] == 0:
        raise AssertionError(f"{what}: returned an empty tensor")
    if not case["finite"]:
        raise AssertionError(f"{what}: some of the values are NaN or infinite")
    family = FAMILY[fn]
    s = expected_std(fn, shape, kwargs)
    n, mean, sd, excess = case["n"], case["mean"], case["std"], case["excess_kurtosis"]
    drawn = f"(n = {n} draws)"

    # mean: 0 within 6 SE = 6 s / sqrt(n) (s the larger of SPEC's std and the sample's, so that a wrong std is
    # reported as such, not as a shifted mean)
    se_mean = max(s, sd) / math.sqrt(n)
    if abs(mean) > Z * se_mean:
        z = abs(mean) / se_mean
        hint = ""
        if case["min"] >= 0:
            hint = ": every value is >= 0, so the draw looks like rand() * a, i.e. U(0, a) instead of U(-a, a)"
        elif case["max"] <= 0:
            hint = ": every value is <= 0"
        raise AssertionError(f"{what}: the sample mean is {z:.0f} standard errors away from 0 {drawn}{hint}")

    # std: s within 6 SE = 6 s sqrt((kappa - 1) / (4 n))
    tol_std = Z * s * math.sqrt((KAPPA[family] - 1) / (4 * n))
    if abs(sd - s) > tol_std:
        ratio = sd / s
        size = f"{ratio:.3g} times larger" if ratio > 1 else f"{1 / ratio:.3g} times smaller" if ratio > 0 else "zero"
        message = (
            f"{what}: the sample std is {size} than SPEC's formula gives "
            f"{drawn}; allowed relative error {tol_std / s:.2%}"
        )
        for mistake, wrong in mistaken_stds(fn, shape, kwargs):  # named when its std is within the same 6 SE
            if abs(wrong / s - 1) > 0.05 and abs(sd / wrong - 1) <= tol_std / s:
                raise KnownMistake(f"{message}. Likely cause: {mistake.text}", mistake)
        raise AssertionError(message)

    # excess kurtosis: -1.2 (uniform) or 0 (normal) within 6 sqrt(24 / n)
    want = KAPPA[family] - 3.0
    tol_kurt = Z * math.sqrt(24.0 / n)
    if not abs(excess - want) <= tol_kurt:
        other = "normal" if family == "uniform" else "uniform"
        looks = ""
        if abs(excess - (KAPPA[other] - 3.0)) <= tol_kurt:
            looks = f"; the sample looks {other}ly distributed"
        raise AssertionError(
            f"{what}: the std is right but the shape of the distribution is not {family} (excess kurtosis "
            f"{abs(excess - want) / math.sqrt(24.0 / n):.0f} standard errors off){looks} {drawn}"
        )

    if family == "uniform":
        bound = math.sqrt(3.0) * s
        if case["max_abs"] > bound * (1 + 1e-5):
            raise AssertionError(
                f"{what}: some values lie outside [-a, a] (max |w| is {case['max_abs'] / bound:.4g} "
                f"times the bound a) {drawn}"
            )
        if case["max_abs"] < 0.99 * bound:
            raise AssertionError(
                f"{what}: no value comes within 1% of the bound a (max |w| is "
                f"{case['max_abs'] / bound:.4g} times a) {drawn}"
            )


def check_family(impl: Any, fn: str) -> None:
    for case in _stats(impl, fn):
        check_distribution(case)


def check_fans(impl: Any, public_shapes: bool) -> None:
    basics = _public_basics(impl) if public_shapes else _basics(impl)
    for case in basics["fans"]:
        shape = tuple(case["shape"])
        what = f"compute_fans({shape})"
        if "error" in case:
            raise AssertionError(case["error"])
        got = tuple(case["value"])
        want = fans(shape)
        if got != tuple(float(v) for v in want):
            shown = tuple(int(v) if float(v).is_integer() else v for v in got)
            hint = ""
            if got == tuple(float(v) for v in want[::-1]) and want[0] != want[1]:
                hint = (
                    ": fan_in and fan_out are swapped (a PyTorch weight is (out_features, in_features, *kernel), "
                    "so fan_in comes from shape[1])"
                )
            elif len(shape) > 2 and got in {(float(shape[1]), float(shape[0])), (float(shape[0]), float(shape[1]))}:
                hint = ": the receptive field (product of the kernel sizes) must multiply both fans"
            elif got == (float(math.prod(shape)),) * 2:
                hint = ": both fans equal the number of weights; fan_in is in_channels times the receptive field"
            raise AssertionError(
                f"{what} returned {shown}, which is not (fan_in, fan_out) for this weight layout{hint}"
            )
    if not public_shapes:
        for case in basics["fans_errors"]:
            if not case["value_error"]:
                what = f"compute_fans({tuple(case['shape'])})"
                did = f"raised {case['message'] or case['raised']}" if case["raised"] else "returned normally"
                raise AssertionError(f"{what} {did}; a shape with fewer than 2 dimensions must raise ValueError")


# --- tests ----------------------------------------------------------------------------------------------------


@public(1)
def test_compute_fans_linear_and_conv(student):
    """compute_fans gives (fan_in, fan_out) for a linear (10, 20) and a conv (32, 16, 3, 5) weight"""
    check_fans(student, True)


@public(1)
def test_initializers_return_float32_tensors(student):
    """The four initializers return new float32 tensors of the requested shape"""
    for case in _public_basics(student)["returns"]:
        what = f"{case['fn']}(shape={tuple(case['shape'])})"
        if "error" in case:
            raise AssertionError(case["error"])
        if not case["is_tensor"]:
            raise AssertionError(f"{what} returned a {case['type']}, expected a torch.Tensor")
        if tuple(case.get("got_shape") or ()) != tuple(case["shape"]):
            raise AssertionError(f"{what} returned a tensor of shape {tuple(case.get('got_shape') or ())}")
        if case["dtype"] != "torch.float32":
            raise AssertionError(f"{what} returned a tensor of dtype {case['dtype']}, expected torch.float32")
    for case in _public_draws(student):  # a tensor of zeros has the right type and shape too: it must be drawn
        if case.get("std") == 0:
            raise AssertionError(
                f"{label(case['fn'], case['shape'], case['kwargs'])} returned the same value everywhere "
                f"({case['mean']:g}): an initializer draws random values"
            )


@public(3)
def test_public_draws(student):
    """The initializers with their default gain and mode (and xavier_normal's gain 5/3) draw the contract's distribution"""
    for case in _public_draws(student):
        check_distribution(case)


@hidden(1)
def test_compute_fans_more_shapes(student):
    """compute_fans on more shapes (1x1, 3-D, 4-D with 1x1 kernels, 5-D) and ValueError below 2 dims"""
    check_fans(student, False)


@hidden(1)
def test_initializer_errors(student):
    """The initializers raise ValueError for a 1-D shape, and He init for a mode other than fan_in/fan_out"""
    basics = _basics(student)
    for case in basics["init_errors"]:
        if not case["value_error"]:
            did = f"raised {case['message'] or case['raised']}" if case["raised"] else "returned normally"
            raise AssertionError(
                f"{case['fn']}(shape=(5,)) {did}; a shape with fewer than 2 dimensions must raise ValueError"
            )
    for case in basics["mode_errors"]:
        if not case["value_error"]:
            did = f"raised {case['message'] or case['raised']}" if case["raised"] else "returned normally"
            raise AssertionError(
                f"{case['fn']}((4, 3), mode={case['mode']!r}) {did}; a mode other than "
                "'fan_in' or 'fan_out' must raise ValueError"
            )


@hidden(1)
def test_generator(student):
    """Same generator state gives the same tensor; successive draws differ"""
    for case in _basics(student)["generator"]:
        what = f"{case['fn']}(shape=(64, 32))"
        if "error" in case:
            raise AssertionError(case["error"])
        if not case["same_seed_equal"]:
            raise AssertionError(
                f"{what}: two generators seeded alike gave different tensors; draw with the "
                "generator argument (e.g. tensor.uniform_(-a, a, generator=generator))"
            )
        if not case["successive_differ"]:
            raise AssertionError(
                f"{what}: two successive draws from the same generator gave the same tensor "
                "(is a generator re-seeded inside the function?)"
            )
        if not case["unseeded_differ"]:
            raise AssertionError(
                f"{what}: two calls without a generator gave the same tensor (is the random "
                "seed reset inside the function?)"
            )


@hidden(1)
def test_xavier_uniform_distribution(student):
    """xavier_uniform draws U(-a, a), a = gain·sqrt(6/(fan_in+fan_out)): mean, std, shape and bounds (gains 1, 5/3, 1.39)"""
    check_family(student, "xavier_uniform")


@hidden(1)
def test_xavier_normal_distribution(student):
    """xavier_normal draws N(0, s²), s = gain·sqrt(2/(fan_in+fan_out)): mean, std and shape (gains 1, 5/3, 1.39)"""
    check_family(student, "xavier_normal")


@hidden(1)
def test_he_uniform_distribution(student):
    """he_uniform draws U(-b, b), b = sqrt(6/fan), for linear and conv weights in both modes"""
    check_family(student, "he_uniform")


@hidden(1)
def test_he_normal_distribution(student):
    """he_normal draws N(0, s²), s = sqrt(2/fan), for linear and conv weights in both modes"""
    check_family(student, "he_normal")


# --- public inputs: what the notebook's grader.check("init") draws (seeds no hidden test uses) ---------------------

# Default gain and mode on purpose: a default of mode="fan_out" or a gain that is not 1 shows. Each case pools
# ceil(PUBLIC_N_MIN / numel) calls with one generator seeded PUBLIC_DRAW_SEED + 1000 * i + 1 (init_stats' recipe).
PUBLIC_DRAWS = [
    {"fn": "xavier_uniform", "shape": [64, 16, 3, 3], "kwargs": {}},
    {"fn": "xavier_normal", "shape": [40, 100], "kwargs": {"gain": 5 / 3}},
    {"fn": "he_uniform", "shape": [50, 200], "kwargs": {}},
    {"fn": "he_normal", "shape": [24, 16, 3, 3], "kwargs": {}},
]
PUBLIC_DRAW_SEED = 1500
PUBLIC_N_MIN = 2**15
