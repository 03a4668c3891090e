"""Length-prefixed frames over a socket or pipe, with size caps and deadlines.

Both sides of every worker channel use these; the receiving side never trusts a length it did not cap.
"""

from __future__ import annotations

import os
import select
import socket
import struct
import time
from collections.abc import Callable

LENGTH = struct.Struct("!Q")  # the length before each frame


class ChannelClosed(EOFError):
    """The other end closed the channel or sent something that is not a frame."""


class FrameTooLarge(ChannelClosed):
    """A frame announced more bytes than the receiver accepts; nothing of it was read (the channel is unusable)."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"a message of {size} bytes exceeds the limit of {limit}")
        self.size, self.limit = size, limit


class ChannelTimeout(TimeoutError):
    """No complete frame arrived before the deadline."""


def frame(payload: bytes) -> bytes:
    """One frame's bytes: the payload's length, then the payload."""
    return LENGTH.pack(len(payload)) + payload


def send_frame(fd: int, payload: bytes) -> None:
    """Write one frame (blocking)."""
    write_frame(lambda parts: os.writev(fd, parts), payload)


def write_frame(write: Callable[[list[memoryview]], int], payload: bytes) -> None:
    """Write one frame with a gathering write (os.writev, socket.sendmsg), which returns how many bytes it took: the
    payload, up to 64 MB, is never copied to put its length in front of it."""
    parts = [memoryview(LENGTH.pack(len(payload))), memoryview(payload)]
    while parts:
        written = write(parts)
        while parts and written >= len(parts[0]):
            written -= len(parts.pop(0))
        if parts:
            parts[0] = parts[0][written:]


def recv_frame(fd: int, timeout: float | None, max_bytes: int) -> bytes:
    """Read one frame, waiting at most `timeout` seconds in all (None: forever)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    header = _read_exact(fd, LENGTH.size, deadline)
    (length,) = LENGTH.unpack(header)
    if length > max_bytes:
        raise FrameTooLarge(length, max_bytes)
    return _read_exact(fd, length, deadline)


def _read_exact(fd: int, size: int, deadline: float | None) -> bytes:
    chunks: list[bytes] = []
    remaining = size
    while remaining:
        wait = None if deadline is None else max(0.0, deadline - time.monotonic())
        ready, _, _ = select.select([fd], [], [], wait)
        if not ready:
            raise ChannelTimeout("no answer within the time limit")
        try:
            chunk = os.read(fd, min(remaining, 1 << 20))
        except ConnectionResetError as exc:
            raise ChannelClosed("the channel was reset") from exc
        if not chunk:
            raise ChannelClosed("the other end closed the channel")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def socket_pair() -> tuple[socket.socket, socket.socket]:
    """A connected pair of Unix stream sockets, not inherited across exec."""
    return socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
