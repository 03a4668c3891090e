"""Issue 12, items 3 and 4, attacked through the real CLI: one file never takes the batch down, one grade never
overwrites another, nothing is written outside --out, and no gradebook cell reads as a formula.

One batch holds every hostile name and every unreadable file at once, beside honest notebooks whose scores are
known (the solution: full marks; the template: zero), so a grade landing in the wrong row shows.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.inputs.tree import display
from tests.inputs.lms_fixtures import GradescopeSubmission, gradescope_export, notebook, write_tree, zipped

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = (ROOT / "solutions" / "optim_reg.ipynb").read_bytes()
TEMPLATE = (ROOT / "student_template" / "optim_reg.ipynb").read_bytes()
DEEP = b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
LONG_INT = b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [], "n": ' + b"7" * 5000 + b"}"
FORMULAS = ['=HYPERLINK("evil.example";"x")', "-2+3", "+1", "@SUM(A1)"]

# file in the batch folder -> (expected total, a phrase its results.json output must hold)
EXPECTED: dict[str, tuple[float, str]] = {
    "alice/hw.ipynb": (100.0, ""),
    "m2/alice-hw.ipynb": (0.0, ""),  # would have been named alice-hw, as alice/hw was
    "link.ipynb": (100.0, ""),  # a link to alice/hw, graded under its own name
    "outside.ipynb": (0.0, "link to a file outside the folder"),
    "grades.csv.ipynb": (0.0, ""),
    "....ipynb": (0.0, ""),  # its stem is "...": once a folder outside --out
    "...ipynb": (0.0, ""),  # its stem is ".."
    "Points Possible.ipynb": (0.0, ""),
    "deep.ipynb": (0.0, "could not be read"),
    "long-int.ipynb": (0.0, "could not be read"),
    "pipe.ipynb": (0.0, "not a regular file"),
    os.fsdecode(b"caf\xe9-\xff.ipynb"): (0.0, ""),
    **{f"{formula}.ipynb": (0.0, "") for formula in FORMULAS},
}


def snapshot(root: Path, skip: Path) -> dict[str, str]:
    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_relative_to(skip) or path.is_symlink() or not path.is_file():
            continue
        found[os.fsdecode(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("integrity")
    batch, out = base / "batch", base / "out"
    tiny = notebook("import torch")
    write_tree(batch, {"alice/hw.ipynb": SOLUTION, "m2/alice-hw.ipynb": TEMPLATE})
    for name in EXPECTED:
        if name not in ("alice/hw.ipynb", "m2/alice-hw.ipynb", "link.ipynb", "outside.ipynb", "pipe.ipynb"):
            (batch / name).write_bytes({"deep.ipynb": DEEP, "long-int.ipynb": LONG_INT}.get(name, tiny))
    (batch / "link.ipynb").symlink_to(batch / "alice" / "hw.ipynb")
    (base / "secret.ipynb").write_bytes(SOLUTION)
    (batch / "outside.ipynb").symlink_to(base / "secret.ipynb")
    os.mkfifo(batch / "pipe.ipynb")
    export = base / "export.zip"
    hostile = GradescopeSubmission(5, [(FORMULAS[0], "=1+1", "@evil.example")], {"../../../escaped.ipynb": tiny})
    export.write_bytes(zipped(gradescope_export([hostile]) | {"../../zip-escaped.ipynb": tiny}))
    out.mkdir()
    (out / "other-course.csv").write_text("keep me\n")
    before = snapshot(base, out)
    env = dict(os.environ, AUTOGRADER_CACHE=str(tmp_path_factory.mktemp("cache")))
    run = subprocess.run(
        [sys.executable, "-m", "autograder.cli", "grade", str(batch), str(export), "--out", str(out), "--jobs", "2",
         "--assignment", "optim_reg"],
        capture_output=True, timeout=900, env=env, cwd=base,
    )  # fmt: skip
    after = snapshot(base, out)
    with (out / "grades.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    results = {p.parent.name: json.loads(p.read_text()) for p in out.glob("*/results.json")}
    return run, rows, results, before, after, base, out


def test_the_batch_finishes_with_exactly_one_row_and_one_result_per_submission(graded):
    run, rows, results, *_ = graded
    assert run.returncode == 0, run.stderr.decode(errors="replace")[-3000:]
    names = [r[0] for r in rows[2:]]
    # every file of the folder, the export's one submission, and the entry that climbed out of the export's folder
    assert len(names) == len(EXPECTED) + 2
    assert len(set(names)) == len(names) == len(results) and set(names) == set(results)


def test_each_submission_is_graded_under_a_name_from_its_own_path(graded):
    _, rows, results, *_ = graded
    totals = {r[0]: float(r[-2]) for r in rows[2:]}
    assert totals["hw"] == 100.0 and totals["alice-hw"] == 0.0 and totals["link"] == 100.0
    sources = {name: data["extra_data"]["source"] for name, data in results.items()}
    assert sources["hw"].endswith("alice/hw.ipynb") and sources["alice-hw"].endswith("m2/alice-hw.ipynb")
    assert sources["link"].endswith("batch/link.ipynb")
    for name, data in results.items():
        assert data["score"] == totals[name], name


def test_one_unreadable_file_costs_only_itself_with_a_sentence(graded):
    _, _, results, *_ = graded
    for file, (total, phrase) in EXPECTED.items():
        (data,) = [d for d in results.values() if d["extra_data"]["source"].endswith(f"batch/{display(file)}")]
        assert data["score"] == total, file
        assert phrase in data["output"], (file, data["output"])


def test_nothing_is_written_outside_the_output_folder(graded):
    _, _, _, before, after, base, out = graded
    assert before == after
    assert (out / "other-course.csv").read_text() == "keep me\n"
    assert not [p for p in base.rglob("*escaped*") if not p.is_relative_to(out)]
    assert not (base / "results.json").exists()


def test_no_gradebook_cell_reads_as_a_formula_and_points_possible_is_one_row(graded):
    _, rows, *_ = graded
    cells = [c for row in rows for c in row]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@"))]
    assert [r[0] for r in rows].count("Points Possible") == 1 and rows[1][0] == "Points Possible"
    assert rows[0][:2] == ["submission", "student"], "the export's identity columns"
    (hostile,) = [r for r in rows if r[1].endswith('"x")')]
    assert hostile[1].startswith("'=") and hostile[3] == "'=1+1"


# A worker that searches its own memory (every readable anonymous or heap mapping, read with ctypes: /proc/self/mem is
# closed to it) for another student's code and for a written question's model answer. Each text is looked for as two
# halves that must be adjacent, so the searcher's own copies of the halves never match. If it finds one, its cell
# raises: a leak shows as that cell's error. The control notebook holds the text itself, so its search must find it.
MEMORY_SEARCH = """
import ctypes, re
def _found(*halves_list):
    hits = set()
    for line in open("/proc/self/maps").read().splitlines():
        fields = line.split()
        if not fields[1].startswith("r") or (len(fields) > 5 and not fields[5].startswith("[heap")):
            continue
        start, end = (int(x, 16) for x in fields[0].split("-"))
        data = ctypes.string_at(start, end - start)
        for first, second in halves_list:
            for match in re.finditer(re.escape(first), data):
                if data[match.end():match.end() + len(second)] == second:
                    hits.add(first)
    return hits
