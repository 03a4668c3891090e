"""A graded name defined again by a later cell: the feedback says the later definition is the one graded."""

import ast

import pytest

from autograder.assignment import load
from autograder.cell_cache import CACHED_CELL_CHARS
from autograder.grading.redefined import _definitions, redefinitions
from tests.edit import solution_cells

QUESTIONS = {"adam": ("adam_update",), "dropout": ("dropout_forward", "Dropout")}


def test_the_solution_defines_each_graded_name_once():
    assert redefinitions(solution_cells(), load("optim_reg").questions) == {}


def test_a_later_cell_redefining_a_function_is_named_with_its_cell_and_line():
    cells = [
        "import torch",
        "def adam_update(param, grad, m, v, t):\n    return param, m, v",
        "%matplotlib inline\nx = 1\n\ndef adam_update(param, grad, m, v, t):\n    return param, m, v",
    ]
    assert redefinitions(cells, QUESTIONS) == {
        "adam": (
            "Note: adam_update is defined in code cell 2 and again in code cell 3 (line 4); the grader runs every "
            "cell in order, so the later definition, in code cell 3, is the one graded."
        )
    }


def test_classes_and_assignments_count_and_cells_that_do_not_parse_are_skipped():
    cells = ["class Dropout:\n    pass", "Dropout = None", "def dropout_forward(:", "dropout_forward = print"]
    notes = redefinitions(cells, QUESTIONS)
    assert list(notes) == ["dropout"] and "Dropout is defined in code cell 1 and again in code cell 2" in notes["dropout"]
    assert "dropout_forward" not in notes["dropout"], "a single definition that parses is not a redefinition"


@pytest.mark.parametrize("cell", ["-" * 10000 + "1", "a" + ".a" * 10000], ids=["MemoryError", "RecursionError"])
def test_a_cell_too_deeply_nested_to_parse_is_skipped_not_a_grader_fault(cell):
    with pytest.raises((MemoryError, RecursionError)):
        ast.parse(cell)
    cells = ["Dropout = 1", cell, "Dropout = 2"]
    assert "defined in code cell 1 and again in code cell 3" in redefinitions(cells, QUESTIONS)["dropout"]


def test_only_cells_of_ordinary_size_are_kept_between_notebooks():
    large = "x = 1\n" * (CACHED_CELL_CHARS // 6 + 1) + "Dropout = 2"
    _definitions.cache_clear()
    for cells in (["Dropout = 1", large], ["Dropout = 1", large]):
        assert "again in code cell 2" in redefinitions(cells, QUESTIONS)["dropout"]
    assert _definitions.cache_info().currsize == 1 and _definitions.cache_info().hits == 1
