"""The otter zip: what it holds, and the real `otter run` (otter-grader 7.0.0) grading like `autograder grade`.

`otter grade` needs a Docker engine, which CI lacks; everything it reads from the zip is checked here instead.
"""

import csv
import json
import os
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from autograder.cli import main
from autograder.graders.optim_reg.questions import QUESTIONS
from autograder.integrations.gradescope.build import TORCH_VERSION
from autograder.integrations.otter.build import build_zip, build_zip_report
from autograder.integrations.otter.otter_tests import grader_tests
from tests.corpus.variants import BUGS, Variant, bug, notebook

pytest.importorskip("otter", reason="the otter extra is not installed: pip install -e '.[otter]'")

REPO = Path(__file__).resolve().parents[2]
ONE_BUG = ["I1-fans-swapped", "A1-no-bias-correction", "D13-modifies-input", "E1-weights-aliased"]
HE_NORMAL = "    return torch.empty(tuple(shape), dtype=torch.float32).normal_(0.0, s, generator=generator)\n"
# Honest shortcuts SPEC forbids: otter must take [init]'s credit away too, whether the call is in the graded function
# (found in its source) or in a helper it calls (found only when it runs).
LIBRARY_INIT = [
    bug(
        "he-normal-from-torch-init",
        "init",
        (HE_NORMAL, "    return torch.nn.init.kaiming_normal_(torch.empty(tuple(shape)), generator=generator)\n"),
    ),
    bug(
        "he-normal-from-a-helper-using-torch-init",
        "init",
        (
            HE_NORMAL,
            (
                "    return _draw(shape, generator)\n\n\n"
                "def _draw(shape, generator):\n"
                "    return torch.nn.init.kaiming_normal_(torch.empty(tuple(shape)), generator=generator)\n"
            ),
        ),
    ),
]


@pytest.fixture(scope="module")
def otter_zip(tmp_path_factory) -> Path:
    return build_zip(REPO, tmp_path_factory.mktemp("dist"), "optim_reg")


def read(archive_path: Path, name: str) -> str:
    with zipfile.ZipFile(archive_path) as archive:
        return archive.read(name).decode()


def test_zip_has_otter_generates_layout_and_the_wheel(otter_zip):
    assert otter_zip.parts[-3:] == ("optim_reg", "otter", "autograder.zip")
    with zipfile.ZipFile(otter_zip) as archive:
        names = set(archive.namelist())
        (wheel,) = [n for n in names if n.endswith(".whl")]
        scripts = {n: archive.getinfo(n).external_attr >> 16 for n in ("run_autograder", "setup.sh")}
    fixed = {"run_autograder", "run_otter.py", "setup.sh", "environment.yml", "requirements.txt", "otter_config.json"}
    assert names == fixed | {f"tests/{q}.py" for q in QUESTIONS} | {wheel}
    assert wheel.startswith("files/optim_reg_autograder-")
    assert set(scripts.values()) == {0o100755}
    name = wheel.removeprefix("files/")
    assert name in read(otter_zip, "run_autograder") and name in read(otter_zip, "setup.sh")


def test_image_gets_cpu_torch_and_no_latex_or_chromium(otter_zip):
    requirements = read(otter_zip, "requirements.txt").splitlines()
    assert requirements[:2] == ["--extra-index-url https://download.pytorch.org/whl/cpu", f"torch=={TORCH_VERSION}"]
    assert not [line for line in requirements if "cuda" in line.lower() or "nvidia" in line.lower()]
    environment = read(otter_zip, "environment.yml")
    assert "otter-grader[grading]==7.0.0" in environment
    assert "-r /autograder/source/requirements.txt" in environment
    commands = [line for line in read(otter_zip, "setup.sh").splitlines() if not line.lstrip().startswith("#")]
    assert not [w for w in ("texlive", "pandoc", "playwright", "chromium", "xelatex") if w in "\n".join(commands)]
    config = json.loads(read(otter_zip, "otter_config.json"))
    assert config["pdf"] is False and "token" not in config and "assignment_name" not in config


