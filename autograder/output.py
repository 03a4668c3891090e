"""The one place files under the output folder (`--out`) are written, so nothing can land outside it.

Every file is named by a sequence of plain names (no separators, never '.' or '..'), the folder it goes into is
resolved and checked to lie inside the output folder (a linked folder planted in it cannot redirect a write), and
it is written whole or not at all: a temporary file beside it, then a rename, which replaces a link planted at that
name instead of writing through it.
"""

from __future__ import annotations

import os
from pathlib import Path


class OutsideOutput(RuntimeError):
    """A write would have left the output folder: a grader fault, never a submission's."""


class OutputFolder:
    def __init__(self, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True, mode=0o700 if os.geteuid() == 0 else 0o777)
        self.root = root.resolve()

    def path(self, *names: str) -> Path:
        """The path of a file inside the output folder; OutsideOutput if a name is not plain or its folder leads out."""
        for name in names:
            if name in ("", ".", "..") or any(c in name for c in "/\\\0"):
                raise OutsideOutput(f"{name!r} is not a plain file name, so nothing is written under it.")
        path = self.root.joinpath(*names)
        if not path.parent.resolve().is_relative_to(self.root):
            raise OutsideOutput(f"{path} leads outside the output folder {self.root}, so nothing is written there.")
        return path

    def write_bytes(self, *names: str, data: bytes) -> Path:
        path = self.path(*names)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path(*names)  # the folders just made, or found, still lead nowhere else
        partial = path.with_name(f".{path.name}.partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o666)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(partial, path)
        return path

    def write_text(self, *names: str, text: str) -> Path:
        return self.write_bytes(*names, data=text.encode("utf-8"))
