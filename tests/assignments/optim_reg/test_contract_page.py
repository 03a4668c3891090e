"""docs/optim_reg.md, the students' contract page, agrees with the graders and with the notebook's written questions."""

import pytest

from autograder.assignment import load
from tests.contract_page import ContractPage

PAGE = ContractPage(load("optim_reg"))


def test_page_lists_every_question_with_the_graders_points():
    PAGE.check_question_points()


def test_page_lists_the_notebooks_written_questions_and_their_points():
    PAGE.check_written_points()


@pytest.mark.parametrize("number", range(1, len(PAGE.written_markers()) + 1))
def test_each_written_question_shows_its_points_to_students(number):
    PAGE.check_written_question_shows_points(number)


def test_every_written_question_has_a_model_answer_and_a_rubric():
    PAGE.check_model_answers_and_rubrics()
