"""The only format in which data crosses from a worker to the grader: JSON plus .npy arrays, never pickle.

A message is a JSON object; any numpy array inside it is replaced by ``{"__array__": i}`` and sent after the
JSON as the i-th .npy blob. Decoding reads only .npy's plain header (a simple dtype such as '<f8', the memory order
and the shape, checked by a strict pattern) and then the raw bytes: object arrays, and with them any pickled
payload, are refused, and no header is ever evaluated (numpy's own reader parses it with ast.literal_eval, which
costs ~0.1 ms per array; grader-side probes exchange tens of arrays per round trip).
"""

from __future__ import annotations

import functools
import json
import math
import re
import struct
from typing import Any

import numpy as np

MAX_REPLY_BYTES = 32 * 1024 * 1024  # one reply of a worker; more is the submission's failure, never read
MAX_SUBMISSION_BYTES = 256 * 1024 * 1024  # all replies of one submission together
MAX_DEPTH = 100  # levels of lists and objects in a message; the executor's deepest replies have ~15
# Lists and objects in one message (brackets in its JSON text, strings included): each costs 56-200 bytes once
# decoded, so a 32 MB reply of `[[],[],...]` would take ~700 MB of the grader's memory. Real replies carry few: arrays
# travel as .npy blobs, and the executor describes a returned value by at most 64 items a level (worker/calls.py),
# so a reply has tens to a few thousand; 10**6 leaves a wide margin and bounds a decoded reply to ~200 MB.
MAX_CONTAINERS = 10**6
_HEADER = struct.Struct("!Q")
_NOT_STRUCTURE = bytes(set(range(256)) - set(b'[]{}"'))  # what _depth deletes before counting
_NPY = re.compile(
    rb"\{'descr': '(?P<descr>[<>|=]?[biufcSUmM]\d*(?:\[\w+\])?)', 'fortran_order': (?P<fortran>True|False), "
    rb"'shape': \((?P<shape>(?:\d+, ?)*\d*)\), \} *\n"
)


class WireError(ValueError):
    """A message that is not in the expected format; the worker that sent it is not trusted further."""


def encode(message: Any) -> bytes:
    """Serialize a JSON-able message whose leaves may be numpy arrays (and numpy scalars, sent as plain numbers).

    json's own encoder walks the message; it asks `leaf` only about what JSON has no type for, so a message of
    thousands of numbers and strings costs no Python call per element. The arrays' bytes are copied once, into the
    message itself."""
    blobs: list[Any] = []

    def leaf(value: Any) -> Any:
        if isinstance(value, np.ndarray):
            blobs.append(_npy(value))
            return {"__array__": len(blobs) - 1}
        if isinstance(value, np.generic):
            return value.item()
        raise TypeError(f"a {type(value).__name__} cannot be sent, only JSON types and numpy arrays")

    head = json.dumps(message, allow_nan=True, default=leaf).encode()
    parts: list[Any] = [_HEADER.pack(len(head)), head, _HEADER.pack(len(blobs))]
    for header, data in blobs:
        parts += [_HEADER.pack(len(header) + data.nbytes), header, data]
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
        head = bytes(take(head_len))
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

    def restore(value: dict[str, Any]) -> Any:
        """Each JSON object as it is parsed: an array reference becomes its array."""
        if len(value) == 1 and "__array__" in value:
            index = value["__array__"]
            if not isinstance(index, int) or not 0 <= index < len(arrays):
                raise WireError("array reference out of range")
            return arrays[index]
        return value

    containers = head.count(b"[") + head.count(b"{")  # an upper bound of the depth, counted once
    if containers > MAX_CONTAINERS:
        raise WireError("malformed message: too many lists and objects")
    try:
        text = head.decode()  # UTF-8 only (the encoder writes ASCII), so _depth reads every bracket as one byte
        message = json.loads(text, object_hook=restore)
    except WireError:
        raise
    except RecursionError:
        raise WireError("malformed message: nested too deeply") from None
    except Exception as exc:
        raise WireError(f"malformed message: {exc}") from exc
    if containers > MAX_DEPTH and _depth(head) > MAX_DEPTH:  # only messages with enough brackets pay for the count
        raise WireError("malformed message: nested too deeply")
    return message


def _depth(head: bytes) -> int:
    """How deeply the JSON text nests lists and objects (it has parsed, so its strings are well formed).

    A message nested deeper than MAX_DEPTH is refused before any code recurses through it (json accepts hundreds of
    levels, enough to exhaust the stack of whatever reads them next). Counted at C speed: escaped backslashes, then
    escaped quotes are dropped (left to right, as JSON reads escapes), then every byte but quotes and brackets; a
    bracket counts when an even number of quotes precede it (it is not inside a string)."""
    if b"\\" in head:
        head = head.replace(b"\\\\", b"").replace(b'\\"', b"")
    text = np.frombuffer(head.translate(None, _NOT_STRUCTURE), dtype=np.uint8)
    outside = np.cumsum(text == ord('"'), dtype=np.int32) % 2 == 0  # int32: a head is under 2**31 bytes
    opening = (text == ord("[")) | (text == ord("{"))
    closing = (text == ord("]")) | (text == ord("}"))
    return int(np.cumsum((opening.astype(np.int32) - closing) * outside, dtype=np.int32).max(initial=0))


def _npy(array: np.ndarray) -> tuple[bytes, np.ndarray]:
    """The array in .npy format (version 1.0, C order), as np.save writes it, without np.save's overhead: its header,
    and its data as bytes (a view, copied once into the message)."""
    if array.dtype.hasobject or array.dtype.fields is not None:
        raise ValueError("only arrays of plain numbers or strings can be sent, not objects or records")
    shape = ", ".join(str(n) for n in array.shape) + ("," if array.ndim == 1 else "")
    header = f"{{'descr': '{array.dtype.str}', 'fortran_order': False, 'shape': ({shape}), }}".encode()
    header += b" " * (63 - (len(header) + 10) % 64) + b"\n"  # aligned to 64 bytes, as numpy does
    data = np.ascontiguousarray(array).reshape(-1).view(np.uint8)
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header, data


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
    header = bytes(blob[start : start + header_len])
    dtype, shape, order = (_known_header if len(header) <= _CACHED_HEADER else _npy_header)(header)
    data = blob[start + header_len :]
    if len(data) != dtype.itemsize * math.prod(shape):
        raise WireError("an array's data does not match its shape")
    return np.frombuffer(data, dtype=dtype).reshape(shape, order=order).copy()


def _npy_header(header: bytes) -> tuple[np.dtype, tuple[int, ...], str]:
    """The dtype, shape and memory order a plain .npy header states; WireError for any other header."""
    match = _NPY.fullmatch(header)
    if match is None:
        raise WireError("an array has a header the grader does not accept")
    dtype = np.dtype(match["descr"].decode())
    if dtype.hasobject:
        raise WireError("an array of Python objects was sent")
    shape = tuple(int(n) for n in match["shape"].split(b",") if n.strip())
    return dtype, shape, "F" if match["fortran"] == b"True" else "C"


# A round trip repeats the same few headers, and numpy takes ~10 us to make a dtype from its text: the headers of
# numpy's own size (it pads them to 64 or 128 bytes) are read once per process.
_CACHED_HEADER = 128
_known_header = functools.lru_cache(maxsize=1024)(_npy_header)
