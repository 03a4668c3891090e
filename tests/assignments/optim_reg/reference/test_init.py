"""Oracle tests for the A1 initializers, against the distributions torch.nn.init draws.

Each ``check_*`` is a plain function of an implementation that raises AssertionError with a
message naming the input. Every check must pass on the reference and on torch.nn.init itself,
and each must fail on the mutants below, which reproduce real student mistakes.

Statistics pool at least N_MIN = 2**18 draws per case and allow Z = 6 standard errors:
  SE(mean)            = sigma / sqrt(n)
  SE(std)             = sigma * sqrt((kappa - 1) / (4 n)), kappa = 1.8 (uniform) or 3 (normal)
  SE(excess kurtosis) = sqrt(24 / n)  (normal; the uniform's is sqrt(1152 / 875 / n), smaller)
At n = 2**18 that is +-0.52 % (uniform) or +-0.83 % (normal) on the std and +-0.057 on the
kurtosis, while the mistakes change the std by 11 % or more (factor sqrt(2), sqrt(3), 2, ...)
and the kurtosis by 1.2.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import numpy as np
import pytest
import torch

from solutions import optim_reg as ref
from tests.assignments.optim_reg.reference.checking import call_or_fail, expect_value_error

Shape = tuple[int, ...]
Init = Callable[..., torch.Tensor]

N_MIN = 2**18
Z = 6.0
KAPPA = {"uniform": 1.8, "normal": 3.0}  # kurtosis (not excess) of each family

FAN_SHAPES: list[Shape] = [(10, 20), (256, 1024), (1, 1), (64, 32, 5), (32, 16, 3, 5), (7, 3, 1, 1), (8, 4, 3, 3, 3)]
XAVIER_CASES: list[tuple[Shape, float]] = [
    ((256, 1024), 1.0),
    ((32, 16, 3, 5), 5 / 3),
    ((64, 32, 5), 1.38675),
    ((8, 4, 3, 3, 3), 1.0),
]
HE_CASES: list[tuple[Shape, str]] = [
    ((256, 1024), "fan_in"),
    ((256, 1024), "fan_out"),
    ((32, 16, 3, 5), "fan_in"),
    ((32, 16, 3, 5), "fan_out"),
]


def _torch_fans(shape: Shape) -> tuple[int, int]:
    """torch.nn.init's (fan_in, fan_out) for a weight of this shape."""
    return torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))


def _xavier_std(shape: Shape, gain: float) -> float:
    """Std of the weights torch.nn.init.xavier_*_ draws."""
    fan_in, fan_out = _torch_fans(shape)
    return gain * math.sqrt(2.0 / (fan_in + fan_out))


def _he_std(shape: Shape, mode: str) -> float:
    """Std of the weights torch.nn.init.kaiming_*_(nonlinearity="relu") draws."""
    fan_in, fan_out = _torch_fans(shape)
    return torch.nn.init.calculate_gain("relu") / math.sqrt(fan_in if mode == "fan_in" else fan_out)


