"""Execute a notebook's code cells the way IPython would, minus everything a grader must not do.

Each cell is transformed by IPython's own input transformer, so ``%magics`` and ``!shell`` lines become
calls on ``get_ipython()``; the shell object given here never runs shell commands, runs the code that
``%time``/``%%time``-style magics wrap, and ignores the rest. A cell whose first line is EXPERIMENT_MARK
runs only its imports, definitions and literal assignments: the notebook's experiments are for students,
and skipping their training loops keeps grading fast. Cells are compiled with the file name
``<cell N>``, which is how the forbidden-call recorder recognises student code.
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import asdict, dataclass
from typing import Any, Literal, get_args

from autograder.cell_cache import per_distinct_cell
from autograder.conventions import CELL_FILENAME_PREFIX, EXPERIMENT_MARK, PUBLIC_CHECK_CALL, student_frame
from autograder.student_text import clean

_RUN_WRAPPED = {"time", "timeit", "prun", "capture", "debug"}

CellStatus = Literal["ok", "error", "skipped-work", "timeout", "crashed"]
_MAX_TEXT = 500  # characters of a message kept from a worker's report


@dataclass(frozen=True)
class CellOutcome:
    """How one code cell went: it ran (``ok``), raised (``error``), ran only its definitions (``skipped-work``), or
    was stopped by its time limit (``timeout``) or by ending its own process (``crashed``)."""

    cell: int
    status: CellStatus
    error_type: str = ""
    message: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Any) -> CellOutcome:
        """Read an outcome a worker sent; ValueError unless it has the expected shape (texts become one capped line
        without control characters: the student chose them)."""
        if not isinstance(data, dict) or not isinstance(data.get("cell"), int) or data.get("status") not in get_args(
            CellStatus
        ):
            raise ValueError("unexpected message from the worker")
        error_type, message = clean(data.get("error_type", ""), 80), clean(data.get("message", ""), _MAX_TEXT)
        return cls(data["cell"], data["status"], error_type, message)


class GraderShell:
    """What ``get_ipython()`` returns while grading: magics that only wrap code run it; nothing else runs."""

    def __init__(self, namespace: dict[str, Any], cell: int) -> None:
        self.namespace, self.cell, self.user_ns = namespace, cell, namespace
        self.notes: list[str] = []

    def run_line_magic(self, name: str, line: str, _stack_depth: int = 1) -> None:
        if name in _RUN_WRAPPED and line.strip():
            _exec(transform(line), self.namespace, self.cell)
        elif name not in {"matplotlib", "load_ext", "config", "autoreload", "aimport", "pip", "conda", "env"}:
            self.notes.append(f"%{name} is ignored by the grader")

    def run_cell_magic(self, name: str, line: str, cell: str) -> None:
        if name in _RUN_WRAPPED:
            _exec(transform(cell), self.namespace, self.cell)
        else:
            self.notes.append(f"%%{name} cells are not run by the grader")

    def system(self, cmd: str) -> None:
        self.notes.append("shell commands (!...) are not run by the grader")

    def getoutput(self, cmd: str, split: bool = True) -> list[str]:
        self.notes.append("shell commands (!...) are not run by the grader")
        return []

    def magic(self, line: str) -> None:
        name, _, rest = line.partition(" ")
        self.run_line_magic(name.lstrip("%"), rest)


# What IPython's transformer may rewrite: an escape (! % ? / , ;) or a prompt (>>> ... In [n]:) opening a line, an
# assignment of one (`x = !ls`); and line breaks other than \n, which it splits lines at too.
_IPYTHON_SYNTAX = re.compile(r"^\s*(?:[!%?/,;]|>>>|\.\.\.|In \[|\[(?:nav|ins)\])|=\s*[!%]", re.M)
_OTHER_BREAKS = re.compile("[\r\v\f\x1c-\x1e\x85\u2028\u2029]")
_WHITESPACE_ONLY = re.compile(r"^[ \t]+$", re.M)


# What ast.parse raises for code that is not Python it can read: besides SyntaxError, ValueError (null bytes), and
# MemoryError or RecursionError for deep nesting ('-' * 6000 + '1', 'a' + '.a' * 3000), which a cell of a few kB has.
PARSE_ERRORS = (SyntaxError, ValueError, RecursionError, MemoryError)


@per_distinct_cell
def transform(source: str) -> str:
    """A cell's code as IPython runs it: magics and !shell lines become get_ipython() calls (also for the scan).

    A cell of Python with none of what IPython rewrites, starting on its first line without indentation, comes out of
    IPython's transformer with only its whitespace-only lines emptied (textwrap.dedent) and a final newline: that is
    done here, and IPython (0.2 s to import) is loaded only for a cell that needs it. (A cell that is not Python goes
    to IPython, whose errors say what is wrong in their own words.)
    """
    if source[:1].strip() and not _IPYTHON_SYNTAX.search(source) and not _OTHER_BREAKS.search(source):
        if _is_python(source):
            code = _WHITESPACE_ONLY.sub("", source)
            return code if code.endswith("\n") else code + "\n"
    return _ipython_transformer().transform_cell(source)


def _is_python(source: str) -> bool:
    try:
        ast.parse(source)
    except PARSE_ERRORS:  # IPython's path then says what is wrong
        return False
    return True


@functools.cache
def _ipython_transformer() -> Any:
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager()


def _exec(code: str, namespace: dict[str, Any], cell: int) -> None:
    exec(compile(code, f"{CELL_FILENAME_PREFIX}{cell}>", "exec"), namespace)


def definitions_only(tree: ast.Module) -> ast.Module:
    """Keep imports, function and class definitions, and assignments of literal values."""

    def keep(node: ast.stmt) -> bool:
        if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return True
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            try:
                ast.literal_eval(node.value)
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                return False
            return True
        return False

    return ast.Module([node for node in tree.body if keep(node)], type_ignores=[])


def is_public_check(source: str) -> bool:
    """Does the cell only call the notebook's public checks (see conventions.PUBLIC_CHECK_CALL)?"""
    try:
        body = ast.parse(source).body
    except PARSE_ERRORS:
        return False
    if len(body) != 1 or not isinstance(body[0], ast.Expr) or not isinstance(call := body[0].value, ast.Call):
        return False
    func = call.func
    owner, method = PUBLIC_CHECK_CALL
    return (
        isinstance(func, ast.Attribute) and func.attr == method
        and isinstance(func.value, ast.Name) and func.value.id == owner
        and all(isinstance(arg, ast.Constant) for arg in call.args) and not call.keywords
    )  # fmt: skip


