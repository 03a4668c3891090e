"""The wire format: the only way data leaves a worker. Arrays round-trip; pickles and malformed bytes are refused."""

import io
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
