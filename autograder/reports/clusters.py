"""Identical-output clusters: submissions whose grading went wrong in exactly the same way, worth a look.

A submission's fingerprint is everything the grader said about where it lost points: each failed test's name,
score and feedback (the feedback quotes what the student's code computed, e.g. "relative error 0.031 at index
(2, 1)") and each failed cell's number, status, error type and message (line numbers included). Submissions with
full marks have none: they agree for an honest reason.

Sharing a *named* mistake is common and innocent (the mistakes table counts those); a cluster is worth a look when
what it shares is unexplained: a failed test with no named mistake, or a failed cell. Several students reaching
the same unexplained wrong numbers, or the same error on the same line, either copied from one another or share
a misconception the catalogue of mistakes does not name yet.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from autograder.reports.results import GradedSubmission, TestOutcome
from autograder.worker.execute import CellOutcome


@dataclass(frozen=True)
class Cluster:
    submissions: list[GradedSubmission]
    tests: list[TestOutcome]  # the failed tests they share (the first member's copies)
    cells: list[CellOutcome]  # the failed cells they share

    @property
    def unexplained(self) -> list[TestOutcome]:
        return [t for t in self.tests if t.mistake is None]


def _failed(submission: GradedSubmission) -> tuple[list[TestOutcome], list[CellOutcome]]:
    return [t for t in submission.tests if not t.passed], submission.failed_cells


def fingerprint(submission: GradedSubmission) -> str | None:
    """A digest of where and how the submission lost points; None when it lost none or was not graded."""
    tests, cells = _failed(submission)
    if not submission.graded or not (tests or cells):
        return None
    key = {
        "tests": sorted([t.question, t.name, t.score, t.output] for t in tests),
        "cells": sorted([c.cell, c.status, c.error_type, c.message] for c in cells),
    }
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()


def clusters(submissions: list[GradedSubmission]) -> list[Cluster]:
    """Groups of two or more submissions with the same fingerprint and something unexplained in it, largest first."""
    groups: dict[str, list[GradedSubmission]] = {}
    for submission in submissions:
        key = fingerprint(submission)
        if key is not None:
            groups.setdefault(key, []).append(submission)
    found = []
    for members in groups.values():
        tests, cells = _failed(members[0])
        cluster = Cluster(members, tests, cells)
        if len(members) > 1 and (cluster.unexplained or cells):
            found.append(cluster)
    return sorted(found, key=lambda c: (-len(c.submissions), c.submissions[0].name))
