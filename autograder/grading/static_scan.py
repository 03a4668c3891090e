"""Find forbidden library use in a notebook's code, by every route its source shows, in the grader's process.

Student code cannot touch this check: it reads the notebook's cells, not the worker. The cells are read the way
the executor runs them (worker/execute.py): each transformed by IPython's own transformer, so a magic line anywhere
blinds nothing; a cell that does not parse is skipped alone (it did not run either); experiment cells keep only
their definitions; public-check cells are skipped; code given to ``exec``/``eval``/``compile`` or to the
code-running magics (``%time``, ``%%time``, ...) as a constant string is read as code too.

For each question, the code that can run when the grader calls its names is collected transitively: the top-level
definitions of those names, of every global they use (helper functions, classes with their bases and methods,
lambdas, aliases), the top-level statements that change those objects, and every top-level statement that changes
a library module (``torch.X = ...``). In that code:

- **forbidden references**: a name of the assignment's forbidden list, reached through imports anywhere (also in
  functions), ``from torch import optim``, assigned aliases, ``getattr(m, "name")``, ``importlib.import_module`` /
  ``__import__`` / ``sys.modules[...]`` / ``vars(m)[...]`` with constant strings;
- **opaque routes**: code the grader cannot follow (names built at run time for ``getattr``/imports/``exec``, a
  module's namespace walked, ``__subclasses__``, frames, unpickling, globals defined at run time), which could
  reach a forbidden name unseen.

Anywhere in the notebook, **tampering**: references to the grader's own modules, ``__wrapped__``/``inspect.unwrap``,
closures and code objects of functions, ``gc.get_objects``/``get_referrers``/``get_referents``, ``importlib.reload``,
changes to ``sys.modules``, trace/profile/audit hooks, ``ctypes``. Those reach around the grader's run-time
instrumentation, so they cost every question it protects.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from autograder.conventions import EXPERIMENT_MARK
from autograder.cell_cache import per_distinct_cell
from autograder.limits import MAX_CELL_BYTES
from autograder.worker.execute import PARSE_ERRORS, definitions_only, is_public_check, transform

EVERY_QUESTION = "*"
_RUN_CODE_MAGICS = {"time", "timeit", "prun", "capture", "debug"}
_EXEC = {"exec", "eval", "compile"}
_INJECTED = {"get_ipython", "__name__", "__builtins__", "__doc__", "__spec__", "__loader__", "__package__"}
_BUILTINS = set(dir(builtins))
_FRAME_ATTRS = {"f_back", "f_globals", "f_locals", "f_builtins", "tb_frame", "gi_frame", "cr_frame", "ag_frame"}
_OPAQUE_CALLS = {
    "sys._getframe": "walks the call stack (sys._getframe)",
    "inspect.currentframe": "walks the call stack (inspect.currentframe)",
    "inspect.stack": "walks the call stack (inspect.stack)",
    "inspect.getouterframes": "walks the call stack (inspect.getouterframes)",
    "inspect.getmembers": "walks an object's attributes (inspect.getmembers)",
    "pickle.loads": "unpickles data, which can call any function by name (pickle)",
    "pickle.load": "unpickles data, which can call any function by name (pickle)",
    "marshal.loads": "loads code objects (marshal)",
    "dill.loads": "unpickles data, which can call any function by name (dill)",
    "importlib.util.spec_from_file_location": "loads a module from a file by hand (importlib.util)",
    "importlib.util.module_from_spec": "loads a module from a file by hand (importlib.util)",
    "importlib.util.find_spec": "looks up modules by hand (importlib.util)",
    "runpy.run_module": "runs a module by name (runpy)",
    "runpy.run_path": "runs a file (runpy)",
    "operator.attrgetter": "looks attributes up by name (operator.attrgetter)",
    "types.FunctionType": "builds a function from a code object (types.FunctionType)",
    "types.CodeType": "builds a code object (types.CodeType)",
}
_TAMPER_CALLS = {
    "gc.get_objects": "searches every object in memory (gc.get_objects)",
    "gc.get_referrers": "searches for the objects that refer to another (gc.get_referrers)",
    "gc.get_referents": "searches the objects another refers to (gc.get_referents)",
    "importlib.reload": "re-imports a module (importlib.reload)",
    "imp.reload": "re-imports a module (imp.reload)",
    "inspect.unwrap": "unwraps a wrapped function (inspect.unwrap)",
    "sys.settrace": "installs a trace function (sys.settrace)",
    "sys.setprofile": "installs a profile function (sys.setprofile)",
    "threading.settrace": "installs a trace function (threading.settrace)",
    "threading.setprofile": "installs a profile function (threading.setprofile)",
    "sys.addaudithook": "installs an audit hook (sys.addaudithook)",
}
_TAMPER_ATTRS = {
    "__wrapped__": "unwraps a wrapped function (__wrapped__)",
    "__closure__": "reads a function's closure (__closure__)",
    "cell_contents": "reads a function's closure (cell_contents)",
    "__globals__": "reads a function's globals (__globals__)",
    "__code__": "reads or replaces a function's code (__code__)",
    "__defaults__": "reads or replaces a function's default arguments (__defaults__)",
    "__kwdefaults__": "reads or replaces a function's default arguments (__kwdefaults__)",
}
_SYS_MODULES_CHANGES = {"pop", "popitem", "clear", "update", "setdefault", "__setitem__", "__delitem__"}


@dataclass(frozen=True)
class Finding:
    """Something the scan found: which question it costs (EVERY_QUESTION for tampering), what and where."""

    question: str
    kind: str  # "forbidden", "opaque" or "tampering"
    what: str  # a dotted name, or a phrase such as "walks the call stack (sys._getframe)"
    where: str  # "code cell 12, line 3"

    def sentence(self) -> str:
        if self.kind == "forbidden":
            return f"your code calls {self.what} ({self.where}), a library version of what this question asks you to write"
        if self.kind == "opaque":
            return (
                f"code this question runs {self.what} ({self.where}), so the grader cannot tell which library "
                "functions it reaches; write it as plain calls"
            )
        return (
            f"the notebook {self.what} ({self.where}), which reaches around the grader's check for library calls "
            "this question forbids; remove it"
        )


def scan(
    cells: Sequence[str], questions: Mapping[str, Sequence[str]], forbidden: Sequence[str], allowed: Sequence[str] = ()
) -> list[Finding]:
    """Every finding in the notebook's code cells, for questions mapped to the top-level names they grade."""
    notebook = _Notebook(cells)
    rules = _Rules(tuple(forbidden), tuple(allowed))
    findings: dict[tuple[str, str, str, str], Finding] = {}
    for stmt in notebook.statements:
        for node in stmt.read.tamper_nodes:
            for kind, what in _tampering(node, notebook):
                where = stmt.where(node)
                findings.setdefault((EVERY_QUESTION, kind, what, where), Finding(EVERY_QUESTION, kind, what, where))
    for question, names in questions.items():
        statements, unresolved = notebook.reachable(names)
        for stmt in statements:
            if stmt.judged is None:
                stmt.judged = [(k, w, stmt.where(n)) for n in stmt.read.judge_nodes for k, w in _judge(n, notebook, rules)]
            for kind, what, where in stmt.judged:
                findings.setdefault((question, kind, what, where), Finding(question, kind, what, where))
        for name in sorted(unresolved):
            what = f"uses {name}, which no cell defines (was it created at run time?)"
            findings.setdefault((question, "opaque", what, ""), Finding(question, "opaque", what, "no cell defines it"))
    return list(findings.values())


