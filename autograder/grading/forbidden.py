"""The optim_reg questions: their ids in SPEC order, the names each one grades, and what each may not call."""

from __future__ import annotations

import ast

QUESTIONS: dict[str, tuple[str, ...]] = {
    "init": ("compute_fans", "xavier_uniform", "xavier_normal", "he_uniform", "he_normal"),
    "momentum": ("sgd_momentum_update",),
    "rmsprop": ("rmsprop_update",),
    "adam": ("adam_update",),
    "adamw": ("adamw_update",),
    "l2": ("l2_penalty",),
    "dropout": ("dropout_forward", "dropout_backward", "Dropout"),
    "early_stopping": ("EarlyStopping",),
    "training": (),
}

# SPEC Part A: library implementations of what students write. Prefixes of fully qualified names.
FORBIDDEN = (
    "torch.optim.",
    "torch.nn.init.",
    "torch.nn.functional.dropout",
    "torch.nn.functional.alpha_dropout",
    "torch.nn.Dropout",
    "torch.nn.modules.dropout",
    "torch.dropout",
    "torch._VF.dropout",
)
ALLOWED = ("torch.optim.Optimizer",)  # subclassing it to write your own optimizer is fine


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


def forbidden_references(source: str) -> dict[str, list[str]]:
    """For each question, the forbidden library names its top-level definitions refer to.

    Catches the honest shortcut (``torch.optim.Adam`` or ``F.dropout`` inside ``adam_update``); the worker
    also records such calls at run time, which catches indirect use.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    aliases = _imports(tree)
    owner = {name: question for question, names in QUESTIONS.items() for name in names}
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
            if full.startswith(FORBIDDEN) and not full.startswith(ALLOWED) and full not in found.get(question, []):
                found.setdefault(question, []).append(full)
    return found
