"""Record calls, made directly from student code, to library versions of what students must implement.

The assignment's :class:`~autograder.assignment.Forbidden` names are resolved once per process to the library
callables they cover (functions, and the ``__init__`` of classes), and each is wrapped: the wrapper notes its name
while a probe is recording for that assignment, but only when its caller is student code (see
:func:`autograder.conventions.is_student_code`), so the library's own use of it (nn.Linear initialising itself)
does not count.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import inspect
import sys
import types
from collections.abc import Iterator
from typing import Any

from autograder.assignment import Forbidden
from autograder.conventions import is_student_code

_Key = tuple[int, str]  # (id of the owner, attribute): one wrapped binding

_wrapped: dict[_Key, str] = {}  # every binding wrapped so far, with its label
_installed: dict[Forbidden, frozenset[_Key]] = {}
_active: list[tuple[frozenset[_Key], list[str]]] = []


def _import(name: str) -> Any | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _split(name: str) -> tuple[types.ModuleType, str] | None:
    """The longest importable module the name starts with, and the rest of the name ('' for the whole module)."""
    parts = name.rstrip(".").split(".")
    for cut in range(len(parts), 0, -1):
        module = _import(".".join(parts[:cut]))
        if module is not None:
            return module, ".".join(parts[cut:])
    return None


def _bindings(module: types.ModuleType, prefix: str, seen: set[int]) -> Iterator[tuple[object, str, str]]:
    """(owner, attribute, label) of the callables a name covers: in `module`, those whose name starts with
    `prefix`; for a whole module (no prefix), everything it defines, its submodules included."""
    seen.add(id(module))
    base = module.__name__
    submodules = []
    for attr in sorted(dir(module)):
        if not attr.startswith(prefix):
            continue
        value = getattr(module, attr, None)
        if isinstance(value, types.ModuleType):
            if not prefix and value.__name__.startswith(base + ".") and id(value) not in seen:
                submodules.append(value)
            continue
        defined_here = str(getattr(value, "__module__", "") or "").startswith(base)
        if (inspect.isclass(value) or callable(value)) and (prefix or defined_here):
            yield module, attr, f"{base}.{attr}"
    for submodule in submodules:
        yield from _bindings(submodule, "", seen)


def _recorder(original: Any, label: str, key: _Key) -> Any:
    @functools.wraps(original)
    def recorder(*args: Any, **kwargs: Any) -> Any:
        if _active and key in _active[-1][0] and is_student_code(sys._getframe(1).f_code.co_filename):
            _active[-1][1].append(label)
        return original(*args, **kwargs)

    return recorder


def _wrap(owner: object, attr: str, label: str, skip: set[int]) -> _Key | None:
    """Wrap one binding (a class's __init__ for classes); None when it cannot or must not be wrapped."""
    value = getattr(owner, attr)
    if id(value) in skip:
        return None
    target, name = (value, "__init__") if inspect.isclass(value) else (owner, attr)
    key = (id(target), name)
    if key in _wrapped:
        return key
    try:
        setattr(target, name, _recorder(getattr(target, name), label, key))
    except (AttributeError, TypeError):  # built-in types and read-only owners: the source scan still sees them
        return None
    _wrapped[key] = label
    return key


def install(forbidden: Forbidden) -> frozenset[_Key]:
    """Wrap every library callable the names cover (idempotent); call before any student code runs."""
    if forbidden not in _installed:
        skip = {id(obj) for name in forbidden.allowed if (obj := _resolve(name)) is not None}
        keys: set[_Key] = set()
        seen: set[int] = set()
        for name in forbidden.names:
            if (split := _split(name)) is not None:
                keys |= {k for b in _bindings(*split, seen) if (k := _wrap(*b, skip)) is not None}
        _installed[forbidden] = frozenset(keys)
    return _installed[forbidden]


def _resolve(name: str) -> Any | None:
    if (split := _split(name)) is None:
        return None
    value: Any = split[0]
    for attr in filter(None, split[1].split(".")):
        value = getattr(value, attr, None)
    return value


@contextlib.contextmanager
def recording(forbidden: Forbidden) -> Iterator[list[str]]:
    """Collect the labels of the forbidden calls student code makes inside the block."""
    calls: list[str] = []
    entry = (install(forbidden), calls)
    _active.append(entry)
    try:
        yield calls
    finally:
        _active.remove(entry)