def by_question(findings: Iterable[Finding], questions: Iterable[str]) -> dict[str, list[Finding]]:
    """question -> its findings, tampering counted for every question."""
    found: dict[str, list[Finding]] = {}
    everyone = [f for f in findings if f.question == EVERY_QUESTION]
    for finding in findings:
        if finding.question != EVERY_QUESTION:
            found.setdefault(finding.question, []).append(finding)
    if everyone:
        for question in questions:
            found.setdefault(question, []).extend(everyone)
    return found


# --- reading the notebook --------------------------------------------------------------------------------------


class _Read:
    """A top-level statement and what it holds whatever notebook it is in: every node under it (code in constant
    strings included), the names it binds, the imports and assignments that may make aliases, the objects it changes,
    and the nodes the scan's checks can find anything in (the others can yield no finding, whatever the aliases).
    Made once per distinct cell (_read_cell) and shared by every notebook that has the cell: only read."""

    __slots__ = ("node", "nodes", "bound", "bound_anywhere", "imports", "assignments", "changed_roots", "names",
                 "tamper_nodes", "judge_nodes")  # fmt: skip

    def __init__(self, node: ast.stmt, nodes: list[ast.AST]) -> None:
        self.node, self.nodes = node, nodes
        self.bound = frozenset(_bound_names(node))
        self.bound_anywhere = frozenset(_names_bound_anywhere(nodes))
        self.imports, self.assignments = _imports_and_assignments(nodes)
        self.changed_roots = tuple(_changed_roots(node))
        self.names = tuple(n.id for n in nodes if isinstance(n, ast.Name))
        self.tamper_nodes = tuple(n for n in nodes if _may_tamper(n))
        self.judge_nodes = tuple(n for n in nodes if _may_judge(n))


