"""Gradescope's and Canvas's exports, zipped or unzipped, with their awkward cases: every submission is found once,
with its students and time; what cannot be read costs a sentence, never the batch."""

import pytest

from autograder.inputs.discover import discover, find_submissions
from tests.inputs.lms_fixtures import (
    GradescopeSubmission,
    canvas_name,
    gradescope_export,
    notebook,
    write_tree,
    zipped,
)

ALICE = ("Alice Smith", "1001", "alice@example.edu")
BOB = ("Bob Jones", "1002", "bob@example.edu")
CAROL = ("Carol Diaz", "1003", "carol@example.edu")

GRADESCOPE = [
    GradescopeSubmission(11, [ALICE], {"optim_reg.ipynb": notebook("a = 1")}),
    GradescopeSubmission(
        12,
        [BOB, CAROL],
        {"work/optim_reg (1).ipynb": notebook("b = 1"), "notes.pdf": b"%PDF"},
        created_at="2026-12-01 09:15:00.000000000 +01:00",
    ),  # fmt: skip
    GradescopeSubmission(
        13, [("Dan", "1004", "dan@example.edu")], {"draft.ipynb": b"{}", "optim_reg.ipynb": notebook()}
    ),
    GradescopeSubmission(14, [("Eve", "1005", "eve@example.edu")], {"report.pdf": b"%PDF"}),
]


@pytest.fixture(params=["folder", "zip"])
def export(request, tmp_path):
    files = gradescope_export(GRADESCOPE)
    if request.param == "zip":
        path = tmp_path / "export.zip"
        path.write_bytes(zipped(files))
        return path
    return write_tree(tmp_path / "export", files) / "assignment_7777_export"


def by_label(found):
    return {c.label: c for c in found.candidates}


def test_gradescope_export_gives_one_submission_per_folder_with_its_students(export):
    found = by_label(discover(export, "optim_reg"))
    assert set(found) == {"Alice Smith", "Bob Jones+Carol Diaz", "Dan", "Eve"}
    alice = found["Alice Smith"]
    assert alice.context == "submission_11" and b"a = 1" in alice.file.read()
    assert [s.as_json() for s in alice.origin.submitters] == [
        {"name": "Alice Smith", "email": "alice@example.edu", "sid": "1001", "canvas_id": None}
    ]
    assert alice.origin.submitted_at == "2026-11-30T17:02:11.123456-08:00"
    assert alice.origin.source.endswith("submission_11/optim_reg.ipynb")
    group = found["Bob Jones+Carol Diaz"]
    assert [s.sid for s in group.origin.submitters] == ["1002", "1003"]
    assert b"b = 1" in group.file.read() and "Graded work/optim_reg (1).ipynb" in group.origin.notes[0]
    assert found["Dan"].file.name == "optim_reg.ipynb" and "Not graded: draft.ipynb" in found["Dan"].origin.notes[0]
    assert (
        found["Eve"].file is None
        and "No Jupyter notebook" in found["Eve"].problem
        and "report.pdf" in found["Eve"].problem
    )


@pytest.mark.parametrize(
    ("metadata", "note"),
    [
        (b"submission_11: [unclosed", "not YAML that can be read"),
        (b"- a list\n- not a mapping\n", "does not map submission folders"),
        (b"submission_11: !!python/object/apply:os.system ['touch /tmp/pwned-by-yaml']\n", "not YAML that can be read"),
        (b"a: &a [*a, *a]\n" + b"[" * 100_000, "not YAML that can be read"),
    ],
    ids=["broken", "list", "python-tag", "deep"],
)
def test_unreadable_metadata_costs_only_the_identities(tmp_path, metadata, note):
    files = gradescope_export(GRADESCOPE[:1]) | {"assignment_7777_export/submission_metadata.yml": metadata}
    found = discover(write_tree(tmp_path, files), "optim_reg")
    (candidate,) = found.candidates
    assert candidate.label == "submission_11" and candidate.origin.submitters == () and candidate.file
    assert note in found.notes[0]
    assert not __import__("pathlib").Path("/tmp/pwned-by-yaml").exists()


def test_folders_and_metadata_that_do_not_match_are_both_kept(tmp_path):
    files = gradescope_export(GRADESCOPE[:1]) | {"assignment_7777_export/submission_99/optim_reg.ipynb": notebook()}
    files["assignment_7777_export/submission_metadata.yml"] += b"submission_50:\n  :submitters:\n  - :name: Gone\n"
    found = discover(write_tree(tmp_path, files), "optim_reg")
    labels = by_label(found)
    assert set(labels) == {"Alice Smith", "submission_99", "Gone"}
    assert "no folder for it" in labels["Gone"].problem
    assert any("submission_99 is not in submission_metadata.yml" in n for n in found.notes)