def _check_distribution(draw: Callable[..., object], shape: Shape, kind: str, std: float, label: str) -> None:
    """Pool draw(generator=g) until N_MIN values and test mean, std, kurtosis (and bounds) at Z SE."""
    g = torch.Generator().manual_seed(1234)
    chunks: list[np.ndarray] = []
    n = 0
    while n < N_MIN:
        w = call_or_fail(label, draw, generator=g)
        assert isinstance(w, torch.Tensor), f"{label}: returned {type(w).__name__}, not a torch.Tensor"
        assert tuple(w.shape) == shape, f"{label}: returned shape {tuple(w.shape)}"
        chunks.append(w.detach().numpy().astype(np.float64).ravel())
        n += w.numel()
    x = np.concatenate(chunks)
    mean = float(x.mean())
    squares = np.square(x - mean)
    m2 = float(squares.mean())
    sd = math.sqrt(m2)
    excess = float(np.square(squares).mean()) / m2**2 - 3.0 if m2 > 0 else math.nan
    kappa = KAPPA[kind]
    max_abs = float(np.abs(x).max())
    stats = (
        f"n={n}, mean={mean:.4g}, std={sd:.5g} (ratio {sd / std:.4f} to {std:.5g}), "
        f"excess kurtosis={excess:.3f}, max|w|={max_abs:.5g}"
    )
    tol_std = Z * std * math.sqrt((kappa - 1) / (4 * n))
    tol_mean = Z * std / math.sqrt(n)
    tol_kurt = Z * math.sqrt(24 / n)
    assert abs(sd - std) <= tol_std, f"{label}: std should be {std:.5g} +- {tol_std:.2g}; {stats}"
    assert abs(mean) <= tol_mean, f"{label}: mean should be 0 +- {tol_mean:.2g}; {stats}"
    assert abs(excess - (kappa - 3)) <= tol_kurt, (
        f"{label}: excess kurtosis should be {kappa - 3:.1f} +- {tol_kurt:.3f} for a {kind} sample; {stats}"
    )
    if kind == "uniform":
        bound = math.sqrt(3.0) * std
        assert max_abs <= bound * (1 + 1e-6), f"{label}: max |w| exceeds the bound {bound:.6g}; {stats}"
        assert max_abs >= 0.99 * bound, f"{label}: max |w| < 0.99 * bound {bound:.6g}; {stats}"


def check_compute_fans(compute_fans: Callable[[Shape], tuple[int, int]]) -> None:
    """(fan_in, fan_out) equal torch.nn.init's for linear and conv shapes; < 2 dims raise ValueError."""
    for shape in FAN_SHAPES:
        got = call_or_fail(f"compute_fans({shape})", compute_fans, shape)
        expected = _torch_fans(shape)
        assert tuple(got) == expected, f"compute_fans({shape}) = {got}, expected (fan_in, fan_out) = {expected}"
    for shape in [(5,), ()]:
        expect_value_error(f"compute_fans({shape})", compute_fans, shape)


def check_xavier_uniform(xavier_uniform: Init) -> None:
    """U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out)), like torch.nn.init.xavier_uniform_."""
    for shape, gain in XAVIER_CASES:
        draw = functools.partial(xavier_uniform, shape, gain=gain)
        _check_distribution(
            draw, shape, "uniform", _xavier_std(shape, gain), f"xavier_uniform(shape={shape}, gain={gain:.6g})"
        )


def check_xavier_normal(xavier_normal: Init) -> None:
    """N(0, s^2), s = gain * sqrt(2 / (fan_in + fan_out)), like torch.nn.init.xavier_normal_."""
    for shape, gain in XAVIER_CASES:
        draw = functools.partial(xavier_normal, shape, gain=gain)
        _check_distribution(
            draw, shape, "normal", _xavier_std(shape, gain), f"xavier_normal(shape={shape}, gain={gain:.6g})"
        )


def check_he_uniform(he_uniform: Init) -> None:
    """U(-b, b), b = sqrt(6 / fan), like torch.nn.init.kaiming_uniform_(nonlinearity="relu")."""
    for shape, mode in HE_CASES:
        draw = functools.partial(he_uniform, shape, mode=mode)
        _check_distribution(draw, shape, "uniform", _he_std(shape, mode), f"he_uniform(shape={shape}, mode={mode!r})")


def check_he_normal(he_normal: Init) -> None:
    """N(0, s^2), s = sqrt(2 / fan), like torch.nn.init.kaiming_normal_(nonlinearity="relu")."""
    for shape, mode in HE_CASES:
        draw = functools.partial(he_normal, shape, mode=mode)
        _check_distribution(draw, shape, "normal", _he_std(shape, mode), f"he_normal(shape={shape}, mode={mode!r})")


