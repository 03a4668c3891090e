"""Every submission gets its own safe name: never another's, never a batch file's, never a formula or the
Points Possible row, whatever its path."""

import random
import re

import pytest

from autograder.inputs.naming import reserved, safe_name, unique_names

SAFE = re.compile(r"^[^\W_][\w+-]*$")


def test_a_name_is_never_handed_out_twice_even_when_a_label_already_has_it():
    # alice/hw would become alice-hw, which m2/alice-hw.ipynb already is on its own
    names = unique_names([("hw", "alice"), ("alice-hw", "m2"), ("hw", "bob"), ("alice-hw-2", "x")])
    assert names == ["alice-hw-3", "alice-hw", "bob-hw", "alice-hw-2"]


def test_names_differing_only_in_case_are_told_apart():
    names = unique_names([("HW", "a"), ("hw", "b")])
    assert names == ["a-HW", "b-hw"] and len({n.casefold() for n in names}) == 2


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("grades.csv", "grades_csv"),
        ("..", "submission"),
        ("=HYPERLINK(1)", "HYPERLINK_1"),
        ("+1", "1"),
        ("-x", "x"),
        ("@SUM", "SUM"),
        ("a/../../b", "a_b"),
        ("caf\udce9\n", "caf"),
        ("Müller Anna", "Müller_Anna"),
        ("x" * 300, "x" * 80),
    ],
)
def test_unsafe_labels_become_safe_names(label, expected):
    assert safe_name(label) == expected


def test_the_points_possible_row_and_device_names_are_never_a_submission_name():
    for label in ("Points Possible", "points_possible", "POINTS-POSSIBLE", "nul", "COM1"):
        (name,) = unique_names([(label, "folder")])
        assert not reserved(name) and name.startswith("folder-")


def test_any_labels_give_distinct_safe_names():
    rng = random.Random(17)
    alphabet = ["a", "A", "-", "_", ".", " ", "=", "+", "@", "/", "é", "\udcff", "1", "Points Possible", "grades.csv"]
    items = [
        ("".join(rng.choices(alphabet, k=rng.randint(0, 5))), rng.choice(["s1", "s2", "", "=x"])) for _ in range(3000)
    ]
    names = unique_names(items)
    assert len(names) == len(items)
    assert len({n.casefold() for n in names}) == len(names)
    assert all(SAFE.match(n) and not reserved(n) and "." not in n and len(n) <= 100 for n in names), [
        n for n in names if not SAFE.match(n)
    ][:5]
