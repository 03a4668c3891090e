"""The one layer every value from a worker passes through before grader code reads it.

A worker belongs to the student, so its replies may be malformed, incomplete, huge, of unexpected types or made
to crash whatever reads them (``best = 10**400``, a missing key, a string where a number belongs). Here a reply is
checked against the shape the executor (autograder/worker/calls.py) gives it; anything else becomes the
submission's failure, a StudentError with a sentence, never an exception of the grader's own. Grader code reads
student values only through `Observation`, whose accessors return plain Python numbers, bools and float64/bool
ndarrays, or raise StudentError saying what was returned instead. A real grader bug still raises what it raises.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autograder.student_text import clean, quote


class StudentError(Exception):
    """The submission's code failed during a probe (raised, timed out, crashed, or returned what cannot be read);
    str() is a sentence for the student."""


KINDS = {"tensor", "ndarray", "bool", "int", "float", "none", "str", "tuple", "list", "module", "object", "state"}
_VALUE_KINDS = frozenset(KINDS - {"state"})
_MAX_DEPTH = 6


class Malformed(StudentError):
    """A reply that is not in the shape the executor gives: the worker (the student's process) sent it."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            f"the worker running your notebook sent a reply the grader cannot read ({detail}); this counts as a "
            "failure of your submission (did your code change the grader's worker or its libraries?)"
        )


@dataclass(frozen=True)
class Observation:
    """What a call of student code returned, checked: kind, type name, and (for numbers) plain values."""

    kind: str
    type: str
    facts: Mapping[str, Any] = field(repr=False)

    # --- reading -----------------------------------------------------------------------------------------------

    @property
    def is_tensor(self) -> bool:
        return self.kind == "tensor"

    @property
    def dtype(self) -> str:
        return self.facts.get("dtype", "")

    @property
    def shape(self) -> tuple[int, ...] | None:
        shape = self.facts.get("shape")
        return None if shape is None else tuple(shape)

    @property
    def requires_grad(self) -> bool:
        return bool(self.facts.get("requires_grad", False))

    @property
    def training(self) -> bool:
        return bool(self.facts.get("training", False))

    def array(self, what: str, numbers: bool = False) -> np.ndarray:
        """The values of a returned tensor or ndarray (or number, if `numbers`), as a plain ndarray."""
        if self.kind in ("tensor", "ndarray") and "value" in self.facts:
            return self.facts["value"]
        if numbers and self.kind in ("bool", "int", "float"):
            return np.asarray(self.facts["value"], dtype=np.float64 if self.kind != "bool" else np.bool_)
        if self.kind in ("tensor", "ndarray"):
            raise StudentError(f"{what} is {self.describe()}, which cannot be read as numbers ({self.facts['problem']})")
        raise StudentError(f"{what} is {self.describe()}, expected a torch.Tensor")

    def items(self, what: str, count: int | None = None) -> list[Observation]:
        """The items of a returned tuple or list (exactly `count` of them when given)."""
        if self.kind not in ("tuple", "list"):
            raise StudentError(f"{what} is {self.describe()}, expected a tuple")
        length = self.facts["length"]
        if count is not None and length != count:
            raise StudentError(f"{what} has {length} values, expected {count}")
        items = self.facts.get("items", [])
        if len(items) < length:
            raise StudentError(f"{what} is {self.describe()}, longer or deeper than the grader reads")
        return list(items)

    def as_flag(self) -> bool | str:
        """True/False for a bool-like value (a bool, or a one-element bool tensor); otherwise a description."""
        if self.kind == "bool":
            return self.facts["value"]
        if self.kind in ("tensor", "ndarray") and "value" in self.facts:
            value = self.facts["value"]
            if value.size == 1 and value.dtype == np.bool_:
                return bool(value.reshape(()))
        return f"<{self.describe()}>"

    def as_number(self) -> int | float | str:
        """An int or float for a number-like value (a number, or a one-element tensor); otherwise a description."""
        if self.kind in ("int", "float"):
            return self.facts["value"]
        if self.kind in ("tensor", "ndarray") and "value" in self.facts:
            value = self.facts["value"]
            if value.size == 1 and value.dtype.kind in "fiu":
                scalar = value.reshape(()).item()
                return float(scalar) if value.dtype.kind == "f" else int(scalar)
        return f"<{self.describe()}>"

    def describe(self) -> str:
        """The value in a few words, with nothing the student chose beyond a capped, quoted type name."""
        name = self.type if self.type in _PLAIN_TYPES else quote(self.type, 60)
        if self.kind in ("tensor", "ndarray"):
            return f"a {name} of shape {self.shape} and dtype {clean(self.dtype, 40)}"
        if self.kind in ("tuple", "list"):
            return f"a {name} of {self.facts['length']} values"
        if self.kind == "none":
            return "None"
        if self.kind == "str":
            return f"the string {quote(self.facts['value'], 40)}"
        if self.kind in ("int", "float", "bool"):
            return f"the {name} {self.facts['value']!r}"
        return f"a {name}"


