"""The only format in which data crosses from a worker to the grader: JSON plus .npy arrays, never pickle.

A message is a JSON object; any numpy array inside it is replaced by ``{"__array__": i}`` and sent after the
JSON as the i-th .npy blob. Decoding reads only .npy's plain header (a simple dtype such as '<f8', the memory order
and the shape, checked by a strict pattern) and then the raw bytes: object arrays, and with them any pickled
payload, are refused, and no header is ever evaluated (numpy's own reader parses it with ast.literal_eval, which
costs ~0.1 ms per array; grader-side probes exchange tens of arrays per round trip).
"""

from __future__ import annotations

import json
import math
import re
import struct
from typing import Any

import numpy as np

MAX_REPLY_BYTES = 32 * 1024 * 1024  # one reply of a worker; more is the submission's failure, never read
MAX_SUBMISSION_BYTES = 256 * 1024 * 1024  # all replies of one submission together
_HEADER = struct.Struct("!Q")
_NPY = re.compile(
    rb"\{'descr': '(?P<descr>[<>|=]?[biufcSUmM]\d*(?:\[\w+\])?)', 'fortran_order': (?P<fortran>True|False), "
    rb"'shape': \((?P<shape>(?:\d+, ?)*\d*)\), \} *\n"
)


class WireError(ValueError):
    """A message that is not in the expected format; the worker that sent it is not trusted further."""


def encode(message: Any) -> bytes:
    """Serialize a JSON-able message whose leaves may be numpy arrays."""
    blobs: list[bytes] = []

    def strip(value: Any) -> Any:
        if isinstance(value, np.ndarray):
            blobs.append(_npy(value))
            return {"__array__": len(blobs) - 1}
        if isinstance(value, dict):
            return {str(k): strip(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [strip(v) for v in value]
        if isinstance(value, np.generic):
            return value.item()
        return value

    head = json.dumps(strip(message), allow_nan=True).encode()
    parts = [_HEADER.pack(len(head)), head, _HEADER.pack(len(blobs))]
    for blob in blobs:
        parts += [_HEADER.pack(len(blob)), blob]
    return b"".join(parts)


def decode(data: bytes) -> Any:
    """Parse a message made by encode(); WireError if it is malformed in any way."""
    view = memoryview(data)
    offset = 0

    def take(n: int) -> memoryview:
        nonlocal offset
        if n < 0 or offset + n > len(view):
            raise WireError("truncated message")
        chunk = view[offset : offset + n]
        offset += n
        return chunk

    try:
        (head_len,) = _HEADER.unpack(take(_HEADER.size))
        head = json.loads(bytes(take(head_len)))
        (count,) = _HEADER.unpack(take(_HEADER.size))
        arrays = []
        for _ in range(count):
            (size,) = _HEADER.unpack(take(_HEADER.size))
            arrays.append(_read_npy(take(size)))
    except WireError:
        raise
    except Exception as exc:
        raise WireError(f"malformed message: {exc}") from exc
    if offset != len(view):
        raise WireError("trailing bytes after the message")

    def restore(value: Any) -> Any:
        if isinstance(value, dict):
            if set(value) == {"__array__"}:
                index = value["__array__"]
                if not isinstance(index, int) or not 0 <= index < len(arrays):
                    raise WireError("array reference out of range")
                return arrays[index]
            return {k: restore(v) for k, v in value.items()}
        if isinstance(value, list):
            return [restore(v) for v in value]
        return value

    try:
        return restore(head)
    except RecursionError:
        raise WireError("malformed message: nested too deeply") from None


def _npy(array: np.ndarray) -> bytes:
    """The array in .npy format (version 1.0, C order), as np.save writes it, without np.save's overhead."""
    if array.dtype.hasobject or array.dtype.fields is not None:
        raise ValueError("only arrays of plain numbers or strings can be sent, not objects or records")
    shape = ", ".join(str(n) for n in array.shape) + ("," if array.ndim == 1 else "")
    header = f"{{'descr': '{array.dtype.str}', 'fortran_order': False, 'shape': ({shape}), }}".encode()
    header += b" " * (63 - (len(header) + 10) % 64) + b"\n"  # aligned to 64 bytes, as numpy does
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + np.ascontiguousarray(array).tobytes()


def _read_npy(blob: memoryview) -> np.ndarray:
    """An array from a .npy blob with a plain header; WireError for anything else (object dtypes included)."""
    if bytes(blob[:6]) != b"\x93NUMPY" or len(blob) < 10:
        raise WireError("an array is not in .npy format")
    major = blob[6]
    if major == 1:
        header_len, start = int.from_bytes(blob[8:10], "little"), 10
    elif major in (2, 3):
        header_len, start = int.from_bytes(blob[8:12], "little"), 12
    else:
        raise WireError("an array has an unknown .npy version")
    match = _NPY.fullmatch(bytes(blob[start : start + header_len]))
    if match is None:
        raise WireError("an array has a header the grader does not accept")
    dtype = np.dtype(match["descr"].decode())
    if dtype.hasobject:
        raise WireError("an array of Python objects was sent")
    shape = tuple(int(n) for n in match["shape"].split(b",") if n.strip())
    data = blob[start + header_len :]
    if len(data) != dtype.itemsize * math.prod(shape):
        raise WireError("an array's data does not match its shape")
    order = "F" if match["fortran"] == b"True" else "C"
    return np.frombuffer(data, dtype=dtype).reshape(shape, order=order).copy()
