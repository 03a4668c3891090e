"""Reference probe results cached on disk are reused exactly, and a damaged cache is ignored."""

import numpy as np
import pytest

from autograder.assignment import load
from autograder.grading import implementations, reference_cache
from autograder.grading.implementations import LocalImplementation

PARAMS = {"cases": [{"shapes": [[3, 4], [2]], "lam": 0.5, "dtype": "float64", "seed": 1}]}
OPTIM_REG = load("optim_reg")


@pytest.fixture
def fresh_reference(monkeypatch, tmp_path):
    monkeypatch.setenv("AUTOGRADER_CACHE", str(tmp_path))
    from solutions import optim_reg

    return lambda: LocalImplementation(vars(optim_reg), OPTIM_REG)


def test_a_saved_cache_is_reused_without_recomputing(fresh_reference, monkeypatch):
    first = fresh_reference()
    want = first.probe("l2_battery", **PARAMS)
    reference_cache.save(first, OPTIM_REG)
    second = fresh_reference()
    reference_cache.load(second, OPTIM_REG)
    monkeypatch.setattr(implementations, "run_probe", lambda *a: pytest.fail("recomputed a cached result"))
    got = second.probe("l2_battery", **PARAMS)
    assert got.result.keys() == want.result.keys()
    np.testing.assert_equal(got.result, want.result)


def test_a_damaged_cache_is_ignored(fresh_reference):
    reference_cache.cache_file(OPTIM_REG).parent.mkdir(parents=True, exist_ok=True)
    reference_cache.cache_file(OPTIM_REG).write_bytes(b"not a cache")
    implementation = fresh_reference()
    reference_cache.load(implementation, OPTIM_REG)
    assert implementation.export() == {}
    assert "cases" in implementation.probe("l2_battery", **PARAMS).result


def test_the_cache_is_named_for_the_assignment_in_a_folder_named_for_no_assignment(monkeypatch, tmp_path):
    monkeypatch.delenv("AUTOGRADER_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    from solutions import optim_reg  # noqa: F401  (the digest reads the imported reference's file)

    path = reference_cache.cache_file(OPTIM_REG)
    assert path.parent == tmp_path / "autograder" and path.name.startswith("optim_reg-reference-")
