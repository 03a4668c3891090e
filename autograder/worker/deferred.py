"""Imports that cost nothing until used: a module declared deferred is bound by ``import`` without running it.

Notebooks open with ``import matplotlib.pyplot as plt`` and ``from sklearn.datasets import load_digits``, but the
cells the grader runs rarely use them: every plot and every data set lives in experiment cells, which it skips.
Importing them anyway costs a second and a half of CPU and a fatter zygote. After ``install(entries)``, an import
of a declared module, or of a package above one, binds a module object whose code has not run; the first real use
(reading or setting an attribute it lacks so far, ``dir()``) runs it, packages first, into that same object, so
``sys.modules``, the parent's attribute and every name bound to it stay one object. ``"module:name"`` also lets
``from module import name`` bind a stand-in for that function without running the module; calling it does.

Why not ``importlib.util.LazyLoader``: it runs a package as soon as the import system reads its ``__path__``, which
``import matplotlib.pyplot`` does, and ``from module import name`` reads ``name`` at once. The import system is
used as it is, with one finder in front of the others: it defers only modules of Python source (what an extension
module holds cannot be filled in later), and it runs a deferred package before any submodule nobody declared is
looked for in it, handing over the very submodule the package's own code imported meanwhile (the import system
would run it a second time). Modules already imported are left as they are: the grader imports the forbidden
names' modules eagerly, to instrument them, before it installs this.
"""

from __future__ import annotations

import copy
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import threading
import types
from collections.abc import Callable, Iterable, Mapping
from typing import Any

_SOURCE_LOADERS = (importlib.machinery.SourceFileLoader, importlib.machinery.SourcelessFileLoader)
_lock = threading.RLock()  # one thread runs a deferred module; another waits instead of running it twice
os.register_at_fork(after_in_child=lambda: globals().update(_lock=threading.RLock()))  # no fork inherits it held


class _Finder(importlib.abc.MetaPathFinder):
    """First on sys.meta_path: defers the declared modules and their packages, and runs a deferred package before
    an undeclared submodule of it is looked for."""

    def __init__(self) -> None:
        self.modules: set[str] = set()  # the declared modules and every package above them
        self.functions: dict[str, set[str]] = {}  # module -> names ``from module import name`` binds unrun
        self.stand_ins: dict[tuple[str, str], Callable[..., Any]] = {}
        self.real: dict[tuple[str, str], Any] = {}  # (module, name) -> what its code bound, read right after it ran
        self.on_import: dict[str, Callable[[types.ModuleType], object]] = {}

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname not in self.modules:
            parent = sys.modules.get(fullname.rpartition(".")[0])
            if not isinstance(parent, _DeferredModule):
                return None
            materialize(parent)  # its code first, as in any import of a submodule
            loaded = sys.modules.get(fullname)  # the package's own code imported it: that one, not a second copy
            if loaded is None:
                return None
            loaded.__spec__ = _Handover(loaded).spec  # what the import system loads when it finds the name taken
            return loaded.__spec__
        spec = self._real_spec(fullname, path, target)
        if spec is None or not isinstance(spec.loader, _SOURCE_LOADERS):
            return spec
        module = importlib.util.module_from_spec(spec)  # the real module's attributes (__file__, __path__), unrun
        return _Handover(module, deferred=True).spec

    def _real_spec(self, fullname: str, path: Any, target: Any) -> importlib.machinery.ModuleSpec | None:
        for finder in sys.meta_path:
            if finder is not self and (find := getattr(finder, "find_spec", None)) is not None:
                if (spec := find(fullname, path, target)) is not None:
                    return spec
        return None


class _Handover(importlib.abc.Loader):
    """Gives the import system a module made beforehand: ``spec`` is the module's own with this loader, which puts
    the module's own back once the import system has set the module up."""

    def __init__(self, module: types.ModuleType, deferred: bool = False) -> None:
        self.module, self.own, self.deferred = module, module.__spec__, deferred
        self.spec = copy.copy(self.own)
        self.spec.loader = self

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        return self.module

    def exec_module(self, module: types.ModuleType) -> None:
        module.__spec__ = self.own
        if self.deferred:  # only now: the import system has set its attributes and must not trigger it
            module.__class__ = _DeferredModule


