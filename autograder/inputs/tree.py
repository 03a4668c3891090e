"""A bounded, read-only view of the files in one input: a notebook, a folder, a zip, and zips inside either.

Everything here is untrusted (LMS exports hold what students uploaded). Nothing is extracted to disk, so no name
can write anywhere; an entry is read into memory only when it is graded, within MAX_FILE_BYTES (zipfile never yields
more than an entry declares). The input, and each upload in it (an archive in the folder or zip given), may list at
most MAX_ENTRIES files and decompress at most MAX_NESTED_BYTES of nested archives, at most MAX_DEPTH archives deep:
a zip bomb costs only the upload that holds it, where the archive that exceeds a bound becomes a file with a problem.
Links are never followed out of a folder given, nor at all inside an archive. A file that cannot be read carries a sentence, never an exception.
"""

from __future__ import annotations

import functools
import io
import os
import stat
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

MAX_FILE_BYTES = 200 * 2**20
MAX_ENTRIES = 50_000
MAX_NESTED_BYTES = 4 * 2**30
MAX_DEPTH = 3
SKIPPED = frozenset({"__MACOSX", ".ipynb_checkpoints", ".git", ".DS_Store"})


class UnreadableFile(Exception):
    """A file in an input cannot be read; str() is a sentence for the instructor and the student."""


@dataclass(frozen=True)
class File:
    """One file of an input. `parts` start with the input's own name; each is display-safe text."""

    parts: tuple[str, ...]
    size: int
    problem: str | None = None  # why it cannot be read, as a sentence
    opener: Callable[[], bytes] | None = field(default=None, compare=False, repr=False)

    @property
    def path(self) -> str:
        return "/".join(self.parts)

    @property
    def name(self) -> str:
        return self.parts[-1]

    def read(self) -> bytes:
        """The file's bytes (at most MAX_FILE_BYTES); UnreadableFile with a sentence otherwise."""
        if self.problem or self.opener is None:
            raise UnreadableFile(self.problem or "It could not be read.")
        return self.opener()


@dataclass
class _Budget:
    """What one input may still cost: listed entries and decompressed nested archives."""

    entries: int = field(default_factory=lambda: MAX_ENTRIES)
    nested_bytes: int = field(default_factory=lambda: MAX_NESTED_BYTES)


def display(name: str) -> str:
    """A file name as text that prints and encodes anywhere: undecodable bytes, lone surrogates and control
    characters replaced."""
    try:
        text = name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # a surrogate that stands for no byte ('\ud800'): replaced below
        text = name
    return "".join("?" if unicodedata.category(c) in ("Cc", "Cs") else c for c in text)


def _megabytes(size: int) -> str:
    return f"{size / 2**20:.0f} MB"


def _too_large(size: int) -> str | None:
    if size > MAX_FILE_BYTES:
        return f"It is {_megabytes(size)}, over the {_megabytes(MAX_FILE_BYTES)} limit for one file."
    return None


def list_files(path: Path) -> list[File]:
    """Every file in the input at `path` (followed if it is a link: the instructor named it), archives opened."""
    parts = (display(path.name or str(path)),)
    if path.is_dir():
        return _folder(path, parts, _Budget())
    return _local_file(path, parts, None, _Budget())


def _folder(root: Path, prefix: tuple[str, ...], budget: _Budget) -> list[File]:
    """The files under a folder in name order; links to anything outside it are listed but never read."""
    real_root = root.resolve()
    files: list[File] = []
    for folder, subfolders, names in os.walk(root):  # links to folders are not descended into
        subfolders[:] = sorted(d for d in subfolders if d not in SKIPPED)
        here = prefix + tuple(display(p) for p in Path(folder).relative_to(root).parts)
        for name in sorted(names):
            if name not in SKIPPED and not name.startswith("._"):
                files += _local_file(Path(folder) / name, (*here, display(name)), real_root, budget)
    return files


