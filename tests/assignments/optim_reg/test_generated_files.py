"""The optim_reg template leaks nothing, stubs every function students write, and the reference only defines."""

import ast
import re
from pathlib import Path

import nbformat
import pytest

from autograder.assignment import load
from autograder.authoring.generate import load_cells
from autograder.authoring.render import solution_lines, split_regions

OPTIM_REG = load("optim_reg")

# SPEC Part A: every name a student implements.
SPEC_NAMES = [
    "compute_fans", "xavier_uniform", "xavier_normal", "he_uniform", "he_normal",
    "sgd_momentum_update", "rmsprop_update", "adam_update", "adamw_update",
    "l2_penalty", "dropout_forward", "dropout_backward", "Dropout", "EarlyStopping",
]  # fmt: skip


def _code(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    return "\n".join(c.source for c in nb.cells if c.cell_type == "code")


def _text(path: Path) -> str:
    return "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)


def test_template_contains_no_solution_line():
    """A solution line may appear in the template only where the source also gives it to students."""
    cells = load_cells(OPTIM_REG)
    given = {line.strip() for cell in cells for r in split_regions(cell, "") if not r.solution for line in r.lines}
    secret = {line.strip() for line in solution_lines(cells, "optim_reg")} - {""}
    template_lines = {line.strip() for line in _text(OPTIM_REG.template_notebook).splitlines()}
    assert len(secret - given) > 80, "the solution regions should hold the whole reference implementation"
    leaked = sorted((secret - given) & template_lines)
    assert not leaked, f"solution lines found in the student template: {leaked}"


def test_template_has_no_solution_markers_and_every_spec_name_as_a_stub():
    code = _code(OPTIM_REG.template_notebook)
    assert "BEGIN SOLUTION" not in code and "END SOLUTION" not in code
    defined = {node.name for node in ast.parse(code).body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    assert set(SPEC_NAMES) <= defined


def test_every_template_stub_raises_not_implemented_with_a_todo():
    namespace: dict = {}
    tree = ast.parse(_code(OPTIM_REG.template_notebook))
    definitions = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef))]
    exec(compile(ast.Module(definitions, type_ignores=[]), "template", "exec"), namespace)
    calls = {
        "compute_fans": lambda f: f((3, 4)),
        "xavier_uniform": lambda f: f((3, 4)),
        "xavier_normal": lambda f: f((3, 4)),
        "he_uniform": lambda f: f((3, 4)),
        "he_normal": lambda f: f((3, 4)),
        "sgd_momentum_update": lambda f: f(*[namespace["torch"].zeros(2)] * 3),
        "rmsprop_update": lambda f: f(*[namespace["torch"].zeros(2)] * 3),
        "adam_update": lambda f: f(*[namespace["torch"].zeros(2)] * 4, 1),
        "adamw_update": lambda f: f(*[namespace["torch"].zeros(2)] * 4, 1),
        "l2_penalty": lambda f: f([namespace["torch"].zeros(2)], 0.1),
        "dropout_forward": lambda f: f(namespace["torch"].zeros(2), 0.5),
        "dropout_backward": lambda f: f(namespace["torch"].zeros(2), namespace["torch"].ones(2, dtype=bool), 0.5),
        "Dropout": lambda f: f(0.5),
        "EarlyStopping": lambda f: f(),
    }
    for name, call in calls.items():
        with pytest.raises(NotImplementedError, match=re.escape(name)):
            call(namespace[name])
    assert _code(OPTIM_REG.template_notebook).count("# TODO: replace this line with your code.") >= len(SPEC_NAMES)


def test_reference_module_defines_every_spec_name_and_runs_nothing():
    tree = ast.parse(OPTIM_REG.reference_path.read_text())
    kinds = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)
    extra = [ast.unparse(n)[:60] for n in tree.body[1:] if not isinstance(n, kinds)]
    assert not extra, f"the reference module should only import and define, found {extra}"
    assert set(SPEC_NAMES) <= {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}


def test_solution_notebook_contains_the_reference_code():
    code = _code(OPTIM_REG.solution_notebook)
    for line in OPTIM_REG.reference_path.read_text().splitlines()[5:]:
        assert line in code.splitlines() or not line.strip(), (
            f"reference line missing from the solution notebook: {line!r}"
        )
