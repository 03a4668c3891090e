"""Imports point down: the worker side never imports the grader side, and the engine names no assignment."""

import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[1] / "autograder"


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_the_worker_and_the_probes_never_import_the_grader_side():
    for folder in ("worker", "probes"):
        for path in (ENGINE / folder).rglob("*.py"):
            upward = {m for m in imports(path) if m.startswith(("autograder.grading", "autograder.authoring",
                                                                    "autograder.integrations", "autograder.commands"))}
            assert not upward, f"{path.relative_to(ENGINE)} imports {sorted(upward)}"  # fmt: skip


def test_the_engine_imports_no_assignment():
    for path in ENGINE.rglob("*.py"):
        named = {m for m in imports(path) if m.startswith(("assignments", "solutions"))}
        assert not named, f"{path.relative_to(ENGINE)} imports {sorted(named)}"
