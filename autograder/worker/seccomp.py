"""A seccomp filter through ctypes: the few kernel services student code has no use for fail with EPERM or ENOSYS.

Landlock confines files, TCP and signals, but not these: kernel keys (a key added to the user's keyring outlives
the process and is visible to the next submission run as the same uid), ``connect`` to a Unix socket that lives at a
path (a world-writable host service such as a container runtime's socket), SysV shared memory, semaphores and
message queues and POSIX message queues (they outlive the process when the session has no IPC namespace of its own,
and a shared memory segment keeps its pages once detached, outside the address-space limit), and files without a
path (``memfd_create``, ``memfd_secret``: their pages count against no limit, neither the address space nor the
working folder's size). Those fail with ENOSYS, as on a kernel without them, so libraries fall back to ordinary
files (asmjit in PyTorch does so only on ENOSYS). The worker's own channels exist before the filter is installed,
and ``socketpair`` stays allowed (it connects to nothing), so only new Unix sockets are refused.
See https://docs.kernel.org/userspace-api/seccomp_filter.html.
"""

from __future__ import annotations

import ctypes
import errno
import platform
import struct

_PR_SET_NO_NEW_PRIVS, _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 38, 22, 2
_LD_W_ABS, _JEQ_K, _JGE_K, _RET_K = 0x20, 0x15, 0x35, 0x06
_ALLOW, _ERRNO = 0x7FFF0000, 0x00050000
_AF_UNIX = 1
_X32_BIT = 0x40000000

# arch -> (AUDIT_ARCH value, socket, keys, IPC): syscall numbers from the kernel's tables
_TABLES = {
    "x86_64": (0xC000003E, 41, (248, 249, 250), (29, 30, 31, 67, 64, 65, 66, 220, 68, 69, 70, 71, 240)),
    "aarch64": (0xC00000B7, 198, (217, 218, 219), (194, 195, 196, 197, 190, 191, 192, 193, 186, 187, 188, 189, 180)),
}
# io_uring_setup, io_uring_enter, io_uring_register (the same numbers on both): io_uring can create and connect a
# socket without the socket syscall this filter inspects, so it is refused altogether
_IO_URING = (425, 426, 427)
# arch -> memfd_create, memfd_secret: files without a path, refused as absent
_NO_PATH_FILES = {"x86_64": (319, 447), "aarch64": (279, 447)}

_libc = ctypes.CDLL(None, use_errno=True)


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def supported() -> bool:
    return platform.machine() in _TABLES


def _instruction(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def install() -> None:
    """Refuse kernel keys, io_uring, SysV/POSIX IPC, files without a path and new Unix sockets to this process and its
    children, for good. OSError if the kernel refuses the filter."""
    arch, socket_nr, keys, ipc = _TABLES[platform.machine()]
    denied = [*keys, *_IO_URING, *ipc]
    deny = _instruction(_RET_K, _ERRNO | errno.EPERM)
    absent = _instruction(_RET_K, _ERRNO | errno.ENOSYS)
    allow = _instruction(_RET_K, _ALLOW)
    body = [_instruction(_LD_W_ABS, 4), _instruction(_JEQ_K, arch, jt=1), deny, _instruction(_LD_W_ABS, 0)]
    body.append(_instruction(_JGE_K, _X32_BIT, jt=0, jf=1))  # x32 calls on x86_64: nothing needs them
    body.append(deny)
    for number in denied:
        body += [_instruction(_JEQ_K, number, jf=1), deny]
    for number in _NO_PATH_FILES[platform.machine()]:
        body += [_instruction(_JEQ_K, number, jf=1), absent]
    body += [_instruction(_JEQ_K, socket_nr, jf=3), _instruction(_LD_W_ABS, 16)]  # socket(domain, ...)
    body += [_instruction(_JEQ_K, _AF_UNIX, jf=1), _instruction(_RET_K, _ERRNO | errno.EACCES), allow]
    code = b"".join(body)
    buffer = ctypes.create_string_buffer(code, len(code))
    program = _Program(len(code) // 8, ctypes.addressof(buffer))
    if _libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    if _libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(program), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP) failed")
