"""The session's end of a socket to one of its forks: of what arrives there, only what that fork wrote itself.

Every process a fork starts inherits its socket and can write on it, and keeps it open after the fork has ended. The
kernel names the process that wrote each message on a Unix socket (SCM_CREDENTIALS, which no unprivileged process
can forge) and never joins two writers' bytes in one read, so bytes from any other process are dropped unread; and
the fork's pidfd says when it has ended, even while such processes still hold the socket. The receiving end must
ask for these names (SO_PASSCRED) before the fork writes: `listen_for_names` is called where each socket is made.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import struct
import time
from array import array

from autograder.worker.frames import LENGTH, ChannelClosed, ChannelTimeout, FrameTooLarge, write_frame

_CREDENTIALS = struct.Struct("=iII")  # pid, uid, gid
_MAX_FDS = 4
_ANCILLARY = socket.CMSG_SPACE(_CREDENTIALS.size) + socket.CMSG_SPACE(_MAX_FDS * 4)
_NAME_SPACE = socket.CMSG_SPACE(_CREDENTIALS.size)
_DROP_BYTES = 1 << 16


def listen_for_names(sock: socket.socket) -> socket.socket:
    """Have the kernel name the writer of every message this end receives (only messages sent after this call)."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    return sock


class Peer:
    """One fork's socket as the session holds it, with the fork's pidfd and its pid as this process sees it (0: not
    known yet, taken from the first message, which the fork sends before any student code runs)."""

    def __init__(self, sock: socket.socket, pidfd: int, pid: int = 0) -> None:
        self.sock, self.pidfd, self.pid = sock, pidfd, pid

    def send(self, payload: bytes, timeout: float) -> None:
        """One frame to the fork, within `timeout` seconds (TimeoutError: the socket is then unusable)."""
        self.sock.settimeout(timeout)
        try:
            write_frame(self.sock.sendmsg, payload)
        finally:
            self.sock.settimeout(None)

    def recv(self, timeout: float, max_bytes: int) -> bytes:
        """One frame the fork wrote, within `timeout` seconds; descriptors sent with it are closed."""
        payload, fds = self.recv_with_fds(timeout, max_bytes)
        close_all(fds)
        return payload

    def recv_with_fds(self, timeout: float, max_bytes: int) -> tuple[bytes, list[int]]:
        """One frame the fork wrote and the descriptors it sent with it (the caller closes them)."""
        deadline = time.monotonic() + timeout
        fds: list[int] = []
        try:
            (length,) = LENGTH.unpack(self._read(LENGTH.size, deadline, fds))
            if length > max_bytes:
                raise FrameTooLarge(length, max_bytes)
            return self._read(length, deadline, fds), fds
        except BaseException:
            close_all(fds)
            raise

    def _read(self, size: int, deadline: float, fds: list[int]) -> bytes:
        chunks: list[bytes] = []
        while size:
            ready = select.select([self.sock, self.pidfd], [], [], max(0.0, deadline - time.monotonic()))[0]
            if self.sock not in ready:  # nothing left that it wrote
                if ready:
                    raise ChannelClosed("the fork has ended")
                raise ChannelTimeout("no answer within the time limit")
            try:
                writer = self._next_writer()
                if self.pid == 0 and writer > 0:
                    self.pid = writer
                ours = writer == self.pid
                # another writer's bytes are dropped in large reads (a read never crosses into the next writer's)
                data, ancillary, _, _ = self.sock.recvmsg(min(size, 1 << 20) if ours else _DROP_BYTES, _ANCILLARY,
                                                          socket.MSG_DONTWAIT)  # fmt: skip
            except BlockingIOError:
                continue
            except ConnectionResetError as exc:
                raise ChannelClosed("the channel was reset") from exc
            received = _unpack(ancillary)[1]
            if not data:  # the end of the stream (its names, if any, are nobody's)
                close_all(received)
                raise ChannelClosed("the other end closed the channel")
            if not ours:  # a process the fork started: dropped unread; its writing never extends the time limit
                close_all(received)
                if time.monotonic() >= deadline:
                    raise ChannelTimeout("no answer within the time limit")
                continue
            fds += received
            chunks.append(data)
            size -= len(data)
        return b"".join(chunks)

    def _next_writer(self) -> int:
        """Who wrote the next unread byte (0: unnamed), read without taking it; no descriptor is received (a peek has
        room only for the writer's name, so the kernel installs none)."""
        data, ancillary, _, _ = self.sock.recvmsg(1, _NAME_SPACE, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        return _unpack(ancillary)[0] if data else self.pid

    def replace(self, sock: socket.socket) -> None:
        """Talk to the same fork over another socket from now on."""
        self.sock.close()
        self.sock = sock

    def close(self) -> None:
        self.sock.close()
        if self.pidfd >= 0:
            os.close(self.pidfd)
            self.pidfd = -1


def _unpack(ancillary: list[tuple[int, int, bytes]]) -> tuple[int, list[int]]:
    """The writer's pid (0 if unnamed) and the descriptors of one message's ancillary data."""
    writer, fds = 0, array("i")
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[: len(data) - len(data) % fds.itemsize])
        elif level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS and len(data) >= _CREDENTIALS.size:
            writer = _CREDENTIALS.unpack(data[: _CREDENTIALS.size])[0]
    return writer, list(fds)


def close_all(fds: list[int]) -> None:
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)