def check_dtype_and_shape(init: Init) -> None:
    """A float32 torch.Tensor of exactly the requested shape."""
    for shape in [(3, 4), (6, 2, 3, 3)]:
        label = f"{getattr(init, '__name__', 'init')}(shape={shape})"
        w = call_or_fail(label, init, shape, generator=torch.Generator().manual_seed(0))
        assert isinstance(w, torch.Tensor), f"{label}: returned {type(w).__name__}, not a torch.Tensor"
        assert w.dtype == torch.float32, f"{label}: dtype {w.dtype}, expected torch.float32"
        assert tuple(w.shape) == shape, f"{label}: shape {tuple(w.shape)}, expected {shape}"


def check_generator(init: Init) -> None:
    """Same generator state gives the same tensor; successive draws (with or without one) differ."""
    shape = (64, 32)
    label = f"{getattr(init, '__name__', 'init')}(shape={shape})"
    g = torch.Generator().manual_seed(7)
    first = call_or_fail(label, init, shape, generator=g)
    again = call_or_fail(label, init, shape, generator=torch.Generator().manual_seed(7))
    assert torch.equal(first, again), f"{label}: two generators seeded 7 gave different tensors"
    second = call_or_fail(label, init, shape, generator=g)
    assert not torch.equal(first, second), f"{label}: two successive draws from one generator are identical"
    a, b = call_or_fail(label, init, shape), call_or_fail(label, init, shape)
    assert not torch.equal(a, b), f"{label}: two successive draws without a generator are identical"


def check_rejects_1d(init: Init) -> None:
    """A shape with fewer than 2 dimensions raises ValueError."""
    expect_value_error(f"{getattr(init, '__name__', 'init')}(shape=(5,))", init, (5,))


def check_bad_mode(he_init: Init) -> None:
    """mode other than "fan_in" / "fan_out" raises ValueError."""
    for mode in ["fan_avg", "in", ""]:
        expect_value_error(f"{getattr(he_init, '__name__', 'he')}((4, 3), mode={mode!r})", he_init, (4, 3), mode=mode)


# --- torch.nn.init wrapped in the assignment's signatures (the checks must accept it too) ---


def torch_xavier_uniform(shape: Shape, gain: float = 1.0, generator: torch.Generator | None = None) -> torch.Tensor:
    """torch.nn.init.xavier_uniform_ on a new tensor."""
    return torch.nn.init.xavier_uniform_(torch.empty(shape), gain=gain, generator=generator)


def torch_xavier_normal(shape: Shape, gain: float = 1.0, generator: torch.Generator | None = None) -> torch.Tensor:
    """torch.nn.init.xavier_normal_ on a new tensor."""
    return torch.nn.init.xavier_normal_(torch.empty(shape), gain=gain, generator=generator)


def torch_he_uniform(shape: Shape, mode: str = "fan_in", generator: torch.Generator | None = None) -> torch.Tensor:
    """torch.nn.init.kaiming_uniform_(nonlinearity="relu") on a new tensor."""
    return torch.nn.init.kaiming_uniform_(torch.empty(shape), mode=mode, nonlinearity="relu", generator=generator)


def torch_he_normal(shape: Shape, mode: str = "fan_in", generator: torch.Generator | None = None) -> torch.Tensor:
    """torch.nn.init.kaiming_normal_(nonlinearity="relu") on a new tensor."""
    return torch.nn.init.kaiming_normal_(torch.empty(shape), mode=mode, nonlinearity="relu", generator=generator)


# --- mutants: real student mistakes ---


def _uniform(shape: Shape, low: float, high: float, generator: torch.Generator | None) -> torch.Tensor:
    """U(low, high) float32 draw."""
    return torch.empty(shape).uniform_(low, high, generator=generator)


def _normal(shape: Shape, std: float, generator: torch.Generator | None) -> torch.Tensor:
    """N(0, std^2) float32 draw."""
    return torch.empty(shape).normal_(0.0, std, generator=generator)


def _pick(fans: tuple[int, int], mode: str) -> int:
    """The fan for mode, ValueError for anything else."""
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(mode)
    return fans[0] if mode == "fan_in" else fans[1]


