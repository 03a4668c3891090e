"""Linux Landlock through ctypes: an unprivileged process limits which files it (and its children) can open.

Landlock is an allowlist: once restricted, a process may open only what lies beneath the paths it added, with
the rights it gave them, whatever its uid — so it confines student code even when the grader is not root.
ABI 4 adds TCP rules (none given: no TCP connect or bind); ABI 6 adds scopes (no signals to, and no abstract
Unix sockets of, processes outside the sandbox). See https://docs.kernel.org/userspace-api/landlock.html.
"""

from __future__ import annotations

import ctypes
import os
import struct
from pathlib import Path

_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446  # the same numbers on x86_64 and arm64
_VERSION_FLAG = 1
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38

EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_MAKE_AND_REMOVE = sum(1 << bit for bit in range(4, 13))  # remove dir/file, make char/dir/reg/sock/fifo/block/sym
REFER, TRUNCATE, IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
_FILE_ONLY = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV  # the rights a rule on a file may carry
_NET_TCP = 1 | 2  # bind, connect
_SCOPES = 1 | 2  # abstract Unix sockets, signals

READ = EXECUTE | READ_FILE | READ_DIR

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


def _syscall(*args: object) -> int:
    result = _libc.syscall(*args)
    if result < 0:
        errno = ctypes.get_errno()
        raise OSError(errno, os.strerror(errno))
    return result


def abi() -> int:
    """The kernel's Landlock ABI version, or 0 when Landlock is missing or disabled."""
    try:
        return _syscall(ctypes.c_long(_CREATE_RULESET), None, ctypes.c_size_t(0), ctypes.c_uint32(_VERSION_FLAG))
    except OSError:
        return 0


def _fs_rights(version: int) -> int:
    rights = READ | WRITE_FILE | _MAKE_AND_REMOVE
    if version >= 2:
        rights |= REFER
    if version >= 3:
        rights |= TRUNCATE
    if version >= 5:
        rights |= IOCTL_DEV
    return rights


class Ruleset:
    """A Landlock ruleset being built; `restrict()` applies it to the calling thread and its future children."""

    def __init__(self, version: int, scopes_only: bool = False) -> None:
        """`scopes_only` (ABI 6+): a ruleset that restricts nothing but signals and abstract Unix sockets, to nest a
        domain inside the current one."""
        self.version = version
        self.handled = 0 if scopes_only else _fs_rights(version)
        fields = [self.handled]
        if version >= 4:
            fields.append(0 if scopes_only else _NET_TCP)
        if version >= 6:
            fields.append(_SCOPES)
        attr = struct.pack(f"={len(fields)}Q", *fields)
        self.fd = _syscall(ctypes.c_long(_CREATE_RULESET), attr, ctypes.c_size_t(len(attr)), ctypes.c_uint32(0))
        os.set_inheritable(self.fd, False)

    def allow(self, path: Path, rights: int) -> None:
        """Allow `rights` on everything beneath `path` (a file keeps only the rights a file can have)."""
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
        try:
            if not os.path.isdir(path):
                rights &= _FILE_ONLY
            attr = struct.pack("=Qi", rights & self.handled, fd)
            _syscall(ctypes.c_long(_ADD_RULE), ctypes.c_int(self.fd), ctypes.c_int(_RULE_PATH_BENEATH), attr, 0)
        finally:
            os.close(fd)

    def restrict(self) -> None:
        """Confine this process for good; no_new_privs also stops setuid programs from regaining privileges."""
        if _libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
        _syscall(ctypes.c_long(_RESTRICT_SELF), ctypes.c_int(self.fd), ctypes.c_uint32(0))
