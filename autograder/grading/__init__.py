"""Grading: hidden pytest graders compare what a submission computes with the reference, in the grader's process.

The grader's math runs on one thread (worker/zygote.py warm_up limits every thread pool it finds). OpenBLAS, numpy's
and the one scipy brings when sklearn loads, starts its pool of threads as it loads, one per core, and a limit set
later never stops those threads: each spins on a CPU for ~0.1 s after it starts. Told before it loads (this package is
imported before numpy by every command that grades), it starts none. A value set by the user is kept.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
