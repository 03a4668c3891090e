"""Tests that share a cached probe result cannot change what another test reads (grading/plugin.py)."""

from __future__ import annotations

import copy
import pickle

import numpy as np

from autograder.grading.plugin import ProbeCache, private_copy
from autograder.probes.run import ProbeOutcome


class _Counted:
    """An implementation whose one probe returns nested containers, arrays and scalars, and counts its runs."""

    cells = None

    def __init__(self) -> None:
        self.runs = 0

    def probe(self, name: str, /, **params) -> ProbeOutcome:
        self.runs += 1
        shared = [1.0, "a"]
        result = {"cases": [{"x": np.arange(6.0).reshape(2, 3), "n": 3, "flags": (True, [2])}], "acc": 0.5,
                  "f": np.asfortranarray(np.ones((2, 3))), "a": shared, "b": shared}  # fmt: skip
        return ProbeOutcome(result)

    def fresh(self) -> None:
        pass


def test_a_test_that_changes_its_result_changes_nothing_another_test_reads():
    implementation = _Counted()
    cache = ProbeCache(implementation)
    first = cache.probe("p", seed=1)
    first["cases"][0]["x"] += 100
    first["cases"][0]["flags"][1].append(3)
    first["a"].append("changed")
    first["acc"] = 2.0
    del first["f"]
    second = cache.probe("p", seed=1)
    assert implementation.runs == 1, "the probe ran once; the second test read the cached result"
    assert pickle.dumps(second) == pickle.dumps(ProbeOutcome(_Counted().probe("p").result).result)


def test_the_copy_is_what_deepcopy_gives():
    value = _Counted().probe("p").result
    value["self"] = [value["cases"]]
    copied, reference = private_copy(value), copy.deepcopy(value)
    assert pickle.dumps(copied) == pickle.dumps(reference)  # same values, types and sharing
    assert copied["a"] is copied["b"] and copied["self"][0] is copied["cases"]
    assert copied["f"].flags.f_contiguous and copied["f"] is not value["f"]
    assert not np.shares_memory(copied["cases"][0]["x"], value["cases"][0]["x"])
