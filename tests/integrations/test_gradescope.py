"""The Gradescope zip: what it holds, what setup.sh installs, and grading in a simulated container.

Each grading test unzips the zip into a temporary /autograder, runs run_autograder as Gradescope does and validates
results.json against the JSON Schema of Gradescope's format (see gradescope_container.py).
"""

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import nbformat
import pytest

from autograder.assignment import choose, load
from autograder.integrations import wheel as wheels
from autograder.integrations.gradescope import run
from autograder.integrations.gradescope.build import VENV
from tests.assignments.optim_reg.corpus.variants import BUGS, notebook
from tests.integrations.gradescope_container import REPO, SCHEMA, built_zip, make_root, run_autograder

OPTIM_REG = load("optim_reg")
SOLUTION = OPTIM_REG.solution_notebook.read_bytes()
TEMPLATE = OPTIM_REG.template_notebook.read_bytes()


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory) -> Path:
    return built_zip("gradescope", OPTIM_REG, tmp_path_factory.mktemp("dist"))


def test_without_the_engine_s_source_the_zips_are_not_built_and_the_line_says_why(tmp_path, monkeypatch):
    monkeypatch.setattr(wheels, "ENGINE_ROOT", tmp_path)  # a checkout without pyproject.toml
    lines = wheels.zips_report(OPTIM_REG, lambda wheel: pytest.fail("no wheel, no zips"))
    assert len(lines) == 1 and lines[0].startswith("the zips were not built") and "pip install -e ." in lines[0]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_zip_holds_the_two_scripts_at_its_root_and_the_wheel_with_graders_and_reference(autograder_zip):
    assert autograder_zip.parts[-3:] == ("optim_reg", "gradescope", "autograder.zip")
    with zipfile.ZipFile(autograder_zip) as archive:
        names = archive.namelist()
        (wheel,) = [n for n in names if n.endswith(".whl")]
        assert sorted(names) == sorted(["setup.sh", "run_autograder", wheel])
        assert all(archive.getinfo(n).external_attr >> 16 == 0o100755 for n in ("setup.sh", "run_autograder"))
        setup = archive.read("setup.sh").decode()
        with archive.open(wheel) as inner, zipfile.ZipFile(inner) as installed:
            packaged = set(installed.namelist())
    assert {"autograder/grading/pytest.ini", "assignments/optim_reg/graders/test_adam.py", "solutions/optim_reg.py",
            "assignments/optim_reg/notebook.md", "autograder/integrations/gradescope/run.py"} <= packaged  # fmt: skip
    assert {n.split("/")[1] for n in packaged if n.startswith(("assignments/", "solutions/"))} == {
        "optim_reg", "optim_reg.py", "__init__.py"}, "the wheel carries this assignment only"  # fmt: skip
    assert f'"$root/source/{wheel}"' in setup and "@" not in setup and "--assignment optim_reg" in setup


def test_the_second_assignment_s_zip_carries_it_alone_and_grades_its_solution_100_and_template_0(tmp_path):
    norm_sched = load("norm_sched")
    norm_zip = built_zip("gradescope", norm_sched, tmp_path / "dist")
    assert norm_zip.parts[-3:] == ("norm_sched", "gradescope", "autograder.zip")
    with zipfile.ZipFile(norm_zip) as archive:
        (wheel,) = [n for n in archive.namelist() if n.endswith(".whl")]
        assert "--assignment norm_sched" in archive.read("setup.sh").decode()
        with archive.open(wheel) as inner, zipfile.ZipFile(inner) as installed:
            packaged = set(installed.namelist())
    assert {n.split("/")[1] for n in packaged if n.startswith(("assignments/", "solutions/"))} == {
        "norm_sched", "norm_sched.py", "__init__.py"}, "the wheel carries this assignment only"  # fmt: skip
    for notebook_path, score in ((norm_sched.solution_notebook, 100), (norm_sched.template_notebook, 0)):
        root = make_root(tmp_path / str(score), norm_zip, {"norm_sched.ipynb": notebook_path.read_bytes()})
        results, done = run_autograder(root)
        assert results["score"] == score, done.stdout + done.stderr
        assert results["extra_data"]["assignment"] == "norm_sched"


