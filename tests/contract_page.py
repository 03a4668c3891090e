"""The tests that an assignment's contract page, docs/<name>.md, agrees with its graders and its notebook's written
questions. Each assignment's test_contract_page.py imports the tests (pytest collects them there) and defines the
`page` fixture, its ContractPage."""

from __future__ import annotations

import re

from autograder.assignment import Assignment

__all__ = [
    "ContractPage",
    "test_each_written_question_shows_its_points_to_students",
    "test_every_written_question_has_a_model_answer_and_a_rubric",
    "test_page_lists_every_question_with_the_graders_points",
    "test_page_lists_the_notebooks_written_questions_and_their_points",
]


class ContractPage:
    def __init__(self, assignment: Assignment):
        self.assignment = assignment
        self.path = assignment.root / "docs" / f"{assignment.name}.md"
        self.page = self.path.read_text()
        self.source = assignment.source.read_text()

    def table_rows(self, pattern: str) -> dict[str, list[str]]:
        """The page's table rows whose first cell is a backquoted id matching pattern: id -> the other cells."""
        rows = {}
        for line in self.page.splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if line.startswith("|") and (m := re.fullmatch(rf"`({pattern})`", cells[0])):
                rows[m[1]] = cells[1:]
        return rows

    def check_question_points(self) -> None:
        rows = self.table_rows(r"(?!w_)[a-z_0-9]+")
        questions = list(self.assignment.questions)
        assert list(rows) == questions, "the page's question table should list every question, in order"
        for question, cells in rows.items():
            weights = [w for _, w in self.assignment.grader_tests(question)]
            total = sum(w.points for w in weights)
            public = sum(w.points for w in weights if w.visibility == "visible")
            assert (_points(cells[-2]), _points(cells[-1])) == (total, public), (
                f"[{question}]: the page says {cells[-2]} points ({cells[-1]} public); the graders give {total:g} "
                f"({public:g} public). Update {self.path.name}"
            )

    def written_markers(self) -> dict[str, int]:
        markers = dict(re.findall(r"^<!-- QUESTION (w_\w+) points=(\d+) -->$", self.source, flags=re.M))
        assert len(markers) == self.source.count("<!-- QUESTION "), "every QUESTION marker should have an id and points"
        return {q: int(p) for q, p in markers.items()}

    def check_written_points(self) -> None:
        rows = self.table_rows(r"w_\w+")
        assert {q: int(_points(cells[-1])) for q, cells in rows.items()} == self.written_markers()

    def check_written_questions_show_points(self) -> None:
        """The QUESTION marker is an HTML comment, invisible in Jupyter: each question's text states the points too."""
        for number in range(1, len(self.written_markers()) + 1):
            pattern = rf"<!-- QUESTION \w+ points=(\d+) -->\n\*\*Written question {number}\*\* \((\d+) points?\)\."
            match = re.search(pattern, self.source)
            assert match, f"written question {number} should follow its QUESTION marker and say its points"
            assert match[1] == match[2], f"written question {number} states other points than its marker"

    def check_model_answers_and_rubrics(self) -> None:
        blocks = re.split(r"^<!-- QUESTION ", self.source, flags=re.M)[1:]
        assert blocks, "the notebook has written questions"
        for block in blocks:
            solution = block.split("<!-- BEGIN SOLUTION -->", 1)[1].split("<!-- END SOLUTION -->", 1)[0]
            answer, _, rubric = solution.partition("<!-- RUBRIC -->")
            question, points = re.match(r"(w_\w+) points=(\d+)", block).groups()
            assert answer.strip().startswith("*Model answer.*"), f"{question}: the model answer comes first"
            earned = [float(p) for p in re.findall(r"^- (\d+(?:\.\d+)?) points?\b", rubric, flags=re.M)]
            assert sum(earned) == int(points), f"{question}: the rubric's points should add up to {points}"


def _points(text: str) -> float:
    return float(text.strip("*"))


def test_page_lists_every_question_with_the_graders_points(page: ContractPage):
    page.check_question_points()


def test_page_lists_the_notebooks_written_questions_and_their_points(page: ContractPage):
    page.check_written_points()


def test_each_written_question_shows_its_points_to_students(page: ContractPage):
    page.check_written_questions_show_points()


def test_every_written_question_has_a_model_answer_and_a_rubric(page: ContractPage):
    page.check_model_answers_and_rubrics()
