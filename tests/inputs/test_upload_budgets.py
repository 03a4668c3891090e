"""The bounds on nested archives are per upload, not per input: a student whose zip exhausts them costs only that zip.
With one budget for the whole input, a zip bomb (or a zip of tens of thousands of files) uploaded by a student early
in alphabetical order made every later student's zip 'too much data in all': their notebooks were never graded."""

from autograder.inputs import tree
from autograder.inputs.tree import list_files
from tests.inputs.lms_fixtures import canvas_name, notebook, write_tree, zipped

BOMB = zipped({"a.ipynb": b"{}" * 400})
HONEST = zipped({"hw/optim_reg.ipynb": notebook()})


def listing(path):
    return {f.path: f.problem for f in list_files(path)}


def test_an_upload_that_exhausts_the_bounds_costs_only_itself(tmp_path, monkeypatch):
    monkeypatch.setattr(tree, "MAX_NESTED_BYTES", max(len(BOMB), len(HONEST)) + 10)  # either alone, not both
    uploads = {canvas_name("aaron", 1, 1, "bomb.zip"): BOMB, canvas_name("bob", 2, 2, "work.zip"): HONEST}
    (tmp_path / "submissions.zip").write_bytes(zipped(uploads))
    for found in (listing(tmp_path / "submissions.zip"), listing(write_tree(tmp_path / "submissions", uploads))):
        assert [p for p in found.values() if p] == []
        assert any(path.endswith("bob_2_2_work.zip/hw/optim_reg.ipynb") for path in found)


def test_many_files_in_one_upload_cost_only_that_upload(tmp_path, monkeypatch):
    monkeypatch.setattr(tree, "MAX_ENTRIES", 20)
    crowd = zipped({f"{i}.txt": b"" for i in range(18)})
    uploads = {canvas_name("aaron", 1, 1, "crowd.zip"): crowd, canvas_name("bob", 2, 2, "work.zip"): HONEST}
    (tmp_path / "submissions.zip").write_bytes(zipped(uploads))
    found = listing(tmp_path / "submissions.zip")
    assert found["submissions.zip/bob_2_2_work.zip/hw/optim_reg.ipynb"] is None


def test_inside_one_upload_nested_archives_share_its_bounds(tmp_path, monkeypatch):
    monkeypatch.setattr(tree, "MAX_NESTED_BYTES", len(BOMB) + 10)
    upload = zipped({"1.zip": BOMB, "2.zip": HONEST})
    (tmp_path / "in.zip").write_bytes(zipped({"upload.zip": upload}))
    monkeypatch.setattr(tree, "MAX_NESTED_BYTES", len(upload) + len(BOMB) + 10)
    found = listing(tmp_path / "in.zip")
    assert found["in.zip/upload.zip/1.zip/a.ipynb"] is None
    assert "this upload hold too much data in all" in found["in.zip/upload.zip/2.zip"]
