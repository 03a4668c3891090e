"""Canvas's gradebook export as Canvas writes it for the people who export it: without `SIS User ID` (and, in older
Canvas, `SIS Login ID`) for a teacher or TA who may not see SIS data (Canvas adds them only with the permission),
with `Root Account` when the account trusts another, and with ';' between fields for users who chose semicolons.
Each is read, and the import Canvas gets back has the roster's own identity columns."""

import csv

import pytest

from autograder.gradebook.canvas import CANVAS_IMPORT, Graded, join, read_roster, write_canvas_import
from autograder.inputs.identity import Submitter
from autograder.output import OutputFolder

NO_SIS = (
    "Student,ID,SIS Login ID,Section,Quiz 1 (1001)\r\n"
    "    Points Possible,,,,10.00\r\n"
    '"Smith, Alice",3401,asmith,DL-01,7.00\r\n'
    '"Jones, Bob",3402,bjones,DL-01,\r\n'
)
OLDER_CANVAS = "Student,ID,Section,Quiz 1 (1001)\r\n    Points Possible,,,10.00\r\n\"Smith, Alice\",3401,DL-01,7.00\r\n"
ROOT_ACCOUNT = (
    "Student,ID,SIS User ID,SIS Login ID,Root Account,Section,Quiz 1 (1001)\r\n"
    "    Points Possible,,,,,,10.00\r\n"
    '"Smith, Alice",3401,S1001,asmith,school.instructure.com,DL-01,7.00\r\n'
)
SEMICOLONS = "\ufeffStudent;ID;SIS User ID;SIS Login ID;Section;Quiz 1 (1001)\r\n    Points Possible;;;;;10,00\r\n" \
             '"Smith, Alice";3401;S1001;asmith;DL-01;7,00\r\n'  # fmt: skip


@pytest.mark.parametrize(
    "text", [NO_SIS, OLDER_CANVAS, ROOT_ACCOUNT, SEMICOLONS], ids=["no-sis", "older", "root-account", "semicolons"]
)
def test_the_roster_is_read_and_alice_gets_her_score(tmp_path, text):
    path = tmp_path / "gradebook.csv"
    path.write_text(text, encoding="utf-8")
    roster = read_roster(path).students
    assert roster[0]["Student"] == "Smith, Alice" and roster[0]["ID"] == "3401"
    out = OutputFolder(tmp_path / "out")
    write_canvas_import(out, join(roster, [Graded("a", (Submitter(canvas_id="3401"),), 9.0)]), "optim_reg", 10.0)
    rows = list(csv.reader(out.path(CANVAS_IMPORT).open(encoding="utf-8")))
    assert rows[0][-1] == "optim_reg" and rows[2][0] == "Smith, Alice" and rows[2][-1] == "9"
    assert ("SIS User ID" in rows[0]) == ("SIS User ID" in text)
    assert len({len(r) for r in rows}) == 1, "every row has every column"