CANVAS = {
    canvas_name("smithalice", 3401, 9001, "optim_reg.ipynb"): notebook("first = 1"),
    canvas_name("smithalice", 3401, 9050, "optim_reg-1.ipynb"): notebook("latest = 1"),
    canvas_name("smithalice", 3401, 9051, "scratch.ipynb"): notebook("scratch = 1"),
    canvas_name("jonesbob", 3402, 9002, "optim_reg.ipynb", late=True): notebook("late = 1"),
    canvas_name("diazcarol", 3403, 9003, "BobsWork.zip"): zipped({"hw/optim_reg.ipynb": notebook("zipped = 1")}),
    canvas_name("leedan", 3404, 9004, "essay.pdf"): b"%PDF",
    "stray notebook.ipynb": notebook("stray = 1"),
    "README.txt": b"not a submission",
}


@pytest.fixture(params=["folder", "zip"])
def download(request, tmp_path):
    if request.param == "zip":
        path = tmp_path / "submissions.zip"
        path.write_bytes(zipped(CANVAS))
        return path
    return write_tree(tmp_path / "submissions", CANVAS)


def test_canvas_download_gives_each_student_their_latest_notebook(download):
    found = discover(download, "optim_reg")
    students = by_label(found)
    assert set(students) == {"smithalice_3401", "jonesbob_3402", "diazcarol_3403", "leedan_3404", "stray notebook"}
    alice = students["smithalice_3401"]
    assert b"latest = 1" in alice.file.read() and alice.origin.submitters[0].canvas_id == "3401"
    assert "Not graded:" in alice.origin.notes[0] and "scratch.ipynb" in alice.origin.notes[0]
    bob = students["jonesbob_3402"]
    assert bob.origin.late and b"late = 1" in bob.file.read() and bob.origin.columns()["late"] == "late"
    assert b"zipped = 1" in students["diazcarol_3403"].file.read()
    assert "No Jupyter notebook" in students["leedan_3404"].problem and "essay.pdf" in students["leedan_3404"].problem
    stray = students["stray notebook"]
    assert stray.origin.submitters == () and b"stray = 1" in stray.file.read()
    assert any("not named the way Canvas names submissions" in n for n in found.notes)


def test_without_a_notebook_named_for_the_assignment_the_latest_notebook_is_graded(tmp_path):
    files = {
        canvas_name("x", 1, 5, "a.ipynb"): notebook("old = 1"),
        canvas_name("x", 1, 6, "b.ipynb"): notebook("new = 1"),
    }
    (candidate,) = discover(write_tree(tmp_path / "c", files), "optim_reg").candidates
    assert b"new = 1" in candidate.file.read()


def test_names_are_unique_across_all_inputs_and_nothing_is_dropped(tmp_path, export):
    loose = write_tree(tmp_path / "loose", {"Alice Smith.ipynb": notebook(), "sub/Alice Smith.ipynb": notebook()})
    named, _ = find_submissions([export, loose], "optim_reg")
    names = [n.name for n in named]
    assert len(names) == len(set(names)) == 4 + 2
    assert "Alice_Smith" not in names and "submission_11-Alice_Smith" in names


def test_a_missing_path_is_a_usage_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        discover(tmp_path / "nope.zip", "optim_reg")


def test_a_broken_zip_is_one_submission_that_says_why(tmp_path):
    (tmp_path / "export.zip").write_bytes(b"PK\x03\x04 truncated")
    (candidate,) = discover(tmp_path / "export.zip", "optim_reg").candidates
    assert candidate.label == "export" and "not a zip archive" in candidate.problem


def test_a_notebook_beside_the_submission_folders_is_graded_without_a_student(tmp_path):
    files = gradescope_export(GRADESCOPE[:1]) | {"assignment_7777_export/stray.ipynb": notebook()}
    found = discover(write_tree(tmp_path, files), "optim_reg")
    assert {c.label for c in found.candidates} == {"Alice Smith", "stray"}
    assert any("not in a submission folder" in n for n in found.notes)


def test_a_path_given_twice_is_one_submission(tmp_path):
    path = write_tree(tmp_path, {"a.ipynb": notebook()}) / "a.ipynb"
    named, _ = find_submissions([path, tmp_path / "." / "a.ipynb"], "optim_reg")
    assert [n.name for n in named] == ["a"]