class _Stmt:
    """A top-level statement as it runs in one notebook: what it holds, and the cell it is in."""

    def __init__(self, read: _Read, cell: int) -> None:
        self.read, self.node, self.cell = read, read.node, cell
        self.judged: list[tuple[str, str, str]] | None = None

    def where(self, node: ast.AST) -> str:
        return f"code cell {self.cell}, line {getattr(node, 'lineno', 0)}"


class _Notebook:
    """The executed top-level statements of every cell, their bindings, aliases, and who changes what."""

    def __init__(self, cells: Sequence[str]) -> None:
        self.statements: list[_Stmt] = []
        for number, source in enumerate(cells, start=1):
            self.statements += _cell_statements(source, number)
        self.bindings: dict[str, list[_Stmt]] = {}
        self.changers: dict[str, list[_Stmt]] = {}
        self.library_changes: list[_Stmt] = []
        self.aliases: dict[str, set[str]] = {}
        self.bound_anywhere: set[str] = set()
        for stmt in self.statements:
            for name in stmt.read.bound:
                self.bindings.setdefault(name, []).append(stmt)
        self._find_aliases()
        for stmt in self.statements:
            for root in stmt.read.changed_roots:
                if any(self.resolve(ast.Name(root, ast.Load()))):
                    self.library_changes.append(stmt)
                else:
                    self.changers.setdefault(root, []).append(stmt)

    def _find_aliases(self) -> None:
        assignments: list[tuple[str, ast.expr]] = []
        for stmt in self.statements:
            self.bound_anywhere |= stmt.read.bound_anywhere
            for name, imported in stmt.read.imports:
                self.aliases.setdefault(name, set()).add(imported)
            assignments += stmt.read.assignments
        for _ in range(5):  # aliases of aliases
            changed = False
            for name, value in assignments:
                found = self.resolve(value)
                if found - self.aliases.get(name, set()):
                    self.aliases.setdefault(name, set()).update(found)
                    changed = True
            if not changed:
                break

    def resolve(self, node: ast.AST) -> set[str]:
        """The dotted names (modules, functions, classes of libraries) an expression may evaluate to."""
        if isinstance(node, ast.Name):
            return set(self.aliases.get(node.id, ()))
        if isinstance(node, ast.Attribute):
            return {f"{base}.{node.attr}" for base in self.resolve(node.value)}
        if isinstance(node, ast.Call):
            name, args = _call_name(node, self), node.args
            text = _constant_text(args[0]) if args else None
            if name in ("getattr", "builtins.getattr") and len(args) >= 2:
                attr = _constant_text(args[1])
                return {f"{base}.{attr}" for base in self.resolve(args[0])} if attr else set()
            if name in ("importlib.import_module", "__import__", "builtins.__import__") and text:
                has_fromlist = name != "importlib.import_module" and (len(args) >= 4 or any(
                    k.arg == "fromlist" for k in node.keywords))  # fmt: skip
                return {text if name == "importlib.import_module" or has_fromlist else text.split(".")[0]}
            return set()
        if isinstance(node, ast.Subscript):
            key = _constant_text(node.slice)
            if key is None:
                return set()
            container = node.value
            if "sys.modules" in self.resolve(container):
                return {key}
            if isinstance(container, ast.Call) and _call_name(container, self) in ("vars", "builtins.vars") and container.args:
                return {f"{base}.{key}" for base in self.resolve(container.args[0])}
            if isinstance(container, ast.Attribute) and container.attr == "__dict__":
                return {f"{base}.{key}" for base in self.resolve(container.value)}
            if isinstance(container, ast.Call) and _call_name(container, self) in ("globals", "builtins.globals"):
                return self.resolve(ast.Name(key, ast.Load()))
        return set()

    def reachable(self, names: Iterable[str]) -> tuple[list[_Stmt], set[str]]:
        """The statements whose code can run when the grader calls these names (see the module docstring), and the
        global names that code uses but no cell binds."""
        roots = set(names)
        seen_names = set(roots)
        queue = list(seen_names)
        # Keyed by statement, not syntax node: identical cells share their trees (_read_cell), and each runs.
        included: dict[int, _Stmt] = {id(s): s for s in self.library_changes}
        for stmt in self.library_changes:
            queue += self._new_names(stmt, seen_names)
        while queue:
            name = queue.pop()
            for stmt in self.bindings.get(name, []) + self.changers.get(name, []):
                if id(stmt) not in included:
                    included[id(stmt)] = stmt
                    queue += self._new_names(stmt, seen_names)
        unresolved = seen_names - roots - self.bindings.keys() - self.bound_anywhere - _BUILTINS - _INJECTED
        return list(included.values()), unresolved

    def _new_names(self, stmt: _Stmt, seen: set[str]) -> list[str]:
        new = [name for name in stmt.read.names if name not in seen]
        seen.update(new)
        return new


