"""The only format in which data crosses from a worker to the grader: JSON plus .npy arrays, never pickle.

A message is a JSON object; any numpy array inside it is replaced by ``{"__array__": i}`` and sent after the
JSON as the i-th .npy blob. Decoding uses ``np.load(allow_pickle=False)``, so object arrays (and with them
any pickled payload) are refused.
"""

from __future__ import annotations

import io
import json
import struct
from typing import Any

import numpy as np

MAX_MESSAGE_BYTES = 256 * 1024 * 1024
_HEADER = struct.Struct("!Q")


class WireError(ValueError):
    """A message that is not in the expected format; the worker that sent it is not trusted further."""


def encode(message: Any) -> bytes:
    """Serialize a JSON-able message whose leaves may be numpy arrays."""
    blobs: list[bytes] = []

    def strip(value: Any) -> Any:
        if isinstance(value, np.ndarray):
            buffer = io.BytesIO()
            np.save(buffer, value, allow_pickle=False)  # not ascontiguousarray: it makes 0-d arrays 1-d
            blobs.append(buffer.getvalue())
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
            arrays.append(np.load(io.BytesIO(bytes(take(size))), allow_pickle=False))
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

    return restore(head)
