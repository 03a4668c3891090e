"""Build the notebook's public checks cell: the checks code, then every public case with the reference's result.

The cases come from the assignment's ``public_cases.cases()`` (the inputs of its ``@public`` grader tests). Their
expected values are computed at build time by the very code the cell runs in the notebook (the engine's
:mod:`autograder.authoring.public_checks`, plus the assignment's own ``public_checks.py`` observers when it has
one), so no expected value is typed by hand, and nothing hidden reaches students.
"""

from __future__ import annotations

import importlib
import pprint
import re
from pathlib import Path
from typing import Any

from autograder.assignment import Assignment

ENGINE_CHECKS = Path(__file__).with_name("public_checks.py")
_TITLE = "#@title Public checks: run this cell, do not edit it"


def checks_code(assignment: Assignment) -> str:
    """The code of the checks cell: the engine's checks, then the assignment's observers, if any. The observers'
    own imports from autograder are dropped: in the notebook, the engine's code above defines those names."""
    parts = [ENGINE_CHECKS.read_text(encoding="utf-8").rstrip()]
    extra = assignment.folder / "public_checks.py"
    if extra.is_file():
        lines = extra.read_text(encoding="utf-8").splitlines()
        code = "\n".join(line for line in lines if not line.startswith("from autograder."))
        parts.append(re.sub(r"\n{4,}", "\n\n\n", code).strip())
    return "\n\n\n".join(parts)


def _rounded(value: Any) -> Any:
    """12 significant digits: the same text on every machine, far finer than any check's tolerance."""
    if isinstance(value, float):
        return float(f"{value:.12g}")
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


def public_cases(assignment: Assignment, code: str, reference: dict[str, Any]) -> tuple[dict[str, list[dict[str, Any]]], dict[str, str]]:
    """Every question's public cases, each with what the reference gives on it (run by the checks code itself), and
    the texts of the known mistakes they recognise.

    A case may list known mistakes as ``"mistakes": {id: (text, {name: buggy version})}``: the build runs the case
    on the reference with those names swapped and keeps the fingerprint of each result that differs from the
    reference's and from every other mistake's, so the notebook can name the mistake a student's result matches without carrying its code.
    """
    runtime: dict[str, Any] = {"__name__": "public_checks"}
    exec(compile(code, "public checks", "exec"), runtime)  # noqa: S102 - the build's own checks code
    observe, fingerprint = runtime["observe"], runtime["fingerprint"]
    cases = importlib.import_module(f"{assignment.package}.public_cases").cases()
    texts: dict[str, str] = {}
    for question_cases in cases.values():
        for case in question_cases:
            versions = case.pop("mistakes", {})
            case.setdefault("expected", _rounded(observe(case, reference)))
            found: dict[str, set[str]] = {}
            for mistake_id, (_, names) in versions.items():
                try:
                    digest = fingerprint(_rounded(observe(case, {**reference, **names})))
                except Exception:  # noqa: BLE001 - a mistake that raises on this case is not recognised by it
                    continue
                found.setdefault(digest, set()).add(mistake_id)
            found.pop(fingerprint(case["expected"]), None)
            # a result two mistakes share names neither: the case cannot tell them apart
            known = {digest: ids.pop() for digest, ids in sorted(found.items()) if len(ids) == 1}
            texts.update({mistake_id: versions[mistake_id][0] for mistake_id in known.values()})
            if known:
                case["mistakes"] = known
    return cases, texts


def checks_cell(assignment: Assignment, reference: dict[str, Any]) -> str:
    """The notebook cell that defines `grader`: the check code, then the public cases as a Python literal."""
    code = checks_code(assignment)
    cases, mistakes = public_cases(assignment, code, reference)
    data = pprint.pformat(cases, width=120, sort_dicts=False, compact=True)
    if not mistakes:
        return f"{_TITLE}\n{code}\n\n\ngrader = PublicChecks({data})"
    texts = pprint.pformat(mistakes, width=120, sort_dicts=False)
    return f"{_TITLE}\n{code}\n\n\ngrader = PublicChecks(\n{data},\n{texts},\n)"
