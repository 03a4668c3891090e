"""Otter's grading of one submission (otter 7's run_otter.py), with this project's graders installed first.

The zip's otter tests import this project's graders inside otter's kernel, so exactly the wheel in ``files/`` must be
installed before a notebook runs. `otter grade` adds ``files/`` to its image only after setup.sh, so each container
installs it here (offline, a second or two); on Gradescope setup.sh has already installed it, through this file.
Whether it is installed is never judged by ``import autograder`` from wherever this starts: from ``/``, where otter's
containers and Gradescope start, that import finds otter's own ``/autograder`` folder as a namespace package.

When otter's grading fails as a whole (its kernel wrote no results), the reason is looked for here: if the graders do
not import, the results say so, in otter's own format, instead of otter's bare "Ran out of input" and a 0.

``python run_otter.py`` grades the submission; ``--install-only`` installs and proves the graders import (setup.sh).
AUTOGRADER_ROOT is for this project's tests; grading images leave it unset.
"""

import base64
import csv
import hashlib
import importlib.metadata
import io
import json
import os
import pickle
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(os.environ.get("AUTOGRADER_ROOT", "/autograder"))
WHEEL = ROOT / "source/files/@WHEEL@"
KERNEL = "@KERNEL@"  # what every test file imports inside otter's kernel
DISTRIBUTION = WHEEL.name.split("-")[0]


def _hashed_files(record: str) -> set[tuple[str, str]]:
    """The (path, hash) rows of a wheel's RECORD, for the package's own files."""
    rows = [row for row in csv.reader(io.StringIO(record)) if len(row) > 1 and row[1]]
    return {(row[0], row[1]) for row in rows if ".dist-info/" not in row[0] and ".data/" not in row[0]}


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256(path.read_bytes()).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def installed_exactly() -> bool:
    """Whether every file of the wheel is installed here, byte for byte (as its RECORD's hashes say)."""
    with zipfile.ZipFile(WHEEL) as archive:
        (record,) = [name for name in archive.namelist() if name.endswith(".dist-info/RECORD")]
        wanted = _hashed_files(archive.read(record).decode())
    try:
        site = Path(importlib.metadata.distribution(DISTRIBUTION).locate_file(""))
    except importlib.metadata.PackageNotFoundError:
        return False
    return all((site / path).is_file() and _file_hash(site / path) == digest for path, digest in wanted)


def install() -> str | None:
    """Install the wheel unless exactly it is installed already; None, or why it could not be."""
    try:
        if installed_exactly():
            return None
    except (OSError, zipfile.BadZipFile, ValueError) as error:
        return f"this project's wheel {WHEEL} cannot be read ({error}); rebuild the zip with `autograder build`"
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--force-reinstall"]
    done = subprocess.run([*pip, str(WHEEL)], check=False, capture_output=True, text=True)
    if done.returncode != 0:
        return f"pip could not install {WHEEL.name}: {done.stderr.strip()[-2000:]}"
    return None


def import_problem() -> str | None:
    """None if this project's graders import as otter's kernel imports them, else what goes wrong.

    A fresh interpreter, started where otter starts its kernel (the submission's folder), imports what every test file
    imports; it must find the installed package, not some folder that happens to be called ``autograder``.
    """
    expected = Path(importlib.metadata.distribution(DISTRIBUTION).locate_file("autograder/__init__.py"))
    check = f"import autograder, {KERNEL}; print(autograder.__file__)"
    cwd = ROOT / "submission"
    where = cwd if cwd.is_dir() else None
    done = subprocess.run([sys.executable, "-c", check], check=False, cwd=where, capture_output=True, text=True)
    if done.returncode != 0:
        return f"importing {KERNEL} fails:\n{done.stderr.strip()[-3000:]}"
    found = done.stdout.strip()
    if Path(found).resolve() != expected.resolve():
        return f"`import autograder` finds {found}, not this project's package ({expected})"
    return None


def write_failure(problem: str, config: dict) -> None:
    """Write the submission's results as otter does when grading fails as a whole, with the reason in them."""
    import dill
    from otter.run import AutograderConfig
    from otter.test_files import GradingResults

    error = RuntimeError(f"This project's graders are not usable here, so the submission was not graded: {problem}")
    results = GradingResults.without_results(error)
    (ROOT / "results").mkdir(parents=True, exist_ok=True)
    with open(ROOT / "results/results.pkl", "wb") as f:  # what `otter grade` reads back from the container
        dill.dump(results, f)
    gradescope = results.to_gradescope_dict(AutograderConfig(config))
    (ROOT / "results/results.json").write_text(json.dumps(gradescope, indent=4))
    print(error, file=sys.stderr)


def failed_as_a_whole() -> bool:
    """Whether otter's results are a catastrophic failure (no results from the kernel), as `otter grade` reads them."""
    import dill

    try:
        with open(ROOT / "results/results.pkl", "rb") as f:
            return dill.load(f).has_catastrophic_failure()
    except (OSError, EOFError, pickle.UnpicklingError):  # no readable results at all
        return True


def grade() -> None:
    try:
        from otter.run.run_autograder import main as run_autograder
    except ModuleNotFoundError as e:
        if "'otter'" in str(e):
            raise RuntimeError(
                "The 'otter' module could not be imported. This is usually caused by errors while building the "
                "grading image, so check the image build logs and include them when requesting support."
            ) from e
        raise
    run_autograder(str(ROOT))


def main(argv: list[str]) -> int:
    problem = install()
    if argv == ["--install-only"]:
        problem = problem or import_problem()
        if problem:
            print(f"setup.sh: {problem}", file=sys.stderr)
        return 1 if problem else 0
    config_path = ROOT / "source/otter_config.json"
    config = json.loads(config_path.read_text()) if config_path.is_file() else {}
    if not problem:
        grade()
        problem = import_problem() if failed_as_a_whole() else None
    if problem:
        write_failure(problem, config)
    return 0  # `otter grade` reads the results back only from a container that exits 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
