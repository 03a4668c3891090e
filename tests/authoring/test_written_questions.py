"""Written questions in the source: parsed with their points, model answer and rubric; the template's answer is a
tagged cell of its own holding only the prompt, and neither the model answer nor the rubric ever reaches it."""

import textwrap
from pathlib import Path

import nbformat
import pytest

from autograder.assignment import find_assignments
from autograder.authoring.render import ANSWER_PROMPT, RUBRIC_HEADING, render_notebook, solution_lines
from autograder.authoring.source import SourceError, parse_source
from autograder.authoring.written import written_questions

SOURCE = textwrap.dedent(
    """\
    # Title

    Some teaching text.

    <!-- QUESTION w_momentum points=3 -->
    **Written question 1.** Why does the EMA form of momentum
    not move faster than plain SGD?

    <!-- BEGIN SOLUTION -->
    *Model answer.* The velocity converges to g.
    <!-- RUBRIC -->
    - 1 point: the steady state.
    - 2 points: the averaging across the valley.
    <!-- END SOLUTION -->

    **Experiment.** The text after the answer stays given.

    ```python
    x = 1
    ```

    <!-- QUESTION w_dropout points=2.5 -->
    **Written question 2.** Why divide by 1-p?

    <!-- BEGIN SOLUTION -->
    *Model answer.* To keep the expectation.
    <!-- END SOLUTION -->
    """
)


@pytest.fixture
def cells():
    return parse_source(SOURCE, "nb.md")


def test_questions_are_parsed_with_points_text_answer_and_rubric(cells):
    first, second = written_questions(cells, "demo")
    assert (first.id, first.points, first.tag) == ("w_momentum", 3.0, "answer:w_momentum")
    assert first.text == "**Written question 1.** Why does the EMA form of momentum\nnot move faster than plain SGD?"
    assert first.answer == "*Model answer.* The velocity converges to g."
    assert first.rubric == "- 1 point: the steady state.\n- 2 points: the averaging across the valley."
    assert (second.id, second.points, second.rubric) == ("w_dropout", 2.5, "")


def _cells_of(nb):
    return [(c.cell_type, c.source, c.metadata.get("tags", [])) for c in nb.cells]


def test_the_template_answer_is_its_own_tagged_cell_with_only_the_prompt(cells):
    nb = render_notebook(cells, "template", "demo")
    nbformat.validate(nb)
    rendered = _cells_of(nb)
    answers = [c for c in rendered if c[2]]
    assert answers == [
        ("markdown", ANSWER_PROMPT, ["answer:w_momentum"]),
        ("markdown", ANSWER_PROMPT, ["answer:w_dropout"]),
    ]
    index = rendered.index(answers[0])
    assert rendered[index - 1][1].endswith("not move faster than plain SGD?")
    assert rendered[index + 1][1] == "**Experiment.** The text after the answer stays given."
    assert len({c.id for c in nb.cells}) == len(nb.cells)


def test_the_template_holds_neither_model_answer_nor_rubric(cells):
    text = "\n".join(c.source for c in render_notebook(cells, "template", "demo").cells)
    secret = {line.strip() for line in solution_lines(cells, "demo")} - {""}
    assert secret >= {"- 1 point: the steady state.", "*Model answer.* To keep the expectation.", "<!-- RUBRIC -->"}
    assert not [line for line in text.splitlines() if line.strip() in secret]
    assert "Model answer" not in text and "Rubric" not in text and "point:" not in text


def test_the_solution_keeps_the_model_answer_and_the_rubric_in_the_tagged_cell(cells):
    nb = render_notebook(cells, "solution", "demo")
    tagged = {c.metadata["tags"][0]: c.source for c in nb.cells if c.metadata.get("tags")}
    assert tagged["answer:w_momentum"] == (
        f"*Model answer.* The velocity converges to g.\n\n{RUBRIC_HEADING}\n\n"
        "- 1 point: the steady state.\n- 2 points: the averaging across the valley."
    )
    assert tagged["answer:w_dropout"] == "*Model answer.* To keep the expectation."


def test_cell_ids_are_stable_and_unchanged_for_cells_without_questions(cells):
    ids = [c.id for c in render_notebook(cells, "template", "demo").cells]
    assert ids == [c.id for c in render_notebook(cells, "solution", "demo").cells]
    assert ids[0] == "cell-001" and "cell-001-1" in ids and "cell-002" in ids


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("<!-- QUESTION w_x -->\nText\n<!-- BEGIN SOLUTION -->\nA\n<!-- END SOLUTION -->\n", "write a written"),
        ("<!-- QUESTION x points=1 -->\nText\n<!-- BEGIN SOLUTION -->\nA\n<!-- END SOLUTION -->\n", "must be w_"),
        ("<!-- QUESTION w_x points=0 -->\nText\n<!-- BEGIN SOLUTION -->\nA\n<!-- END SOLUTION -->\n", "positive"),
        ("<!-- QUESTION w_x points=nan -->\nText\n<!-- BEGIN SOLUTION -->\nA\n<!-- END SOLUTION -->\n", "positive"),
        ("<!-- QUESTION w_x points=1 -->\nText\n+++\n<!-- BEGIN SOLUTION -->\nA\n<!-- END SOLUTION -->\n", "same cell"),
        ("<!-- QUESTION w_x points=1 -->\n<!-- BEGIN SOLUTION -->\nA\n<!-- END SOLUTION -->\n", "no text"),
        (
            "<!-- QUESTION w_x points=1 -->\nT\n<!-- QUESTION w_y points=1 -->\nU\n"
            "<!-- BEGIN SOLUTION -->\nA\n<!-- END SOLUTION -->\n",
            "no answer region before",
        ),
        (
            "<!-- QUESTION w_x points=1 -->\nT\n<!-- BEGIN SOLUTION -->\nA\n<!-- END SOLUTION -->\n+++\n"
            "<!-- QUESTION w_x points=1 -->\nU\n<!-- BEGIN SOLUTION -->\nB\n<!-- END SOLUTION -->\n",
            "used twice",
        ),
    ],
    ids=["no-points", "bad-id", "zero-points", "nan-points", "split-cell", "no-text", "two-markers", "duplicate"],
)
def test_malformed_questions_name_what_to_fix(source, message):
    with pytest.raises(SourceError, match=message):
        render_notebook(parse_source(source, "nb.md"), "template", "demo")


ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("assignment", find_assignments(ROOT), ids=lambda a: a.name)
def test_committed_templates_hold_each_written_answer_as_a_tagged_prompt_only(assignment):
    template = nbformat.read(assignment.template_notebook, as_version=4)
    solution = nbformat.read(assignment.solution_notebook, as_version=4)
    for question in assignment.written_questions():
        tagged = [c.source for c in template.cells if question.tag in c.metadata.get("tags", [])]
        assert tagged == [ANSWER_PROMPT], f"{question.id}: the template's answer cell"
        assert [c.source for c in solution.cells if question.tag in c.metadata.get("tags", [])][0].startswith(
            question.answer
        )
        text = "\n".join(c.source for c in template.cells)
        secret = [line for line in (question.answer + "\n" + question.rubric).splitlines() if line.strip()]
        assert not [line for line in secret if line in text], f"{question.id}: model answer or rubric in the template"
