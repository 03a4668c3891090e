"""The zips' install steps, run for real in fresh venvs: exactly the bundled wheel, and torch's CPU build only.

- run_otter.py (otter zip) installs the wheel whatever the working directory, even where a folder named `autograder`
  would pass `import autograder` (otter's containers and Gradescope start in `/`, beside `/autograder`); when the
  graders cannot be imported, setup fails and grading says so in otter's own results.
- cpu_torch.sh (both zips' setup.sh) refuses a CUDA torch, before installing it and after, with real pip against
  local indexes of tiny stand-in wheels (PyTorch's CPU index, and PyPI's CUDA torch with an nvidia package).
"""

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path
from urllib.parse import quote

import pytest

from autograder.assignment import load
from autograder.integrations.gradescope.build import TORCH_VERSION
from autograder.integrations.zip_entries import cpu_torch
from tests.integrations.gradescope_container import built_zip
from tests.integrations.otter_docker import without_member

KERNEL_FILE = "autograder/integrations/otter/kernel.py"


@pytest.fixture(scope="module")
def otter_zip(tmp_path_factory) -> Path:
    return built_zip("otter", load("optim_reg"), tmp_path_factory.mktemp("dist"))


def make_venv(path: Path, see_our_dependencies: bool) -> Path:
    """A fresh venv; with ``see_our_dependencies``, torch, otter and the rest are importable from this test's
    environment (a plain path entry, so its editable install of this project is not)."""
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True, capture_output=True)
    if see_our_dependencies:
        (site,) = path.glob("lib/python*/site-packages")
        (site / "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return path / "bin/python"


def otter_root(parent: Path, otter_zip: Path, wheel_without: str | None = None) -> Path:
    """An `/autograder` of otter's layout under ``parent`` (the zip in source/); optionally a file left out of the
    wheel."""
    root = parent / "autograder"
    with zipfile.ZipFile(otter_zip) as archive:
        archive.extractall(root / "source")
    (root / "submission").mkdir()
    (root / "results").mkdir()
    if wheel_without:
        (wheel,) = (root / "source/files").glob("*.whl")
        wheel.write_bytes(without_member(wheel.read_bytes(), wheel_without))
    return root


def run_otter(python: Path, root: Path, *args: str) -> subprocess.CompletedProcess:
    """run_otter.py as run_autograder starts it, from the folder that holds the `autograder` one (`/` in a container)."""
    env = {**os.environ, "AUTOGRADER_ROOT": str(root)}
    env.pop("PYTHONPATH", None)
    command = [str(python), str(root / "source/run_otter.py"), *args]
    return subprocess.run(command, cwd=root.parent, env=env, check=False, capture_output=True, text=True, timeout=600)


def where_autograder_is(python: Path, cwd: Path) -> subprocess.CompletedProcess:
    check = "import autograder; print(autograder.__file__, list(autograder.__path__))"
    return subprocess.run([str(python), "-c", check], check=False, cwd=cwd, capture_output=True, text=True)


def test_run_otter_installs_exactly_the_bundled_wheel_where_a_folder_named_autograder_fools_an_import(
    otter_zip, tmp_path
):
    python = make_venv(tmp_path / "venv", see_our_dependencies=True)
    root = otter_root(tmp_path, otter_zip)
    fooled = where_autograder_is(python, cwd=root.parent)
    assert fooled.returncode == 0 and fooled.stdout.startswith("None"), "the trap: a namespace package, not ours"

    done = run_otter(python, root, "--install-only")
    assert done.returncode == 0, done.stderr
    (site,) = (tmp_path / "venv").glob("lib/python*/site-packages")
    installed = where_autograder_is(python, cwd=root.parent)
    assert installed.stdout.startswith(str(site / "autograder/__init__.py")), installed.stdout + installed.stderr

    kernel = site / KERNEL_FILE
    before = kernel.stat().st_mtime_ns
    assert run_otter(python, root, "--install-only").returncode == 0
    assert kernel.stat().st_mtime_ns == before, "exactly this wheel is installed already: not again"
    kernel.write_text(kernel.read_text() + "\n# changed\n")
    assert run_otter(python, root, "--install-only").returncode == 0
    assert "# changed" not in kernel.read_text(), "an installed file that differs from the wheel's is reinstalled"


def test_setup_fails_with_the_reason_when_the_graders_do_not_import(otter_zip, tmp_path):
    python = make_venv(tmp_path / "venv", see_our_dependencies=True)
    root = otter_root(tmp_path, otter_zip, wheel_without=KERNEL_FILE)
    done = run_otter(python, root, "--install-only")
    assert done.returncode == 1
    assert "setup.sh: importing autograder.integrations.otter.kernel fails" in done.stderr
    assert "ModuleNotFoundError: No module named 'autograder.integrations.otter.kernel'" in done.stderr


def test_grading_without_importable_graders_says_why_in_otters_results_instead_of_a_bare_zero(otter_zip, tmp_path):
    """What `otter grade` reads back (results.pkl) and Gradescope shows (results.json) name the reason."""
    import dill
    from otter.grade.utils import merge_scores_to_df

    python = make_venv(tmp_path / "venv", see_our_dependencies=True)
    root = otter_root(tmp_path, otter_zip, wheel_without=KERNEL_FILE)
    (root / "submission/template.ipynb").write_bytes(load("optim_reg").template_notebook.read_bytes())
    done = run_otter(python, root)
    assert done.returncode == 0, done.stderr  # otter grade reads results only from a container that succeeded
    with open(root / "results/results.pkl", "rb") as f:
        results = dill.load(f)
    results.file = "template.ipynb"
    (status,) = merge_scores_to_df([results])["grading_status"]
    assert status.startswith("This project's graders are not usable here, so the submission was not graded")
    assert "No module named 'autograder.integrations.otter.kernel'" in status
    gradescope = (root / "results/results.json").read_text()
    assert '"score": 0' in gradescope and "Autograder Failed" in gradescope and "not graded" in gradescope


# --- torch's CPU build only (cpu_torch.sh) ---------------------------------------------------------------------------


def fake_wheel(folder: Path, name: str, version: str, requires: tuple[str, ...] = ()) -> None:
    """A tiny installable wheel: one module, the given dependencies."""
    folder.mkdir(parents=True, exist_ok=True)
    dist = f"{name.replace('-', '_')}-{version}"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    metadata += "".join(f"Requires-Dist: {requirement}\n" for requirement in requires)
    with zipfile.ZipFile(folder / f"{dist}-py3-none-any.whl", "w") as archive:
        archive.writestr(f"{name.replace('-', '_')}.py", f"__version__ = {version!r}\n")
        archive.writestr(f"{dist}.dist-info/METADATA", metadata)
        archive.writestr(f"{dist}.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        archive.writestr(f"{dist}.dist-info/RECORD", "")


@pytest.fixture(scope="module")
def indexes(tmp_path_factory) -> dict[str, str]:
    """PyTorch's CPU index (local, serving torch X+cpu), an unreachable one, and PyPI's CUDA torch (find-links)."""
    base = tmp_path_factory.mktemp("indexes")
    fake_wheel(base / "cpu/torch", "torch", f"{TORCH_VERSION}+cpu")
    links = "".join(f'<a href="{quote(w.name)}">{w.name}</a>' for w in (base / "cpu/torch").glob("*.whl"))
    (base / "cpu/torch/index.html").write_text(f"<html><body>{links}</body></html>")  # a PEP 503 project page
    fake_wheel(base / "pypi", "torch", TORCH_VERSION, requires=("nvidia-cublas-cu12",))
    fake_wheel(base / "pypi", "nvidia-cublas-cu12", "12.9.1")
    return {"cpu": (base / "cpu").as_uri(), "unreachable": "http://127.0.0.1:9/whl/cpu", "pypi": str(base / "pypi")}


def guard(python: Path, index: str, find_links: str | None, call: str) -> subprocess.CompletedProcess:
    """``call`` (a shell line) after sourcing cpu_torch.sh as setup.sh does, with pip reading no configuration."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PIP_")}
    env |= {"PIP_CONFIG_FILE": os.devnull, "PIP_RETRIES": "0", "AUTOGRADER_TORCH_INDEX": index}
    if find_links:
        env["PIP_FIND_LINKS"] = find_links
    script = f"set -euo pipefail\n{cpu_torch(TORCH_VERSION)}\n{call}\n"
    return subprocess.run(["bash", "-c", script], check=False, env=env, capture_output=True, text=True, timeout=300)


def installed(python: Path) -> set[str]:
    pip_list = [str(python), "-m", "pip", "list", "--format", "freeze"]
    done = subprocess.run(pip_list, check=True, capture_output=True, text=True)
    return {line.split("==")[0].lower() for line in done.stdout.split()}


def test_cuda_torch_is_refused_before_it_is_installed_when_pytorchs_index_is_unreachable(indexes, tmp_path):
    python = make_venv(tmp_path / "venv", see_our_dependencies=False)
    done = guard(python, indexes["unreachable"], indexes["pypi"], f"install_cpu_torch {python}")
    assert done.returncode == 1
    assert (
        "setup.sh: pip would install torch's CUDA build or CUDA libraries (nvidia-cublas-cu12==12.9.1, "
        f"torch=={TORCH_VERSION}): gigabytes that never run here. This happens when PyTorch's CPU index "
        f"({indexes['unreachable']}) cannot be reached"
    ) in done.stderr
    assert not installed(python) & {"torch", "nvidia-cublas-cu12"}


def test_no_torch_at_pytorchs_index_stops_the_build_with_what_to_do(indexes, tmp_path):
    python = make_venv(tmp_path / "venv", see_our_dependencies=False)
    done = guard(python, indexes["unreachable"], None, f"install_cpu_torch {python}")
    assert done.returncode == 1
    assert f"setup.sh: pip found no torch {TORCH_VERSION} at PyTorch's CPU index" in done.stderr
    assert "reach that index" in done.stderr


def test_the_cpu_build_is_installed_even_beside_pypis_cuda_build_and_checked_again_after(indexes, tmp_path):
    python = make_venv(tmp_path / "venv", see_our_dependencies=False)
    done = guard(python, indexes["cpu"], indexes["pypi"], f"install_cpu_torch {python}\nrefuse_cuda_torch {python}")
    assert done.returncode == 0, done.stderr
    version = subprocess.run([str(python), "-c", "import torch; print(torch.__version__)"], check=True,
                             capture_output=True, text=True)  # fmt: skip
    assert version.stdout.strip() == f"{TORCH_VERSION}+cpu"
    assert "nvidia-cublas-cu12" not in installed(python)

    # Whatever brings a CUDA package in later (another requirement, a pip configuration), the last check stops it.
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-index", "--no-deps", "--find-links",
                    indexes["pypi"], "nvidia-cublas-cu12"], check=True)  # fmt: skip
    done = guard(python, indexes["cpu"], None, f"refuse_cuda_torch {python}")
    assert done.returncode == 1
    assert (
        "setup.sh: pip installed torch's CUDA build or CUDA libraries (nvidia-cublas-cu12==12.9.1, torch=="
        in done.stderr
    )
