"""Find submissions, give each a unique name, and read their code cells (or say why they cannot be read)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import nbformat

MAX_NOTEBOOK_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class Submission:
    name: str
    path: Path
    cells: tuple[str, ...] = ()
    problem: str | None = None  # why it cannot be graded, as a sentence


def find_notebooks(paths: list[Path]) -> list[Path]:
    """Every .ipynb named directly or found in a named folder (checkpoints skipped), in a stable order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts and p.is_file())
        elif path.exists():
            found.append(path)
        else:
            raise FileNotFoundError(f"{path} does not exist; give notebooks or folders of notebooks to grade.")
    return list(dict.fromkeys(p.resolve() for p in found))


def unique_names(paths: list[Path]) -> list[str]:
    """File names without .ipynb; names shared by several paths get their folder's name in front."""
    stems = Counter(p.stem for p in paths)
    names = [f"{p.parent.name}-{p.stem}" if stems[p.stem] > 1 else p.stem for p in paths]
    counts = Counter(names)
    seen: Counter[str] = Counter()
    unique = []
    for name in names:
        seen[name] += 1
        unique.append(f"{name}-{seen[name]}" if counts[name] > 1 else name)
    return unique


def read_submission(path: Path, name: str) -> Submission:
    """The notebook's code cells, or a Submission whose problem says in plain words why it cannot be graded."""
    try:
        size = path.stat().st_size
        if size == 0:
            return Submission(name, path, problem="The file is empty: submit the notebook after saving it.")
        if size > MAX_NOTEBOOK_BYTES:
            return Submission(name, path, problem=f"The file is {size / 2**20:.0f} MB, over the 200 MB limit.")
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return Submission(name, path, problem="The file is not a text file, so it is not a Jupyter notebook (.ipynb).")
    except OSError as exc:
        return Submission(name, path, problem=f"The file could not be read ({exc.strerror}).")
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        return Submission(
            name, path,
            problem=f"The file is not valid JSON (line {exc.lineno}): it may be truncated or not a notebook. "
            "Open it in Jupyter, save it, and submit the saved .ipynb.",
        )  # fmt: skip
    if not isinstance(raw, dict) or "nbformat" not in raw:
        return Submission(name, path, problem="The file is JSON but not a Jupyter notebook (it has no nbformat).")
    try:
        nb = nbformat.reads(text, as_version=4)
        cells = [c for c in nb.cells if c.get("cell_type") == "code"]
        sources = tuple(c.source if isinstance(c.source, str) else "".join(c.source) for c in cells)
    except Exception as exc:  # noqa: BLE001 - nbformat raises many kinds for broken notebooks
        return Submission(name, path, problem=f"The notebook could not be read by nbformat ({type(exc).__name__}).")
    return Submission(name, path, cells=sources)