def test_each_grader_test_is_one_otter_case_with_its_points_and_visibility(otter_zip, tmp_path):
    from otter.test_files.exception_test import ExceptionTestFile

    for question in QUESTIONS:
        path = tmp_path / f"{question}.py"
        path.write_text(read(otter_zip, f"tests/{question}.py"))
        assert "OK_FORMAT = False" in path.read_text() and ">>>" not in path.read_text()
        parsed = ExceptionTestFile.from_file(str(path))
        assert parsed.name == question
        got = [(case.name, case.points, case.hidden) for case in parsed.test_cases]
        want = [
            (name, weight.points, weight.visibility != "visible")
            for name, weight in grader_tests("optim_reg", question)
        ]
        assert got == want


# --- grading the same notebooks with `otter run` and `autograder grade` -------------------------------------------


@pytest.fixture(scope="module")
def submissions(tmp_path_factory) -> dict[str, Variant | None]:
    folder = tmp_path_factory.mktemp("submissions")
    variants: dict[str, Variant | None] = {"solution": None, "template": None}
    (folder / "solution.ipynb").write_bytes((REPO / "solutions/optim_reg.ipynb").read_bytes())
    (folder / "template.ipynb").write_bytes((REPO / "student_template/optim_reg.ipynb").read_bytes())
    for variant in [*(v for v in BUGS if v.name in ONE_BUG), *LIBRARY_INIT]:
        nbformat.write(notebook(variant), folder / f"{variant.name}.ipynb")
        variants[variant.name] = variant
    return folder, variants


def otter_run(otter_zip: Path, path: Path, out: Path) -> dict[str, float]:
    """Per-question points from the real `otter run` (this package importable in its kernel, as installed)."""
    out.mkdir()
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}  # two runs at once share 2 cores
    command = [sys.executable, "-m", "otter", "run", "--no-logo", "-a", str(otter_zip), "-o", str(out), str(path)]
    done = subprocess.run(command, check=False, capture_output=True, text=True, env=env, timeout=600, cwd=out)
    assert (out / "results.json").exists(), done.stdout[-3000:] + done.stderr[-3000:]
    tests = json.loads((out / "results.json").read_text())["tests"]
    return {t["name"]: t["score"] for t in tests if t["name"] in QUESTIONS}


@pytest.fixture(scope="module")
def both_grades(submissions, otter_zip, tmp_path_factory) -> dict[str, tuple[dict[str, float], dict[str, float]]]:
    """submission -> (otter's points per question, `autograder grade`'s)."""
    folder, variants = submissions
    out = tmp_path_factory.mktemp("otter-out")
    with ThreadPoolExecutor(2) as pool:
        otter = dict(zip(variants, pool.map(lambda n: otter_run(otter_zip, folder / f"{n}.ipynb", out / n), variants)))
    graded = tmp_path_factory.mktemp("graded")
    command = [sys.executable, "-m", "autograder.cli", "grade", str(folder), "--out", str(graded), "--jobs", "2"]
    done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = {row["submission"]: row for row in csv.DictReader((graded / "grades.csv").open())}
    return {name: (otter[name], {q: float(rows[name][q]) for q in QUESTIONS}) for name in variants}


def test_otter_run_gives_the_solution_full_marks_and_the_template_zero(both_grades):
    solution, _ = both_grades["solution"]
    template, _ = both_grades["template"]
    assert sum(solution.values()) == 100
    assert sum(template.values()) == 0


def test_otter_run_gives_every_notebook_the_points_autograder_grade_gives(both_grades, submissions):
    _, variants = submissions
    for name, (otter, ours) in both_grades.items():
        assert otter == ours, name
        if variants[name]:
            assert otter[variants[name].question] < QUESTION_MAX[variants[name].question], name


QUESTION_MAX = {q: sum(w.points for _, w in grader_tests("optim_reg", q)) for q in QUESTIONS}


def test_autograder_build_writes_the_otter_zip_under_out_or_says_why_not(tmp_path, capsys):
    assert main(["build", "--root", str(REPO), "--out", str(tmp_path / "out")]) == 0
    assert f"optim_reg: wrote {tmp_path / 'out/optim_reg/otter/autograder.zip'}" in capsys.readouterr().out
    report = build_zip_report(tmp_path, tmp_path / "elsewhere", "optim_reg")
    assert report.startswith("the otter zip was not built (No such file or directory:") and "--root" in report
    assert not (tmp_path / "elsewhere").exists()
