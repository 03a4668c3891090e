"""Where each assignment's source and generated files live in the repository."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SOURCE_NAME = "notebook.md"


class LayoutError(RuntimeError):
    """The repository does not look as expected; the message says what to do."""


@dataclass(frozen=True)
class Assignment:
    name: str
    root: Path

    @property
    def source(self) -> Path:
        """The one file the instructor edits."""
        return self.root / "assignments" / self.name / SOURCE_NAME

    @property
    def template_notebook(self) -> Path:
        return self.root / "student_template" / f"{self.name}.ipynb"

    @property
    def solution_notebook(self) -> Path:
        return self.root / "solutions" / f"{self.name}.ipynb"

    @property
    def reference_module(self) -> Path:
        return self.root / "solutions" / f"{self.name}.py"


def find_assignments(root: Path) -> list[Assignment]:
    """Every assignment under root/assignments, by folder name."""
    folder = root / "assignments"
    found = sorted(p.parent.name for p in folder.glob(f"*/{SOURCE_NAME}"))
    if not found:
        raise LayoutError(
            f"No assignment source (assignments/<name>/{SOURCE_NAME}) under {root.resolve()}. "
            "Run this command from the repository's top folder, or pass --root."
        )
    return [Assignment(name, root) for name in found]
