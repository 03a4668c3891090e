"""The real `otter grade` (otter-grader 7.0.0) with a real Docker engine gives the points `autograder grade` gives.

otter_docker.py starts a private dockerd, makes the base image without a registry and says what is stood in for and
why; the zip is exactly the one `autograder build` writes and the command is docs/otter.md's. Needs root (apt-get,
dockerd, debootstrap), which CI has; the first run takes several minutes (debootstrap, then the grading image), most
of it waiting for downloads and disks, so in a whole-suite run it runs beside the rest, in a second pytest process.
"""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.grades import read_grades
from tests.integrations import otter_docker

pytestmark = [
    pytest.mark.skipif(
        not otter_docker.is_root(),
        reason="otter grade needs a Docker engine, which this test installs and starts itself: run it as root",
    ),
    pytest.mark.beside,  # mostly downloads and image layers: it runs beside the rest of the suite (tests/conftest.py)
]
KERNEL_FILE = "autograder/integrations/otter/kernel.py"


def test_the_engine_is_stopped_by_its_pid_whatever_happens():
    """An error while a container runs still stops the container, dockerd and containerd, by pid. This runs before the
    module's engine starts (two engines on the same data would not be safe) and makes the base image it reuses."""
    otter_docker.install_tools()
    with pytest.raises(RuntimeError, match="an error while a container runs"), otter_docker.engine() as engine:
        otter_docker.base_image(engine)
        sleeping = ["run", "--rm", "--detach", "--network", "none", otter_docker.BASE_IMAGE, "sleep", "600"]
        started = engine.docker(*sleeping)
        assert started.returncode == 0, started.stderr
        inside = otter_docker.leftover_pids() - {engine.pid}
        assert len(inside) >= 3, "containerd, the container's shim and its sleep"
        raise RuntimeError("an error while a container runs")
    assert not Path(f"/proc/{engine.pid}").exists()
    assert otter_docker.leftover_pids() == set()


@pytest.fixture(scope="module")
def running():
    otter_docker.install_tools()
    with otter_docker.engine() as engine:
        otter_docker.base_image(engine)
        yield engine


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("otter-grade")
    otter_docker.prepare(folder)
    return folder


@pytest.fixture(scope="module")
def graded(running, workdir) -> otter_docker.Grading:
    grading = otter_docker.otter_grade(running, workdir)
    print(f"\notter grade: {grading.seconds:.0f} s in all, image {grading.image_seconds:.0f} s, notebooks "
          f"{', '.join(f'{s:.0f}' for s in grading.notebook_seconds)} s")  # fmt: skip
    return grading


@pytest.fixture(scope="module")
def ours(workdir, tmp_path_factory) -> dict[str, dict[str, float]]:
    """`autograder grade`'s points, by submission and column."""
    out = tmp_path_factory.mktemp("autograder-grade")
    command = [sys.executable, "-m", "autograder.cli", "grade", str(workdir / "submissions"), "--out", str(out),
               "--assignment", "optim_reg", "--jobs", "2"]  # fmt: skip
    done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return read_grades(out)


def test_otter_grade_runs_the_documented_command_on_every_notebook(graded, workdir):
    notebooks = {path.name for path in (workdir / "submissions").glob("*.ipynb")}
    assert set(graded.rows) == notebooks | {"points-per-question"}
    assert len(notebooks) >= 5
    assert {row["grading_status"] for name, row in graded.rows.items() if name in notebooks} == {"Completed"}
    assert float(graded.rows["solution.ipynb"]["total_points_earned"]) == 100
    assert float(graded.rows["template.ipynb"]["total_points_earned"]) == 0


def test_otter_grade_gives_every_question_the_points_autograder_grade_gives(graded, ours):
    from tests.assignments.optim_reg.corpus.variants import BUGS

    def points(row: dict[str, str]) -> dict[str, float]:
        return {q: float(row[q]) for q in questions}

    maximum = graded.rows["points-per-question"]
    questions = [q for q in maximum if q not in ("file", "total_points_earned", "percent_correct", "grading_status")]
    assert points(maximum) == {q: ours["Points Possible"][q] for q in questions}
    notebooks = {file.removesuffix(".ipynb"): row for file, row in graded.rows.items() if file != "points-per-question"}
    for name, row in notebooks.items():
        assert points(row) == pytest.approx({q: ours[name][q] for q in questions}), name
    for variant in BUGS:
        if variant.name in notebooks:
            assert points(notebooks[variant.name])[variant.question] < points(maximum)[variant.question], variant.name


def test_graders_that_do_not_import_are_named_in_the_grading_status_not_a_silent_zero(running, workdir, tmp_path):
    """The same zip with the otter kernel module left out of its wheel: otter grade must say why nothing was graded."""
    broken = tmp_path / "dist/broken.zip"
    broken.parent.mkdir()
    with (
        zipfile.ZipFile(workdir / "dist/optim_reg/otter/autograder.zip") as source,
        zipfile.ZipFile(broken, "w") as out,
    ):
        for item in source.infolist():
            data = source.read(item)
            if item.filename.endswith(".whl"):
                data = otter_docker.without_member(data, KERNEL_FILE)
            out.writestr(item, data)
    (tmp_path / "submissions").mkdir()
    shutil.copy2(workdir / "submissions/solution.ipynb", tmp_path / "submissions")
    commands = (
        "mkdir -p graded\notter grade -n optim_reg-broken -a dist/broken.zip -o graded/ --timeout 600 --no-network "
        "submissions/\n"
    )
    grading = otter_docker.otter_grade(running, tmp_path, name="optim_reg-broken", commands=commands)
    status = grading.rows["solution.ipynb"]["grading_status"]
    assert status.startswith("This project's graders are not usable here, so the submission was not graded")
    assert "No module named 'autograder.integrations.otter.kernel'" in status
    running.docker("image", "rm", "--force", "otter-grade:optim_reg-broken")