def test_the_bundled_wheel_alone_grades_the_solution(autograder_zip, tmp_path):
    """What setup.sh installs is enough: graders, their pytest.ini and the reference all come from the wheel."""
    root = make_root(tmp_path, autograder_zip, {"optim_reg.ipynb": SOLUTION})
    (wheel,) = (root / "source").glob("*.whl")
    site = tmp_path / "site"
    install = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--target", str(site)]
    subprocess.run([*install, str(wheel)], check=True, capture_output=True)
    python = tmp_path / "python"
    python.write_text(f'#!/bin/sh\nPYTHONPATH={site} exec {sys.executable} "$@"\n')
    python.chmod(0o755)
    where = subprocess.run([python, "-c", "import autograder; print(autograder.__file__)"], check=True, cwd=root,
                           capture_output=True, text=True)  # fmt: skip
    assert where.stdout.startswith(str(site))
    results, done = run_autograder(root, python=str(python))
    assert results["score"] == 100, done.stdout + done.stderr


def test_scripts_are_valid_bash(autograder_zip, tmp_path):
    make_root(tmp_path, autograder_zip, {})
    for script in ("setup.sh", "run_autograder"):
        check = subprocess.run(
            ["bash", "-n", str(tmp_path / "autograder/source" / script)], check=False, capture_output=True
        )
        assert check.returncode == 0, check.stderr


FAKE = r"""#!/usr/bin/env bash
echo "$(basename "$0") $*" >> "$FAKE_LOG"
case "$(basename "$0") $1 $2" in
    "python3 -m venv") mkdir -p "$3/bin" && cp "$0" "$3/bin/pip" && cp "$0" "$3/bin/python" ;;
    "python -m autograder.integrations.gradescope.run") mkdir -p "$AUTOGRADER_CACHE" && touch "$AUTOGRADER_CACHE/ref" ;;
    "python -c "*) mkdir -p "$FAKE_SITE/assignments" "$FAKE_SITE/solutions" && echo "$FAKE_SITE" ;;
esac
"""


def run_setup(root: Path, tmp_path: Path, warm_works: bool = True) -> tuple[subprocess.CompletedProcess, list[str]]:
    """setup.sh with apt-get, python3 and the venv's pip and python replaced by fakes that log their arguments."""
    fakes = tmp_path / "fakes"
    fakes.mkdir()
    for name in ("apt-get", "python3"):
        (fakes / name).write_text(FAKE if warm_works else FAKE.replace("touch", "true"))
        (fakes / name).chmod(0o755)
    env = os.environ | {
        "PATH": f"{fakes}:{os.environ['PATH']}", "FAKE_LOG": str(tmp_path / "log"), "FAKE_SITE": str(tmp_path / "site"),
        "AUTOGRADER_ROOT": str(root), "AUTOGRADER_VENV": str(tmp_path / "venv"), "AUTOGRADER_CACHE": str(tmp_path / "cache"),
    }  # fmt: skip
    done = subprocess.run(["bash", str(root / "source/setup.sh")], env=env, check=False, capture_output=True, text=True)
    return done, (tmp_path / "log").read_text().splitlines()


def test_setup_installs_cpu_torch_then_the_bundled_wheel_in_a_venv_and_locks_secrets(autograder_zip, tmp_path):
    root = make_root(tmp_path, autograder_zip, {})
    done, log = run_setup(root, tmp_path)
    assert done.returncode == 0, done.stderr
    (wheel,) = (root / "source").glob("*.whl")
    venv = tmp_path / "venv"
    cpu = "--index-url https://download.pytorch.org/whl/cpu torch==2.13.0"
    plan = log[4].split("--report ")[1].split()[0]  # what pip would install, checked before anything is (cpu_torch.sh)
    assert log[:9] == [
        "apt-get update",
        "apt-get install -y --no-install-recommends python3-venv",
        f"python3 -m venv {venv}",
        "python -m pip install --quiet --no-cache-dir pip>=23.2",
        f"python -m pip install --quiet --dry-run --report {plan} {cpu}",
        f"python - https://download.pytorch.org/whl/cpu {plan}",
        f"python -m pip install --no-cache-dir {cpu}",
        f"pip install --no-cache-dir {wheel}",
        "python - https://download.pytorch.org/whl/cpu",  # no CUDA build installed after all
    ]
    assert log[9].startswith("python -m autograder.integrations.gradescope.run --root /"), (
        "the reference cache is warmed"
    )
    assert log[9].endswith("--assignment optim_reg"), "with the zip's own assignment"
    for secret in (
        root / "source",
        tmp_path / "cache",
        tmp_path / "site/assignments",
        tmp_path / "site/solutions",
    ):
        assert mode(secret) & 0o077 == 0, f"{secret} is readable by other users"
    assert VENV.startswith("/opt/") and "/autograder/source" not in VENV, "the venv must stay usable by the sandbox"


