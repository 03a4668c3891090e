"""A graded name defined again by a later cell: the feedback says the later definition is the one graded."""

from autograder.assignment import load
from autograder.grading.redefined import redefinitions
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
