"""Session fixtures: one real graded batch with its pages (public and revealed), and one headless Chromium."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.reports import browser, real_batch


def _report(folder: Path, *flags: str) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "autograder.cli", "report", str(folder), *flags],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr


@pytest.fixture(scope="session")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real batch graded by `autograder grade`, with `autograder report` pages (public checks only)."""
    root = tmp_path_factory.mktemp("real_batch")
    out = real_batch.grade(real_batch.write_submissions(root / "submissions"), root / "graded")
    _report(out)
    return out


@pytest.fixture(scope="session")
def revealed(graded: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same results with `autograder report --reveal-hidden` pages."""
    out = tmp_path_factory.mktemp("revealed") / "graded"
    shutil.copytree(graded, out)
    _report(out, "--reveal-hidden")
    return out


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    with browser.chromium() as running:
        yield running