class _DeferredModule(types.ModuleType):
    """A module whose code has not run yet; it runs on the first use, and the object becomes a plain module."""

    def __getattr__(self, name: str) -> Any:
        fullname = f"{self.__name__}.{name}"
        if fullname in _finder.modules:  # a declared submodule: bound unrun too (``from matplotlib import pyplot``)
            return importlib.import_module(fullname)
        if name in _finder.functions.get(self.__name__, ()):
            return _stand_in(self.__name__, name)
        if name == "__path__":  # not a package (a package's __path__ is set): asked by ``from module import x``
            raise AttributeError(name)
        return getattr(materialize(self), name)

    def __setattr__(self, name: str, value: Any) -> None:
        if f"{self.__name__}.{name}" not in _finder.modules:  # the import system binding a deferred submodule
            materialize(self)
        types.ModuleType.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        types.ModuleType.__delattr__(materialize(self), name)

    def __dir__(self) -> Iterable[str]:
        return dir(materialize(self))


class _RunningModule(types.ModuleType):
    """A deferred module whose code is running: another thread reading a name it lacks so far waits for the code to
    finish instead of failing; the thread running it (which holds the reentrant lock) fails, as with any module."""

    def __getattr__(self, name: str) -> Any:
        if not _lock.acquire(blocking=False):  # another thread runs the code
            with _lock:
                return getattr(self, name)
        _lock.release()
        raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}", name=name, obj=self)


def materialize(module: types.ModuleType) -> types.ModuleType:
    """Run a deferred module's code (its packages' first) into the module itself; any other module as it is.

    Should the code fail, the module leaves sys.modules, as after any failed import, and the error propagates."""
    with _lock:
        if not isinstance(module, _DeferredModule):
            return module
        parent = sys.modules.get(module.__name__.rpartition(".")[0])
        if isinstance(parent, _DeferredModule):
            materialize(parent)  # whose code may have used this module already
            if not isinstance(module, _DeferredModule):
                return module
        object.__setattr__(module, "__class__", _RunningModule)
        try:
            module.__spec__.loader.exec_module(module)
        except BaseException:
            if sys.modules.get(module.__name__) is module:
                del sys.modules[module.__name__]
            raise
        finally:
            module.__class__ = types.ModuleType
        for name in _finder.functions.get(module.__name__, ()):  # before anyone can rebind it (a mock, a stand-in)
            if hasattr(module, name):
                _finder.real[(module.__name__, name)] = getattr(module, name)
        if (then := _finder.on_import.get(module.__name__)) is not None:
            then(module)
        return module


def _stand_in(module: str, name: str) -> Callable[..., Any]:
    key = (module, name)
    if key not in _finder.stand_ins:

        def deferred(*args: Any, **kwargs: Any) -> Any:
            # The function the module's code bound, never the module's attribute now: the stand-in itself may have
            # been stored there (``mock.patch`` restoring it), and would call itself forever.
            loaded = materialize(importlib.import_module(module))
            if key not in _finder.real:
                raise AttributeError(f"module {module!r} has no attribute {name!r}", name=name, obj=loaded)
            return _finder.real[key](*args, **kwargs)

        deferred.__name__ = deferred.__qualname__ = name
        deferred.__module__ = module
        _finder.stand_ins[key] = deferred
    return _finder.stand_ins[key]


_finder = _Finder()


def install(entries: Iterable[str], on_import: Mapping[str, Callable[[types.ModuleType], object]] = {}) -> None:
    """Defer the modules named by ``entries`` (``"module"`` or ``"module:function"``) in this process and its forks.

    ``on_import[name](module)`` runs once the module ``name`` is really imported: now if it already is, else right
    after its deferred code has run (the worker's matplotlib backend). Additive and idempotent, like the recorder's
    install."""
    for entry in entries:
        module, _, function = entry.partition(":")
        parts = module.split(".")
        _finder.modules.update(".".join(parts[: i + 1]) for i in range(len(parts)))
        if function:
            _finder.functions.setdefault(module, set()).add(function)
    for name, then in on_import.items():
        loaded = sys.modules.get(name)
        if loaded is None or isinstance(loaded, _DeferredModule):
            _finder.on_import[name] = then
        else:
            then(loaded)
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)
