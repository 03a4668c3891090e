"""The garbage collector in a grader process, which makes millions of short-lived objects around a large heap that
lives as long as it does (torch, numpy, pytest, the reference and its graders).

Python collects the youngest objects every 700 net allocations and, every so often, walks everything it tracks. Here
that walk finds almost nothing: the heap is made once (imports, the warm-up, the reference) and then only read, and
what grading makes dies young, freed at once by reference counting. Collections remain for what they are for, cycles
of garbage, just less often, and never over the heap made at start.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


# Objects allocated, net, between young collections while submissions are graded (Python's default: 700). Grading
# allocates millions of short-lived containers (replies, observations, syntax trees); at 700 the collector ran ~85
# times per submission, and each of its gen-1 and full passes walked everything the reference and pytest keep.
_YOUNG_COLLECTION = 10_000


@contextlib.contextmanager
def paused_collector() -> Iterator[None]:
    """The garbage collector off meanwhile: for imports and warm-ups, which make hundreds of thousands of objects
    that live as long as the process, so collections walk them again and again and find almost nothing (measured
    for torch, sklearn and the graders: 0.4-0.9 CPU-s of collections per grader start; ~10 000 objects, ~2 MB, of
    cycles left uncollected, once)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def settle_collector() -> None:
    """Once the reference, graders and probes are loaded: what every submission only reads leaves the collector's
    reach (gc.freeze, after one collection so no garbage is kept), and young collections run less often. Memory
    stays bounded: freed objects are still freed at once by reference counting, cycles at the next collection."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(_YOUNG_COLLECTION, *gc.get_threshold()[1:])
