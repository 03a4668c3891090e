"""docs/optim_reg.md, the students' contract page, agrees with the graders and with the notebook's written questions."""

import re

import pytest

from autograder.assignment import load

OPTIM_REG = load("optim_reg")
PAGE = (OPTIM_REG.root / "docs" / "optim_reg.md").read_text()
SOURCE = OPTIM_REG.source.read_text()


def _table_rows(pattern: str) -> dict[str, list[str]]:
    """The page's table rows whose first cell is a backquoted id matching pattern: id -> the other cells."""
    rows = {}
    for line in PAGE.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and (m := re.fullmatch(rf"`({pattern})`", cells[0])):
            rows[m[1]] = cells[1:]
    return rows


def _points(text: str) -> float:
    return float(text.strip("*"))


def test_page_lists_every_question_with_the_graders_points():
    rows = _table_rows(r"(?!w_)[a-z_0-9]+")
    assert list(rows) == list(OPTIM_REG.questions), "the page's question table should list every question, in order"
    for question, cells in rows.items():
        weights = [w for _, w in OPTIM_REG.grader_tests(question)]
        total = sum(w.points for w in weights)
        public = sum(w.points for w in weights if w.visibility == "visible")
        assert (_points(cells[-2]), _points(cells[-1])) == (total, public), (
            f"[{question}]: the page says {cells[-2]} points ({cells[-1]} public); the graders give {total:g} "
            f"({public:g} public). Update docs/optim_reg.md"
        )


def test_page_lists_the_notebooks_written_questions_and_their_points():
    markers = dict(re.findall(r"^<!-- QUESTION (w_\w+) points=(\d+) -->$", SOURCE, flags=re.M))
    assert len(markers) == SOURCE.count("<!-- QUESTION "), "every QUESTION marker should have an id and points"
    rows = _table_rows(r"w_\w+")
    assert {q: int(_points(cells[-1])) for q, cells in rows.items()} == {q: int(p) for q, p in markers.items()}


@pytest.mark.parametrize("number", range(1, 6))
def test_each_written_question_shows_its_points_to_students(number):
    """The QUESTION marker is an HTML comment, invisible in Jupyter: the question's text states the points too."""
    match = re.search(rf"<!-- QUESTION \w+ points=(\d+) -->\n\*\*Written question {number}\*\* \((\d+) points?\)\.", SOURCE)
    assert match, f"written question {number} should follow its QUESTION marker and say its points"
    assert match[1] == match[2]


def test_every_written_question_has_a_model_answer_and_a_rubric():
    blocks = re.split(r"^<!-- QUESTION ", SOURCE, flags=re.M)[1:]
    for block in blocks:
        solution = block.split("<!-- BEGIN SOLUTION -->", 1)[1].split("<!-- END SOLUTION -->", 1)[0]
        answer, _, rubric = solution.partition("<!-- RUBRIC -->")
        question, points = re.match(r"(w_\w+) points=(\d+)", block).groups()
        assert answer.strip().startswith("*Model answer.*"), f"{question}: the model answer comes first"
        earned = [float(p) for p in re.findall(r"^- (\d+(?:\.\d+)?) points?\b", rubric, flags=re.M)]
        assert sum(earned) == int(points), f"{question}: the rubric's points should add up to {points}"