def fans_swapped(shape: Shape) -> tuple[int, int]:
    """I1: returns (fan_out, fan_in)."""
    fan_in, fan_out = ref.compute_fans(shape)
    return fan_out, fan_in


def fans_no_receptive_field(shape: Shape) -> tuple[int, int]:
    """I2: ignores the kernel dimensions."""
    if len(shape) < 2:
        raise ValueError(shape)
    return shape[1], shape[0]


def fans_numel(shape: Shape) -> tuple[int, int]:
    """I3: fan = number of weights."""
    if len(shape) < 2:
        raise ValueError(shape)
    return math.prod(shape), math.prod(shape)


def fans_accepts_1d(shape: Shape) -> tuple[int, int]:
    """Treats a 1-D shape as (n, n) instead of raising."""
    return (shape[0], shape[0]) if len(shape) == 1 else ref.compute_fans(shape)


def xavier_uniform_from(fans: Callable[[Shape], tuple[int, int]]) -> Init:
    """The correct Xavier-uniform formula on top of a (possibly wrong) compute_fans."""

    def xavier_uniform(shape: Shape, gain: float = 1.0, generator: torch.Generator | None = None) -> torch.Tensor:
        a = gain * math.sqrt(6.0 / sum(fans(shape)))
        return _uniform(shape, -a, a, generator)

    return xavier_uniform


def xavier_normal_from(fans: Callable[[Shape], tuple[int, int]]) -> Init:
    """The correct Xavier-normal formula on top of a (possibly wrong) compute_fans."""

    def xavier_normal(shape: Shape, gain: float = 1.0, generator: torch.Generator | None = None) -> torch.Tensor:
        return _normal(shape, gain * math.sqrt(2.0 / sum(fans(shape))), generator)

    return xavier_normal


def he_uniform_from(fans: Callable[[Shape], tuple[int, int]]) -> Init:
    """The correct He-uniform formula on top of a (possibly wrong) compute_fans."""

    def he_uniform(shape: Shape, mode: str = "fan_in", generator: torch.Generator | None = None) -> torch.Tensor:
        b = math.sqrt(6.0 / _pick(fans(shape), mode))
        return _uniform(shape, -b, b, generator)

    return he_uniform


def he_normal_from(fans: Callable[[Shape], tuple[int, int]]) -> Init:
    """The correct He-normal formula on top of a (possibly wrong) compute_fans."""

    def he_normal(shape: Shape, mode: str = "fan_in", generator: torch.Generator | None = None) -> torch.Tensor:
        return _normal(shape, math.sqrt(2.0 / _pick(fans(shape), mode)), generator)

    return he_normal


def xavier_uniform_std_as_bound(
    shape: Shape, gain: float = 1.0, generator: torch.Generator | None = None
) -> torch.Tensor:
    """I4: a = gain * sqrt(2 / (fan_in + fan_out))."""
    a = gain * math.sqrt(2.0 / sum(ref.compute_fans(shape)))
    return _uniform(shape, -a, a, generator)


def he_uniform_std_as_bound(
    shape: Shape, mode: str = "fan_in", generator: torch.Generator | None = None
) -> torch.Tensor:
    """I4: b = sqrt(2 / fan)."""
    b = math.sqrt(2.0 / _pick(ref.compute_fans(shape), mode))
    return _uniform(shape, -b, b, generator)


def xavier_normal_bound_as_std(
    shape: Shape, gain: float = 1.0, generator: torch.Generator | None = None
) -> torch.Tensor:
    """I5: s = gain * sqrt(6 / (fan_in + fan_out))."""
    return _normal(shape, gain * math.sqrt(6.0 / sum(ref.compute_fans(shape))), generator)


def he_normal_bound_as_std(
    shape: Shape, mode: str = "fan_in", generator: torch.Generator | None = None
) -> torch.Tensor:
    """I5: s = sqrt(6 / fan)."""
    return _normal(shape, math.sqrt(6.0 / _pick(ref.compute_fans(shape), mode)), generator)


