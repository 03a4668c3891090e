"""Nothing is written outside the output folder, whatever the name or what was planted in the folder."""

import pytest

from autograder.output import OutputFolder, OutsideOutput


@pytest.mark.parametrize("names", [("..", "results.json"), ("a/../../x",), ("",), (".",), ("a\0b",), ("/etc/passwd",)])
def test_names_that_are_not_plain_file_names_are_refused(tmp_path, names):
    with pytest.raises(OutsideOutput):
        OutputFolder(tmp_path / "out").write_text(*names, text="x")
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["out"]


def test_a_planted_link_to_a_folder_outside_is_never_written_through(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    out = OutputFolder(tmp_path / "out")
    (tmp_path / "out" / "alice").symlink_to(outside)
    with pytest.raises(OutsideOutput):
        out.write_text("alice", "results.json", text="x")
    assert not list(outside.iterdir())


def test_a_planted_link_at_the_file_name_is_replaced_not_followed(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("untouched")
    out = OutputFolder(tmp_path / "out")
    (tmp_path / "out" / "grades.csv").symlink_to(victim)
    out.write_text("grades.csv", text="new")
    assert victim.read_text() == "untouched"
    assert not out.path("grades.csv").is_symlink() and out.path("grades.csv").read_text() == "new"
