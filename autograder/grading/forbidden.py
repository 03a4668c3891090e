"""Find, in a submission's source, references to library names its assignment forbids, question by question.

Catches the honest shortcut (``torch.optim.Adam`` or ``F.dropout`` inside ``adam_update``); the worker also records
such calls at run time (:mod:`autograder.probes.forbidden`, from the same list), which catches indirect use.
"""

from __future__ import annotations

import ast

from autograder.assignment import Assignment


def _imports(tree: ast.Module) -> dict[str, str]:
    """Top-level import aliases: local name -> fully qualified name."""
    aliases: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Import):
            for a in node.names:
                aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for a in node.names:
                aliases[a.asname or a.name] = f"{node.module}.{a.name}"
    return aliases


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *reversed(parts)])
    return None


def forbidden_references(source: str, assignment: Assignment) -> dict[str, list[str]]:
    """For each question, the forbidden library names its top-level definitions refer to."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    aliases = _imports(tree)
    owner = {name: question for question, names in assignment.questions.items() for name in names}
    found: dict[str, list[str]] = {}
    for node in tree.body:
        question = owner.get(getattr(node, "name", ""))
        if not question:
            continue
        for inner in ast.walk(node):
            dotted = _dotted(inner) if isinstance(inner, (ast.Attribute, ast.Name)) else None
            if not dotted:
                continue
            root, _, rest = dotted.partition(".")
            full = ".".join(filter(None, [aliases.get(root, root), rest]))
            if assignment.forbidden.forbids(full) and full not in found.get(question, []):
                found.setdefault(question, []).append(full)
    return found