_PLAIN_TYPES = {"Tensor", "Parameter", "ndarray", "tuple", "list", "int", "float", "bool", "NoneType", "str"}


# --- checking a reply ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpOutcome:
    """One op's outcome: its observation, or the student's error (a sentence), and what the recorder saw."""

    value: Observation | None = None
    error: str | None = None  # the student's error as a sentence, when the op raised or was skipped
    error_type: str = ""
    error_bases: tuple[str, ...] = ()  # the classes the exception is an instance of, beyond its own
    error_message: str = ""  # the exception's own message, quoted
    forbidden: tuple[str, ...] = ()
    backward: Mapping[str, Any] | None = None
    state: Mapping[str, np.ndarray] | None = None

    @property
    def raised(self) -> str:
        """The error as 'ValueError: “message”' (type and message, no location: the same for any code)."""
        return f"{self.error_type}: {self.error_message}" if self.error_message else self.error_type

    def raised_a(self, name: str) -> bool:
        """Did the op raise an exception of class `name` (or of a subclass of it)?"""
        return self.error is not None and (self.error_type == name or name in self.error_bases)


@dataclass(frozen=True)
class Reply:
    outcomes: list[OpOutcome]
    tampered: tuple[str, ...]


def read_reply(reply: Any, count: int) -> Reply:
    """Check a whole reply to a request of `count` ops; Malformed if it is not what the executor sends."""
    if not _is_mapping(reply):
        raise Malformed("not an object")
    if "error" in reply:
        raise StudentError(_error_sentence(reply["error"]))
    results, forbidden, tampered = reply.get("results"), reply.get("forbidden"), reply.get("tampered")
    if not isinstance(results, list) or len(results) != count:
        raise Malformed(f"{count} results expected")
    if not isinstance(forbidden, list) or not isinstance(tampered, list):
        raise Malformed("the forbidden-call record is missing")
    seen: dict[int, list[str]] = {}
    for entry in forbidden:
        if not (isinstance(entry, list) and len(entry) == 2 and _is_int(entry[0]) and isinstance(entry[1], str)):
            raise Malformed("a forbidden-call record is not an [op, name] pair")
        if not 0 <= entry[0] < count:
            raise Malformed("a forbidden-call record names no op of the request")
        seen.setdefault(entry[0], []).append(clean(entry[1], 100))
    if not all(isinstance(t, str) for t in tampered):
        raise Malformed("the tampering record is not text")
    outcomes = [_op(result, tuple(seen.get(i, ()))) for i, result in enumerate(results)]
    return Reply(outcomes, tuple(clean(t, 200) for t in tampered[:20]))


def _op(result: Any, forbidden: tuple[str, ...]) -> OpOutcome:
    if not _is_mapping(result) or len({"value", "error", "skipped"} & result.keys()) != 1:
        raise Malformed("a result is neither a value, an error nor a skip")
    if "skipped" in result:
        return OpOutcome(error=f"not run: {clean(result['skipped'], 200)}", error_type="Skipped", forbidden=forbidden)
    if "error" in result:
        error = result["error"]
        if not _is_mapping(error):
            raise Malformed("an error is not an object")
        bases = error.get("bases", [])
        if not isinstance(bases, list):
            raise Malformed("an error's classes are not a list")
        message = error.get("message", "")
        return OpOutcome(error=_error_sentence(error), error_type=clean(error.get("type", ""), 80),
                         error_bases=tuple(clean(b, 80) for b in bases[:8]),
                         error_message=quote(message, 300) if clean(message) else "", forbidden=forbidden)  # fmt: skip
    value = result["value"]
    if _is_mapping(value) and value.get("kind") == "state":
        return OpOutcome(value=None, state=_state(value), forbidden=forbidden)
    backward = _backward(result["backward"]) if "backward" in result else None
    return OpOutcome(value=observation(value), forbidden=forbidden, backward=backward)


