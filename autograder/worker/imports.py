"""Imports a notebook makes for its experiments, left undone until something uses them.

A notebook imports what its experiments need (matplotlib, scikit-learn: about 2 s of CPU on every cold start),
while graded code rarely uses any of it, and the grader skips the experiments. Before the cells run, the session
reads what they will run (an experiment cell: only its imports and definitions) and sorts the names they use into
those used at the top level (any statement outside a function body, decorators, defaults and class bodies included:
they run as the cell runs) and those used only inside function bodies. Then, for each top-level ``import`` of a
module that is not loaded yet:

- a name used at the top level is imported as written;
- a module name used only inside function bodies is bound to a LazyModule, which imports the module on first
  attribute access: a graded function that uses it works as before;
- a name nothing uses is bound to a stand-in that imports on first use (attribute, call), for code that reaches it
  in ways a reading cannot see (``eval``, ``globals()``).

Only an import that would succeed is left undone: the module must be found without importing it and, for ``from m
import name``, ``name`` must be bound at the top of m's source or be a submodule of m. So an import that fails still
fails in its cell, with the same error. A module imported only for what importing it does (a plotting style, say)
takes effect when something first uses it: nothing the grader calls depends on that.
"""

from __future__ import annotations

import ast
import functools
import importlib
import importlib.machinery
import re
import sys
import types
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
# Calls whose text arguments are code that runs at once: the magics IPython's transformer produces, eval and exec.
_CODE_TAKERS = {"run_line_magic", "run_cell_magic", "eval", "exec"}


@dataclass(frozen=True)
class Uses:
    """The names a notebook's cells use: at the top level, and only inside function bodies."""

    top: frozenset[str]
    inside: frozenset[str]


def uses(trees: Iterable[ast.Module]) -> Uses:
    """The names the given cells (as they will run) use, sorted by where. Decorators, defaults and annotations run
    where a function is defined; its body when it is called. (One pass without recursion: a notebook's public-checks
    cell alone has ~20k nodes.)"""
    top: set[str] = set()
    inside: set[str] = set()
    stack: list[tuple[ast.AST, bool]] = [(tree, False) for tree in trees]
    while stack:
        node, deep = stack.pop()
        names = inside if deep else top
        if isinstance(node, ast.Name):
            names.add(node.id)
            continue
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            names.update(node.names)
        elif isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if called in _CODE_TAKERS:
                for arg in node.args:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        names.update(_IDENTIFIER.findall(arg.value))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            for field, value in ast.iter_fields(node):
                for child in value if isinstance(value, list) else [value]:
                    if isinstance(child, ast.AST):
                        stack.append((child, deep or field == "body"))
        else:
            stack.extend((child, deep) for child in ast.iter_child_nodes(node))
    return Uses(frozenset(top), frozenset(inside - top))


def run_deferring(
    tree: ast.Module, namespace: dict[str, Any], used: Uses, compile_part: Callable[[ast.Module], types.CodeType]
) -> None:
    """Run a cell's statements in order, binding stand-ins for the imports that can wait (see the module's text).

    The statements between such imports are compiled by `compile_part` as the whole cell would be, all before any
    runs: a cell that does not compile runs nothing, as before.
    """
    steps: list[types.CodeType | tuple[str, Any]] = []
    pending: list[ast.stmt] = []

    def flush() -> None:
        if pending:
            steps.append(compile_part(ast.Module(list(pending), type_ignores=[])))
            pending.clear()

    for node in tree.body:
        plan = _plan(node, used) if isinstance(node, (ast.Import, ast.ImportFrom)) else []
        if not plan:
            pending.append(node)
            continue
        for alias, stand_in in plan:
            if stand_in is None:
                pending.append(ast.copy_location(type(node)(**{**dict(ast.iter_fields(node)), "names": [alias]}), node))
            else:
                flush()
                steps.append((alias.asname or alias.name.partition(".")[0], stand_in))
    flush()
    for step in steps:
        if isinstance(step, tuple):
            namespace[step[0]] = step[1]
        else:
            exec(step, namespace)


