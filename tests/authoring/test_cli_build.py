"""`autograder build`: regenerate, --check for staleness, and plain sentences when the layout is wrong."""

import shutil
from pathlib import Path

from autograder.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _copy_repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(ROOT / "assignments", root / "assignments")
    return root


def test_build_writes_then_reports_up_to_date(tmp_path, capsys):
    root = _copy_repo(tmp_path)
    assert main(["build", "--root", str(root)]) == 0
    assert "wrote student_template/optim_reg.ipynb" in capsys.readouterr().out
    for generated in ("student_template/optim_reg.ipynb", "solutions/optim_reg.ipynb", "solutions/optim_reg.py"):
        assert (root / generated).read_text() == (ROOT / generated).read_text()
    assert main(["build", "--root", str(root)]) == 0
    assert "generated files are up to date" in capsys.readouterr().out


def test_check_fails_on_a_stale_file_and_names_it(tmp_path, capsys):
    root = _copy_repo(tmp_path)
    assert main(["build", "--root", str(root)]) == 0
    source = root / "assignments/optim_reg/notebook.md"
    source.write_text(source.read_text().replace("# Optimization & Regularization", "# Optimisation"))
    capsys.readouterr()
    assert main(["build", "--check", "--root", str(root)]) == 1
    out = capsys.readouterr().out
    assert "student_template/optim_reg.ipynb is stale; run `autograder build`" in out
    assert "solutions/optim_reg.py" not in out, "the reference module did not change"


def test_missing_assignments_folder_is_explained(tmp_path, capsys):
    assert main(["build", "--root", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "No assignment source" in err and "--root" in err