def _local_file(path: Path, parts: tuple[str, ...], real_root: Path | None, budget: _Budget) -> list[File]:
    """One file on disk as a File, or the files of the archive it is; `real_root` bounds where links may point."""
    try:
        if real_root is not None and path.is_symlink() and not path.resolve().is_relative_to(real_root):
            return [File(parts, 0, "It is a link to a file outside the folder given, and such links are not followed.")]
        info = path.stat()
    except (OSError, RuntimeError) as exc:  # RuntimeError: a loop of links
        return [File(parts, 0, f"It could not be read ({getattr(exc, 'strerror', None) or exc}).")]
    if not stat.S_ISREG(info.st_mode):
        return [File(parts, 0, "It is not a regular file (a device, a pipe or a socket), so it was not read.")]
    if parts[-1].lower().endswith(".zip"):  # the input itself, or an upload in the folder given: its own bounds
        own = real_root is None
        load = functools.partial(zipfile.ZipFile, path)
        return _archive(parts, load, info.st_size, 1, budget if own else _Budget(), own)
    return [File(parts, info.st_size, _too_large(info.st_size), functools.partial(_read_local, path))]


def _read_local(path: Path) -> bytes:
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a file swapped for a pipe must not block the grader
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise UnreadableFile("It is not a regular file, so it was not read.")
        data = f.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableFile(_too_large(len(data)) or "")
    return data


def _archive(
    parts: tuple[str, ...],
    load: Callable[[], zipfile.ZipFile],
    size: int,
    depth: int,
    budget: _Budget,
    own: bool = False,
) -> list[File]:
    """The entries of a zip as Files; a zip that cannot be opened or is too big is one File with a problem.

    Below the top (depth > 1) an archive is decompressed into memory to be listed, which costs the budget of the upload
    it belongs to. The archives directly in the input (`own`: the zip given) are uploads, each with a budget of its
    own, so no upload can exhaust another's.
    """
    if depth > 1:
        if depth > MAX_DEPTH:
            return [File(parts, size, f"It is a zip nested more than {MAX_DEPTH} deep; submit the notebook itself.")]
        if too_large := _too_large(size):
            return [File(parts, size, too_large)]
        if size > budget.nested_bytes:
            return [File(parts, size, "It was not opened: the zips inside this upload hold too much data in all.")]
        budget.nested_bytes -= size
    try:
        with load() as archive:
            infos = archive.infolist()
    except Exception as exc:  # noqa: BLE001 - zipfile raises many kinds for broken or hostile archives
        return [File(parts, size, f"It is not a zip archive that can be opened ({type(exc).__name__}).")]
    if len(infos) > budget.entries:
        return [File(parts, size, f"It holds {len(infos)} files, more than this grader opens in one input.")]
    budget.entries -= len(infos)
    files: list[File] = []
    for index, info in enumerate(infos):
        inner = _entry_parts(info.filename)
        if info.is_dir() or not inner or any(p in SKIPPED or p.startswith("._") for p in inner):
            continue
        here = parts + inner
        reader = functools.partial(_read_entry, load, index)
        if problem := _entry_problem(info):
            files.append(File(here, info.file_size, problem))
        elif inner[-1].lower().endswith(".zip"):
            upload_budget = _Budget() if own else budget
            files += _archive(here, functools.partial(_open_zip, reader), info.file_size, depth + 1, upload_budget)
        else:
            files.append(File(here, info.file_size, _too_large(info.file_size), reader))
    return files


def _open_zip(opener: Callable[[], bytes]) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(opener()))


def _read_entry(load: Callable[[], zipfile.ZipFile], index: int) -> bytes:
    with load() as archive:
        info = archive.infolist()[index]
        if too_large := _too_large(info.file_size):
            raise UnreadableFile(too_large)
        with archive.open(info) as f:
            return f.read(MAX_FILE_BYTES)


def _entry_parts(name: str) -> tuple[str, ...]:
    """An archive member's path as display-safe names; absolute paths and '..' cannot climb anywhere."""
    return tuple(display(p) for p in name.replace("\\", "/").split("/") if p not in ("", ".", ".."))


def _entry_problem(info: zipfile.ZipInfo) -> str | None:
    if stat.S_ISLNK(info.external_attr >> 16):
        return "It is a symbolic link inside the archive, and links in archives are never followed."
    if info.flag_bits & 0x1:
        return "It is protected by a password in the archive, so it cannot be read."
    return None