def run_cell(source: str, namespace: dict[str, Any], cell: int) -> CellOutcome:
    """Run one cell in namespace; exceptions are caught and described, never propagated."""
    shell = GraderShell(namespace, cell)
    namespace["get_ipython"] = lambda: shell
    filename = f"{CELL_FILENAME_PREFIX}{cell}>"
    try:
        code = transform(source)
        if source.lstrip().startswith(EXPERIMENT_MARK):
            tree = definitions_only(ast.parse(code, filename))
            exec(compile(tree, filename, "exec"), namespace)
            return CellOutcome(cell, "skipped-work")
        _exec(code, namespace, cell)
    except BaseException as exc:  # noqa: BLE001 - a student cell may raise anything, SystemExit included
        return CellOutcome(cell, "error", clean(type(exc).__name__, 80), _last_line(exc))
    return CellOutcome(cell, "ok", message="; ".join(dict.fromkeys(shell.notes)))


def _last_line(exc: BaseException) -> str:
    """The error as a student would read it: the exception and the line of their cell where it happened."""
    frame = student_frame(exc)
    where = f" (line {frame.lineno})" if frame else ""
    if isinstance(exc, SyntaxError):
        where = f" (line {exc.lineno})" if exc.lineno else ""
        return f"SyntaxError{where}: {exc.msg}"
    return f"{clean(type(exc).__name__, 80)}{where}: {clean(exc, _MAX_TEXT)}"
