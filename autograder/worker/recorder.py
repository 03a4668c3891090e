"""Notice library implementations of what students write being used while the grader calls student code.

``install(forbidden, allowed)`` wraps every entry point named by the assignment's forbidden list (dotted prefixes
such as ``torch.optim.`` or ``torch.nn.functional.dropout``): public functions and classes' ``__init__``, wherever
torch's modules hold the same function object. While ``recording()`` is active (the executor activates it around
each call of student code, and only student code and torch run then) every entry point invoked is noted, whoever
called it: helpers, lambdas, aliases, torch modules built on them. Nothing depends on file names, which student
code can choose.

Student code runs in this process, so this can only be made hard to switch off, not impossible: the wrappers carry
no ``__wrapped__``, their state lives in closures, and ``tampering()`` reports, in words, any entry point that is
no longer the wrapper installed here (an assignment, ``importlib.reload``, a module swapped in ``sys.modules``) and,
once ``watch_for_tampering()`` has run in the worker, every audit event that reaches around the instrumentation
(``gc.get_objects``/``get_referrers``/``get_referents``, trace or profile functions, ``__init__`` of a wrapped class
replaced). The grader's static scan of the notebook (grading/static_scan.py) is the check student code cannot touch.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

_TAMPER_EVENTS = {
    "gc.get_objects": "searched every object in memory (gc.get_objects)",
    "gc.get_referrers": "searched for the objects that refer to another (gc.get_referrers)",
    "gc.get_referents": "searched the objects another refers to (gc.get_referents)",
    "sys.settrace": "installed a trace function (sys.settrace)",
    "sys.setprofile": "installed a profile function (sys.setprofile)",
}
_MAX_NOTES = 20


class _State:
    """Everything the wrappers and checks share, reachable only through their closures."""

    def __init__(self) -> None:
        self.active: list[list[str]] = []
        self.installed: list[tuple[Mapping[str, Any], str, Any, str]] = []  # (namespace, name, wrapper, label)
        self.modules: dict[str, Any] = {}  # every module that holds a wrapper, by the name it is loaded under
        self.own: list[tuple[Mapping[str, Any], str, Any, str]] = []  # the grader's worker-side functions, as loaded
        self.wrapped_classes: dict[int, str] = {}
        self.wrapped: set[int] = set()  # ids of the original entry points already wrapped
        self.inside = 0  # wrapped entry points running now: only the outermost is recorded (Adam, not its helpers)
        self.notes: list[str] = []
        self.watching = False


_state = _State()


def install(forbidden: Sequence[str], allowed: Sequence[str] = ()) -> None:
    """Wrap every entry point the forbidden prefixes name; call before any student code runs.

    Idempotent, and additive: installing a second list (another assignment, in tests) wraps what it adds. What is
    recorded is every wrapped entry point invoked; the grader keeps those its assignment's list forbids.
    """
    entries = [e for e in _entry_points(forbidden, allowed) if id(e[3]) not in _state.wrapped]
    if not entries:
        return
    roots = {owner.__name__.partition(".")[0] for _, owner, _, _ in entries}
    holders = _holders(roots, {id(original) for _, _, _, original in entries})
    for label, owner, attr, original in entries:
        _state.wrapped.add(id(original))
        if isinstance(original, type):
            _wrap_init(original, label)
        else:
            _wrap_function([(owner, attr), *(h for h in holders.get(id(original), []) if h[0] is not owner)], original, label)


def recording(state: _State = _state) -> contextlib.AbstractContextManager[list[str]]:
    """Collect the labels of forbidden entry points invoked inside the block (empty when nothing is installed).

    The state is bound here, at definition: replacing the module's ``_state`` changes nothing."""
    return _recording(state)


@contextlib.contextmanager
def _recording(state: _State) -> Iterator[list[str]]:
    calls: list[str] = []
    state.active.append(calls)
    try:
        yield calls
    finally:
        if calls in state.active:
            state.active.remove(calls)


def tampering(state: _State = _state) -> list[str]:
    """Sentences saying how the instrumentation was changed since install (empty when it is intact)."""
    found = list(state.notes)
    found += [f"{label} was replaced after the grader instrumented it"
              for namespace, key, wrapper, label in state.installed if namespace.get(key) is not wrapper]  # fmt: skip
    found += [f"the module {name} was replaced after the grader instrumented it"
              for name, module in state.modules.items() if sys.modules.get(name) is not module]  # fmt: skip
    found += [f"the notebook changed the grader's own {label}"
              for namespace, key, value, label in state.own if namespace.get(key) is not value]  # fmt: skip
    return list(dict.fromkeys(found))[:_MAX_NOTES]


def protect(module: Any) -> None:
    """Note the functions and classes a grader module runs in the worker with (this one, the call executor), so that
    tampering() reports any of them replaced: the simplest way to switch the recorder off."""
    namespace = vars(module)
    _state.own += [(namespace, key, value, f"{module.__name__}.{key}") for key, value in list(namespace.items())
                   if inspect.isfunction(value) or inspect.isclass(value)]  # fmt: skip


