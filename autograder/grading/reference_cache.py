"""The reference's probe results, kept on disk between runs.

They depend only on the reference module, the probe code (the engine's and the assignment's) and the library
versions, so the file name is a hash of exactly those: editing any of them starts a new cache. The file is in the
wire format (no pickle), and one that cannot be read is ignored and recomputed.
"""

from __future__ import annotations

import hashlib
import os
import platform
from pathlib import Path

import numpy
import torch

from autograder import wire
from autograder.assignment import Assignment
from autograder.grading.implementations import LocalImplementation

_PACKAGE = Path(__file__).resolve().parents[1]


def cache_dir() -> Path:
    """$AUTOGRADER_CACHE, else the user's cache folder."""
    if explicit := os.environ.get("AUTOGRADER_CACHE"):
        return Path(explicit)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "autograder"


def cache_file(assignment: Assignment) -> Path:
    digest = hashlib.sha256()
    reference = assignment.reference_path
    probes = [*(_PACKAGE / "probes").rglob("*.py"), *assignment.probes_folder.rglob("*.py")]
    for path in [reference, _PACKAGE / "wire.py", *sorted(probes)]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    digest.update(f"{torch.__version__} {numpy.__version__} {platform.python_version()}".encode())
    return cache_dir() / f"{assignment.name}-reference-{digest.hexdigest()[:24]}.bin"


def load(implementation: LocalImplementation, assignment: Assignment) -> None:
    """Fill the implementation's cache from disk, if a readable cache for this exact reference exists."""
    path = cache_file(assignment)
    try:
        implementation.preload(wire.decode(path.read_bytes()))
    except (OSError, ValueError, TypeError, AttributeError):
        return


def save(implementation: LocalImplementation, assignment: Assignment) -> None:
    """Write the implementation's cache to disk (atomically); a cache that cannot be written is simply skipped."""
    path = cache_file(assignment)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(wire.encode(implementation.export()))
        partial.replace(path)
    except OSError:
        return
