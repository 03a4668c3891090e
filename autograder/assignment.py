"""An assignment as the engine sees it: one package, ``assignments.<name>``, that holds all of it.

``assignments`` is a namespace package: every ``assignments/`` folder on ``sys.path`` adds its assignments (this
project's, a course's own repository, a test fixture), and adding one never means editing the engine. Each
assignment's ``__init__.py`` defines ``ASSIGNMENT = Assignment(__name__, ...)``; its folder holds ``notebook.md``
(the one source of both notebooks), ``probes/`` (what the worker runs on a submission), ``graders/`` (the hidden
pytest graders), ``public_cases.py`` and, when its public checks need more than the engine's, ``public_checks.py``.
The generated files live beside that ``assignments/`` folder: ``solutions/<name>.py`` (the reference),
``solutions/<name>.ipynb`` and ``student_template/<name>.ipynb``.

Importing an assignment is cheap and loads neither its graders nor its reference: the grader imports it, with its
warm-up modules, before it forks the workers that run student code.
"""

from __future__ import annotations

import functools
import importlib
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from autograder.probes import Probe, collect_probes

if TYPE_CHECKING:
    from autograder.authoring.written import WrittenQuestion
    from autograder.grading.api import Scoring

NAMESPACE = "assignments"
SOURCE_NAME = "notebook.md"
# "## 1. Initialization `[init]`": the notebook section that teaches a question.
_HEADING = re.compile(r"^##\s+\d+\.\s+(?P<title>.+?)\s+`?\[(?P<question>\w+)\]`?\s*$")


class AssignmentError(RuntimeError):
    """No such assignment, or the repository does not look as expected; the message says what to do."""


@dataclass(frozen=True)
class Forbidden:
    """Library names a submission may not use inside the functions a question grades: one list, read both by the
    grader's scan of the source and by the recorder of calls made at run time.

    Each entry is a prefix of fully qualified names: ``"torch.optim."`` forbids everything in ``torch.optim``,
    ``"torch.nn.functional.dropout"`` also ``dropout2d``. ``allowed`` carves exceptions out of them.
    """

    names: tuple[str, ...] = ()
    allowed: tuple[str, ...] = ()

    def forbids(self, qualified_name: str) -> bool:
        return qualified_name.startswith(self.names) and not qualified_name.startswith(self.allowed)

    def reaches(self, module: str) -> bool:
        """May a forbidden name live in ``module`` (or the module itself be forbidden)? The recorder then has to
        instrument it, so it cannot be deferred."""
        return any(f"{module}.".startswith(name) or name.startswith(f"{module}.") for name in self.names)


@dataclass(frozen=True)
class Question:
    """One autograded question: its id, the top-level names it grades, the notebook section that teaches it and
    its points (the sum of its grader tests' points)."""

    id: str
    names: tuple[str, ...]
    title: str
    points: float


