"""One way to make "the solution with one change": an assignment's solution notebook, its code cells edited.

Every test that grades a variant of a solution (a known bug, a correct alternative) builds it here: replace top-level
definitions by new source, or replace text (that occurs exactly once, or everywhere in one named cell). An edit the
notebook no longer fits fails loudly, so a change to the notebook cannot silently turn a variant into the solution.
"""

from __future__ import annotations

import ast
import functools
import textwrap

import nbformat

from autograder.assignment import load


@functools.cache
def solution_cells(assignment: str = "optim_reg") -> tuple[str, ...]:
    """The code cells of the assignment's solution notebook."""
    return code_cells(nbformat.read(load(assignment).solution_notebook, as_version=4))


def code_cells(nb: nbformat.NotebookNode) -> tuple[str, ...]:
    return tuple(cell.source for cell in nb.cells if cell.cell_type == "code")


def _definitions(code: str) -> dict[str, ast.stmt]:
    try:
        body = ast.parse(code).body
    except SyntaxError:
        return {}
    return {n.name: n for n in body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}


def with_definitions(cells: tuple[str, ...], *sources: str) -> tuple[str, ...]:
    """The cells with, for each source, the one top-level def or class it shares with them replaced by the whole
    source (its imports and helpers included)."""
    cells = list(cells)
    for source in sources:
        source = textwrap.dedent(source).strip("\n")
        found = [(i, node) for i, cell in enumerate(cells) for name, node in _definitions(cell).items()
                 if name in _definitions(source)]  # fmt: skip
        if len(found) != 1:
            raise LookupError(f"the source shares {len(found)} top-level definitions with the cells, expected one")
        (i, node), lines = found[0], cells[found[0][0]].splitlines()
        start = min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1
        cells[i] = "\n".join([*lines[:start], source, *lines[node.end_lineno :]])
    return tuple(cells)


def with_text(cells: tuple[str, ...], *replacements: tuple[str, str], cell: str | None = None) -> tuple[str, ...]:
    """The cells with each ``old`` text replaced by ``new``. It must occur exactly once in all the cells; or, with
    ``cell`` (what that cell starts with), at least once in that cell, where every occurrence is replaced."""
    cells = list(cells)
    for old, new in replacements:
        if cell is None:
            count = sum(c.count(old) for c in cells)
            if count != 1:
                raise ValueError(f"the text to replace occurs {count} times, expected once: {old!r}")
            i = next(i for i, c in enumerate(cells) if old in c)
        else:
            i = next(i for i, c in enumerate(cells) if c.startswith(cell))
            if old not in cells[i]:
                raise ValueError(f"the cell starting with {cell!r} does not contain {old!r}")
        cells[i] = cells[i].replace(old, new)
    return tuple(cells)


def notebook_with(cells: tuple[str, ...], assignment: str = "optim_reg") -> nbformat.NotebookNode:
    """The solution notebook with its code cells replaced by ``cells`` (one for one, in order)."""
    nb = nbformat.read(load(assignment).solution_notebook, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    if len(code) != len(cells):
        raise ValueError(f"{len(cells)} cells for a notebook with {len(code)} code cells")
    for cell, source in zip(code, cells):
        cell.source = source
    return nb