_hits = _found((b"QWERTY-ALICE", b"-4242-ZXCV"), (b"ReLU is not differentiable", b" at 0; any value in"))
if _hits:
    raise RuntimeError(f"found {sorted(_hits)}")
"""


def test_no_worker_holds_another_students_notebook_or_a_model_answer(tmp_path):
    course = ROOT / "tests" / "fixtures" / "course"
    solution = nbformat.read(course / "solutions" / "toy.ipynb", as_version=4)
    secret = nbformat.v4.new_code_cell("# QWERTY-ALICE-4242-ZXCV: only alice's notebook holds this")
    search = nbformat.v4.new_code_cell(MEMORY_SEARCH)
    batch = tmp_path / "batch"
    batch.mkdir()
    for name, extra in (("alice", [secret]), ("bob", [search]), ("control", [secret, search])):
        notebook = nbformat.from_dict(solution)
        notebook.cells += extra
        nbformat.write(notebook, batch / f"{name}.ipynb")
    run = subprocess.run(
        [sys.executable, "-m", "autograder.cli", "grade", str(batch), "--out", str(tmp_path / "out"), "--jobs", "1",
         "--assignment", "toy", "--root", str(course), "--cell-timeout", "60"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    results = {p.parent.name: json.loads(p.read_text()) for p in (tmp_path / "out").glob("*/results.json")}
    # The search's verdict is its cell's status (a hit raises): its score says nothing, since the grader's own scan
    # already takes the questions of a notebook that reads raw memory.
    search_cell = {name: results[name]["extra_data"]["cells"][-1] for name in ("bob", "control")}
    assert search_cell["control"]["status"] == "error", "the search finds what its own worker holds"
    assert search_cell["bob"]["status"] == "ok", search_cell["bob"]