def xavier_normal_variance_as_std(
    shape: Shape, gain: float = 1.0, generator: torch.Generator | None = None
) -> torch.Tensor:
    """I6: s = gain * 2 / (fan_in + fan_out)."""
    return _normal(shape, gain * 2.0 / sum(ref.compute_fans(shape)), generator)


def he_normal_variance_as_std(
    shape: Shape, mode: str = "fan_in", generator: torch.Generator | None = None
) -> torch.Tensor:
    """I6: s = 2 / fan."""
    return _normal(shape, 2.0 / _pick(ref.compute_fans(shape), mode), generator)


def xavier_uniform_sqrt_gain(shape: Shape, gain: float = 1.0, generator: torch.Generator | None = None) -> torch.Tensor:
    """I7: gain multiplies the variance, so the bound scales with sqrt(gain)."""
    a = math.sqrt(gain * 6.0 / sum(ref.compute_fans(shape)))
    return _uniform(shape, -a, a, generator)


def xavier_normal_sqrt_gain(shape: Shape, gain: float = 1.0, generator: torch.Generator | None = None) -> torch.Tensor:
    """I7: gain multiplies the variance, so the std scales with sqrt(gain)."""
    return _normal(shape, math.sqrt(gain * 2.0 / sum(ref.compute_fans(shape))), generator)


def xavier_normal_gain_ignored(
    shape: Shape, gain: float = 1.0, generator: torch.Generator | None = None
) -> torch.Tensor:
    """gain is accepted but never used."""
    return _normal(shape, math.sqrt(2.0 / sum(ref.compute_fans(shape))), generator)


def he_normal_xavier(shape: Shape, mode: str = "fan_in", generator: torch.Generator | None = None) -> torch.Tensor:
    """I8: Xavier's sqrt(2 / (fan_in + fan_out)) used for He."""
    _pick(ref.compute_fans(shape), mode)
    return _normal(shape, math.sqrt(2.0 / sum(ref.compute_fans(shape))), generator)


def he_normal_lecun(shape: Shape, mode: str = "fan_in", generator: torch.Generator | None = None) -> torch.Tensor:
    """I8: LeCun's randn / sqrt(fan)."""
    return torch.randn(shape, generator=generator) / math.sqrt(_pick(ref.compute_fans(shape), mode))


def he_uniform_lecun(shape: Shape, mode: str = "fan_in", generator: torch.Generator | None = None) -> torch.Tensor:
    """I8: LeCun's bound sqrt(3 / fan)."""
    b = math.sqrt(3.0 / _pick(ref.compute_fans(shape), mode))
    return _uniform(shape, -b, b, generator)


def xavier_uniform_from_zero(shape: Shape, gain: float = 1.0, generator: torch.Generator | None = None) -> torch.Tensor:
    """I10: U[0, a) instead of U(-a, a)."""
    return _uniform(shape, 0.0, gain * math.sqrt(6.0 / sum(ref.compute_fans(shape))), generator)


def he_uniform_from_zero(shape: Shape, mode: str = "fan_in", generator: torch.Generator | None = None) -> torch.Tensor:
    """I10: torch.rand * b, i.e. U[0, b)."""
    return torch.rand(shape, generator=generator) * math.sqrt(6.0 / _pick(ref.compute_fans(shape), mode))


def he_uniform_mode_ignored(
    shape: Shape, mode: str = "fan_in", generator: torch.Generator | None = None
) -> torch.Tensor:
    """Always uses fan_in."""
    b = math.sqrt(6.0 / ref.compute_fans(shape)[0])
    return _uniform(shape, -b, b, generator)


def he_normal_mode_ignored(
    shape: Shape, mode: str = "fan_in", generator: torch.Generator | None = None
) -> torch.Tensor:
    """Always uses fan_in."""
    return _normal(shape, math.sqrt(2.0 / ref.compute_fans(shape)[0]), generator)


