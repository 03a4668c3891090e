"""A submitter matched to a roster student only by the part of their email before '@' may be someone else: John
Smith's personal jsmith@gmail.com matched Jane Smith's Canvas login jsmith, and Jane silently got John's grade while
John was listed as having no submission. Such a match is still used (school logins are often exactly that part),
but it is listed so the TA can check it."""

from autograder.gradebook.canvas import Graded, join
from autograder.inputs.identity import Submitter

ROSTER = [
    {"Student": "Smith, Jane", "ID": "10", "SIS User ID": "S10", "SIS Login ID": "jsmith", "Section": "A"},
    {"Student": "Smith, John", "ID": "11", "SIS User ID": "S11", "SIS Login ID": "jsmith2", "Section": "A"},
    {"Student": "Diaz, Carol", "ID": "12", "SIS User ID": "S12", "SIS Login ID": "cdiaz", "Section": "A"},
]


def test_a_match_by_the_email_before_the_at_sign_alone_is_listed_for_checking():
    john = Submitter(name="John Smith", email="jsmith@gmail.com")
    book = join(ROSTER, [Graded("John_Smith", (john,), 9.0)])
    assert book.scores == {0: 9.0}, "the match is still used"
    (weak,) = [m for m in book.mismatches if m.submission == "John_Smith"]
    assert "jsmith" in weak.problem and "check" in weak.problem and weak.student[1] == "10"
    assert "Smith, Jane" in weak.sentence()


def test_stronger_matches_are_not_listed():
    people = [Submitter(canvas_id="11"), Submitter(sid="S12"), Submitter(email="jsmith@school.edu", sid="jsmith")]
    book = join(ROSTER, [Graded(f"s{i}", (p,), 1.0) for i, p in enumerate(people)])
    assert sorted(book.scores) == [0, 1, 2] and not [m for m in book.mismatches if m.submission]
