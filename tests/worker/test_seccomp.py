"""The seccomp filter student code runs under refuses kernel keys, new Unix sockets, io_uring (which could create
and connect a socket without the `socket` call the filter inspects), SysV shared memory and files without a path
(as absent, so libraries fall back), and leaves socketpair alone."""

import ctypes
import errno
import os
import socket

import pytest

from autograder.worker import seccomp

pytestmark = pytest.mark.skipif(not seccomp.supported(), reason="no seccomp table for this architecture")


def _in_filtered_child(check) -> int:
    """Run check() in a child under the filter; its exit status (0 = every expectation held)."""
    pid = os.fork()
    if pid == 0:
        try:
            seccomp.install()
            os._exit(0 if check() else 1)
        except BaseException:  # noqa: BLE001
            os._exit(2)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def _refused(make) -> bool:
    try:
        make()
    except OSError:
        return True
    return False


def test_io_uring_is_refused():
    libc = ctypes.CDLL(None, use_errno=True)
    params = ctypes.create_string_buffer(120)
    assert _in_filtered_child(lambda: libc.syscall(425, 8, params) == -1 and ctypes.get_errno() == 1) == 0


def test_unix_sockets_are_refused_but_socketpair_works():
    assert _in_filtered_child(lambda: _refused(lambda: socket.socket(socket.AF_UNIX)) and all(socket.socketpair())) == 0


def test_files_without_a_path_are_absent_and_sysv_shared_memory_is_refused():
    libc = ctypes.CDLL(None, use_errno=True)

    def check() -> bool:
        try:
            os.memfd_create("m")
        except OSError as exc:
            memfd = exc.errno == errno.ENOSYS
        else:
            memfd = False
        secret = libc.syscall(447, 0) == -1 and ctypes.get_errno() == errno.ENOSYS
        shm = libc.shmget(0, 4096, 0o1600) == -1 and ctypes.get_errno() == errno.EPERM
        return memfd and secret and shm

    assert _in_filtered_child(check) == 0