def he_normal_lenient_mode(
    shape: Shape, mode: str = "fan_in", generator: torch.Generator | None = None
) -> torch.Tensor:
    """Any mode other than "fan_out" silently means fan_in."""
    fan_in, fan_out = ref.compute_fans(shape)
    return _normal(shape, math.sqrt(2.0 / (fan_out if mode == "fan_out" else fan_in)), generator)


def xavier_normal_as_uniform(shape: Shape, gain: float = 1.0, generator: torch.Generator | None = None) -> torch.Tensor:
    """Right std, wrong family: uniform instead of normal."""
    a = gain * math.sqrt(6.0 / sum(ref.compute_fans(shape)))
    return _uniform(shape, -a, a, generator)


def he_uniform_as_normal(shape: Shape, mode: str = "fan_in", generator: torch.Generator | None = None) -> torch.Tensor:
    """Right std, wrong family: normal instead of uniform."""
    return _normal(shape, math.sqrt(2.0 / _pick(ref.compute_fans(shape), mode)), generator)


def xavier_uniform_global_rng(
    shape: Shape, gain: float = 1.0, generator: torch.Generator | None = None
) -> torch.Tensor:
    """generator is ignored: draws from the global RNG."""
    a = gain * math.sqrt(6.0 / sum(ref.compute_fans(shape)))
    return _uniform(shape, -a, a, None)


def he_uniform_reseeds(shape: Shape, mode: str = "fan_in", generator: torch.Generator | None = None) -> torch.Tensor:
    """Calls torch.manual_seed(0) inside, so every call without a generator is the same."""
    torch.manual_seed(0)
    return ref.he_uniform(shape, mode=mode, generator=generator)


def he_normal_numpy(shape: Shape, mode: str = "fan_in", generator: torch.Generator | None = None) -> torch.Tensor:
    """Draws with numpy: float64 and the generator is ignored."""
    std = math.sqrt(2.0 / _pick(ref.compute_fans(shape), mode))
    return torch.from_numpy(np.random.default_rng().normal(0.0, std, size=shape))


def xavier_normal_transposed(shape: Shape, gain: float = 1.0, generator: torch.Generator | None = None) -> torch.Tensor:
    """Returns the (in, out) layout instead of the requested shape."""
    return ref.xavier_normal(tuple(reversed(shape)), gain=gain, generator=generator)


REFERENCE_CASES = [
    pytest.param(check_compute_fans, ref.compute_fans, id="compute_fans"),
    *[
        pytest.param(check, impl, id=f"{check.__name__}-{source}-{impl.__name__}")
        for source, impls in [
            ("ref", (ref.xavier_uniform, ref.xavier_normal, ref.he_uniform, ref.he_normal)),
            ("torch", (torch_xavier_uniform, torch_xavier_normal, torch_he_uniform, torch_he_normal)),
        ]
        for check, impl in [
            (check_xavier_uniform, impls[0]),
            (check_xavier_normal, impls[1]),
            (check_he_uniform, impls[2]),
            (check_he_normal, impls[3]),
            *[(c, f) for f in impls for c in (check_dtype_and_shape, check_generator, check_rejects_1d)],
            (check_bad_mode, impls[2]),
            (check_bad_mode, impls[3]),
        ]
    ],
]

