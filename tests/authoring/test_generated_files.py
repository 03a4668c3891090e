"""Every committed generated file (notebooks, reference module) is exactly what its assignment's source gives."""

from pathlib import Path

import pytest

from autograder.assignment import find_assignments
from autograder.authoring.generate import stale_files

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests/fixtures/course"


@pytest.mark.parametrize(
    "assignment", [a for a in find_assignments(FIXTURE) if a.root in (REPO, FIXTURE)], ids=lambda a: a.name
)
def test_committed_generated_files_are_fresh(assignment):
    stale = [str(p.relative_to(assignment.root)) for p in stale_files(assignment)]
    assert not stale, f"stale generated files {stale}: run `autograder build --root {assignment.root}` and commit them"
