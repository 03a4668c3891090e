"""The pages of a real batch graded by `autograder grade`, checked against its results.json files, read here directly."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote

from tests.reports import real_batch
from tests.reports.html import parse

NUMBER = re.compile(r"\d+(?:\.\d+)?(?:e[-+]?\d+)?")


def _results(folder: Path) -> dict[str, dict]:
    return {p.parent.name: json.loads(p.read_text()) for p in folder.glob("*/results.json")}


def _page(path: Path):
    return parse(path.read_text(encoding="utf-8"))


def test_mistake_counts_equal_the_results_files(graded: Path):
    students: dict[str, set[str]] = {}
    for name, data in _results(graded).items():
        for test in data["tests"]:
            if "mistake" in test["extra_data"]:
                students.setdefault(test["extra_data"]["mistake"]["id"], set()).add(name)
    assert max(len(s) for s in students.values()) == 2  # the batch has mistakes, two made by two students
    rows = _page(graded / "report.html").having("data-mistake")
    assert {r.attrs["data-mistake"]: int(r.attrs["data-students"]) for r in rows} == {
        k: len(v) for k, v in students.items()
    }
    assert [int(r.attrs["data-students"]) for r in rows] == sorted((len(v) for v in students.values()), reverse=True)
    for row in rows:
        assert all(name in row.content for name in students[row.attrs["data-mistake"]])


def test_forbidden_library_calls_are_listed_with_their_question(graded: Path):
    data = _results(graded)[real_batch.LIBRARY_ADAM.name]
    assert {t["tags"][0] for t in data["tests"] if t["extra_data"].get("forbidden")} == {"adam"}
    forbidden = _page(graded / "report.html").having("data-forbidden")
    assert [e.attrs["data-forbidden"] for e in forbidden] == [real_batch.LIBRARY_ADAM.name]
    assert "[adam]" in forbidden[0].content and "torch.optim.Adam" in forbidden[0].content


def test_report_lists_what_went_wrong_in_the_batch(graded: Path):
    page = _page(graded / "report.html")
    assert [e.attrs["data-not-graded"] for e in page.having("data-not-graded")] == ["unreadable"]
    assert "not valid JSON" in page.having("data-not-graded")[0].content
    stopped = page.having("data-stopped")
    assert [e.attrs["data-stopped"] for e in stopped] == ["looping"] and "timed out" in stopped[0].content
    clusters = [sorted(e.attrs["data-cluster"].split("\n")) for e in page.having("data-cluster")]
    assert clusters == [["template", "template-again"]]
    failures = {e.attrs["data-cell-failure"]: e.content for e in page.having("data-cell-failure")}
    assert list(failures) == ["2 ValueError"] and real_batch.HOSTILE_NAME in failures["2 ValueError"]


def test_every_link_between_pages_resolves(graded: Path):
    page = _page(graded / "report.html")
    links = {unquote(e.attrs["href"]) for e in page.having("href") if not e.attrs["href"].startswith("#")}
    assert len(links) == len(_results(graded))
    assert all((graded / link).is_file() for link in links), links


def test_hidden_tests_appear_only_when_revealed(graded: Path, revealed: Path):
    for name, data in _results(graded).items():
        hidden = [t for t in data["tests"] if t["visibility"] != "visible"]
        shown = [t for t in data["tests"] if t["visibility"] == "visible"]
        public = _page(graded / name / "feedback.html").text
        full = _page(revealed / name / "feedback.html").text
        for test in hidden:
            title = test["name"].split("] ", 1)[1]
            assert title not in public, (name, title)
            assert title in full, (name, title)
        for test in shown:
            assert test["name"].split("] ", 1)[1] in public


def _numbers_from_results(data: dict) -> set[str]:
    """Every number the page may show: those inside results.json's texts, and the points it adds up."""
    texts = [data["output"], *(t["name"] + " " + t["output"] for t in data["tests"])]
    texts += [f"{c['cell']} {c['message']}" for c in data["extra_data"]["cells"]]
    found = {n for text in texts for n in NUMBER.findall(text)}
    tests = data["tests"]
    groups = [tests, *([t for t in tests if (t["visibility"] == "visible") == v] for v in (True, False))]
    for question in {t["tags"][0] for t in tests}:
        mine = [t for t in tests if t["tags"][0] == question]
        groups += [mine, *([t for t in mine if (t["visibility"] == "visible") == v] for v in (True, False))]
    groups += [[t] for t in tests]
    points = [sum(t[key] for t in group) for group in groups for key in ("score", "max_score")]
    return found | {f"{p:g}" for p in points}


def test_feedback_pages_show_no_number_results_json_does_not_hold(graded: Path, revealed: Path):
    """No expected value can appear: every number on a page is in its results.json, or adds up its points.

    Small integers (question numbers, counts of tests, cell numbers) are the page's own.
    """
    for folder in (graded, revealed):
        for name, data in _results(folder).items():
            allowed = _numbers_from_results(data)
            text = _page(folder / name / "feedback.html").text
            stray = {n for n in NUMBER.findall(text) if n not in allowed and not (n.isdigit() and int(n) <= 20)}
            assert not stray, (folder.name, name, stray)
