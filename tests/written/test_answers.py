"""Each student's answer to each written question is found: by its cell's tag, else by the question's text when
the tag was lost (Colab, copied cells); lines the template gave are never counted as the answer."""

import json

import nbformat
import pytest

from autograder.authoring.render import markdown_texts, render_notebook
from autograder.authoring.source import parse_source
from autograder.authoring.written import written_questions
from autograder.written.answers import Answer, AnswerFinder
from tests.authoring.test_written_questions import SOURCE

CELLS = parse_source(SOURCE, "nb.md")


@pytest.fixture
def finder() -> AnswerFinder:
    given = [line for text in markdown_texts(CELLS, "template", "demo") for line in text.splitlines()]
    return AnswerFinder(written_questions(CELLS, "demo"), given)


def template() -> nbformat.NotebookNode:
    return render_notebook(CELLS, "template", "demo")


def answer_cell(nb, qid):
    return next(c for c in nb.cells if f"answer:{qid}" in c.metadata.get("tags", []))


def untagged(nb):
    for cell in nb.cells:
        cell.metadata = {}
    return nb


def test_the_untouched_template_has_empty_answers_found_by_tag(finder):
    assert finder.find(template().cells) == {"w_momentum": Answer("", "tag"), "w_dropout": Answer("", "tag")}


def test_a_written_answer_is_found_by_its_tag_even_when_the_cell_moved(finder):
    nb = template()
    cell = answer_cell(nb, "w_dropout")
    cell.source = "To keep *the expected* activation."
    nb.cells.remove(cell)
    nb.cells.insert(0, cell)
    assert finder.find(nb.cells)["w_dropout"] == Answer("To keep *the expected* activation.", "tag")


def test_without_tags_the_answer_is_found_after_the_question_text(finder):
    nb = template()
    answer_cell(nb, "w_momentum").source = "Because the EMA averages."
    answers = finder.find(untagged(nb).cells)
    assert answers["w_momentum"] == Answer("Because the EMA averages.", "text")
    assert answers["w_dropout"] == Answer("", "text")


def test_cells_the_student_added_belong_to_the_answer_until_given_text(finder):
    nb = template()
    index = nb.cells.index(answer_cell(nb, "w_momentum"))
    nb.cells[index].source = "Part one."
    nb.cells.insert(index + 1, nbformat.v4.new_markdown_cell("Part two, $\\beta$."))
    assert finder.find(untagged(nb).cells)["w_momentum"].text == "Part one.\n\nPart two, $\\beta$."
    assert "Experiment" not in finder.find(nb.cells)["w_momentum"].text


def test_an_answer_typed_into_the_question_cell_is_found_without_the_question(finder):
    nb = untagged(template())
    question = next(c for c in nb.cells if "Written question 1" in c.source)
    question.source += "\n\nMy answer: it only averages."
    nb.cells = [c for c in nb.cells if not c.source.startswith("_Type your answer")]
    answer = finder.find(nb.cells)["w_momentum"]
    assert answer == Answer("My answer: it only averages.", "text")


def test_a_deleted_question_is_missing_and_raw_json_cells_are_read(finder):
    nb = untagged(template())
    nb.cells = [c for c in nb.cells if "Written question 2" not in c.source]
    raw = json.loads(nbformat.writes(nb))["cells"]
    assert isinstance(raw[0]["source"], list)
    assert finder.find(raw)["w_dropout"] == Answer("", "missing")


def test_the_solution_notebook_answers_with_the_model_answer(finder):
    answers = finder.find(render_notebook(CELLS, "solution", "demo").cells)
    assert answers["w_dropout"] == Answer("*Model answer.* To keep the expectation.", "tag")
    assert answers["w_momentum"].text.startswith("*Model answer.* The velocity converges to g.")


def test_answers_round_trip_through_json_and_junk_reads_as_missing():
    answer = Answer("text", "text")
    assert Answer.from_json(answer.as_json()) == answer
    assert Answer.from_json({"answer": ["x"], "found": "<script>"}).found == "missing"
    assert Answer.from_json(None) == Answer("", "missing")