def _parse(code: str, line: int = 0) -> ast.Module | None:
    """The code as the executor runs it, with parent links; every line set to `line` when it came from a string.

    Code that parses as Python is what IPython's transformer returns anyway (magics and shell escapes are never valid
    Python), so only the rest pays for the transformer.
    """
    try:
        try:
            tree = ast.parse(code)
        except SyntaxError:
            tree = ast.parse(transform(code))
    except (*PARSE_ERRORS, RuntimeError):  # RuntimeError: IPython's transformer gives up after 500 magic lines
        return None
    if line:
        for node in ast.walk(tree):
            if hasattr(node, "lineno"):
                node.lineno = line  # type: ignore[attr-defined]
    return tree


def _cell_statements(source: str, number: int) -> list[_Stmt]:
    return [_Stmt(read, number) for read in _read_cell(source)]


@per_distinct_cell
def _read_cell(source: str) -> tuple[_Read, ...]:
    """The top-level statements a cell runs, each with what it holds whatever the notebook (read once per grader
    process for each distinct cell of ordinary size). What depends on the rest of the notebook (aliases, findings,
    the cell's number) is worked out per notebook; these are only read, and identical cells of a notebook share
    them."""
    if len(source.encode(errors="replace")) > MAX_CELL_BYTES or is_public_check(source):  # not run either
        return ()
    tree = _parse(source)
    if tree is None:
        return ()
    if source.lstrip().startswith(EXPERIMENT_MARK):
        tree = definitions_only(tree)
    statements = []
    for node in tree.body:
        nodes = _walk(node)
        statements.append(_Read(node, nodes))
        statements += [_Read(inner, _walk(inner)) for inner in _code_in_strings(nodes)]
    return tuple(statements)


def _code_in_strings(nodes: list[ast.AST]) -> Iterator[ast.stmt]:
    """Top-level statements of code passed as a constant string to exec/eval/compile or a code-running magic (these
    run at module level when the call does: their definitions are the notebook's)."""
    for call in (n for n in nodes if isinstance(n, ast.Call)):
        code = _string_code(call)
        tree = None if code is None else _parse(code, call.lineno)
        for inner in tree.body if tree is not None else []:
            yield inner
            yield from _code_in_strings(_walk(inner))


def _string_code(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name) and func.id in _EXEC and call.args:
        return _constant_text(call.args[0])
    magic = isinstance(func, ast.Attribute) and func.attr in ("run_cell_magic", "run_line_magic") and call.args
    if magic and _constant_text(call.args[0]) in _RUN_CODE_MAGICS:
        return _constant_text(call.args[-1])
    return None


