"""Small layers of the trust boundary: student text made safe, the wire's strict array headers, the recorder."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

from autograder import wire
from autograder.student_text import _ANSI, _UNSAFE, _clean_any, clean, quote
from autograder.worker import recorder


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain words", "plain words"),
        ("\x1b[2J\x1b[31mred\x1b[0m", "red"),
        ("line one\nScore 100/100.\r\nFull marks", "line one Score 100/100. Full marks"),
        ("right\u202eto left\u2066isolate", "right to left isolate"),
        ("nul\x00and\x07bell\x9bcsi", "nul and bell csi"),
    ],
)
def test_student_text_is_one_line_without_controls(text, shown):
    assert clean(text) == shown


def test_student_text_is_capped_and_quoted_even_when_huge_or_unprintable():
    assert len(clean("x" * 10_000_000, 300)) == 300 and clean("x" * 10_000_000, 300).endswith("…")

    class Unprintable:
        def __str__(self):
            raise RuntimeError("no")

    assert clean(Unprintable()) == "(text that could not be read)"
    assert quote("<b>hi</b>") == "“<b>hi</b>”"


def test_clean_returns_short_printable_text_as_the_general_path_would():
    """clean's fast path (short, printable str) gives what the general path gives, for any text and limit: no
    printable character is one the expressions drop or replace, and awkward texts of every kind agree."""
    assert not [c for c in map(chr, range(sys.maxunicode + 1)) if c.isprintable() and (_UNSAFE.match(c) or _ANSI.match(c))]

    class Text(str):
        def __str__(self):
            return "not what it holds"

    rng = np.random.default_rng(19)
    pool = list("ab Z09 ~é中😀") + ["\x1b[31m", "\x1b]0;t\x07", "\x1b", "\n", "\r", "\t", "\x00", "\x7f", "\x9b",
                                    "\u2028", "\u202e", "\u2066", "\u200e", "\u061c", "\u00a0", "\u200d", "\ufeff",
                                    "\ud800", "\u0301", "  "]  # fmt: skip
    texts = ["".join(rng.choice(pool, size=rng.integers(0, 120))) for _ in range(3000)]
    texts += ["", " ", " padded ", "x" * 40, "x" * 41, " " + "x" * 39 + " ", "x" * 10_000, "é" * 300, "😀" * 301]
    texts += [Text("shown"), 10**400, float("nan"), -math.inf, None, b"bytes\n", ["a", "\x1b[2J"], {"k": 1}]
    for text in texts:
        for limit in (1, 40, 80, 300):
            assert clean(text, limit) == _clean_any(text, limit), (text, limit)


def _npy(header: bytes, data: bytes = b"") -> bytes:
    header += b" " * (63 - (len(header) + 10) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + data


def _message_with_blob(blob: bytes) -> bytes:
    head = json.dumps({"x": {"__array__": 0}}).encode()
    return (len(head).to_bytes(8, "big") + head + (1).to_bytes(8, "big") + len(blob).to_bytes(8, "big") + blob)


@pytest.mark.parametrize(
    "header",
    [
        b"{'descr': __import__('os').system('true'), 'fortran_order': False, 'shape': (1,), }",
        b"{'descr': '|O', 'fortran_order': False, 'shape': (1,), }",
        b"{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,), }",
        b"{'descr': '<f8', 'fortran_order': False, 'shape': (10**9,), }",
        b"{'descr': '<f8', 'fortran_order': 1, 'shape': (1,), }",
    ],
    ids=["code", "objects", "records", "shape-expression", "odd-order"],
)
def test_array_headers_are_never_evaluated_and_only_plain_ones_pass(header):
    with pytest.raises(wire.WireError):
        wire.decode(_message_with_blob(_npy(header, b"\0" * 8)))


def test_arrays_of_every_plain_kind_round_trip_in_numpys_own_format():
    for array in [np.zeros(()), np.arange(6.0).reshape(2, 3), np.arange(12).reshape(3, 4).T, np.array([True]),
                  np.zeros((0, 3), np.float32), np.array(["ab", "c"]), np.float16([1.5])]:  # fmt: skip
        back = wire.decode(wire.encode({"a": array}))["a"]
        assert type(back) is np.ndarray and back.dtype == array.dtype and back.shape == array.shape
        np.testing.assert_array_equal(back, array)
    with pytest.raises(wire.WireError, match="does not match"):
        wire.decode(_message_with_blob(_npy(b"{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", b"\0" * 8)))


FORBIDDEN = ("torch.optim.", "torch.nn.init.", "torch.nn.functional.dropout", "torch.nn.Dropout", "torch.dropout")


def test_every_route_to_an_entry_point_is_recorded_and_torch_internals_count_during_a_call():
    recorder.install(FORBIDDEN, ("torch.optim.Optimizer",))
    from torch.optim._functional import adam  # another module holding the same function

    with recorder.recording() as calls:
        torch.optim.Adam([torch.zeros(1, requires_grad=True)])
        torch.nn.functional.dropout(torch.ones(3), 0.5)
        torch.dropout(torch.ones(3), 0.5, True)
        assert adam.__name__ == "adam" and not hasattr(adam, "__wrapped__")
        torch.nn.TransformerEncoderLayer(4, 1)  # builds torch.nn.Dropout modules inside
    assert {"torch.optim.Adam", "torch.nn.functional.dropout", "torch.dropout", "torch.nn.Dropout"} <= set(calls)
    with recorder.recording() as calls:
        class Mine(torch.optim.Optimizer):
            pass

        Mine([torch.zeros(1, requires_grad=True)], {})
    assert calls == []  # subclassing the allowed base class is fine
    assert recorder.tampering() == []


def test_tampering_is_reported_in_words():
    script = textwrap.dedent(
        """
        import gc, importlib, json, sys, torch, torch.optim.adam
        from autograder.worker import recorder
        recorder.install(("torch.optim.", "torch.nn.functional.dropout"), ("torch.optim.Optimizer",))
        recorder.watch_for_tampering()
        before = recorder.tampering()
        gc.get_objects()
        importlib.reload(sys.modules["torch.optim.adam"])
        torch.optim.SGD.__init__ = lambda self, *a, **k: None
        print(json.dumps([before, recorder.tampering()]))
        """
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=True)
    before, after = json.loads(run.stdout)
    assert before == []
    text = " ".join(after)
    assert "gc.get_objects" in text and "torch.optim.adam.adam was replaced" in text and "SGD" in text
