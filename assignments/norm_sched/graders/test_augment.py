"""[augment] random_shift(images, max_shift, generator=None) moves each image of (N, H, W) by its own whole-pixel
offsets (dy, dx), drawn uniformly and independently from [-max_shift, max_shift], vacated pixels 0;
add_noise(images, std, generator=None) adds Gaussian noise of standard deviation std. Both keep the dtype and use the
generator they are given. Checks (against the contract, never the reference's own draws) and known mistakes:
mistakes_augment.py.
"""

from assignments.norm_sched.graders.mistakes_augment import (
    check_generator,
    check_identity,
    check_noise,
    check_shift_content,
    check_shift_distribution,
)
from autograder.grading.api import hidden, public

QUESTION = "augment"


def shift_case(shape: list[int], max_shift: int, seed: int, dtype: str = "float32") -> dict:
    return {"shape": shape, "max_shift": max_shift, "seed": seed, "dtype": dtype}


def noise_case(shape: list[int], std: float, seed: int, dtype: str = "float32") -> dict:
    return {"shape": shape, "std": std, "seed": seed, "dtype": dtype}


PUBLIC_SHIFT = [shift_case([16, 8, 8], 2, 901)]
PUBLIC_IDENTITY = [shift_case([8, 8, 8], 0, 902), shift_case([4, 5, 6], 0, 903, "float64")]
PUBLIC_NOISE = [noise_case([64, 8, 8], 0.3, 904)]
SHIFT = [
    shift_case([200, 8, 8], 3, 911, "float64"),
    shift_case([50, 6, 9], 2, 912),
    shift_case([40, 5, 5], 5, 913),  # offsets up to the image's size: some images move out entirely (all 0)
    shift_case([30, 8, 8], 1, 914, "float64"),
    shift_case([20, 5, 5], 7, 915),  # max_shift larger than the image: an offset beyond it leaves the image all 0
]
DISTRIBUTION = [shift_case([4000, 8, 8], 2, 921), shift_case([3000, 10, 7], 3, 922, "float64")]
NOISE = [noise_case([500, 8, 8], 0.1, 931, "float64"), noise_case([200, 16, 16], 2.0, 932), noise_case([300, 4, 4], 0.5, 933)]


@public(2)
def test_shift_public(student):
    """random_shift(16 images of 8 x 8, max_shift=2): each image moved by whole pixels within 2, vacated pixels 0"""
    check_shift_content(student, PUBLIC_SHIFT)


@public(1)
def test_shift_zero_public(student):
    """random_shift with max_shift=0 returns the images unchanged (float32 and float64)"""
    check_identity(student, PUBLIC_IDENTITY)


@public(1)
def test_noise_public(student):
    """add_noise(64 images of 8 x 8, std=0.3): the dtype kept, noise of mean 0 and std 0.3 (within 6 standard errors)"""
    check_noise(student, PUBLIC_NOISE)


@hidden(2)
def test_shift_content(student):
    """random_shift on float32 and float64 batches, non-square images, max_shift from 1 to the image's size"""
    check_shift_content(student, SHIFT)


@hidden(3)
def test_shift_distribution(student):
    """random_shift's offsets are uniform on [-max_shift, max_shift], independent per axis and per image (7,000 images)"""
    check_shift_distribution(student, DISTRIBUTION)


@hidden(2)
def test_noise(student):
    """add_noise: mean 0 and the std asked for (0.1 to 2), over the batch and within each image, dtype kept"""
    check_noise(student, NOISE)


@hidden(1)
def test_generators(student):
    """random_shift and add_noise: the same seeded generator gives the same output, another seed another one"""
    check_generator(student, "random_shift", 941)
    check_generator(student, "add_noise", 942)
