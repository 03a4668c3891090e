"""A grader who saved written_scores.csv from a spreadsheet as 'CSV' (Windows-1252, not UTF-8) and runs `autograder
written` again gets a sentence saying how to save it, not a traceback; the sheet and its scores are left as they are."""

import pytest

from autograder.written.scores import WrittenScoresError
from autograder.written.workflow import write_written
from tests.written.test_pages_and_scores import ANSWERS, Q1, Q2, graded_folder


def test_a_sheet_saved_in_another_encoding_is_kept_and_named(tmp_path):
    out = graded_folder(tmp_path)
    write_written(out, "optim_reg", [Q1, Q2])
    sheet = out.path("written_scores.csv")
    text = sheet.read_text(encoding="utf-8").replace("carol", "Jos\u00e9").replace(",,\r\n", ",3,\r\n", 1)
    sheet.write_bytes(text.encode("cp1252"))
    before = sheet.read_bytes()
    with pytest.raises(WrittenScoresError, match="UTF-8"):
        write_written(out, "optim_reg", [Q1, Q2])
    assert sheet.read_bytes() == before and ANSWERS
