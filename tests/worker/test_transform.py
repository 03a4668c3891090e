"""Cells are read as IPython's transformer reads them, whether or not IPython is loaded for them."""

import random

import pytest
from IPython.core.inputtransformer2 import TransformerManager

from autograder.worker import execute
from tests.assignments.optim_reg.corpus.variants import BUGS, CORRECT, notebook

TRICKY = [
    "x=1", "\nx=1", "  x=1", "\t\tx", "  \n", "", "def f():\n    \n    return 1\n", "s = '''\n   \n'''",
    "%time x", "x = !ls", "a?", "a? # c", "# why?\nx=1", "x = '?'", ">>> x = 1", "def f():\n    '''\n    >>> f()\n    '''\n",
    "In [1]: x", "...\nx", "x\n...: y", "x = 1 % 2", "x != y", "f'{a=!r}'", "x\r\ny", "x\n  %time y", "print('a')\n!ls",
    "%%time\nx=1", "x = (1,\n,2)", "if x:\n\tpass\n \t\n", "a = b ? c", "x = 'a' # ?", "x = (a\n/ b)", "x = [\n    1,\n  ]",
    "def f(:\n    pass", "if x:\n  y\n    z\n w", "x = 1\u2028y = 2", "x = 1\x0cy", "y = 2 \\\n  + 3",
]  # fmt: skip


def _outcome(transform, source):
    """What a transformer makes of a cell: its code, or the error a cell would report (compiling the code)."""
    try:
        code = transform(source)
        compile(code, "<cell 1>", "exec")
        return code
    except SyntaxError as exc:
        return (type(exc).__name__, exc.msg, exc.lineno)


@pytest.fixture(scope="module")
def corpus_cells():
    return sorted({cell.source for v in [*CORRECT, *BUGS] for cell in notebook(v).cells if cell.cell_type == "code"})


def test_every_cell_reads_as_ipython_reads_it(corpus_cells):
    ipython = TransformerManager()
    lines = [line for cell in corpus_cells + TRICKY for line in cell.splitlines()]
    rng = random.Random(0)  # cells spliced from lines of real ones: bad indentation, prompts, magics, strings
    spliced = ["\n".join(rng.choice(lines) for _ in range(rng.randint(1, 6))) for _ in range(300)]
    for source in TRICKY + corpus_cells + spliced:
        execute.transform.cache_clear()
        assert _outcome(execute.transform, source) == _outcome(ipython.transform_cell, source), source
