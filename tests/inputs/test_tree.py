"""Inputs are untrusted: archives are listed and read without extracting anything, within bounds, links never
followed out; anything that cannot be read is a sentence on that one file."""

import os
import stat
import zipfile
from pathlib import Path

import pytest

from autograder.inputs import tree
from autograder.inputs.tree import UnreadableFile, list_files
from tests.inputs.lms_fixtures import notebook, write_tree, zipped


def listing(path: Path) -> dict[str, str | None]:
    return {f.path: f.problem for f in list_files(path)}


def snapshot(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def test_a_folder_opens_nested_zips_and_skips_checkpoints_and_mac_forks(tmp_path):
    inner = zipped({"optim_reg.ipynb": notebook("y = 2"), "__MACOSX/._optim_reg.ipynb": b"\0"})
    files = {"a.ipynb": notebook(), "s/.ipynb_checkpoints/a-checkpoint.ipynb": b"{}"}
    write_tree(tmp_path / "in", files | {"s/work.zip": zipped({"deep/w.zip": inner})})
    files = {f.path: f for f in list_files(tmp_path / "in")}
    assert set(files) == {"in/a.ipynb", "in/s/work.zip/deep/w.zip/optim_reg.ipynb"}
    assert b"y = 2" in files["in/s/work.zip/deep/w.zip/optim_reg.ipynb"].read()


def test_archive_names_cannot_climb_and_nothing_is_extracted(tmp_path):
    archive = tmp_path / "in.zip"
    archive.write_bytes(zipped({"../../evil.ipynb": notebook(), "/etc/abs.ipynb": notebook(), "a\\..\\b.ipynb": b"{}"}))
    before = snapshot(tmp_path)
    files = list_files(archive)
    assert [f.parts for f in files] == [
        ("in.zip", "evil.ipynb"),
        ("in.zip", "etc", "abs.ipynb"),
        ("in.zip", "a", "b.ipynb"),
    ]
    assert all(f.read() for f in files)
    assert snapshot(tmp_path) == before


def test_a_link_inside_an_archive_is_never_followed(tmp_path):
    info = zipfile.ZipInfo("optim_reg.ipynb")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    archive = tmp_path / "in.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr(info, "/etc/shadow")
    (file,) = list_files(archive)
    assert "symbolic link" in file.problem
    with pytest.raises(UnreadableFile, match="symbolic link"):
        file.read()


def test_links_out_of_a_folder_are_not_read_links_inside_are(tmp_path):
    secret = tmp_path / "secret.ipynb"
    secret.write_bytes(notebook("secret = 1"))
    folder = write_tree(tmp_path / "in", {"real.ipynb": notebook()})
    (folder / "out.ipynb").symlink_to(secret)
    (folder / "same.ipynb").symlink_to(folder / "real.ipynb")
    (folder / "loop.ipynb").symlink_to(folder / "loop.ipynb")
    found = listing(folder)
    assert "outside the folder" in found["in/out.ipynb"]
    assert found["in/same.ipynb"] is None and found["in/real.ipynb"] is None
    assert found["in/loop.ipynb"]  # a loop of links is a sentence, not a crash


def test_a_pipe_named_like_a_notebook_never_blocks(tmp_path):
    folder = write_tree(tmp_path / "in", {"ok.ipynb": notebook()})
    os.mkfifo(folder / "pipe.ipynb")
    assert "not a regular file" in listing(folder)["in/pipe.ipynb"]
    assert "not a regular file" in list_files(folder / "pipe.ipynb")[0].problem


def test_undecodable_names_are_listed_as_printable_text(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / os.fsdecode(b"caf\xe9\n.ipynb")).write_bytes(notebook())
    (file,) = list_files(folder)
    assert file.name == "caf\ufffd?.ipynb" and file.path.encode("utf-8") and file.read()


def test_bounds_refuse_only_the_archive_that_exceeds_them(tmp_path, monkeypatch):
    monkeypatch.setattr(tree, "MAX_FILE_BYTES", 4000)
    monkeypatch.setattr(tree, "MAX_ENTRIES", 6)
    big = b"0" * 5000  # compresses to almost nothing: what a zip bomb looks like, small
    write_tree(tmp_path / "in", {
        "a.zip": zipped({"big.ipynb": big, "ok.ipynb": b"{}"}),
        "b.zip": zipped({f"{i}.ipynb": b"{}" for i in range(7)}),
        "c.zip": zipped({"nested.zip": zipped({"x.zip": zipped({"y.zip": zipped({"z.ipynb": b"{}"})})})}),
        "d.zip": b"not a zip at all",
    })  # fmt: skip
    found = listing(tmp_path / "in")
    assert "over the 0 MB limit" in found["in/a.zip/big.ipynb"] and found["in/a.zip/ok.ipynb"] is None
    assert "holds 7 files" in found["in/b.zip"]
    assert "nested more than 3 deep" in found["in/c.zip/nested.zip/x.zip/y.zip"]
    assert "not a zip archive that can be opened" in found["in/d.zip"]
