"""Both pages, from a real graded batch, opened in headless Chromium at desktop and phone widths and for print.

A page fails on any console error, any request (a self-contained page fetches nothing, so none can fail), any
element wider than the viewport, or a dialog or global that student-written HTML would have produced.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from tests.reports import real_batch
from tests.reports.browser import A4, DESKTOP, PHONE, open_page

PAGES = {
    "report": "report.html",
    "buggy feedback": "A1-no-bias-correction/feedback.html",
    "template feedback": "template/feedback.html",
    "not graded feedback": "unreadable/feedback.html",
    "timed-out cell feedback": "looping/feedback.html",
    "hostile feedback": f"{real_batch.HOSTILE_FOLDER}/feedback.html",
}
VIEWS = {"desktop": (DESKTOP, "screen"), "phone": (PHONE, "screen"), "print": (A4, "print")}


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", png[16:24])


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("page", PAGES)
def test_page_renders_cleanly(chromium, graded: Path, page: str, view: str, tmp_path: Path):
    viewport, media = VIEWS[view]
    check = open_page(chromium, graded / PAGES[page], viewport, media=media)
    shot = tmp_path / f"{page}-{view}.png".replace(" ", "-")
    shot.write_bytes(check.screenshot)
    assert not check.problems, f"{check.url} at {view} ({shot}):\n" + "\n".join(check.problems)
    width, height = _png_size(check.screenshot)
    assert width == viewport[0] and height >= viewport[1] // 2


def test_revealed_feedback_renders_cleanly(chromium, revealed: Path):
    for viewport in (DESKTOP, PHONE):
        check = open_page(chromium, revealed / PAGES["buggy feedback"], viewport)
        assert not check.problems, "\n".join(check.problems)
        assert "hidden test" in check.text


def test_html_a_student_wrote_shows_as_text_and_never_runs(chromium, graded: Path):
    feedback = open_page(chromium, graded / PAGES["hostile feedback"])
    report = open_page(chromium, graded / PAGES["report"])
    for check in (feedback, report):
        assert not check.globals_set and not check.dialogs
        assert real_batch.HOSTILE_NAME in check.text
    assert "<b>bold</b><script>window.pwned = 2</script>" in feedback.text
