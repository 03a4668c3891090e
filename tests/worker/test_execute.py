"""Cells run with IPython's semantics: magics transformed, shell never run, errors kept, experiments skipped."""


import pytest

from autograder.conventions import EXPERIMENT_MARK
from autograder.cell_cache import CACHED_CELL_CHARS
from autograder.worker.execute import is_public_check, run_cell, transform


def run(*cells: str) -> tuple[dict, list]:
    namespace: dict = {}
    return namespace, [run_cell(source, namespace, i) for i, source in enumerate(cells, start=1)]


def test_cells_share_a_namespace_and_errors_do_not_stop_later_cells():
    ns, outcomes = run("x = 1", "raise ValueError('boom')", "y = x + 1")
    assert ns["y"] == 2
    assert [o.status for o in outcomes] == ["ok", "error", "ok"]
    assert outcomes[1].error_type == "ValueError" and "line 1" in outcomes[1].message and "boom" in outcomes[1].message


def test_sys_exit_and_keyboard_interrupt_are_contained():
    ns, outcomes = run("import sys\nsys.exit(3)", "raise KeyboardInterrupt", "z = 5")
    assert [o.error_type for o in outcomes[:2]] == ["SystemExit", "KeyboardInterrupt"]
    assert ns["z"] == 5


def test_syntax_errors_name_the_line():
    _, (outcome,) = run("def f(:\n    pass")
    assert outcome.status == "error" and outcome.message.startswith("SyntaxError (line 1)")


def test_line_and_cell_magics_still_define_what_they_wrap(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ns, outcomes = run(
        "%matplotlib inline\n%time a = 2",
        "%%time\ndef f(x):\n    return x * a",
        "%timeit b = f(3)",
        "%%capture\nc = 7",
    )
    assert ns["a"] == 2 and ns["f"](2) == 4 and ns["b"] == 6 and ns["c"] == 7
    assert all(o.status == "ok" for o in outcomes)


def test_shell_commands_and_file_writing_magics_never_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ns, outcomes = run("!touch shell_ran\nfiles = !ls", "%%bash\ntouch bash_ran", "%%writefile written.py\nx = 1")
    assert list(tmp_path.iterdir()) == []
    assert ns["files"] == []
    assert "shell commands (!...) are not run" in outcomes[0].message
    assert "%%bash cells are not run" in outcomes[1].message


def test_experiment_cells_run_only_imports_definitions_and_literals():
    cell = f"{EXPERIMENT_MARK}\nimport math\nSCALE = 2.0\ndef f(x):\n    return SCALE * x\nresult = f(3)\nwhile True:\n    pass"
    ns, (outcome,) = run(cell)
    assert outcome.status == "skipped-work"
    assert ns["f"](1) == 2.0 and "math" in ns and "result" not in ns


def test_the_solution_notebook_defines_every_name_quickly():
    from tests.edit import solution_cells
    from tests.grading.inprocess import run_cells

    ns, outcomes = run_cells(solution_cells("optim_reg"))
    assert [o for o in outcomes if o.status == "error"] == []
    assert {"adam_update", "Dropout", "EarlyStopping", "he_normal"} <= ns.keys()


def test_only_cells_that_just_call_the_public_checks_are_skipped():
    from autograder.worker.execute import is_public_check

    assert is_public_check('grader.check("adam")') and is_public_check("grader.check('l2')\n")
    for source in ['grader.check("adam"); import os', "grader.check(name)", 'grader.check("a", x=loop())',
                   'other.check("adam")', "%time grader.check('adam')", "grader.check"]:  # fmt: skip
        assert not is_public_check(source), source


@pytest.mark.parametrize("cell", ["-" * 10000 + "1", "a" + ".a" * 10000], ids=["MemoryError", "RecursionError"])
def test_a_cell_too_deeply_nested_to_parse_is_the_cells_error_not_the_workers(cell):
    """ast.parse raises MemoryError or RecursionError for these; the worker asks is_public_check before running."""
    assert not is_public_check(cell)
    assert run_cell(cell, {}, 1).to_json()["status"] == "error"


def test_only_cells_of_ordinary_size_keep_their_transformed_text():
    """A grader process transforms many notebooks' cells; a cell may have 8 MB."""
    large = "x = 1\n" * (CACHED_CELL_CHARS // 6 + 1)
    transform.cache_clear()
    assert transform(large) == transform(large) == large and transform.cache_info().currsize == 0
    assert transform("%time x = 1\n") is transform("%time x = 1\n") and transform.cache_info().currsize == 1
