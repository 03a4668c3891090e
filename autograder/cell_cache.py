"""Reading each distinct cell once per process: in the grader, which grades many notebooks, and in the worker.

Every notebook carries the template's cells (its public-checks cell alone has ~100 kB), so the static scan, the
redefinition check and IPython's transformer (worker/execute.py) read those once, not once per submission. What they
keep is a cell's syntax tree, what they took from it, or its text: ~30 bytes per byte of ordinary code, up to ~140 for
dense code, and a cell may have 8 MB. So only cells of up to CACHED_CELL_CHARS are kept, CACHED_CELLS at most (about
1 GB at worst, a few MB in practice); a larger cell is read again each time and freed with its submission.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

CACHED_CELL_CHARS = 128 * 1024  # the templates' public-checks cells have 97-114 kB, and they are the ones shared
CACHED_CELLS = 64  # a notebook has ~30 code cells; cells shared by every notebook are used again before they age out

R = TypeVar("R")


def per_distinct_cell(read: Callable[[str], R]) -> Callable[[str], R]:
    """`read`, its result kept per process for each distinct cell of up to CACHED_CELL_CHARS characters; the results
    must be only read by the callers (they are shared between notebooks)."""
    cached = functools.lru_cache(maxsize=CACHED_CELLS)(read)

    @functools.wraps(read)
    def reader(cell: str) -> R:
        return cached(cell) if len(cell) <= CACHED_CELL_CHARS else read(cell)

    reader.cache_info = cached.cache_info  # type: ignore[attr-defined]
    reader.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
    return reader
