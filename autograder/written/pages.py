"""One self-contained HTML page per written question, with every student's answer, for grading question by question.

Pages share the reports' templates and style (see :mod:`autograder.reports.templating`): autoescaped, students'
answers rendered as markdown with raw HTML, images and links off, so what a student wrote shows as text and nothing
is fetched or clickable. Answers are anonymous by default (the ids of written_scores.csv).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from autograder.authoring.written import WrittenQuestion
from autograder.reports.templating import ENVIRONMENT
from autograder.written.answers import Answer
from autograder.written.scores import WRITTEN_SCORES, anonymous_ids, id_order


@dataclass(frozen=True)
class Shown:
    """One answer as a page shows it."""

    label: str  # the anonymous id, or the submission's name when names are shown
    answer_id: str
    answer: Answer


def page_name(question: WrittenQuestion) -> str:
    return f"written_{question.id}.html"


def render_page(
    question: WrittenQuestion,
    assignment: str,
    answers: dict[str, Answer],
    show_names: bool = False,
    ids: Mapping[str, str] | None = None,
) -> str:
    """The page of one question; `answers` and `ids` (the sheet's answer ids; fresh ones if None) by submission."""
    ids = ids or anonymous_ids(list(answers))
    shown = sorted(
        (Shown(name if show_names else ids[name], ids[name], answer) for name, answer in answers.items()),
        key=lambda s: id_order(s.answer_id),
    )
    return ENVIRONMENT.get_template("written.html.j2").render(
        question=question,
        assignment=assignment,
        answers=shown,
        missing=sum(not s.answer.text for s in shown),
        sheet=WRITTEN_SCORES,
    )
