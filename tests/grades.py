"""One way to read what `autograder grade` wrote: grades.csv as numbers, by submission; a submission's feedback and
tests on one question from its results.json."""

from __future__ import annotations

import csv
import importlib
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any


def read_grades(out: Path) -> dict[str, dict[str, float]]:
    """``out/grades.csv``: submission -> column -> points (``Points Possible`` holds each maximum)."""
    with (out / "grades.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return {row["submission"]: {k: float(v) for k, v in row.items() if k != "submission"} for row in rows}


def feedback(out: Path, name: str, question: str) -> str:
    """Everything results.json tells the submission about the question, as one string."""
    data = json.loads((out / name / "results.json").read_text())
    return " ".join(t["output"] for t in data["tests"] if question in t["tags"])


def question_tests(out: Path, name: str, question: str, assignment: str = "optim_reg") -> dict[str, dict]:
    """The question's tests in results.json, by grader function name (the name results.json shows is its docstring)."""
    module = importlib.import_module(f"assignments.{assignment}.graders.test_{question}")
    functions = {f"[{question}] {fn.__doc__.strip().splitlines()[0]}": n for n, fn in vars(module).items()
                 if n.startswith("test_") and callable(fn)}  # fmt: skip
    data = json.loads((out / name / "results.json").read_text())
    return {functions[t["name"]]: t for t in data["tests"] if question in t["tags"]}


def bug_is_caught_and_told(grades: dict[str, dict[str, float]], out: Path, variant: Any, not_named: Iterable[str]) -> None:
    """AssertionError unless a bug's variant lost points on its question and nowhere but there and its ``also``, and
    the question's feedback names ``variant.mistake`` (when set), none of ``not_named``, and says ``variant.says``."""
    possible, row = grades["Points Possible"], grades[variant.name]
    lost = {q for q in possible if q not in ("total", "max_total") and row[q] < possible[q]}
    assert variant.question in lost and not lost - {variant.question, *variant.also}, lost
    data = json.loads((out / variant.name / "results.json").read_text())
    tests = [t for t in data["tests"] if variant.question in t["tags"]]
    named = {t["extra_data"]["mistake"]["id"] for t in tests if "mistake" in t["extra_data"]}
    assert not named & set(not_named), named
    if variant.mistake:
        assert variant.mistake in named, named
    if variant.says:
        assert any(variant.says in t["output"] for t in tests), [t["output"] for t in tests]


_PASSED = re.compile(r"^\[(\w+)\] public checks passed \((\d+) of \2\)", re.MULTILINE)


def public_checks(printed: str) -> tuple[list[str], list[str]]:
    """What a notebook's grader.check cells printed: the questions checked, and those whose every public check passed."""
    return re.findall(r"^\[(\w+)\] ", printed, re.MULTILINE), [m[0] for m in _PASSED.findall(printed)]
