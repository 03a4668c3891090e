"""The written-answer page in headless Chromium, at desktop and phone widths and for print: no console error, no
request, nothing wider than the viewport, and HTML a student wrote in an answer shown as text, never run."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.written.answers import Answer
from autograder.written.workflow import write_written
from tests.reports.browser import A4, DESKTOP, PHONE, open_page
from tests.written.test_pages_and_scores import ANSWERS, Q1, graded_folder

ATTACK = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    answers = ANSWERS | {"mallory": {Q1.id: Answer(f"{ATTACK} and a very {'long' * 80} word", "tag")}}
    out = graded_folder(tmp_path_factory.mktemp("written"), answers)
    (path, *_), _ = write_written(out, "optim_reg", [Q1])
    return path


@pytest.mark.parametrize(("viewport", "media"), [(DESKTOP, "screen"), (PHONE, "screen"), (A4, "print")])
def test_the_written_page_renders_cleanly_and_runs_nothing(chromium, page: Path, viewport, media):
    check = open_page(chromium, page, viewport, media=media)
    assert not check.problems, "\n".join(check.problems)
    assert not check.globals_set and not check.dialogs
    assert ATTACK in check.text and "Rubric" in check.text
