"""`autograder build`: regenerate, --check for staleness, and plain sentences when the layout is wrong.

Run on a copy of the fixture course (tests/fixtures/course), in its own process: an assignment package, once
imported, stays imported, and the copy must be the one found.
"""

import shutil
import subprocess
import sys
from pathlib import Path

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "course"
GENERATED = ("student_template/toy.ipynb", "solutions/toy.ipynb", "solutions/toy.py")


def build(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "autograder.cli", "build", *args], capture_output=True, text=True, timeout=600
    )


def _copy_course(tmp_path: Path) -> Path:
    root = tmp_path / "course"
    shutil.copytree(FIXTURE / "assignments", root / "assignments", ignore=shutil.ignore_patterns("__pycache__"))
    return root


def test_build_writes_then_reports_up_to_date(tmp_path):
    root = _copy_course(tmp_path)
    run = build("--root", str(root), "--out", str(tmp_path / "dist"))
    assert run.returncode == 0, run.stderr
    assert "toy: wrote student_template/toy.ipynb" in run.stdout
    assert f"toy: wrote {tmp_path / 'dist/toy/gradescope/autograder.zip'}" in run.stdout
    assert f"toy: wrote {tmp_path / 'dist/toy/otter/autograder.zip'}" in run.stdout
    assert "optim_reg" not in run.stdout, "only the assignments under --root are built"
    for generated in GENERATED:
        assert (root / generated).read_text() == (FIXTURE / generated).read_text()
    run = build("--root", str(root), "--check")
    assert run.returncode == 0 and run.stdout == "", run.stdout


def test_check_fails_on_a_stale_file_and_names_it(tmp_path):
    root = _copy_course(tmp_path)
    for generated in GENERATED:
        (root / generated).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(FIXTURE / generated, root / generated)
    source = root / "assignments/toy/notebook.md"
    source.write_text(source.read_text().replace("# A toy assignment", "# A small assignment"))
    run = build("--check", "--root", str(root))
    assert run.returncode == 1
    assert "toy: student_template/toy.ipynb is stale; run `autograder build`" in run.stdout
    assert "solutions/toy.py" not in run.stdout, "the reference module did not change"


def test_missing_assignments_folder_is_explained(tmp_path):
    run = build("--root", str(tmp_path))
    assert run.returncode == 2
    assert "No assignment source" in run.stderr and "--root" in run.stderr