def test_setup_fails_loudly_when_the_grader_cannot_grade_the_reference(autograder_zip, tmp_path):
    done, _ = run_setup(make_root(tmp_path, autograder_zip, {}), tmp_path, warm_works=False)
    assert done.returncode == 1 and "could not grade the reference solution" in done.stderr


def test_a_grader_that_dies_still_leaves_a_valid_results_json(autograder_zip, tmp_path):
    root = make_root(tmp_path, autograder_zip, {"optim_reg.ipynb": SOLUTION})
    results, _ = run_autograder(root, python="/bin/false")
    assert results["score"] == 0 and "not a problem with your notebook" in results["output"]
    assert "exit status 1" in results["output"]


def test_a_grader_that_raises_writes_results_that_say_so_and_logs_the_traceback(tmp_path, monkeypatch, capsys):
    def broken(root: Path, assignment) -> dict:
        raise RuntimeError("the hidden graders could not run")

    monkeypatch.setattr(run, "grade", broken)
    (tmp_path / "submission_metadata.json").write_text("{}")
    assert run.main(["--root", str(tmp_path), "--assignment", "optim_reg"]) == 0
    results = json.loads((tmp_path / "results/results.json").read_text())
    jsonschema.validate(results, SCHEMA)
    assert results["score"] == 0 and results["output"] == run.GRADER_FAILED
    assert "RuntimeError: the hidden graders could not run" in capsys.readouterr().out
    assert mode(tmp_path / "results") == 0o700 and mode(tmp_path / "submission_metadata.json") == 0o600


def assert_visibility(results: dict) -> None:
    assert results["stdout_visibility"] == "hidden" and results["visibility"] == "visible"
    assert {t["visibility"] for t in results["tests"]} == {"visible", "after_published"}
    assert results["score"] == sum(t["score"] for t in results["tests"])


def test_solution_among_several_files_gets_full_marks_and_privacy_is_locked(autograder_zip, tmp_path):
    root = make_root(tmp_path, autograder_zip, {
        "optim_reg.ipynb": SOLUTION, "scratch.ipynb": TEMPLATE, "notes.txt": b"todo",
        ".ipynb_checkpoints/optim_reg-checkpoint.ipynb": TEMPLATE,
    })  # fmt: skip
    results, done = run_autograder(root)
    assert results["score"] == 100, done.stdout + done.stderr
    assert results["output"].startswith(
        "Your submission has 2 notebooks; graded optim_reg.ipynb because it is named optim_reg.ipynb. "
        "Not graded: scratch.ipynb."
    )
    assert "Every public check passed." in results["output"] and results["extra_data"]["notebook"] == "optim_reg.ipynb"
    assert_visibility(results)
    assert mode(root / "results") == 0o700 and mode(root / "submission_metadata.json") == 0o600


def test_template_under_another_name_gets_zero_and_says_which_file_was_graded(autograder_zip, tmp_path):
    results, _ = run_autograder(make_root(tmp_path, autograder_zip, {"My Work.ipynb": TEMPLATE}))
    assert results["score"] == 0
    assert results["output"].startswith(
        "Graded My Work.ipynb, the only notebook in your submission.\nPublic checks: 0/"
    )
    assert_visibility(results)


def test_a_single_bug_earns_the_same_points_as_autograder_grade(autograder_zip, tmp_path):
    (variant,) = [v for v in BUGS if v.name == "E8-ties-improve"]
    path = tmp_path / "optim_reg.ipynb"
    nbformat.write(notebook(variant), path)
    results, _ = run_autograder(make_root(tmp_path, autograder_zip, {"optim_reg.ipynb": path.read_bytes()}))
    graded = subprocess.run(
        [sys.executable, "-m", "autograder.cli", "grade", str(path), "--out", str(tmp_path / "graded"),
         "--assignment", "optim_reg"],
        check=False, capture_output=True, text=True, timeout=600, cwd=REPO,
    )  # fmt: skip
    assert graded.returncode == 0, graded.stderr
    expected = json.loads((tmp_path / "graded/optim_reg/results.json").read_text())
    jsonschema.validate(expected, SCHEMA)
    assert 0 < results["score"] == expected["score"] < 100
    assert [(t["name"], t["score"], t["max_score"]) for t in results["tests"]] == [
        (t["name"], t["score"], t["max_score"]) for t in expected["tests"]
    ]
    assert results["output"] == expected["output"]


