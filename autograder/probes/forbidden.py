"""Record calls, made directly from student code, to library versions of what students must implement.

SPEC Part A forbids calling torch.optim, torch.nn.init, dropout functions and torch.nn.Dropout inside the graded
functions. The library entry points are wrapped once per process; a wrapper notes its name while a probe is
recording, but only when the caller is student code (compiled from a notebook cell, see CELL_FILENAME_PREFIX), so
torch's own internal use (nn.Linear initialising itself) does not count.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import sys
from collections.abc import Iterator

import torch

CELL_FILENAME_PREFIX = "<cell "  # what the worker compiles cells under

_active: list[list[str]] = []
_installed = False
_student_prefixes: tuple[str, ...] = (CELL_FILENAME_PREFIX,)


def count_as_student_code(prefix: str) -> None:
    """Also treat code compiled under file names starting with `prefix` as student code (e.g. ipykernel's cells)."""
    global _student_prefixes
    if prefix not in _student_prefixes:
        _student_prefixes = (*_student_prefixes, prefix)


def _from_student_code() -> bool:
    frame = sys._getframe(2)
    return frame.f_code.co_filename.startswith(_student_prefixes)


def _wrap(owner: object, attr: str, label: str) -> None:
    original = getattr(owner, attr)

    @functools.wraps(original)
    def recorder(*args, **kwargs):
        if _active and _from_student_code():
            _active[-1].append(label)
        return original(*args, **kwargs)

    setattr(owner, attr, recorder)


def _wrap_init(cls: type, label: str) -> None:
    original = cls.__init__

    @functools.wraps(original)
    def recorder(self, *args, **kwargs):
        if _active and _from_student_code():
            _active[-1].append(label)
        return original(self, *args, **kwargs)

    cls.__init__ = recorder


def forbidden_entry_points() -> list[tuple[object, str, str]]:
    """(owner, attribute, label) of every library function SPEC Part A forbids inside graded functions."""
    init = torch.nn.init
    functional = torch.nn.functional
    entries = [
        (init, name, f"torch.nn.init.{name}")
        for name in (
            "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
            "_calculate_fan_in_and_fan_out", "_calculate_correct_fan",
        )
    ]  # fmt: skip
    entries += [(functional, name, f"torch.nn.functional.{name}") for name in ("dropout", "dropout1d", "dropout2d")]
    entries += [(torch, "dropout", "torch.dropout"), (torch, "dropout_", "torch.dropout_")]
    for module_name, fn_name in (("adam", "adam"), ("adamw", "adamw"), ("rmsprop", "rmsprop"), ("sgd", "sgd")):
        module = importlib.import_module(f"torch.optim.{module_name}")
        entries.append((module, fn_name, f"torch.optim.{module_name}.{fn_name}"))
    return entries


def install() -> None:
    """Wrap the forbidden entry points (idempotent); call before any student code runs."""
    global _installed
    if _installed:
        return
    for owner, attr, label in forbidden_entry_points():
        _wrap(owner, attr, label)
    optimizers = [c for c in vars(torch.optim).values() if isinstance(c, type) and issubclass(c, torch.optim.Optimizer)]
    optimizers.remove(torch.optim.Optimizer)  # subclassing it to write your own optimizer is allowed
    for cls in optimizers:
        _wrap_init(cls, f"torch.optim.{cls.__name__}")
    _wrap_init(torch.nn.Dropout, "torch.nn.Dropout")
    _installed = True


@contextlib.contextmanager
def recording_forbidden_calls() -> Iterator[list[str]]:
    """Collect the labels of forbidden calls made by student code inside the block."""
    install()
    calls: list[str] = []
    _active.append(calls)
    try:
        yield calls
    finally:
        _active.remove(calls)
