"""A student's own upload can hold a file named submission_metadata.yml. Found inside the zip a Canvas student
uploaded, it turned the whole Canvas download into a 'Gradescope export' that the student described: every other
student lost their Canvas identity (so canvas_import.csv left them empty) and the planted metadata could list
made-up submissions under other students' ids. Only the LMS's own files, never one inside an uploaded archive,
decide what kind of export an input is."""

import pytest

from autograder.inputs.discover import discover
from tests.inputs.lms_fixtures import canvas_name, notebook, write_tree, zipped

PLANTED = b"""submission_1:
  :submitters:
  - :name: Bob Jones
    :sid: "S1002"
    :email: bob@example.edu
"""
CANVAS = {
    canvas_name("smithalice", 3401, 9001, "optim_reg.ipynb"): notebook("a = 1"),
    canvas_name("jonesbob", 3402, 9002, "optim_reg.ipynb"): notebook("b = 1"),
    canvas_name("malloryeve", 3403, 9003, "work.zip"): zipped(
        {"submission_metadata.yml": PLANTED, "submission_1/optim_reg.ipynb": notebook("m = 1")}
    ),
}


@pytest.fixture(params=["folder", "zip"])
def download(request, tmp_path):
    if request.param == "zip":
        (tmp_path / "submissions.zip").write_bytes(zipped(CANVAS))
        return tmp_path / "submissions.zip"
    return write_tree(tmp_path / "submissions", CANVAS)


def test_metadata_inside_an_upload_does_not_make_the_input_a_gradescope_export(download):
    found = discover(download, "optim_reg")
    ids = {c.label: [s.canvas_id for s in c.origin.submitters] for c in found.candidates}
    assert ids == {"smithalice_3401": ["3401"], "jonesbob_3402": ["3402"], "malloryeve_3403": ["3403"]}
    assert not any(s.sid for c in found.candidates for s in c.origin.submitters)


def test_metadata_inside_an_upload_among_loose_notebooks_is_just_a_file(tmp_path):
    files = {"alice.ipynb": notebook(), "mallory.zip": zipped({"submission_metadata.yml": PLANTED})}
    found = discover(write_tree(tmp_path / "batch", files), "optim_reg")
    assert [c.label for c in found.candidates] == ["alice"] and not found.notes
