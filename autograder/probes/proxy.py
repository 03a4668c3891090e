"""The grader's half of the call protocol: requests of calls on an implementation, and their checked outcomes.

Probes run in the grader's process (never in a worker). They state what to call on which inputs in a `Request`, hand it to a
`Target`, and compute every statistic and judgement from the outcomes themselves. A target runs the request on
the reference or a known mistake in this process (`LocalTarget`: the worker's own executor on a plain namespace)
or on a submission in its worker (`RemoteTarget`); the reply passes through the same checks either way
(probes/observed.py), so reference and student are compared identically, and all a worker can ever say is what
the student's code returned on inputs the grader chose.

    request = Request()
    step = request.call("adam_update", tensor(p, "float32"), tensor(g, "float32"), tensor(m), tensor(v), 1)
    target.run(request)
    param, m, v = step.value().items("the tuple adam_update returned", 3)
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

import numpy as np

from autograder.probes.observed import Observation, OpOutcome, Reply, StudentError, read_reply
from autograder.worker import calls

_scopes = itertools.count()

_NUMPY_DTYPES = {"float64": np.float64, "float32": np.float32, "float16": np.float16, "int64": np.int64,
                 "int32": np.int32, "int16": np.int16, "int8": np.int8, "uint8": np.uint8, "bool": np.bool_}  # fmt: skip

# --- arguments ----------------------------------------------------------------------------------------------------


def tensor(values: Any, dtype: str = "float64", requires_grad: bool = False) -> dict[str, Any]:
    """A fresh tensor of the given dtype, made in the worker from these values (its gradient is watched if asked).

    The values are cast here, so what the grader sends is exactly what the student's code receives.
    """
    spec: dict[str, Any] = {"tensor": np.asarray(values, dtype=_NUMPY_DTYPES.get(dtype)), "dtype": dtype}
    if requires_grad:
        spec["requires_grad"] = True
    return spec


def generator(seed: int) -> dict[str, Any]:
    """A fresh torch.Generator seeded with `seed`."""
    return {"generator": int(seed)}


def kept(name: str) -> dict[str, Any]:
    """The object an earlier op of the same request kept under `name`."""
    return {"handle": name}


def params_of(name: str) -> dict[str, Any]:
    """``model.parameters()`` of a kept model: a generator, whose tensors' gradients are watched."""
    return {"params_of": name}


def tuple_of(*items: Any) -> dict[str, Any]:
    return {"tuple": list(items)}


def list_of(*items: Any) -> dict[str, Any]:
    return {"list": list(items)}


def one_shot(*items: Any) -> dict[str, Any]:
    """A generator over the items, which can be iterated once (as ``model.parameters()`` can)."""
    return {"iter": list(items)}


def output(op: Op, *path: int, dtype: str | None = None) -> dict[str, Any]:
    """What an earlier op of the same request returned (at a tuple/list path), as a fresh tensor if a dtype is given.

    The grader knows that value: it is the earlier op's reported output, cast to the dtype.
    """
    spec: dict[str, Any] = {"from": [op.index, *path]}
    if dtype is not None:
        spec["dtype"] = dtype
    return spec


# --- requests -----------------------------------------------------------------------------------------------------


class Op:
    """One op of a request; its outcome can be read once the request has run."""

    def __init__(self, request: Request, index: int) -> None:
        self.request, self.index = request, index

    @property
    def outcome(self) -> OpOutcome:
        if self.request.reply is None:
            raise RuntimeError("the request has not run yet")
        return self.request.reply.outcomes[self.index]

    @property
    def error(self) -> str | None:
        """The student's error as a sentence, if the op raised or was skipped."""
        return self.outcome.error

    @property
    def error_type(self) -> str:
        return self.outcome.error_type

    def value(self) -> Observation:
        """What the op returned; StudentError saying what went wrong if it did not return."""
        outcome = self.outcome
        if outcome.value is None:
            raise StudentError(outcome.error or "the call returned nothing the grader can read")
        return outcome.value

    def state(self) -> Mapping[str, np.ndarray]:
        """The arrays of a `state` op."""
        outcome = self.outcome
        if outcome.state is None:
            raise StudentError(outcome.error or "the model's state could not be read")
        return outcome.state

    def backward(self) -> Mapping[str, Any]:
        """What autograd gave: {"grads": [array or None per watched input]} or {"problem": ..., "error"?: ...}."""
        self.value()
        if self.outcome.backward is None:
            raise RuntimeError("the op did not ask for backward")
        return self.outcome.backward


