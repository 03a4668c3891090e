"""Probes of the test-only assignment."""

import torch

from autograder.probes import Namespace, probe
from autograder.probes.convert import to_array


@probe
def worker_test_call(ns: Namespace, name: str, x: list[float]) -> dict:
    """What ns[name](tensor(x)) returns."""
    return {"out": to_array(ns[name](torch.tensor(x)), name)}


@probe
def forbidden_test_adam(ns: Namespace) -> dict:
    """One call of ns["adam_update"] (which may use a forbidden library optimizer)."""
    p = torch.zeros(3)
    out = ns["adam_update"](p.clone(), torch.ones(3), torch.zeros(3), torch.zeros(3), 1)
    return {"p": to_array(out[0], "param")}
