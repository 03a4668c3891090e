"""The reference solutions of norm_sched (solutions/norm_sched.py, generated from notebook.md's reference cells) agree
with their PyTorch oracles in float64 to rounding (oracles.py), and every oracle check catches the realistic mistakes
it is written for (mistaken.py): a check that passed a mistake would prove nothing about the reference.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from types import SimpleNamespace

import pytest

from autograder.assignment import load
from tests.assignments.norm_sched import mistaken
from tests.assignments.norm_sched.corpus.variants import ASSIGNMENT, BUGS, CORRECT
from tests.assignments.norm_sched.oracles import (
    CHECKS,
    FUNCTION_CHECKS,
    check_batchnorm_forward,
    check_batchnorm_running_statistics,
)
from tests.assignments.optim_reg.corpus.variants import Variant, notebook
from tests.edit import _definitions, code_cells, solution_cells

CAUGHT = [(m, check) for m in mistaken.MISTAKES for check in m.fails]


@pytest.mark.parametrize("check", CHECKS, ids=[c.__name__ for c in CHECKS])
def test_reference_passes(check: Callable[[SimpleNamespace], None]) -> None:
    check(mistaken.reference())


@pytest.mark.parametrize(("mistake", "check"), CAUGHT, ids=[f"{m.name}-{c.__name__}" for m, c in CAUGHT])
def test_mistake_is_caught(mistake: mistaken.Mistake, check: Callable[[SimpleNamespace], None]) -> None:
    with pytest.raises(AssertionError):
        check(mistake.impl())


def test_batchnorm_mistakes_are_one_change_from_a_forward_that_passes() -> None:
    """The batchnorm mistakes are built by one factory; with the right pieces it passes, so each failure is its
    one changed piece's."""
    impl = SimpleNamespace(**{**vars(mistaken.reference()), "batchnorm_forward": mistaken.BN_CORRECT})
    check_batchnorm_forward(impl)
    check_batchnorm_running_statistics(impl)


def test_every_check_catches_some_mistake_and_every_function_has_mistakes() -> None:
    used = {check for m in mistaken.MISTAKES for check in m.fails}
    assert not [c.__name__ for c in CHECKS if c not in used and not c.__name__.endswith("float32")]
    assert {name for m in mistaken.MISTAKES for name in m.replaces} == set(mistaken.NAMES) == set(FUNCTION_CHECKS)
    assert len({m.name for m in mistaken.MISTAKES}) == len(mistaken.MISTAKES)


# ---- the corpus's catalogue (corpus/variants.py) against the same oracles: each bug is a bug, each alternative right


def _changed(variant: Variant) -> tuple[SimpleNamespace, set[str]]:
    """The variant's graded functions (its code cells run, experiment and check cells skipped) and the names of
    those it changes."""
    solution = {n: ast.dump(d) for cell in solution_cells(ASSIGNMENT) for n, d in _definitions(cell).items()}
    namespace: dict = {}
    changed = set()
    for source in code_cells(notebook(variant, ASSIGNMENT)):
        if source.startswith(("#@title", "# Experiment")) or "grader.check(" in source:
            continue
        exec(compile(source, variant.name, "exec"), namespace)  # trusted: the corpus is ours
        changed |= {n for n, d in _definitions(source).items() if solution.get(n) != ast.dump(d)}
    return SimpleNamespace(**{n: namespace[n] for n in mistaken.NAMES}), changed & set(mistaken.NAMES)


def _checks(names: set[str]) -> list[Callable[[SimpleNamespace], None]]:
    return list(dict.fromkeys(check for name in sorted(names) for check in FUNCTION_CHECKS[name]))


FUNCTION_BUGS = [v for v in BUGS if not v.name.startswith("X")]
FUNCTION_ALTERNATIVES = [v for v in CORRECT if not v.name.startswith("X")]


@pytest.mark.parametrize("variant", FUNCTION_BUGS, ids=lambda v: v.name)
def test_each_corpus_bug_fails_an_oracle_check_of_its_question(variant: Variant) -> None:
    impl, names = _changed(variant)
    assert names and names <= set(load(ASSIGNMENT).questions[variant.question]), names
    for check in _checks(names):
        try:
            check(impl)
        except AssertionError:
            return
    pytest.fail(f"{variant.name} passes every oracle check of {sorted(names)}")


@pytest.mark.parametrize("variant", FUNCTION_ALTERNATIVES, ids=lambda v: v.name)
def test_each_corpus_alternative_passes_the_oracle_checks_of_what_it_changes(variant: Variant) -> None:
    impl, names = _changed(variant)
    assert names or variant.name == "reference"
    for check in _checks(names):
        check(impl)
