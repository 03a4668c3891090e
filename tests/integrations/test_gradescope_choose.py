"""Which notebook the Gradescope zip grades when a submission holds none, one or several, and what students read."""

from pathlib import Path

import pytest

from autograder.integrations.gradescope.choose import choose_notebook


def submission(tmp_path: Path, *names: str) -> Path:
    folder = tmp_path / "submission"
    folder.mkdir()
    for name in names:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text("{}")
    return folder


def test_the_expected_notebook_alone_is_graded_without_a_note(tmp_path):
    choice = choose_notebook(submission(tmp_path, "optim_reg.ipynb"), "optim_reg")
    assert choice.notebook.name == choice.shown == "optim_reg.ipynb" and choice.note == ""


def test_one_notebook_with_another_name_is_graded_and_named(tmp_path):
    choice = choose_notebook(
        submission(tmp_path, "My Work.ipynb", ".ipynb_checkpoints/optim_reg-checkpoint.ipynb"), "optim_reg"
    )
    assert choice.notebook.name == "My Work.ipynb"
    assert choice.note == "Graded My Work.ipynb, the only notebook in your submission."


@pytest.mark.parametrize(
    ("names", "chosen", "reason"),
    [
        (["a.ipynb", "sub/optim_reg.ipynb", "z.ipynb"], "sub/optim_reg.ipynb", "it is named optim_reg.ipynb"),
        (["sub/optim_reg.ipynb", "optim_reg.ipynb"], "optim_reg.ipynb", "it is named optim_reg.ipynb"),
        (["b.ipynb", "optim_reg (1).ipynb"], "optim_reg (1).ipynb", "its name is the closest"),
        (["b.ipynb", "a.ipynb"], "a.ipynb", "the first in alphabetical order was taken"),
    ],
)
def test_several_notebooks_one_is_chosen_by_name_then_order_and_the_note_says_why(tmp_path, names, chosen, reason):
    folder = submission(tmp_path, *names)
    choice = choose_notebook(folder, "optim_reg")
    assert choice.notebook == (folder / chosen).resolve() and choice.shown == chosen
    assert choice.note.startswith(f"Your submission has {len(names)} notebooks; graded {chosen} because ")
    assert reason in choice.note and "Submit only optim_reg.ipynb" in choice.note
    assert all(name in choice.note for name in names)


def test_no_notebook_lists_what_was_submitted_and_says_what_to_do(tmp_path):
    choice = choose_notebook(submission(tmp_path, "optim_reg.py", "report.pdf"), "optim_reg")
    assert choice.notebook is None
    assert "No Jupyter notebook (.ipynb)" in choice.note and "optim_reg.py, report.pdf" in choice.note
    assert "submit that file" in choice.note


def test_an_empty_or_missing_submission_folder_is_explained(tmp_path):
    assert "It is empty." in choose_notebook(submission(tmp_path), "optim_reg").note
    assert "It is empty." in choose_notebook(tmp_path / "missing", "optim_reg").note


def test_a_link_to_a_file_outside_the_submission_is_not_graded(tmp_path):
    secret = tmp_path / "reference.ipynb"
    secret.write_text("{}")
    folder = submission(tmp_path)
    (folder / "optim_reg.ipynb").symlink_to(secret)
    assert choose_notebook(folder, "optim_reg").notebook is None
