"""Written grading: one self-contained, escaped, anonymous page per question; a sheet to fill in; scores merged
into grades.csv as their own columns, checked cell by cell, counted in the total only when asked."""

import csv
import html.parser
import json

import pytest

from autograder.authoring.written import WrittenQuestion
from autograder.gradebook.grades import GradesTable, Row, read_grades
from autograder.output import OutputFolder
from autograder.written.answers import Answer
from autograder.written.pages import render_page
from autograder.written.scores import WrittenScoresError, anonymous_ids
from autograder.written.workflow import NoAnswers, merge_written, write_written

Q1 = WrittenQuestion(
    "w_momentum", 3.0, "Why *momentum*?", r"Because it **averages**: $\eta\,(1-\beta_1)$.", "- 1 point: averaging"
)
Q2 = WrittenQuestion("w_dropout", 2.0, "Why divide by 1-p?", "Expectation.", "")
HOSTILE = (
    "<script>alert('x')</script> <img src=x onerror=alert(1)> ![tracker](http://evil.example/p.png) "
    "[link](javascript:alert(1)) </section></body>"
)
ANSWERS = {
    "alice_smith": {Q1.id: Answer("It *averages* gradients.", "tag"), Q2.id: Answer("", "tag")},
    "bob_jones": {Q1.id: Answer(HOSTILE, "text"), Q2.id: Answer("Scale.", "tag")},
    "carol": {Q1.id: Answer("", "missing"), Q2.id: Answer("", "missing")},
}


class Elements(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def parsed(page: str) -> list:
    parser = Elements()
    parser.feed(page)
    return parser.tags


def test_a_page_escapes_what_students_wrote_and_fetches_nothing():
    page = render_page(Q1, "optim_reg", {n: a[Q1.id] for n, a in ANSWERS.items()})
    tags = parsed(page)
    assert not [t for t, _ in tags if t in ("script", "img", "iframe", "object", "link")]
    assert not [a for _, a in tags if any(k.startswith("on") or k == "src" for k in a)]
    assert not [a["href"] for t, a in tags if t == "a" and not a["href"].startswith("#")]
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in page
    assert "default-src 'none'" in page
    assert page.count('<article class="answer"') == 3


def test_the_key_is_at_the_top_and_answers_are_anonymous_unless_names_are_asked_for():
    answers = {n: a[Q1.id] for n, a in ANSWERS.items()}
    page = render_page(Q1, "optim_reg", answers)
    assert page.index("Model answer") < page.index("Rubric") < page.index("It <em>averages</em> gradients.")
    assert "<strong>averages</strong>" in page and "1 point: averaging" in page
    assert r"\eta\,(1-\beta_1)" in page, "LaTeX is shown as written"
    assert not any(name in page for name in ANSWERS)
    ids = anonymous_ids(list(ANSWERS))
    assert all(f'id="{i}"' in page for i in ids.values())
    assert "The question was not found in this notebook." in page and "Found by the question's text" in page
    named = render_page(Q1, "optim_reg", answers, show_names=True)
    assert all(name in named for name in ANSWERS)


def graded_folder(tmp_path, answers_by_name: dict[str, dict[str, Answer]] = ANSWERS) -> OutputFolder:
    """What `autograder grade` leaves: grades.csv and each submission's results.json with its answers."""
    out = OutputFolder(tmp_path / "out")
    GradesTable({"adam": 10.0}, [Row(n, {}, {"adam": 4.0}) for n in answers_by_name]).write(out)
    for name, answers in answers_by_name.items():
        data = {"score": 4.0, "tests": [], "extra_data": {"written": {q: a.as_json() for q, a in answers.items()}}}
        out.write_text(name, "results.json", text=json.dumps(data))
    return out


def fill(out: OutputFolder, scores: dict[str, dict[str, str]]) -> None:
    path = out.path("written_scores.csv")
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    for row in rows:
        row.update(scores.get(row["submission"], {}))
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_pages_sheet_and_merge_round_trip(tmp_path):
    out = graded_folder(tmp_path)
    pages, note = write_written(out, "optim_reg", [Q1, Q2])
    assert [p.name for p in pages] == ["written_w_momentum.html", "written_w_dropout.html"] and "Fill in" in note
    sheet = list(csv.reader(out.path("written_scores.csv").open(encoding="utf-8")))
    ids = anonymous_ids(list(ANSWERS))
    assert sheet[0] == ["answer_id", "submission", "w_momentum", "w_dropout"]
    assert sheet[1] == ["", "Points Possible", "3", "2"]
    assert [r[0] for r in sheet[2:]] == sorted(ids.values()) and all(r[2:] == ["", ""] for r in sheet[2:])

    fill(out, {"alice_smith": {"w_momentum": "3", "w_dropout": "0"}, "bob_jones": {"w_momentum": "1.5"}})
    assert "already holds scores, so it was kept" in write_written(out, "optim_reg", [Q1, Q2])[1]

    table = merge_written(read_grades(out), [Q1, Q2], out.path("written_scores.csv"), count=False)
    table.write(out)
    rows = {r["submission"]: r for r in csv.DictReader(out.path("grades.csv").open(encoding="utf-8"))}
    assert rows["Points Possible"] | {} == {"submission": "Points Possible", "adam": "10", "w_momentum": "3",
                                            "w_dropout": "2", "total": "10", "max_total": "10"}  # fmt: skip
    assert (rows["alice_smith"]["w_momentum"], rows["alice_smith"]["total"]) == ("3", "4")
    assert (rows["bob_jones"]["w_dropout"], rows["carol"]["w_momentum"]) == ("", "")

    counted = merge_written(read_grades(out), [Q1, Q2], out.path("written_scores.csv"), count=True)
    assert [counted.total(r) for r in counted.rows] == [7.0, 5.5, 4.0] and counted.max_total() == 15.0


@pytest.mark.parametrize(
    ("scores", "message"),
    [
        ({"alice_smith": {"w_momentum": "4"}}, "'4' is not a score from 0 to 3"),
        ({"alice_smith": {"w_momentum": "-1"}}, "is not a score from 0 to 3"),
        ({"alice_smith": {"w_momentum": "three"}}, "'three' is not a score"),
        ({"alice_smith": {"submission": "mallory"}}, "'mallory' is not a submission of this batch"),
    ],
)
def test_a_wrong_cell_stops_the_merge_and_is_named(tmp_path, scores, message):
    out = graded_folder(tmp_path)
    write_written(out, "optim_reg", [Q1, Q2])
    fill(out, scores)
    before = out.path("grades.csv").read_bytes()
    with pytest.raises(WrittenScoresError, match=message):
        merge_written(read_grades(out), [Q1, Q2], out.path("written_scores.csv"), count=False)
    assert out.path("grades.csv").read_bytes() == before


def test_a_folder_graded_without_answers_says_to_grade_again(tmp_path):
    out = graded_folder(tmp_path)
    out.write_text("carol", "results.json", text=json.dumps({"score": 0, "extra_data": {}}))
    with pytest.raises(NoAnswers, match="grade the submissions into .* again"):
        write_written(out, "optim_reg", [Q1])
