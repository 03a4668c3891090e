"""The wire format: the only way data leaves a worker. Arrays round-trip; pickles and malformed bytes are refused."""

import io
import json
import pickle

import numpy as np
import pytest

from autograder import wire


def test_round_trip_keeps_values_dtypes_and_structure():
    message = {"result": {"a": np.arange(6, dtype=np.float32).reshape(2, 3), "flag": True, "xs": [1, 2.5, None]}}
    back = wire.decode(wire.encode(message))
    assert back["result"]["a"].dtype == np.float32
    np.testing.assert_array_equal(back["result"]["a"], message["result"]["a"])
    assert back["result"]["flag"] is True and back["result"]["xs"] == [1, 2.5, None]


def test_decoded_arrays_are_plain_ndarrays_even_if_a_subclass_was_sent():
    class Liar(np.ndarray):
        def __eq__(self, other):  # claims equality with anything
            return True

    back = wire.decode(wire.encode({"x": np.zeros(3).view(Liar)}))
    assert type(back["x"]) is np.ndarray
    assert not (back["x"] == np.ones(3)).any()


def test_object_arrays_cannot_be_sent():
    with pytest.raises(ValueError):
        wire.encode({"x": np.array([object()], dtype=object)})


def test_a_pickled_payload_in_place_of_an_array_is_refused():
    good = wire.encode({"x": np.zeros(2)})
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"evil": 1}], dtype=object), allow_pickle=True)
    npy = buffer.getvalue()
    head_len = int.from_bytes(good[:8], "big")
    forged = good[: 8 + head_len] + (1).to_bytes(8, "big") + len(npy).to_bytes(8, "big") + npy
    with pytest.raises(wire.WireError):
        wire.decode(forged)


@pytest.mark.parametrize(
    "data",
    [b"", b"\x00" * 7, pickle.dumps({"result": 1}), wire.encode({"a": 1}) + b"x", wire.encode({"a": 1})[:-1]],
    ids=["empty", "short", "pickle", "trailing", "truncated"],
)
def test_malformed_messages_are_refused(data):
    with pytest.raises(wire.WireError):
        wire.decode(data)


def test_array_references_must_exist():
    data = wire.encode({"x": np.zeros(1)})
    forged = data.replace(b'{"__array__": 0}', b'{"__array__": 7}')
    with pytest.raises(wire.WireError, match="out of range"):
        wire.decode(forged)


def test_a_message_nested_too_deeply_is_refused_not_a_crash():
    """JSON accepts 600 levels; rebuilding them would exhaust the grader's stack (RecursionError, a grader fault)."""
    head = b"[" * 600 + b"]" * 600
    with pytest.raises(wire.WireError, match="nested too deeply"):
        wire.decode(len(head).to_bytes(8, "big") + head + (0).to_bytes(8, "big"))


def _nesting(value):
    if isinstance(value, dict):
        return 1 + max((_nesting(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_nesting(v) for v in value), default=0)
    return 0


def test_the_depth_count_skips_brackets_quotes_and_escapes_inside_strings():
    """The decoder counts nesting over the JSON text at C speed; strings full of brackets, quotes and backslashes
    (a student's error messages) must not change the count, whatever their escapes."""
    rng = np.random.default_rng(0)
    texts = ["a[b", 'q"{', "\\", '\\"]', "x\\\\", "}\\n{", '\\\\"[[', "é[", "\u2028}"]

    def value(depth):
        pick = rng.random()
        if depth > 10 or pick < 0.3:
            return texts[rng.integers(len(texts))] if pick < 0.2 else float(pick)
        if pick < 0.65:
            return [value(depth + 1) for _ in range(rng.integers(0, 4))]
        return {texts[rng.integers(len(texts))] + str(i): value(depth + 1) for i in range(rng.integers(0, 4))}

    for _ in range(300):
        message = {"v": value(0), "pad": [[]] * wire.MAX_DEPTH}  # more brackets than the count's shortcut skips
        for head in (json.dumps(message).encode(), json.dumps(message, ensure_ascii=False).encode()):
            assert wire._depth(head) == _nesting(message)


def test_nesting_up_to_the_limit_is_read_and_deeper_is_refused():
    deep = {"x": 1}
    for _ in range(wire.MAX_DEPTH - 1):
        deep = [deep]
    assert _nesting(wire.decode(wire.encode(deep))) == wire.MAX_DEPTH
    with pytest.raises(wire.WireError, match="nested too deeply"):
        wire.decode(wire.encode([deep]))


def _framed(head: bytes) -> bytes:
    return len(head).to_bytes(8, "big") + head + (0).to_bytes(8, "big")


def test_a_reply_of_too_many_lists_and_objects_is_refused_before_it_is_parsed():
    """A 32 MB reply of `[[],[],...]` would decode to ~700 MB in the grader; a count of its brackets refuses it."""
    flat = b"[" + b"[]," * wire.MAX_CONTAINERS + b"{}]"
    with pytest.raises(wire.WireError, match="too many lists and objects"):
        wire.decode(_framed(flat))


def test_messages_up_to_the_container_limit_are_read(monkeypatch):
    monkeypatch.setattr(wire, "MAX_CONTAINERS", 100)
    assert wire.decode(wire.encode({"x": [[i] for i in range(98)]})) == {"x": [[i] for i in range(98)]}
    with pytest.raises(wire.WireError, match="too many lists and objects"):
        wire.decode(wire.encode({"x": [[i] for i in range(99)]}))


def test_numpy_scalars_are_sent_as_numbers_and_other_objects_are_refused():
    back = wire.decode(wire.encode({"f": np.float32(0.5), "i": np.int64(3), "b": np.bool_(True), "t": (1, 2)}))
    assert back == {"f": 0.5, "i": 3, "b": True, "t": [1, 2]} and type(back["i"]) is int and back["b"] is True
    with pytest.raises(TypeError):
        wire.encode({"x": object()})


def test_arrays_of_every_layout_round_trip():
    arrays = [np.zeros(()), np.arange(12.0).reshape(3, 4).T, np.arange(10)[::3], np.zeros((2, 0)), np.array(["ab", "c"]),
              np.array([True, False]), np.arange(4, dtype=">i4")]  # fmt: skip
    for array in arrays:
        back = wire.decode(wire.encode({"a": array}))["a"]
        assert back.dtype == array.dtype and back.shape == array.shape and back.flags.writeable
        np.testing.assert_array_equal(back, array)
