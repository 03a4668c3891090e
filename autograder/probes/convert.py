"""Turn whatever student code returned into plain numpy data, inside the worker.

Returned objects may be tensor subclasses, arrays with overridden comparisons, or anything else; only
their numbers leave the worker, as fresh base-class ndarrays.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch


class ProbeError(Exception):
    """Student output that cannot be read as numbers; the message says what was returned."""


def to_array(value: Any, what: str) -> np.ndarray:
    """A plain ndarray copy of a tensor, array or number; ProbeError for anything else."""
    if isinstance(value, torch.Tensor):
        data = torch.Tensor.detach(value).cpu()
        if data.is_complex() or data.dtype not in _TORCH_DTYPES:
            raise ProbeError(f"{what} is a tensor of dtype {data.dtype}, expected a real floating/int/bool tensor")
        array = np.array(torch.Tensor.numpy(torch.Tensor.contiguous(data)), copy=True)
    elif isinstance(value, (np.ndarray, np.generic, int, float, bool)):
        array = np.array(value, copy=True)
    else:
        raise ProbeError(f"{what} is a {type(value).__name__}, expected a torch.Tensor")
    if array.dtype.kind not in "fiub":
        raise ProbeError(f"{what} has dtype {array.dtype}, expected numbers")
    return np.asarray(array).view(np.ndarray)


def dtype_name(value: Any) -> str:
    """The dtype of a returned tensor or array, as a string ("torch.float32", "float64", ...)."""
    return str(getattr(value, "dtype", type(value).__name__))


_TORCH_DTYPES = {
    torch.float16, torch.bfloat16, torch.float32, torch.float64,
    torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8, torch.bool,
}  # fmt: skip