class Request:
    """Ops to run on one implementation, in order, in one round trip; see autograder/worker/calls.py for meanings.

    Objects an op keeps under a handle are there for the later ops of the request and of every request made
    ``after`` it (the same scope): a probe that trains a network keeps the student's EarlyStopping across epochs.
    """

    def __init__(self, after: Request | None = None) -> None:
        self.ops: list[dict[str, Any]] = []
        self.reply: Reply | None = None
        self.scope = after.scope if after is not None else f"s{next(_scopes)}"

    def _add(self, op: dict[str, Any], chain: str | None = None, keep: str | None = None) -> Op:
        if chain is not None:
            op["chain"] = chain
        if keep is not None:
            op["keep"] = keep
        self.ops.append(op)
        return Op(self, len(self.ops) - 1)

    def call(
        self,
        name: str,
        *args: Any,
        seed: int | None = None,
        chain: str | None = None,
        keep: str | None = None,
        backward: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> Op:
        """Call the notebook's top-level `name` with these arguments."""
        return self._add(_call({"name": name}, args, kwargs, seed, backward), chain, keep)

    def call_kept(
        self,
        handle: str,
        *args: Any,
        method: str | None = None,
        seed: int | None = None,
        chain: str | None = None,
        keep: str | None = None,
        backward: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> Op:
        """Call a kept object, or one of its methods."""
        target: dict[str, Any] = {"handle": handle}
        if method is not None:
            target["method"] = method
        return self._add(_call(target, args, kwargs, seed, backward), chain, keep)

    def get(self, handle: str, attr: str, chain: str | None = None) -> Op:
        """Read an attribute of a kept object (a student property may run code)."""
        return self._add({"op": "get", "handle": handle, "attr": attr}, chain)

    def model(self, keep: str, layers: list[list[Any]], seed: int = 0, dtype: str = "float32") -> Op:
        """Build a torch model from layers such as ["Linear", 3, 4], ["ReLU"] (trusted code, seeded)."""
        return self._add({"op": "model", "layers": layers, "seed": seed, "dtype": dtype}, keep=keep)

    def generator(self, keep: str, seed: int) -> Op:
        """Keep a torch.Generator seeded with `seed`, to hand the same one to several calls (its state advances)."""
        return self._add({"op": "generator", "seed": int(seed)}, keep=keep)

    def set_state(self, handle: str, state: Mapping[str, np.ndarray], chain: str | None = None) -> Op:
        """Overwrite a kept model's parameters and buffers in place (as an optimizer step would)."""
        return self._add({"op": "set_state", "handle": handle, "state": dict(state)}, chain)

    def state(self, handle: str, chain: str | None = None) -> Op:
        """Read a kept model's state_dict back as arrays."""
        return self._add({"op": "state", "handle": handle}, chain)

    def message(self) -> dict[str, Any]:
        return {"ops": self.ops, "scope": self.scope}

    def receive(self, reply: Reply) -> None:
        self.reply = reply

    @property
    def forbidden(self) -> list[str]:
        """The forbidden entry points the recorder saw during the request's calls."""
        return [] if self.reply is None else [label for o in self.reply.outcomes for label in o.forbidden]

    @property
    def tampered(self) -> list[str]:
        return [] if self.reply is None else list(self.reply.tampered)

    def inputs(self) -> set[str]:
        """A digest of each input the request sends to student code: a chain of ops counts as one input."""
        groups: dict[str, list[dict[str, Any]]] = {}
        for number, op in enumerate(self.ops):
            if op.get("op", "call") in ("call", "set_state") or "chain" in op:
                groups.setdefault(op.get("chain", f"#{number}"), []).append({k: v for k, v in op.items() if k != "chain"})
        return {_digest(group) for group in groups.values()}


def _call(
    target: dict[str, Any], args: Iterable[Any], kwargs: Mapping[str, Any], seed: int | None, backward: Any
) -> dict[str, Any]:
    op: dict[str, Any] = {"op": "call", "target": target, "args": list(args), "kwargs": dict(kwargs)}
    if seed is not None:
        op["seed"] = int(seed)
    if backward is not None:
        op["backward"] = dict(backward)
    return op


def _digest(value: Any) -> str:
    """The same for equal inputs, whichever order their keys were given in: json's encoder walks the input (keys
    sorted) and asks `leaf` only about arrays, whose dtype, shape and bytes are digested where they stand."""
    digest = hashlib.sha256()

    def leaf(item: Any) -> Any:
        if isinstance(item, np.ndarray):
            digest.update(f"{item.dtype.str}{item.shape}".encode())
            digest.update(np.ascontiguousarray(item))
            return "<array>"
        if isinstance(item, Mapping):
            return {str(k): v for k, v in item.items()}
        return str(item)

    digest.update(json.dumps(value, sort_keys=True, default=leaf).encode())
    return digest.hexdigest()[:32]


# --- targets ------------------------------------------------------------------------------------------------------


class Target(Protocol):
    def run(self, request: Request) -> None:
        """Run the request and store its checked reply in it; StudentError when the request as a whole failed."""


class LocalTarget:
    """A namespace in this process (the reference, a known mistake, or notebook code the caller trusts).

    The worker's own executor runs the request and the reply passes the same checks as a worker's. It skips only
    the wire format's copies, which change nothing: the executor makes fresh tensors from the grader's arrays and
    replies with plain JSON types and fresh base-class arrays (tests/grading/test_call_protocol.py compares both).
    """

    def __init__(self, namespace: Mapping[str, Any]) -> None:
        self.namespace = namespace
        self.handles: dict[str, Any] = {}

    def run(self, request: Request) -> None:
        reply = calls.run_request(self.namespace, request.message(), self.handles)
        request.receive(read_reply(reply, len(request.ops)))


class Recorded:
    """A target that keeps, for the grader, what each request reported: forbidden calls, tampering and its inputs."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.forbidden: list[str] = []
        self.tampered: list[str] = []
        self.inputs: list[str] = []

    def run(self, request: Request) -> None:
        self.inputs.extend(sorted(request.inputs()))
        try:
            self.target.run(request)
        finally:
            self.forbidden.extend(request.forbidden)
            self.tampered.extend(request.tampered)
