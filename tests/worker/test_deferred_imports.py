"""Imports nothing uses at once wait until something does; everything else runs exactly as before."""

import importlib
import sys
from itertools import count

import pytest

from autograder.conventions import EXPERIMENT_MARK
from autograder.worker.execute import notebook_uses, run_cell

_names = count()


@pytest.fixture
def package(tmp_path, monkeypatch):
    """A fresh package (a new name per test, so nothing has imported it) with a submodule and a function module."""
    name = f"deferred_pkg_{next(_names)}"
    root = tmp_path / name
    root.mkdir()
    (root / "__init__.py").write_text("LOADED = True\n")
    (root / "plot.py").write_text("def draw():\n    return 'drawn'\n")
    (root / "data.py").write_text("def load():\n    return 3\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    yield name
    for module in [m for m in sys.modules if m == name or m.startswith(f"{name}.")]:
        del sys.modules[module]


def run(*cells: str, deferring: bool = True) -> tuple[dict, list]:
    namespace: dict = {"__name__": "__main__"}
    used = notebook_uses(cells) if deferring else None
    return namespace, [run_cell(source, namespace, i, used) for i, source in enumerate(cells, start=1)]


def test_imports_only_experiments_use_are_left_undone_until_used(package):
    ns, outcomes = run(
        f"import {package}.plot as plt\nfrom {package}.data import load\nimport {package}",
        f"{EXPERIMENT_MARK}\ndigits = load()\nplt.draw()\n{package}.LOADED",
    )
    assert [o.status for o in outcomes] == ["ok", "skipped-work"]
    assert package not in sys.modules
    assert ns["load"]() == 3 and ns["plt"].draw() == "drawn" and getattr(ns[package], "LOADED") is True
    assert f"{package}.data" in sys.modules and f"{package}.plot" in sys.modules


def test_a_function_that_uses_a_module_imports_it_when_called(package):
    ns, outcomes = run(f"import {package}.plot as plt", "def graded():\n    return plt.draw()")
    assert all(o.status == "ok" for o in outcomes)
    assert package not in sys.modules
    assert ns["graded"]() == "drawn"
    assert f"{package}.plot" in sys.modules


def test_names_used_at_the_top_level_or_imported_from_modules_for_functions_are_imported_at_once(package):
    ns, _ = run(f"from {package}.data import load\nx = load()")
    assert ns["x"] == 3 and f"{package}.data" in sys.modules


def test_a_function_imported_by_name_for_a_function_is_the_real_one(package):
    ns, _ = run(f"from {package}.data import load", "def graded():\n    return load()")
    assert f"{package}.data" in sys.modules
    assert ns["load"] is sys.modules[f"{package}.data"].load


def test_code_a_magic_runs_counts_as_a_use(package):
    ns, outcomes = run(f"import {package}.plot as plt", "%time drawn = plt.draw()")
    assert [o.status for o in outcomes] == ["ok", "ok"] and ns["drawn"] == "drawn"
    assert f"{package}.plot" in sys.modules


@pytest.mark.parametrize(
    "cell",
    [
        "import deferred_no_such_module",
        "from deferred_no_such_module import thing",
        "from {package}.data import not_there",
        "import {package}.not_there",
        "from {package} import not_there",
    ],
)
def test_an_import_that_fails_fails_in_its_cell_with_the_same_error(package, cell):
    cell = cell.format(package=package)
    _, (deferred,) = run(cell)
    for module in [m for m in sys.modules if m.startswith(package)]:
        del sys.modules[module]
    _, (plain,) = run(cell, deferring=False)
    assert deferred.status == plain.status == "error"
    assert (deferred.error_type, deferred.message) == (plain.error_type, plain.message)


def test_a_cell_that_does_not_compile_runs_nothing(package):
    ns, (outcome,) = run(f"import {package}.plot as plt\nx = 1\nreturn 5")
    assert outcome.status == "error" and outcome.error_type == "SyntaxError"
    assert "plt" not in ns and "x" not in ns


def test_loaded_modules_and_statement_order_are_kept(package):
    ns, outcomes = run(f"plt = 1\nimport {package}.plot as plt\nimport math\nafter = plt", "import math as m")
    assert all(o.status == "ok" for o in outcomes)
    assert ns["after"] is ns["plt"] and ns["m"] is sys.modules["math"] and ns["math"] is sys.modules["math"]
