"""Checks of [augment] (random_shift and add_noise) against the contract, and their known mistakes.

Nothing is compared with the reference's own random draws (any draw order is correct); the probes (../probes/
augment.py) find, per output image, the whole-pixel offset (dy, dx) that turns its input into it, and these checks
judge the offsets and the noise, with fixed seeds and margins of 6 standard errors (a correct implementation fails one
with probability below 2e-9, and no seed is ever redrawn):

- content: every output image is its input moved by some |dy|, |dx| <= max_shift, vacated pixels exactly 0 (inputs are
  in [1, 2), never 0), the dtype kept; max_shift = 0 returns the images unchanged;
- distribution (4,000 and 3,000 images): each value of dy and of dx has frequency 1 / (2 max_shift + 1), each pair
  (dy, dx) 1 / (2 max_shift + 1)**2, and consecutive images share dy as often as independent draws would;
- add_noise: the noise (output - input) has mean 0 and the std asked for, over the whole batch and within each image,
  and the noise of consecutive images is uncorrelated (|correlation| <= 6 / sqrt(pixels));
- generators: the same seed gives the same output, another seed another one, successive calls with one generator
  differ, and generator=None works.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from assignments.norm_sched.probes.augment import images, shift_label
from autograder.grading.api import KnownMistake, Mistake
from autograder.grading.plugin import ProbeCache

Z = 6.0

WRAPS = Mistake("augment.wraps_around", "the images wrap around (torch.roll): what leaves one edge must be dropped "
                "and the vacated pixels filled with 0")  # fmt: skip
OUT_OF_RANGE = Mistake("augment.out_of_range", "offsets go beyond max_shift")
ONE_OFFSET = Mistake("augment.one_offset_per_batch", "one offset is drawn for the whole batch instead of one per image")
SAME_AXES = Mistake("augment.same_offset_both_axes", "one number is drawn for both axes (dy == dx) instead of one per axis")
EXCLUSIVE = Mistake(
    "augment.exclusive_range",
    "offsets are drawn from [-max_shift, max_shift) without +max_shift (torch.randint's upper bound is exclusive: "
    "use max_shift + 1)",
)
NONNEGATIVE = Mistake("augment.nonnegative_offsets", "offsets are drawn from [0, max_shift] only, never negative")
NOT_KEPT = Mistake("augment.dtype_changed", "the output's dtype is not the input's (float64 images came back as float32, "
                   "or the other way round)")  # fmt: skip
VARIANCE = Mistake("augment.noise_variance", "the noise is scaled by std**2 (the variance) instead of std")
MULTIPLICATIVE = Mistake("augment.noise_multiplicative", "the noise is multiplied with the images (images * (1 + std * "
                         "noise)) instead of added to them")  # fmt: skip
UNIFORM = Mistake("augment.noise_uniform", "the noise is uniform in [0, std) (torch.rand) instead of Gaussian with "
                  "standard deviation std (torch.randn)")  # fmt: skip
SAME_PATTERN = Mistake("augment.noise_same_for_every_image", "one noise pattern of one image's shape is drawn and added to "
                      "every image (torch.randn(images.shape[1:])) instead of fresh noise for each image")  # fmt: skip
PER_IMAGE = Mistake("augment.noise_per_image", "one noise value is drawn per image (or per batch) instead of one per pixel")
NOISE_CLIPPED = Mistake("augment.noise_clipped", "the output is clipped to the pixel range [0, 1] (clamp, clip): "
                        "add_noise returns the images plus the noise, unclipped, whatever their range")  # fmt: skip
NOISE_NOT_ADDED = Mistake("augment.noise_not_added", "the noise itself is returned instead of the images plus the noise")
GENERATOR_IGNORED = Mistake("augment.generator_ignored", "the generator argument is not used (the draws come from "
                            "torch's global generator): pass generator=generator to torch.randint / torch.randn")  # fmt: skip


def _fail(message: str, mistake: Mistake | None = None) -> None:
    if mistake is None:
        raise AssertionError(message + ".")
    raise KnownMistake(f"{message}. This is what happens when {mistake.text}.", mistake)


def _kept_dtype(what: str, case: dict[str, Any], dtype: str) -> None:
    if dtype != f"torch.{case['dtype']}":
        _fail(f"{what} returned a tensor of dtype {dtype}; keep the images' dtype", NOT_KEPT)


def _shift_results(student: ProbeCache, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = student.probe("shift_cases", cases=cases)["cases"]
    for case, result in zip(cases, found):
        if "error" in result:
            raise AssertionError(result["error"])
        _kept_dtype(shift_label(case), case, result["dtype"])
    return found


def check_shift_content(student: ProbeCache, cases: list[dict[str, Any]]) -> None:
    """Every output image is its input moved by an in-range whole-pixel offset, vacated pixels 0."""
    for case, result in zip(cases, _shift_results(student, cases)):
        what, s = shift_label(case), case["max_shift"]
        offsets = result["offsets"]
        unmatched = np.isnan(offsets[:, 0])
        n = len(offsets)
        if result["rolled"]:
            _fail(f"{what}: {result['rolled']} of {n} output images are their input moved with wrap-around", WRAPS)
        if unmatched.any():
            _fail(f"{what}: {int(unmatched.sum())} of {n} output images are not their input moved by whole pixels "
                  "within max_shift with the vacated pixels 0")  # fmt: skip
        beyond = (np.abs(offsets) > s).any(axis=1)
        if beyond.any():
            _fail(f"{what}: {int(beyond.sum())} of {n} images were moved by more than max_shift={s}", OUT_OF_RANGE)


def check_identity(student: ProbeCache, cases: list[dict[str, Any]]) -> None:
    """max_shift = 0 returns every image unchanged."""
    for case, result in zip(cases, _shift_results(student, cases)):
        moved = np.isnan(result["offsets"][:, 0]) | (result["offsets"] != 0).any(axis=1)
        if moved.any():
            _fail(f"{shift_label(case)}: {int(moved.sum())} of {len(moved)} images changed; with max_shift=0 every "
                  "image must come back unchanged")  # fmt: skip


def _frequencies(what: str, values: np.ndarray, support: list[Any], p: float) -> None:
    """Each value in support has frequency p within 6 standard errors."""
    n = len(values)
    se = math.sqrt(p * (1 - p) / n)
    for value in support:
        frequency = float(np.mean(values == value)) if values.ndim == 1 else float(np.mean((values == value).all(axis=1)))
        if abs(frequency - p) > Z * se:
            _fail(f"{what}: {value} came up in {frequency:.2%} of {n} images, {abs(frequency - p) / se:.0f} standard "
                  f"errors from the {p:.2%} of a uniform draw")  # fmt: skip


def check_shift_distribution(student: ProbeCache, cases: list[dict[str, Any]]) -> None:
    """Offsets uniform on [-max_shift, max_shift], independent per axis and per image."""
    check_shift_content(student, cases)
    for case, result in zip(cases, _shift_results(student, cases)):
        what, s = shift_label(case), case["max_shift"]
        offsets = result["offsets"].astype(int)
        dy, dx = offsets[:, 0], offsets[:, 1]
        values = list(range(-s, s + 1))
        if (offsets == offsets[0]).all():
            _fail(f"{what}: every image was moved by the same offset", ONE_OFFSET)
        if (dy == dx).all():
            _fail(f"{what}: every image was moved by the same amount down and right (dy == dx)", SAME_AXES)
        if (offsets >= 0).all():
            _fail(f"{what}: no image was moved up or left", NONNEGATIVE)
        if not (offsets == s).any() and (offsets == -s).any():
            _fail(f"{what}: no image was moved by +{s} on either axis", EXCLUSIVE)
        p = 1 / (2 * s + 1)
        _frequencies(f"{what}, dy", dy, values, p)
        _frequencies(f"{what}, dx", dx, values, p)
        _frequencies(f"{what}, (dy, dx)", offsets, [(a, b) for a in values for b in values], p * p)
        _frequencies(f"{what}, dy of one image equal to the next image's", (dy[1:] == dy[:-1]).astype(int), [1], p)


def check_noise(student: ProbeCache, cases: list[dict[str, Any]]) -> None:
    """The noise has mean 0 and the std asked for, over the batch and within each image; dtype and shape kept."""
    found = student.probe("noise_cases", cases=cases)["cases"]
    for case, result in zip(cases, found):
        what = f"add_noise({case['dtype']} images of shape {tuple(case['shape'])} with pixels in [5, 6), std={case['std']})"
        if "error" in result:
            raise AssertionError(result["error"])
        _kept_dtype(what, case, result["dtype"])
        noise, std = result["noise"], case["std"]
        n = noise.size
        if not np.isfinite(noise).all():
            _fail(f"{what}: {int((~np.isfinite(noise)).sum())} of {n} output pixels are NaN or infinite")
        mean, sd = float(noise.mean()), float(noise.std())
        within = float(noise.reshape(noise.shape[0], -1).std(axis=1).mean())
        flat = noise.reshape(noise.shape[0], -1) - mean
        pairs = flat[1:] * flat[:-1]  # independent images: their correlation is 0 within 6 / sqrt(pairs) (normal noise)
        correlation = float(pairs.mean() / max(float(np.square(flat).mean()), 1e-300))
        if abs(correlation) > Z / math.sqrt(pairs.size):
            _fail(f"{what}: the noise of consecutive images has correlation {correlation:.2f}",
                  SAME_PATTERN if correlation > 0.9 else None)
        if abs(mean) > Z * std / math.sqrt(n) or abs(sd - std) > Z * std / math.sqrt(2 * n):
            message = f"{what}: the noise (output - images) has mean {mean:.3g} and std {sd:.3g} over {n} pixels"
            out = noise + images(case["shape"], case["dtype"], case["seed"], low=5.0).astype(np.float64)
            if out.min() >= 0.0 and out.max() <= 1.0:
                _fail(message, NOISE_CLIPPED)
            if abs(mean - 5.5) < 0.1 and abs(sd - math.sqrt(1 / 12 + std**2)) < 0.05:
                _fail(message, NOISE_NOT_ADDED)
            if abs(mean - std / 2) <= 0.05 * std and abs(sd - std / math.sqrt(12)) <= 0.05 * std:
                _fail(message, UNIFORM)
            if abs(sd - std**2) <= 0.05 * std**2 and abs(mean) <= Z * std**2 / math.sqrt(n):
                _fail(message, VARIANCE)
            if sd > 3 * std:
                _fail(message, MULTIPLICATIVE)
            _fail(message + f", expected mean 0 and std {std} (within 6 standard errors)")
        if within < 0.5 * std:
            _fail(f"{what}: within each image the noise has std {within:.3g}", PER_IMAGE)


def check_generator(student: ProbeCache, function: str, seed: int) -> None:
    found = student.probe("generator_use", function=function, seed=seed)
    if "error" in found:
        raise AssertionError(found["error"])
    what = f"{function}(64 float32 images of 8 x 8, ...)"
    if not found["same_seed"]:
        _fail(f"{what}: two generators seeded alike gave different outputs", GENERATOR_IGNORED)
    if not found["other_seed"]:
        _fail(f"{what}: generators with different seeds gave the same output")
    if not found["successive"]:
        _fail(f"{what}: two calls with the same generator gave the same output (is a new generator seeded inside?)")
