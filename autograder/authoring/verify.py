"""Run a generated notebook in a real Jupyter kernel and judge the outcome.

The solution notebook must run top to bottom without an error; the student template may fail
only where a stub raises ``NotImplementedError``.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat


@dataclass(frozen=True)
class CellError:
    cell: int
    name: str
    value: str


@dataclass
class NotebookRun:
    notebook: nbformat.NotebookNode
    seconds: float
    errors: list[CellError] = field(default_factory=list)

    @property
    def images(self) -> int:
        """How many PNG figures the run displayed."""
        return sum(
            "image/png" in out.get("data", {})
            for cell in self.notebook.cells
            if cell.cell_type == "code"
            for out in cell.outputs
        )


def run_notebook(path: Path, timeout: int = 600) -> NotebookRun:
    """Execute every cell in a fresh python3 kernel, keeping going past errors."""
    try:
        from jupyter_client.manager import KernelManager
        from nbclient import NotebookClient
    except ImportError as exc:
        raise RuntimeError("Running notebooks needs nbclient and ipykernel: pip install -e '.[jupyter]'.") from exc
    nb = nbformat.read(path, as_version=4)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="notebook-run-") as workdir:
        # IPC sockets in the private run folder: no TCP port is opened for the kernel.
        km = KernelManager(kernel_name="python3", transport="ipc", connection_file=str(Path(workdir, "kernel.json")))
        client = NotebookClient(
            nb, km=km, timeout=timeout, allow_errors=True, resources={"metadata": {"path": workdir}}
        )
        client.execute()
    errors = [
        CellError(number, out.ename, out.evalue)
        for number, cell in enumerate(nb.cells, start=1)
        if cell.cell_type == "code"
        for out in cell.outputs
        if out.output_type == "error"
    ]
    return NotebookRun(nb, time.perf_counter() - started, errors)


def problems(run: NotebookRun, version: str) -> list[str]:
    """Sentences describing what is wrong with a run of the given version ("solution" or "template")."""
    allowed = {"template": {"NotImplementedError"}, "solution": set()}[version]
    return [f"cell {e.cell} raised {e.name}: {e.value}" for e in run.errors if e.name not in allowed]