@dataclass(frozen=True, eq=False)
class Assignment:
    """Everything the engine needs to know about one assignment; every layer takes it as an argument.

    ``questions`` maps each question id, in the order of grades.csv, to the top-level names it grades (the source
    scan for forbidden names looks inside those). Points are never written here: they are read from the graders'
    ``@public``/``@hidden`` marks.

    What the notebooks import comes in two lists. ``warm_up``: the modules graded code uses, imported once in the
    grader before the workers fork, so no submission pays for them (``"module:function"`` also calls the function).
    ``deferred``: the modules the notebooks import but graded code seldom uses (plotting, data sets: the experiment
    cells use them, and the grader skips those). In the worker, an ``import`` of one binds it without running it;
    its first real use imports it, in that submission only (autograder/worker/deferred.py). ``"module:function"``
    also lets ``from module import function`` bind the function unimported. A deferred module the forbidden list
    reaches is imported at warm-up anyway, so the recorder instruments it.
    """

    package: str
    questions: Mapping[str, tuple[str, ...]]
    warm_up: tuple[str, ...] = ()
    deferred: tuple[str, ...] = ()
    forbidden: Forbidden = field(default_factory=Forbidden)

    @property
    def name(self) -> str:
        return self.package.rpartition(".")[2]

    @property
    def folder(self) -> Path:
        """The assignment's own folder, ``<root>/assignments/<name>``."""
        return Path(sys.modules[self.package].__file__).resolve().parent

    @property
    def root(self) -> Path:
        """The folder that holds ``assignments/``, ``solutions/`` and ``student_template/``."""
        return self.folder.parents[1]

    @property
    def source(self) -> Path:
        """The one file the instructor edits."""
        return self.folder / SOURCE_NAME

    @property
    def template_notebook(self) -> Path:
        return self.root / "student_template" / f"{self.name}.ipynb"

    @property
    def solution_notebook(self) -> Path:
        return self.root / "solutions" / f"{self.name}.ipynb"

    @property
    def reference_path(self) -> Path:
        return self.root / "solutions" / f"{self.name}.py"

    @property
    def reference_module(self) -> str:
        return f"solutions.{self.name}"

    @property
    def graders_folder(self) -> Path:
        return self.folder / "graders"

    @property
    def probes_folder(self) -> Path:
        return self.folder / "probes"

    def probes(self) -> Mapping[str, Probe]:
        """This assignment's probes by name (its own registry: two assignments may use the same probe names)."""
        return _probes(self.package)

    def titles(self) -> dict[str, str]:
        """Each question's notebook section title, from the ``## N. Title `[question]` `` headings of notebook.md."""
        found: dict[str, str] = {}
        fenced = False
        for line in self.source.read_text(encoding="utf-8").splitlines():
            fenced = fenced != line.startswith("```")
            if not fenced and (match := _HEADING.match(line)):
                found.setdefault(match["question"], match["title"])
        return found

    def written_questions(self) -> list[WrittenQuestion]:
        """The written questions (graded by hand) marked in notebook.md, with their points, text, model answer and
        rubric. The source holds the model answers: never call this before the workers fork."""
        from autograder.authoring.source import parse_source
        from autograder.authoring.written import written_questions

        return written_questions(parse_source(self.source.read_text(encoding="utf-8"), str(self.source)), self.name)

    def grader_tests(self, question: str) -> list[tuple[str, Scoring]]:
        """(name, scoring) of the question's grader tests, in the order pytest runs them (definition order).

        Imports the hidden graders: call it in the grader's process only, never before the workers fork.
        """
        from autograder.grading.api import Scoring

        module = importlib.import_module(f"{self.package}.graders.test_{question}")
        tests = [fn for name, fn in vars(module).items() if name.startswith("test_") and callable(fn)]
        tests = [fn for fn in tests if isinstance(getattr(fn, "__grading__", None), Scoring)]
        tests.sort(key=lambda fn: fn.__code__.co_firstlineno)
        return [(fn.__name__, fn.__grading__) for fn in tests]

    def points(self) -> dict[str, float]:
        """Each question's maximum, in order: the sum of its grader tests' points (imports the graders)."""
        return {q: sum(scoring.points for _, scoring in self.grader_tests(q)) for q in self.questions}

    def question_table(self) -> list[Question]:
        """Every question with its names, section title and points (imports the graders)."""
        titles, points = self.titles(), self.points()
        return [Question(q, tuple(names), titles.get(q, q), points[q]) for q, names in self.questions.items()]


@functools.cache
def _probes(package: str) -> Mapping[str, Probe]:
    return collect_probes(f"{package}.probes")


def _on_path(root: Path | None) -> None:
    if root is not None and str(root.resolve()) not in sys.path:
        sys.path.insert(0, str(root.resolve()))
        importlib.invalidate_caches()


def find_assignments(root: Path | None = None) -> list[Assignment]:
    """Every assignment on sys.path, by name (``root`` is put on sys.path first, when given)."""
    _on_path(root)
    try:
        namespace = importlib.import_module(NAMESPACE)
    except ModuleNotFoundError:
        return []
    names = {init.parent.name for entry in namespace.__path__ for init in Path(entry).glob("*/__init__.py")}
    return [load(name) for name in sorted(names)]


def load(name: str) -> Assignment:
    """The assignment ``assignments.<name>``; AssignmentError if its package does not define one."""
    module = importlib.import_module(f"{NAMESPACE}.{name}")
    assignment = getattr(module, "ASSIGNMENT", None)
    if not isinstance(assignment, Assignment):
        raise AssignmentError(f"{module.__file__} does not define ASSIGNMENT = Assignment(__name__, ...).")
    return assignment


def choose(name: str | None, root: Path | None = None) -> Assignment:
    """The assignment called ``name``; with no name, the only one there is. AssignmentError lists the choices."""
    found = {a.name: a for a in find_assignments(root)}
    if not found:
        where = f" under {root}" if root else ""
        raise AssignmentError(
            f"No assignment was found{where} (a folder assignments/<name>/ with an __init__.py). "
            "Run this command from the repository's top folder, or pass --root."
        )
    if name is None:
        if len(found) == 1:
            return next(iter(found.values()))
        raise AssignmentError(f"Say which assignment with --assignment: the choices are {', '.join(found)}.")
    if name not in found:
        raise AssignmentError(f"There is no assignment {name!r}; the choices are {', '.join(found)}.")
    return found[name]