def defers(tree: ast.Module, used: Uses) -> bool:
    """Does the cell hold an import that can wait? (If not, it runs exactly as written.)"""
    if any(isinstance(n, ast.ImportFrom) and n.module == "__future__" for n in tree.body):
        return False
    return any(_plan(n, used) for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom)))


def _plan(node: ast.Import | ast.ImportFrom, used: Uses) -> list[tuple[ast.alias, Any]]:
    """Each alias of the import with its stand-in (None: import it as written); empty when all are imported."""
    plan = [(alias, _stand_in(node, alias, used)) for alias in node.names]
    return plan if any(stand_in is not None for _, stand_in in plan) else []


def _stand_in(node: ast.Import | ast.ImportFrom, alias: ast.alias, used: Uses) -> Any:
    bound = alias.asname or alias.name.partition(".")[0]
    if bound in used.top or alias.name == "*":
        return None
    if isinstance(node, ast.Import):
        module = alias.name
        return None if module in sys.modules or _spec(module) is None else LazyModule(module, whole=not alias.asname)
    if node.level or not node.module:
        return None
    submodule = f"{node.module}.{alias.name}"
    if node.module in sys.modules:  # only a submodule not loaded yet can wait
        if submodule in sys.modules or hasattr(sys.modules[node.module], alias.name) or _spec(submodule) is None:
            return None
        return LazyModule(submodule, whole=False)
    if _spec(node.module) is None:
        return None
    if alias.name in (_top_level_names(node.module) or ()):
        return None if bound in used.inside else Deferred(node.module, alias.name)
    return None if _spec(submodule) is None else LazyModule(submodule, whole=False)


def _spec(module: str) -> importlib.machinery.ModuleSpec | None:
    """How `module` would be imported from files, found without importing anything (a parent package's code
    included); None if it cannot be found that way."""
    path, spec = None, None
    parts = module.split(".")
    for i in range(len(parts)):
        if i and not path:
            return None
        spec = importlib.machinery.PathFinder.find_spec(".".join(parts[: i + 1]), path)
        if spec is None:
            return None
        path = spec.submodule_search_locations
    return spec


@functools.cache
def _top_level_names(module: str) -> frozenset[str] | None:
    """The names a module's source binds at its top level (in if/try/with blocks too); None if it has no source."""
    spec = _spec(module)
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        return None
    try:
        with open(spec.origin, "rb") as source:
            tree = ast.parse(source.read())
    except (OSError, SyntaxError, ValueError):
        return None
    names: set[str] = set()
    blocks = [tree.body]
    while blocks:
        for node in blocks.pop():
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                names.update(a.asname or a.name.partition(".")[0] for a in node.names)
            elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                    names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
            elif isinstance(node, (ast.If, ast.Try, ast.With)):
                blocks.extend(getattr(node, field) for field in ("body", "orelse", "finalbody") if hasattr(node, field))
                blocks.extend(handler.body for handler in getattr(node, "handlers", ()))
    return frozenset(names)


class LazyModule(types.ModuleType):
    """A module, imported on first attribute access. `whole`: ``import a.b`` binds ``a``, once ``a.b`` is loaded."""

    def __init__(self, module: str, whole: bool) -> None:
        super().__init__(module.partition(".")[0] if whole else module)
        object.__setattr__(self, "_LazyModule__load", functools.partial(_load, module, whole))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_LazyModule__"):
            raise AttributeError(name)
        return getattr(self.__load(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self.__load(), name, value)

    def __dir__(self) -> list[str]:
        return dir(self.__load())

    def __repr__(self) -> str:
        return f"<module {self.__name__!r}, imported when first used>"


class Deferred:
    """What ``from module import name`` binds, imported on first use (attribute access or call)."""

    __slots__ = ("_load", "_label")

    def __init__(self, module: str, name: str) -> None:
        object.__setattr__(self, "_load", lambda: getattr(importlib.import_module(module), name))
        object.__setattr__(self, "_label", f"{module}.{name}")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._load(), name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._load()(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<{self._label}, imported when first used>"


def _load(module: str, whole: bool) -> types.ModuleType:
    loaded = importlib.import_module(module)
    return sys.modules[module.partition(".")[0]] if whole else loaded
