"""The assignment object: found by folders alone, questions and points read from the graders, titles from the
notebook, its own probe registry and forbidden list, and sentences that list the choices when a name is wrong."""

from pathlib import Path

import pytest

from autograder.assignment import Assignment, AssignmentError, Forbidden, choose, load
from autograder.probes import collect_probes

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "course"


def test_optim_reg_questions_points_and_titles_come_from_its_graders_and_notebook():
    optim_reg = load("optim_reg")
    table = {q.id: (q.title, q.points) for q in optim_reg.question_table()}
    assert list(table) == list(optim_reg.questions)
    assert sum(points for _, points in table.values()) == 100
    assert table["adam"] == ("Adam", 15.0) and table["training"] == ("Putting it together", 6.0)
    assert optim_reg.source == optim_reg.folder / "notebook.md" and optim_reg.reference_module == "solutions.optim_reg"


def test_norm_sched_questions_points_and_titles_come_from_its_graders_and_notebook():
    norm_sched = load("norm_sched")
    table = {q.id: (q.title, q.points) for q in norm_sched.question_table()}
    assert list(table) == list(norm_sched.questions)
    assert {q: points for q, (_, points) in table.items()} == {
        "batchnorm": 20, "layernorm": 8, "schedules": 12, "clipping": 10, "adagrad": 8, "nesterov": 8, "l1": 10,
        "augment": 12, "training": 12,
    }  # fmt: skip
    assert table["batchnorm"][0] == "Batch normalization" and table["training"][0] == "Putting it together"
    assert norm_sched.reference_module == "solutions.norm_sched"


def test_a_course_root_adds_its_assignments_without_touching_this_one():
    toy = choose("toy", FIXTURE)
    assert toy.root == FIXTURE.resolve() and toy.reference_path == FIXTURE.resolve() / "solutions/toy.py"
    assert toy.points() == {"scale": 3.0, "relu": 2.0}
    assert set(toy.probes()) == {"elementwise_runs"}, "its own registry: none of optim_reg's probes"
    assert "elementwise_runs" not in load("optim_reg").probes()


def test_a_missing_or_unknown_name_lists_the_choices():
    choose("toy", FIXTURE)
    choices = "the choices are norm_sched, optim_reg, toy"
    with pytest.raises(AssignmentError, match=f"Say which assignment with --assignment: {choices}"):
        choose(None)
    with pytest.raises(AssignmentError, match=f"There is no assignment 'norm'; {choices}"):
        choose("norm")


def test_two_probes_of_one_assignment_may_not_share_a_name(tmp_path, monkeypatch):
    package = tmp_path / "clash_probes"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for module in ("a", "b"):
        source = "from autograder.probes import probe\n\n\n@probe\ndef same(ns):\n    return {}\n"
        (package / f"{module}.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ValueError, match="two probes of clash_probes are named same"):
        collect_probes("clash_probes")


def test_one_forbidden_list_reads_as_prefixes_with_exceptions():
    forbidden = Forbidden(names=("torch.optim.", "torch.nn.functional.dropout"), allowed=("torch.optim.Optimizer",))
    assert forbidden.forbids("torch.optim.Adam") and forbidden.forbids("torch.nn.functional.dropout2d")
    assert not forbidden.forbids("torch.optim.Optimizer") and not forbidden.forbids("torch.nn.functional.relu")


def test_an_assignment_package_must_define_its_object(tmp_path, monkeypatch):
    (tmp_path / "assignments" / "broken").mkdir(parents=True)
    (tmp_path / "assignments" / "broken" / "__init__.py").write_text("NAME = 'broken'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(AssignmentError, match=r"does not define ASSIGNMENT = Assignment\(__name__, \.\.\.\)"):
        load("broken")
    assert isinstance(load("optim_reg"), Assignment)
