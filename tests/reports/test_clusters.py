"""Identical-output fingerprints: what makes two submissions' grading "the same", and what never clusters."""

from autograder.reports.clusters import clusters, fingerprint
from autograder.reports.results import parse_results
from tests.reports import fixtures


def _submission(name: str, data: dict):
    return parse_results(name, data)


def test_fingerprint_ignores_order_and_passing_tests_but_not_scores_feedback_or_cells():
    data = fixtures.SUBMISSIONS["copy_one"]
    same = {**data, "tests": list(reversed(data["tests"]))}
    assert fingerprint(_submission("a", data)) == fingerprint(_submission("b", same)) is not None
    other_feedback = {**data, "tests": [{**t, "output": t["output"] + "!"} for t in data["tests"]]}
    other_cell = {**data, "extra_data": {**data["extra_data"], "cells": [fixtures.cell(5, "error", "ZeroDivisionError",
                                                                                       "line 4")]}}  # fmt: skip
    assert fingerprint(_submission("c", other_feedback)) != fingerprint(_submission("a", data))
    assert fingerprint(_submission("d", other_cell)) != fingerprint(_submission("a", data))


def test_full_marks_and_ungraded_submissions_have_no_fingerprint():
    assert fingerprint(_submission("p", fixtures.SUBMISSIONS["perfect"])) is None
    assert fingerprint(_submission("b", fixtures.SUBMISSIONS["broken"])) is None


def test_clusters_need_two_members_and_something_unexplained():
    named_only = [_submission(n, fixtures.SUBMISSIONS["eps_hidden_only"]) for n in ("x", "y", "z")]
    assert clusters(named_only) == []
    copies = [_submission(n, fixtures.SUBMISSIONS["copy_one"]) for n in ("x", "y", "z")]
    found = clusters([*copies, _submission("alone", fixtures.SUBMISSIONS["uses_library"])])
    assert [[s.name for s in c.submissions] for c in found] == [["x", "y", "z"]]
    assert [t.name for t in found[0].unexplained] == ["fans of a linear layer"] and len(found[0].cells) == 1
