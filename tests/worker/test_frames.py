"""Frames are written with a gathering write: the payload is handed to the kernel as it is, never copied behind its
length, and a write that takes only part of it is continued where it stopped."""

from __future__ import annotations

import os
import socket
import threading

from autograder.worker.frames import LENGTH, recv_frame, send_frame, write_frame


def test_a_frame_is_written_in_parts_without_copying_the_payload():
    payload = bytes(range(256)) * 40
    written, seen = bytearray(), []

    def trickle(parts: list[memoryview]) -> int:  # takes at most 7 bytes per call, like a full socket
        seen.extend(part.obj for part in parts)
        taken = b"".join(bytes(part) for part in parts)[:7]
        written.extend(taken)
        return len(taken)

    write_frame(trickle, payload)
    assert bytes(written) == LENGTH.pack(len(payload)) + payload
    assert any(obj is payload for obj in seen)


def test_frames_larger_than_the_channel_buffer_cross_whole():
    sent, received = [b"", b"x" * (3 * 2**20 + 5)], []
    ours, theirs = socket.socketpair()
    reader = threading.Thread(target=lambda: received.extend(recv_frame(theirs.fileno(), 10, 2**23) for _ in sent))
    reader.start()
    for payload in sent:
        send_frame(ours.fileno(), payload)
    reader.join()
    assert received == sent
    ours.close()
    theirs.close()


def test_a_pipe_carries_frames_too():
    read, write = os.pipe()
    send_frame(write, b"hello")
    assert recv_frame(read, 1, 16) == b"hello"
    os.close(read)
    os.close(write)
