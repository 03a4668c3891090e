"""What a call's result looks like to the grader: an ndarray's dtype is read from the array itself."""

from __future__ import annotations

import numpy as np

from autograder.worker.calls import observe


class _Lying(np.ndarray):
    @property
    def dtype(self):  # student code: must never decide what the grader is told
        return np.dtype("float32")


def test_an_ndarray_reports_its_own_dtype_whatever_its_class_claims():
    facts = observe(np.zeros(3, dtype=np.float64).view(_Lying))
    assert facts["dtype"] == "float64"
    assert facts["value"].dtype == np.float64


def test_dtype_names_are_numpy_own_names():
    codes = np.typecodes["AllInteger"] + np.typecodes["AllFloat"] + "?"
    for dtype in [np.dtype(code) for code in codes] + [np.dtype(">f4"), np.dtype("<i2")]:
        assert observe(np.zeros(2, dtype=dtype))["dtype"] == str(dtype)
