"""The otter zip: what it holds, and the real `otter run` (otter-grader 7.0.0) grading like `autograder grade`.

The real `otter grade`, with a Docker engine, is test_otter_docker.py; the zip's scripts are test_otter_scripts.py.
"""

import json
import os
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from autograder.assignment import choose, load
from autograder.integrations.gradescope.build import TORCH_VERSION
from tests.assignments.optim_reg.corpus.variants import BUGS, Variant, bug, notebook
from tests.grades import read_grades
from tests.integrations.gradescope_container import built_zip

pytest.importorskip("otter", reason="the otter extra is not installed: pip install -e '.[otter]'")

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests/fixtures/course"
OPTIM_REG = load("optim_reg")
QUESTIONS = list(OPTIM_REG.questions)
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
    return built_zip("otter", OPTIM_REG, tmp_path_factory.mktemp("dist"))


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
    assert name in read(otter_zip, "run_otter.py"), "run_otter.py installs exactly this wheel"


def test_image_gets_cpu_torch_and_no_conda_latex_or_chromium(otter_zip):
    requirements = read(otter_zip, "requirements.txt").splitlines()
    assert requirements[0] == "otter-grader[grading]==7.0.0"
    assert not [line for line in requirements if line.startswith(("torch", "-", "nvidia"))], "torch comes from setup.sh"
    commands = "\n".join(line for line in read(otter_zip, "setup.sh").splitlines() if not line.lstrip().startswith("#"))
    assert f'--index-url "$cpu_torch_index" "torch=={TORCH_VERSION}"' in commands
    assert "https://download.pytorch.org/whl/cpu" in commands
    unreachable_or_unused = ("conda", "mamba", "miniforge", "github", "texlive", "pandoc", "playwright", "chromium")
    assert not [word for word in unreachable_or_unused if word in commands.lower()]
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
            (name, scoring.points, scoring.visibility != "visible")
            for name, scoring in OPTIM_REG.grader_tests(question)
        ]
        assert got == want


# --- grading the same notebooks with `otter run` and `autograder grade` -------------------------------------------


@pytest.fixture(scope="module")
def submissions(tmp_path_factory) -> dict[str, Variant | None]:
    folder = tmp_path_factory.mktemp("submissions")
    variants: dict[str, Variant | None] = {"solution": None, "template": None}
    (folder / "solution.ipynb").write_bytes(OPTIM_REG.solution_notebook.read_bytes())
    (folder / "template.ipynb").write_bytes(OPTIM_REG.template_notebook.read_bytes())
    for variant in [*(v for v in BUGS if v.name in ONE_BUG), *LIBRARY_INIT]:
        nbformat.write(notebook(variant), folder / f"{variant.name}.ipynb")
        variants[variant.name] = variant
    return folder, variants


def otter_run(
    otter_zip: Path, path: Path, out: Path, root: Path = REPO, questions: tuple[str, ...] = tuple(QUESTIONS)
) -> dict[str, float]:
    """Per-question points from the real `otter run` (this package, and the course ``root``, importable in its
    kernel, as installed)."""
    out.mkdir()
    path_entries = os.pathsep.join(dict.fromkeys([str(root), str(REPO)]))
    env = {**os.environ, "PYTHONPATH": path_entries, "OMP_NUM_THREADS": "1"}  # two runs at once share 2 cores
    command = [sys.executable, "-m", "otter", "run", "--no-logo", "-a", str(otter_zip), "-o", str(out), str(path)]
    done = subprocess.run(command, check=False, capture_output=True, text=True, env=env, timeout=600, cwd=out)
    assert (out / "results.json").exists(), done.stdout[-3000:] + done.stderr[-3000:]
    tests = json.loads((out / "results.json").read_text())["tests"]
    return {t["name"]: t["score"] for t in tests if t["name"] in questions}


@pytest.fixture(scope="module")
def both_grades(submissions, otter_zip, tmp_path_factory) -> dict[str, tuple[dict[str, float], dict[str, float]]]:
    """submission -> (otter's points per question, `autograder grade`'s)."""
    folder, variants = submissions
    out = tmp_path_factory.mktemp("otter-out")
    with ThreadPoolExecutor(2) as pool:
        otter = dict(zip(variants, pool.map(lambda n: otter_run(otter_zip, folder / f"{n}.ipynb", out / n), variants)))
    graded = tmp_path_factory.mktemp("graded")
    command = [sys.executable, "-m", "autograder.cli", "grade", str(folder), "--out", str(graded), "--jobs", "2",
               "--assignment", "optim_reg"]  # fmt: skip
    done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = read_grades(graded)
    return {name: (otter[name], {q: rows[name][q] for q in QUESTIONS}) for name in variants}


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


QUESTION_MAX = OPTIM_REG.points()


def test_a_second_assignment_added_by_folders_runs_under_otter_like_under_autograder_grade(tmp_path):
    """The fixture course's toy assignment: its own zip, graders and probes, through the same kernel code."""
    toy = choose("toy", FIXTURE)
    toy_zip = built_zip("otter", toy, tmp_path / "dist")
    assert read(toy_zip, "tests/relu.py").count("@test_case(") == 2
    wrong = nbformat.read(toy.solution_notebook, as_version=4)
    (cell,) = [c for c in wrong.cells if "def relu" in c.source]
    cell.source = cell.source.replace("torch.where(x > 0, x, torch.zeros_like(x))", "x.abs()")
    nbformat.write(wrong, tmp_path / "abs.ipynb")
    got = {
        name: otter_run(toy_zip, path, tmp_path / name, root=FIXTURE, questions=tuple(toy.questions))
        for name, path in (("solution", toy.solution_notebook), ("abs", tmp_path / "abs.ipynb"))
    }
    assert got == {"solution": {"scale": 3.0, "relu": 2.0}, "abs": {"scale": 3.0, "relu": 0.0}}
