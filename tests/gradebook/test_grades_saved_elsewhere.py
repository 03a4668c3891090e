"""grades.csv opened and saved again in a spreadsheet: as 'CSV UTF-8' (with a byte-order mark) it still reads back
for a regrade or a merge; as Windows-1252 the command says what to do instead of a traceback."""

import pytest

from autograder.gradebook.grades import GradesError, GradesTable, Row, read_grades
from autograder.output import OutputFolder


def table() -> GradesTable:
    return GradesTable({"adam": 3.0}, [Row("Jos\u00e9", {}, {"adam": 1.5}), Row("bob", {}, {"adam": None})])


def test_a_byte_order_mark_is_read_past(tmp_path):
    out = OutputFolder(tmp_path)
    out.write_text("grades.csv", text="\ufeff" + table().text())
    assert read_grades(out).text() == table().text()


def test_another_encoding_is_a_sentence(tmp_path):
    out = OutputFolder(tmp_path)
    out.path("grades.csv").write_bytes(table().text().encode("cp1252"))
    with pytest.raises(GradesError, match="UTF-8"):
        read_grades(out)
