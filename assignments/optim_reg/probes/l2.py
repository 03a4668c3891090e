"""The probe of [l2]: l2_penalty on parameters the grader made, with autograd run through the value it returns.

Every parameter's values are the grader's: drawn here and sent as tensors, or, for model.parameters(), written into
a model in the worker (set_state) before the call. The expected value is computed from those, never from what the
worker reports.
"""

from typing import Any

import numpy as np
import torch

from assignments.optim_reg.probes.cases import case, failed
from autograder.probes import probe
from autograder.probes.proxy import Op, Request, Target, list_of, one_shot, params_of, tensor

_MODEL = [["Linear", 7, 5], ["ReLU"], ["Linear", 5, 2]]
_MODEL_SHAPES = {"0.weight": [5, 7], "0.bias": [5], "2.weight": [2, 5], "2.bias": [2]}  # model.parameters() order


def _params(shapes: list[list[int]], dtype: str, seed: int) -> list[np.ndarray]:
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(tuple(s), dtype=getattr(torch, dtype), generator=g).numpy() for s in shapes]


@probe
def l2_battery(target: Target, cases: list[dict[str, Any]]) -> dict[str, Any]:
    """Each case {"shapes", "lam", "dtype", "seed", "container"} ("list", "generator" or "model") is run once.

    Returns the parameters' values (before the call), the returned value, its type/shape/dtype, and each
    parameter's gradient after ``value.backward()`` (None when it got none).
    """
    request = Request()
    planned = []
    for number, spec in enumerate(cases):
        container = spec.get("container", "list")
        if container == "model":
            before = _params(list(_MODEL_SHAPES.values()), spec["dtype"], spec["seed"])
            request.model(f"m{number}", _MODEL, seed=spec["seed"], dtype=spec["dtype"])
            request.set_state(f"m{number}", dict(zip(_MODEL_SHAPES, before)))
            argument: Any = params_of(f"m{number}")
        else:
            before = _params(spec["shapes"], spec["dtype"], spec["seed"])
            tensors = [tensor(w, spec["dtype"], requires_grad=True) for w in before]
            argument = list_of(*tensors) if container == "list" else one_shot(*tensors)
        call = request.call("l2_penalty", argument, spec["lam"], seed=spec["seed"], backward={})
        planned.append((spec, before, call))
    target.run(request)
    return {"cases": [{**spec, **(failed(call, "l2_penalty") or case("l2_penalty", lambda b=before, c=call: _read(b, c)))}
                      for spec, before, call in planned]}  # fmt: skip


def _read(params: list[np.ndarray], call: Op) -> dict[str, Any]:
    value = call.value()
    info: dict[str, Any] = {
        "params": [np.array(w, copy=True) for w in params],
        "type": value.type,
        "is_tensor": value.is_tensor,
        "value_shape": list(value.shape) if value.is_tensor else None,
        "value_dtype": value.dtype if value.kind in ("tensor", "ndarray") else value.type,
    }
    array = value.array("the value l2_penalty returned", numbers=True)
    info["value"] = float(array.astype(np.float64).sum()) if array.size == 1 else None
    info["size"] = int(array.size)
    backward = call.backward()
    if "problem" in backward:
        problem = backward["problem"]
        raised = backward.get("error", "").replace("your code raised ", "", 1)
        info["backward"] = f"l2_penalty(...).backward() raised {raised}" if problem == "raised" else problem
        return info
    info["backward"] = "ok"
    info["grads"] = [None if g is None else g.astype(np.float64) for g in backward["grads"]]
    return info