def _walk(node: ast.AST) -> list[ast.AST]:
    """Every node under `node`, each linked to its parent, plus the code of constant strings given to
    exec/eval/compile and code-running magics (one pass: a notebook's public-checks cell alone has ~20k nodes)."""
    found: list[ast.AST] = []
    stack = [node]
    while stack:
        current = stack.pop()
        found.append(current)
        for child in ast.iter_child_nodes(current):
            child._parent = current  # type: ignore[attr-defined]
            stack.append(child)
        if isinstance(current, ast.Call) and (code := _string_code(current)) is not None:
            tree = _parse(code, current.lineno)
            stack.extend(tree.body if tree is not None else [])
    return found


def _bound_names(node: ast.AST) -> set[str]:
    """Names a statement binds in the scope it runs in (not inside the functions, classes and lambdas it defines)."""
    names: set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(current.name)
            continue
        if isinstance(current, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name.split(".")[0]) for a in current.names if a.name != "*"}
            continue
        if isinstance(current, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            continue
        if isinstance(current, ast.Name) and isinstance(current.ctx, (ast.Store, ast.Del)):
            names.add(current.id)
        elif isinstance(current, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and current.name:
            names.add(current.name)
        elif isinstance(current, ast.MatchMapping) and current.rest:
            names.add(current.rest)
        stack.extend(ast.iter_child_nodes(current))
    return names


def _names_bound_anywhere(nodes: list[ast.AST]) -> set[str]:
    """Every name bound in any scope of the code: assignments, parameters, imports, definitions, handlers."""
    names: set[str] = set()
    for current in nodes:
        if isinstance(current, ast.Name) and isinstance(current.ctx, (ast.Store, ast.Del)):
            names.add(current.id)
        elif isinstance(current, ast.arg):
            names.add(current.arg)
        elif isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(current.name)
        elif isinstance(current, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name.split(".")[0]) for a in current.names if a.name != "*"}
        elif isinstance(current, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and current.name:
            names.add(current.name)
        elif isinstance(current, (ast.Global, ast.Nonlocal)):
            names.update(current.names)
    return names


def _imports_and_assignments(nodes: list[ast.AST]) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, ast.expr], ...]]:
    """(name, dotted name it imports) for each import, and (name, expression) for each assignment and default value
    that may make an alias of a library name (resolved per notebook: _Notebook._find_aliases)."""
    imports: list[tuple[str, str]] = []
    assignments: list[tuple[str, ast.expr]] = []
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    imports.append((alias.asname, alias.name))
                else:
                    root = alias.name.split(".")[0]
                    imports.append((root, root))
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                if alias.name != "*":
                    imports.append((alias.asname or alias.name, f"{node.module}.{alias.name}"))
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                assignments += _pairs(target, node.value)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            params = [*node.args.posonlyargs, *node.args.args]
            for arg, default in zip(params[len(params) - len(node.args.defaults) :], node.args.defaults):
                assignments.append((arg.arg, default))
            for arg, default in zip(node.args.kwonlyargs, node.args.kw_defaults):
                if default is not None:
                    assignments.append((arg.arg, default))
    return tuple(imports), tuple(assignments)


def _changed_roots(node: ast.stmt) -> set[str]:
    """Names whose object a top-level statement changes: X.a = ..., X[k] = ..., del X.a, setattr(X, ...), ..."""
    roots: set[str] = set()
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        targets = [node.target]
    elif isinstance(node, ast.Delete):
        targets = node.targets
    for target in targets:
        for part in ast.walk(target):
            if isinstance(part, (ast.Attribute, ast.Subscript)) and (root := _root_name(part)):
                roots.add(root)
    for call in (n for n in _module_level(node) if isinstance(n, ast.Call)):
        func = call.func
        if isinstance(func, ast.Name) and func.id in ("setattr", "delattr") and call.args:
            roots.add(_root_name(call.args[0]) or "")
        elif isinstance(func, ast.Attribute) and func.attr in ("update", "__setattr__", "__setitem__", "setdefault"):
            owner = func.value
            if isinstance(owner, ast.Call) and isinstance(owner.func, ast.Name) and owner.func.id == "vars" and owner.args:
                owner = owner.args[0]
            elif isinstance(owner, ast.Attribute) and owner.attr == "__dict__":
                owner = owner.value
            roots.add(_root_name(owner) or "")
    roots.discard("")
    return roots