MUTANTS = [
    pytest.param(check_compute_fans, fans_swapped, id="I1-fans-swapped-compute_fans"),
    pytest.param(check_he_normal, he_normal_from(fans_swapped), id="I1-fans-swapped-he_normal"),
    pytest.param(check_compute_fans, fans_no_receptive_field, id="I2-no-receptive-field-compute_fans"),
    pytest.param(check_he_uniform, he_uniform_from(fans_no_receptive_field), id="I2-no-receptive-field-he_uniform"),
    pytest.param(
        check_xavier_normal, xavier_normal_from(fans_no_receptive_field), id="I2-no-receptive-field-xavier_normal"
    ),
    pytest.param(check_compute_fans, fans_numel, id="I3-fan-numel-compute_fans"),
    pytest.param(check_xavier_uniform, xavier_uniform_from(fans_numel), id="I3-fan-numel-xavier_uniform"),
    pytest.param(check_compute_fans, fans_accepts_1d, id="fans-accept-1d"),
    pytest.param(check_rejects_1d, he_normal_from(fans_accepts_1d), id="he_normal-accepts-1d"),
    pytest.param(check_xavier_uniform, xavier_uniform_std_as_bound, id="I4-std-as-bound-xavier_uniform"),
    pytest.param(check_he_uniform, he_uniform_std_as_bound, id="I4-std-as-bound-he_uniform"),
    pytest.param(check_xavier_normal, xavier_normal_bound_as_std, id="I5-bound-as-std-xavier_normal"),
    pytest.param(check_he_normal, he_normal_bound_as_std, id="I5-bound-as-std-he_normal"),
    pytest.param(check_xavier_normal, xavier_normal_variance_as_std, id="I6-variance-as-std-xavier_normal"),
    pytest.param(check_he_normal, he_normal_variance_as_std, id="I6-variance-as-std-he_normal"),
    pytest.param(check_xavier_uniform, xavier_uniform_sqrt_gain, id="I7-sqrt-gain-xavier_uniform"),
    pytest.param(check_xavier_normal, xavier_normal_sqrt_gain, id="I7-sqrt-gain-xavier_normal"),
    pytest.param(check_xavier_normal, xavier_normal_gain_ignored, id="gain-ignored-xavier_normal"),
    pytest.param(check_he_normal, he_normal_xavier, id="I8-xavier-for-he-he_normal"),
    pytest.param(check_he_normal, he_normal_lecun, id="I8-lecun-he_normal"),
    pytest.param(check_he_uniform, he_uniform_lecun, id="I8-lecun-he_uniform"),
    pytest.param(check_xavier_uniform, xavier_uniform_from_zero, id="I10-from-zero-xavier_uniform"),
    pytest.param(check_he_uniform, he_uniform_from_zero, id="I10-from-zero-he_uniform"),
    pytest.param(check_he_uniform, he_uniform_mode_ignored, id="mode-ignored-he_uniform"),
    pytest.param(check_he_normal, he_normal_mode_ignored, id="mode-ignored-he_normal"),
    pytest.param(check_bad_mode, he_normal_lenient_mode, id="bad-mode-accepted-he_normal"),
    pytest.param(check_xavier_normal, xavier_normal_as_uniform, id="uniform-for-normal-xavier_normal"),
    pytest.param(check_he_uniform, he_uniform_as_normal, id="normal-for-uniform-he_uniform"),
    pytest.param(check_generator, xavier_uniform_global_rng, id="generator-ignored-xavier_uniform"),
    pytest.param(check_generator, he_uniform_reseeds, id="reseeds-global-rng-he_uniform"),
    pytest.param(check_dtype_and_shape, he_normal_numpy, id="numpy-float64-he_normal"),
    pytest.param(check_generator, he_normal_numpy, id="numpy-generator-ignored-he_normal"),
    pytest.param(check_dtype_and_shape, xavier_normal_transposed, id="transposed-shape-xavier_normal"),
]


@pytest.mark.parametrize(("check", "impl"), REFERENCE_CASES)
def test_reference_passes(check: Callable[[Callable[..., object]], None], impl: Callable[..., object]) -> None:
    """The reference and torch.nn.init satisfy every check."""
    check(impl)


@pytest.mark.parametrize(("check", "impl"), MUTANTS)
def test_mutant_is_caught(check: Callable[[Callable[..., object]], None], impl: Callable[..., object]) -> None:
    """Each student mistake fails the check aimed at it."""
    with pytest.raises(AssertionError):
        check(impl)
