"""One self-contained HTML page per written question, with every student's answer, for grading question by question.

Pages come from Jinja2 templates with autoescape on. Students' answers are markdown rendered with raw HTML,
images and links off, so what a student wrote shows as text and nothing is fetched or clickable; the page's
Content-Security-Policy forbids any script or network request as well. Answers are anonymous by default (the ids
of written_scores.csv).
"""

from __future__ import annotations

from dataclasses import dataclass

import jinja2
from markdown_it import MarkdownIt
from markupsafe import Markup
from mdit_py_plugins.dollarmath import dollarmath_plugin

from autograder.authoring.written import WrittenQuestion
from autograder.gradebook.cells import points
from autograder.written.answers import Answer
from autograder.written.scores import WRITTEN_SCORES, anonymous_ids

_MARKDOWN = (
    MarkdownIt("commonmark", {"html": False})
    .use(dollarmath_plugin, double_inline=True)  # $...$ kept verbatim: markdown would eat LaTeX's backslashes
    .disable(["image", "link", "autolink"])
)
_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.PackageLoader("autograder.written", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
)
_ENVIRONMENT.filters["markdown"] = lambda text: Markup(_MARKDOWN.render(text))
_ENVIRONMENT.filters["points"] = points


@dataclass(frozen=True)
class Shown:
    """One answer as a page shows it."""

    label: str  # the anonymous id, or the submission's name when names are shown
    answer_id: str
    answer: Answer


def page_name(question: WrittenQuestion) -> str:
    return f"written_{question.id}.html"


def render_page(
    question: WrittenQuestion, assignment: str, answers: dict[str, Answer], show_names: bool = False
) -> str:
    """The page of one question; `answers` by submission name."""
    ids = anonymous_ids(list(answers))
    shown = sorted(
        (Shown(name if show_names else ids[name], ids[name], answer) for name, answer in answers.items()),
        key=lambda s: s.answer_id,
    )
    return _ENVIRONMENT.get_template("question.html.j2").render(
        question=question,
        assignment=assignment,
        answers=shown,
        missing=sum(not s.answer.text for s in shown),
        sheet=WRITTEN_SCORES,
    )