def _error_sentence(error: Any) -> str:
    """The student's exception as a sentence: 'your code raised ValueError (line 3 of f): “message”'."""
    if not _is_mapping(error):
        raise Malformed("an error is not an object")
    kind = clean(error.get("type", "an exception"), 80)
    message = error.get("message", "")
    if kind in ("MissingName", "Timeout", "Crashed", "ProbeError"):
        return clean(message, 400)
    where = clean(error.get("where", ""), 120)
    text = f"your code raised {kind}" + (f" ({where})" if where else "")
    return text + (f": {quote(message, 300)}" if clean(message) else "")


def observation(value: Any, depth: int = 0) -> Observation:
    """An executor observation, checked field by field (Malformed for anything the executor would not send)."""
    if not _is_mapping(value) or not _is_kind(kind := value.get("kind")) or depth > _MAX_DEPTH:
        raise Malformed("a value is not an observation")
    facts: dict[str, Any] = {}
    if kind in ("tensor", "ndarray"):
        facts["dtype"] = _text(value.get("dtype"))
        facts["shape"] = _shape(value.get("shape"))
        facts["requires_grad"] = bool(value.get("requires_grad", False) is True)
        if "value" in value:
            array = _numbers(value["value"])
            if tuple(array.shape) != facts["shape"]:
                raise Malformed("an array does not have the shape it claims")
            facts["value"] = array
        else:
            facts["problem"] = clean(value.get("problem", "no values"), 120)
    elif kind == "bool":
        facts["value"] = _strict(value.get("value"), bool)
    elif kind == "int":
        number = value.get("value")
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            raise Malformed("an int is not a number")
        facts["value"] = number if isinstance(number, float) or abs(number) < 2**63 else _huge(number)
    elif kind == "float":
        number = value.get("value")
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            raise Malformed("a float is not a number")
        facts["value"] = float(number) if not isinstance(number, int) or abs(number) < 2**63 else _huge(number)
    elif kind == "str":
        facts["value"] = _text(value.get("value"))
    elif kind in ("tuple", "list"):
        length = value.get("length")
        if not _is_int(length) or length < 0:
            raise Malformed("a sequence has no length")
        items = value.get("items", [])
        if not isinstance(items, list) or len(items) > length:
            raise Malformed("a sequence has more items than its length")
        facts["length"] = length
        facts["items"] = [observation(item, depth + 1) for item in items]
    elif kind == "module":
        facts["training"] = value.get("training") is True
    return Observation(kind, clean(value.get("type", kind), 80), facts)


def _backward(value: Any) -> Mapping[str, Any]:
    if not _is_mapping(value):
        raise Malformed("a backward result is not an object")
    if "grads" in value:
        grads = value["grads"]
        if not isinstance(grads, list):
            raise Malformed("gradients are not a list")
        return {"grads": [None if g is None else _numbers(g) for g in grads]}
    problem = value.get("problem")
    if problem not in ("missing", "not a tensor", "no grad", "raised"):
        raise Malformed("a backward result says nothing")
    found: dict[str, Any] = {"problem": problem}
    if problem == "raised":
        found["error"] = _error_sentence(value.get("error"))
    return found


def _state(value: Mapping[str, Any]) -> dict[str, np.ndarray]:
    arrays = value.get("arrays")
    if not _is_mapping(arrays):
        raise Malformed("a model state is not a mapping")
    return {clean(name, 100): _numbers(array) for name, array in arrays.items()}


def _numbers(value: Any) -> np.ndarray:
    if type(value) is not np.ndarray or value.dtype.kind not in "fiub" or value.dtype.fields is not None:
        raise Malformed("an array is not an array of numbers")
    return value


def _shape(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list) or len(value) > 32 or not all(_is_int(n) and 0 <= n < 2**40 for n in value):
        raise Malformed("a shape is not a list of sizes")
    return tuple(value)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise Malformed("a text field is not text")
    return clean(value, 300)


def _strict(value: Any, kind: type) -> Any:
    if type(value) is not kind:
        raise Malformed(f"a {kind.__name__} is not a {kind.__name__}")
    return value


def _is_mapping(value: Any) -> bool:
    """isinstance(value, Mapping), without the ABC's Python-level check for the dicts replies are made of."""
    return type(value) is dict or isinstance(value, Mapping)


def _is_kind(kind: Any) -> bool:
    """Is this an observation's kind? (False, not TypeError, for an unhashable one such as a list.)"""
    try:
        return kind in _VALUE_KINDS
    except TypeError:
        return False


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _huge(number: int) -> float:
    try:
        return float(number)
    except OverflowError:
        return math.inf if number > 0 else -math.inf