def watch_for_tampering() -> None:
    """Add an audit hook (it cannot be removed) that notes reaching around the instrumentation; worker only."""
    if _state.watching:
        return
    _state.watching = True
    state = _state

    def hook(event: str, args: tuple[Any, ...]) -> None:
        try:
            note = _TAMPER_EVENTS.get(event)
            if note is None and event == "object.__setattr__" and args and id(args[0]) in state.wrapped_classes:
                note = f"changed {state.wrapped_classes[id(args[0])]}.{args[1]} (object.__setattr__)"
            if note and f"the notebook {note}" not in state.notes and len(state.notes) < _MAX_NOTES:
                state.notes.append(f"the notebook {note}")
        except Exception:  # noqa: BLE001, S110 - an audit hook must never raise
            pass

    sys.addaudithook(hook)


# --- wrapping ---------------------------------------------------------------------------------------------------


def _call(state: _State, label: str, original: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    if state.active and not state.inside:
        state.active[-1].append(label)
    state.inside += 1
    try:
        return original(*args, **kwargs)
    finally:
        state.inside -= 1


def _wrap_function(holders: list[tuple[Any, str]], original: Callable[..., Any], label: str) -> None:
    """Replace the function wherever a module holds it (torch.optim.adamw imports adam from torch.optim.adam)."""
    state = _state

    def recorder(*args: Any, **kwargs: Any) -> Any:
        return _call(state, label, original, *args, **kwargs)

    recorder.__name__ = getattr(original, "__name__", label)
    recorder.__qualname__ = getattr(original, "__qualname__", label)
    recorder.__doc__ = getattr(original, "__doc__", None)
    state.wrapped.add(id(recorder))  # installing another list must not wrap the wrapper
    for holder, key in holders:
        setattr(holder, key, recorder)
        state.installed.append((vars(holder), key, recorder, label))
        state.modules[holder.__name__] = holder


def _wrap_init(cls: type, label: str) -> None:
    state = _state
    original = cls.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        _call(state, label, original, self, *args, **kwargs)

    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    __init__.__doc__ = original.__doc__
    cls.__init__ = __init__
    state.wrapped_classes[id(cls)] = label
    state.installed.append((type.__dict__["__dict__"].__get__(cls), "__init__", __init__, f"{label}.__init__"))


def _holders(roots: set[str], wanted: set[int]) -> dict[int, list[tuple[Any, str]]]:
    """For the wanted objects: every (module, name) of the loaded modules under these packages holding that object."""
    found: dict[int, list[tuple[Any, str]]] = {}
    for name, module in list(sys.modules.items()):
        if module is None or name.partition(".")[0] not in roots:
            continue
        try:
            namespace = vars(module)
        except TypeError:
            continue
        for key, value in list(namespace.items()):
            if id(value) in wanted:
                found.setdefault(id(value), []).append((module, key))
    return found


def _entry_points(forbidden: Sequence[str], allowed: Sequence[str]) -> list[tuple[str, Any, str, Any]]:
    """(label, owner, attribute, object) for every public function and class the forbidden prefixes name."""
    found: dict[int, tuple[str, Any, str, Any]] = {}
    for prefix in forbidden:
        for label, owner, attr, obj in _resolve(prefix, tuple(allowed)):
            if id(obj) in found:
                continue
            if isinstance(obj, type) or callable(obj):
                found[id(obj)] = (label, owner, attr, obj)
    return list(found.values())


def _resolve(prefix: str, allowed: tuple[str, ...]) -> Iterator[tuple[str, Any, str, Any]]:
    if prefix.endswith("."):  # a package: everything its loaded modules define, but modules of allowed names
        package = prefix[:-1]
        try:
            importlib.import_module(package)
        except ImportError:
            return
        for name, module in sorted(sys.modules.items()):
            if module is None or not (name == package or name.startswith(prefix)) or _defines_allowed(module, allowed):
                continue
            for attr, obj in sorted(vars(module).items()):
                if attr.startswith("__") or getattr(obj, "__module__", None) != name:
                    continue
                if isinstance(obj, type) or inspect.isfunction(obj):
                    yield f"{_public_name(name, obj)}", module, attr, obj
        return
    module_name, _, start = prefix.rpartition(".")
    if prefix.startswith(allowed):
        return
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return
    for attr in sorted(set(dir(module)) | ({start} if hasattr(module, start) else set())):
        if attr.startswith(start):
            yield f"{module_name}.{attr}", module, attr, getattr(module, attr)


def _defines_allowed(module: Any, allowed: tuple[str, ...]) -> bool:
    """Does the module define an allowed name (torch.optim.optimizer defines torch.optim.Optimizer)? Its helpers then
    serve honest code too (an Optimizer subclass) and are left alone."""
    for name in allowed:
        package, _, attr = name.rpartition(".")
        obj = getattr(sys.modules.get(package), attr, None)
        if obj is not None and getattr(obj, "__module__", None) == module.__name__:
            return True
    return False


def _public_name(module_name: str, obj: Any) -> str:
    """torch.optim.Adam rather than torch.optim.adam.Adam when the package exports it."""
    package = module_name.rpartition(".")[0]
    name = obj.__name__
    exported = sys.modules.get(package)
    if package and exported is not None and getattr(exported, name, None) is obj:
        return f"{package}.{name}"
    return f"{module_name}.{name}"


protect(sys.modules[__name__])
