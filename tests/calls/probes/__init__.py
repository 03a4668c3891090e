"""Probes of the test-only assignment."""

import numpy as np

from autograder.probes import probe
from autograder.probes.proxy import Request, Target, tensor


@probe
def worker_test_call(target: Target, name: str, x: list[float]) -> dict:
    """What name(tensor(x)) returns."""
    request = Request()
    op = request.call(name, tensor(np.asarray(x, dtype=np.float32), "float32"))
    target.run(request)
    return {"out": op.value().array(f"what {name} returned", numbers=True)}


@probe
def forbidden_test_adam(target: Target) -> dict:
    """One call of adam_update (which may use a forbidden library optimizer)."""
    request = Request()
    op = request.call("adam_update", tensor(np.zeros(3), "float32"), tensor(np.ones(3), "float32"),
                      tensor(np.zeros(3), "float32"), tensor(np.zeros(3), "float32"), 1)  # fmt: skip
    target.run(request)
    return {"p": op.value().items("what adam_update returned", 3)[0].array("param")}