def test_no_notebook_scores_zero_and_says_what_to_submit(autograder_zip, tmp_path):
    submission = {"optim_reg.py": b"def adam_update(): ...", "report.pdf": b"%PDF-1.7"}
    results, _ = run_autograder(make_root(tmp_path, autograder_zip, submission))
    assert results["score"] == 0 and results["tests"] == []
    assert results["output"].startswith("Score 0/100: this submission could not be graded. No Jupyter notebook")
    assert "optim_reg.py, report.pdf" in results["output"]


def test_an_unreadable_notebook_scores_zero_and_says_why(autograder_zip, tmp_path):
    results, _ = run_autograder(make_root(tmp_path, autograder_zip, {"optim_reg.ipynb": bytes(range(256)) * 8}))
    assert results["score"] == 0 and "not a Jupyter notebook" in results["output"]


def test_cells_that_kill_their_worker_or_exhaust_memory_cost_nothing_else(autograder_zip, tmp_path):
    nb = nbformat.reads(SOLUTION.decode(), as_version=4)
    nb.cells[3:3] = [
        nbformat.v4.new_code_cell("import os\nos._exit(3)"),
        nbformat.v4.new_code_cell("import os, signal\nos.killpg(os.getpgid(0), signal.SIGKILL)"),
        nbformat.v4.new_code_cell("hog = bytearray(2**30)"),  # 1 GB: more than Gradescope's container holds
    ]
    results, _ = run_autograder(make_root(tmp_path, autograder_zip, {"optim_reg.ipynb": nbformat.writes(nb).encode()}))
    assert results["score"] == 100
    assert "the cell ended its process (exit code 3)" in results["output"]
    assert "the cell ended its process (killed by signal SIGKILL)" in results["output"]
    assert "MemoryError" in results["output"]


SPEC_EXAMPLE = {  # the minimal valid example of gradescope_and_security.md §1.3
    "score": 7.5, "execution_time": 12.3, "visibility": "after_due_date", "stdout_visibility": "hidden",
    "output": "Graded 4 functions.",
    "tests": [
        {"name": "Notebook parses and defines adam()", "status": "passed", "visibility": "visible"},
        {"name": "Adam: one step matches reference", "number": "2.1", "score": 2.5, "max_score": 2.5,
         "output": "max rel err 3.1e-09 (tol 1e-6)", "tags": ["optim"]},
    ],
}  # fmt: skip


@pytest.mark.parametrize(
    "mistake",
    [
        {"visibility": "public"},
        {"stdout_visiblity": "hidden"},
        {"score": "7.5"},
        {"output_format": "markdown"},
        {"tests": [{"name": "a", "max_score": 1}]},
        {"tests": [{"name": "a", "score": 1, "status": "ok"}]},
        {"tests": [{"name": "a", "score": 1, "number": 1}]},
    ],
)
def test_the_schema_accepts_gradescopes_example_and_rejects_common_mistakes(mistake):
    jsonschema.validate(SPEC_EXAMPLE, SCHEMA)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(SPEC_EXAMPLE | mistake, SCHEMA)


def test_the_schema_needs_a_score_at_the_top_or_on_every_test():
    unscored = {k: v for k, v in SPEC_EXAMPLE.items() if k != "score"}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(unscored, SCHEMA)
    jsonschema.validate(unscored | {"tests": SPEC_EXAMPLE["tests"][1:]}, SCHEMA)


def test_a_second_assignment_added_by_folders_grades_through_the_same_runner(tmp_path):
    """The fixture course's toy assignment: its own zip (its graders only), graded by the same runner."""
    toy = choose("toy", REPO / "tests/fixtures/course")
    toy_zip = built_zip("gradescope", toy, tmp_path / "dist")
    with zipfile.ZipFile(toy_zip) as archive:
        assert "--assignment toy" in archive.read("run_autograder").decode()
    wrong = nbformat.read(toy.solution_notebook, as_version=4)
    (cell,) = [c for c in wrong.cells if "def relu" in c.source]
    cell.source = cell.source.replace("torch.where(x > 0, x, torch.zeros_like(x))", "x.abs()")
    cases = (("solution", toy.solution_notebook.read_text(), 5), ("abs", nbformat.writes(wrong), 3))
    for name, notebook_text, score in cases:
        root = make_root(tmp_path / name, toy_zip, {"toy.ipynb": notebook_text.encode()})
        results, done = run_autograder(root, roots=(toy.root,))
        assert results["score"] == score, done.stdout + done.stderr
        assert results["extra_data"]["assignment"] == "toy"
    mistakes = [t["extra_data"].get("mistake") for t in results["tests"] if t["score"] < t["max_score"]]
    assert mistakes == [{"id": "relu.abs", "text": "it returns |x| instead of max(x, 0)"}] * 2
