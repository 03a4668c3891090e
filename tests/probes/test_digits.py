"""The probes' digits: read from scikit-learn's bundled CSV, the very arrays load_digits gives (which the grader
does not import), and through load_digits where scikit-learn keeps its data elsewhere."""

import importlib.util

import torch
from sklearn.datasets import load_digits

from autograder.probes.digits import digits


def _expected() -> tuple[torch.Tensor, torch.Tensor]:
    loaded = load_digits()
    return torch.tensor(loaded.data / 16.0, dtype=torch.float32), torch.tensor(loaded.target, dtype=torch.int64)


def test_the_csv_gives_load_digits_arrays_scaled_to_one():
    X, y = digits.__wrapped__()
    expected_X, expected_y = _expected()
    assert X.dtype == torch.float32 and y.dtype == torch.int64 and X.shape == (1797, 64)
    assert torch.equal(X, expected_X) and torch.equal(y, expected_y)
    assert float(X.max()) == 1.0 and float(X.min()) == 0.0


def test_another_layout_falls_back_to_load_digits(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    X, y = digits.__wrapped__()
    expected_X, expected_y = _expected()
    assert torch.equal(X, expected_X) and torch.equal(y, expected_y)