def _module_level(node: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a statement that run when it runs: not the bodies of the functions, lambdas, classes it defines."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if not isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            stack.extend(ast.iter_child_nodes(current))


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _pairs(target: ast.expr, value: ast.expr) -> list[tuple[str, ast.expr]]:
    if isinstance(target, ast.Name):
        return [(target.id, value)]
    sequences = isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List))
    if sequences and len(target.elts) == len(value.elts):
        return [pair for t, v in zip(target.elts, value.elts) for pair in _pairs(t, v)]
    return []


def _constant_text(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _call_name(call: ast.Call, notebook: _Notebook) -> str:
    """The dotted name of what a call calls: a builtin by its own name, a library function resolved, else ""."""
    func = call.func
    if isinstance(func, ast.Name) and func.id not in notebook.bindings and func.id in _BUILTINS:
        return func.id
    found = notebook.resolve(func)
    return min(found) if len(found) == 1 else next((f for f in sorted(found) if "." in f), "")


# --- judging ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rules:
    forbidden: tuple[str, ...]
    allowed: tuple[str, ...]

    def forbids(self, name: str) -> bool:
        if any(name == a or name.startswith(a + ".") for a in self.allowed):
            return False
        return any(name == p.rstrip(".") or name.startswith(p) for p in self.forbidden)


def _may_judge(node: ast.AST) -> bool:
    """Can _judge find anything in this node, in some notebook? (False only where none of its branches applies.)"""
    if isinstance(node, ast.Call):
        return True
    if isinstance(node, ast.Attribute) and (node.attr in _FRAME_ATTRS or node.attr in ("__subclasses__", "__dict__")):
        return True
    return isinstance(node, (ast.Name, ast.Attribute, ast.Subscript)) and not _inside_longer_reference(node)


def _may_tamper(node: ast.AST) -> bool:
    """Can _tampering find anything in this node, in some notebook? (False only where none of its branches applies;
    a bare name never counts: its own import does.)"""
    if isinstance(node, (ast.Import, ast.ImportFrom, ast.Call)):
        return True
    if isinstance(node, ast.Attribute):
        return node.attr in _TAMPER_ATTRS or node.attr in _SYS_MODULES_CHANGES or not _inside_longer_reference(node)
    if isinstance(node, (ast.Assign, ast.Delete)):
        return any(isinstance(target, ast.Subscript) for target in node.targets)
    if isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        return isinstance(node.target, ast.Subscript)
    return isinstance(node, ast.Subscript) and not _inside_longer_reference(node)


def _judge(node: ast.AST, notebook: _Notebook, rules: _Rules) -> Iterator[tuple[str, str]]:
    """("forbidden", name) and ("opaque", phrase) for one node of reachable code."""
    if isinstance(node, (ast.Name, ast.Attribute, ast.Call, ast.Subscript)) and not _inside_longer_reference(node):
        for name in sorted(notebook.resolve(node)):
            if rules.forbids(name):
                yield "forbidden", name
    if isinstance(node, ast.Attribute) and node.attr in _FRAME_ATTRS:
        yield "opaque", f"walks the call stack ({node.attr})"
    if isinstance(node, ast.Attribute) and node.attr == "__subclasses__":
        yield "opaque", "walks a class hierarchy (__subclasses__)"
    namespace = isinstance(node, ast.Attribute) and node.attr == "__dict__" and notebook.resolve(node.value)
    if namespace and not _is_constant_lookup(node):
        yield "opaque", "walks a module's names (__dict__)"
    if isinstance(node, ast.Call):
        yield from _judge_call(node, notebook)


def _judge_call(call: ast.Call, notebook: _Notebook) -> Iterator[tuple[str, str]]:
    name = _call_name(call, notebook)
    args = call.args
    first_text = _constant_text(args[0]) if args else None
    if name in _OPAQUE_CALLS:
        yield "opaque", _OPAQUE_CALLS[name]
    elif name in _EXEC and args and first_text is None:
        yield "opaque", f"runs code built at run time ({name})"
    elif name in ("getattr", "setattr", "delattr") and len(args) >= 2 and _constant_text(args[1]) is None:
        if notebook.resolve(args[0]) or isinstance(args[0], (ast.Call, ast.Subscript)):
            yield "opaque", f"looks up a name built at run time in a module ({name})"
    elif name in ("importlib.import_module", "__import__") and first_text is None:
        yield "opaque", f"imports a module named at run time ({name})"
    elif name in ("vars", "dir") and args and notebook.resolve(args[0]) and not _is_constant_lookup(call):
        yield "opaque", f"walks a module's names ({name})"
    elif name in ("globals", "locals", "vars") and not args and not _is_constant_lookup(call):
        yield "opaque", f"reads variables by names built at run time ({name}())"
    elif isinstance(call.func, ast.Attribute) and "sys.modules" in notebook.resolve(call.func.value):
        if call.func.attr in ("get", "__getitem__") and first_text is not None:
            return
        yield "opaque", f"walks the loaded modules (sys.modules.{call.func.attr})"


def _tampering(node: ast.AST, notebook: _Notebook) -> Iterator[tuple[str, str]]:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
        for module in modules:
            if module.split(".")[0] in ("autograder", "ctypes"):
                yield "tampering", f"imports {module}"
    elif isinstance(node, ast.Attribute):
        if node.attr in _TAMPER_ATTRS:
            yield "tampering", _TAMPER_ATTRS[node.attr]
        if node.attr in _SYS_MODULES_CHANGES and "sys.modules" in notebook.resolve(node.value):
            yield "tampering", f"changes the loaded modules (sys.modules.{node.attr})"
    elif isinstance(node, (ast.Assign, ast.AugAssign, ast.Delete, ast.AnnAssign)):
        targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
        for target in targets:
            if isinstance(target, ast.Subscript) and "sys.modules" in notebook.resolve(target.value):
                yield "tampering", "changes the loaded modules (sys.modules[...])"
    elif isinstance(node, ast.Call):
        name = _call_name(node, notebook)
        if name in _TAMPER_CALLS:
            yield "tampering", _TAMPER_CALLS[name]
        elif name in ("importlib.import_module", "__import__") and node.args:
            module = _constant_text(node.args[0]) or ""
            if module.split(".")[0] in ("autograder", "ctypes"):
                yield "tampering", f"imports {module}"
    if isinstance(node, (ast.Name, ast.Attribute, ast.Subscript, ast.Call)) and not _inside_longer_reference(node):
        for name in notebook.resolve(node):
            if name.split(".")[0] in ("autograder", "ctypes") and not isinstance(node, ast.Name):
                yield "tampering", f"uses {name.split('.')[0]}"


def _inside_longer_reference(node: ast.AST) -> bool:
    """Is the node the base of a longer reference (x in x.y, getattr(x, "y"), x["y"])? Then that one is judged."""
    parent = getattr(node, "_parent", None)
    if isinstance(parent, ast.Attribute) and parent.value is node:
        return True
    if isinstance(parent, ast.Subscript) and parent.value is node and _constant_text(parent.slice) is not None:
        return True
    if isinstance(parent, ast.Call) and parent.args and parent.args[0] is node:
        func = parent.func
        return isinstance(func, ast.Name) and func.id in ("getattr", "vars") and (
            func.id == "vars" or (len(parent.args) >= 2 and _constant_text(parent.args[1]) is not None))  # fmt: skip
    return False


def _is_constant_lookup(node: ast.AST) -> bool:
    """Is this namespace read only to look one constant name up (vars(m)["x"], m.__dict__["x"], globals()["x"])?"""
    parent = getattr(node, "_parent", None)
    if isinstance(parent, ast.Subscript) and parent.value is node:
        return _constant_text(parent.slice) is not None
    if isinstance(parent, ast.Attribute) and parent.attr == "get":
        call = getattr(parent, "_parent", None)
        return isinstance(call, ast.Call) and bool(call.args) and _constant_text(call.args[0]) is not None
    return False

