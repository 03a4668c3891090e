"""One way to read what `autograder grade` wrote: grades.csv as numbers, by submission; a submission's feedback and
tests on one question from its results.json."""

from __future__ import annotations

import csv
import importlib
import json
from pathlib import Path


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
