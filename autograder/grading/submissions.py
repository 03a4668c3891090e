"""Read each submission's notebook: its code cells and written answers, or a sentence saying why it cannot be read.

Reading one submission is a boundary: whatever its file does to the readers (malformed JSON, nesting deep enough
to exhaust Python's recursion, integers too long to convert, names no file system likes, anything not foreseen)
becomes that submission's problem, never an exception that stops the batch.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field

import nbformat

from autograder.inputs.discover import Named
from autograder.inputs.identity import Origin
from autograder.inputs.tree import UnreadableFile
from autograder.written.answers import Answer, AnswerFinder

_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_SAVE = "Open it in Jupyter, save it, and submit the saved .ipynb."


@dataclass(frozen=True)
class Submission:
    name: str
    origin: Origin
    cells: tuple[str, ...] = ()
    problem: str | None = None  # why it cannot be graded, as a sentence
    answers: dict[str, Answer] = field(default_factory=dict)  # written question -> the student's answer
    digest: str | None = None  # SHA-256 of the notebook file: a regrade tells a resubmission from the same notebook


class NotANotebook(ValueError):
    """The bytes are not a notebook; str() is a sentence for the student."""


def parse_notebook(data: bytes) -> nbformat.NotebookNode:
    """A notebook (upgraded to nbformat 4) from a file's bytes, or NotANotebook saying why not."""
    if not data:
        raise NotANotebook("The file is empty: submit the notebook after saving it.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise NotANotebook("The file is not a text file, so it is not a Jupyter notebook (.ipynb).") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotANotebook(
            f"The file is not valid JSON (line {exc.lineno}): it may be truncated or not a notebook. {_SAVE}"
        ) from None
    if not isinstance(raw, dict) or "nbformat" not in raw:
        raise NotANotebook("The file is JSON but not a Jupyter notebook (it has no nbformat).")
    if _SURROGATE_ESCAPE.search(text):  # JSON can escape lone surrogates, which no UTF-8 text can hold
        text = _LONE_SURROGATE.sub("\ufffd", json.dumps(raw, ensure_ascii=False))
    try:
        return nbformat.reads(text, as_version=4)
    except Exception as exc:  # noqa: BLE001 - nbformat raises many kinds for broken notebooks
        raise NotANotebook(f"The notebook could not be read by nbformat ({type(exc).__name__}).") from None


def _source(cell: nbformat.NotebookNode) -> str:
    return cell.source if isinstance(cell.source, str) else "".join(cell.source)


def read_submission(named: Named, finder: AnswerFinder | None = None) -> Submission:
    """The submission's code cells and written answers; any failure is its problem, as a sentence."""
    name, candidate = named.name, named.candidate
    if candidate.problem or candidate.file is None:
        return Submission(name, candidate.origin, problem=candidate.problem or "There is no notebook to grade.")
    try:
        data = candidate.file.read()
        nb = parse_notebook(data)
        cells = tuple(_source(c) for c in nb.cells if c.get("cell_type") == "code")
    except (UnreadableFile, NotANotebook) as exc:
        return Submission(name, candidate.origin, problem=str(exc))
    except Exception as exc:  # noqa: BLE001 - the boundary: one file never stops the batch
        detail = str(exc).splitlines()[0][:200] if str(exc) else ""
        return Submission(
            name, candidate.origin,
            problem=f"The file could not be read as a notebook ({type(exc).__name__}{': ' if detail else ''}{detail}). "
            f"{_SAVE}",
        )  # fmt: skip
    digest = hashlib.sha256(data).hexdigest()
    return Submission(name, candidate.origin, cells=cells, answers=_answers(finder, nb.cells), digest=digest)


def _answers(finder: AnswerFinder | None, cells: list) -> dict[str, Answer]:
    """The written answers; whatever goes wrong finding them costs only the answers (shown as not found), never
    the autograded points."""
    try:
        return finder.find(cells) if finder else {}
    except Exception:  # noqa: BLE001 - the boundary around a side product of reading the notebook
        return {}
