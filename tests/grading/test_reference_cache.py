"""Reference probe results cached on disk are reused exactly, and a damaged cache is ignored."""

import numpy as np
import pytest

import autograder.probes.optim_reg  # noqa: F401  (registers the probes)
from autograder.grading import implementations, reference_cache
from autograder.grading.implementations import InProcess

PARAMS = {"cases": [{"shapes": [[3, 4], [2]], "lam": 0.5, "dtype": "float64", "seed": 1}]}


@pytest.fixture
def fresh_reference(monkeypatch, tmp_path):
    monkeypatch.setenv("AUTOGRADER_CACHE", str(tmp_path))
    from solutions import optim_reg

    return lambda: InProcess(vars(optim_reg))


def test_a_saved_cache_is_reused_without_recomputing(fresh_reference, monkeypatch):
    first = fresh_reference()
    want = first.probe("l2_battery", **PARAMS)
    reference_cache.save(first, "optim_reg")
    second = fresh_reference()
    reference_cache.load(second, "optim_reg")
    monkeypatch.setattr(implementations, "run_probe", lambda *a: pytest.fail("recomputed a cached result"))
    got = second.probe("l2_battery", **PARAMS)
    assert got.keys() == want.keys()
    np.testing.assert_equal(got, want)


def test_a_damaged_cache_is_ignored(fresh_reference):
    reference_cache.cache_file("optim_reg").parent.mkdir(parents=True, exist_ok=True)
    reference_cache.cache_file("optim_reg").write_bytes(b"not a cache")
    implementation = fresh_reference()
    reference_cache.load(implementation, "optim_reg")
    assert implementation.export() == {}
    assert "cases" in implementation.probe("l2_battery", **PARAMS)
