"""What the instructor is told about a Gradescope export names real paths: in an export zipped with its
`assignment_<id>_export/` folder, a submission folder is `export.zip/assignment_<id>_export/submission_<id>`."""

from autograder.inputs.discover import discover
from tests.inputs.lms_fixtures import GradescopeSubmission, gradescope_export, notebook, write_tree, zipped


def test_notes_and_sources_name_the_folder_where_it_is(tmp_path):
    files = gradescope_export([GradescopeSubmission(1, [("Alice Smith", "1", "a@x.edu")], {"x.pdf": b"%PDF"})])
    files["assignment_7777_export/submission_2/optim_reg.ipynb"] = notebook()  # not in the metadata
    (tmp_path / "export.zip").write_bytes(zipped(files))
    found = discover(tmp_path / "export.zip", "optim_reg")
    sources = {c.label: c.origin.source for c in found.candidates}
    assert sources["Alice Smith"].endswith("export.zip/assignment_7777_export/submission_1")
    assert any("export.zip/assignment_7777_export/submission_2 is not in" in n for n in found.notes)


def test_an_unzipped_export_given_by_its_own_folder_is_named_from_there(tmp_path):
    files = gradescope_export([GradescopeSubmission(1, [("Alice Smith", "1", "a@x.edu")], {"x.pdf": b"%PDF"})])
    export = write_tree(tmp_path, files) / "assignment_7777_export"
    (candidate,) = discover(export, "optim_reg").candidates
    assert candidate.origin.source.endswith("/assignment_7777_export/submission_1")
