"""The worker's half of the call protocol: run student code on inputs the grader chose and report what came out.

The worker process belongs to the student: anything it sends back is, at best, the student's answer. So it
computes nothing the grader relies on. It knows no assignment and no probe; it only runs requests like

    {"ops": [{"op": "call", "target": {"name": "adam_update"}, "args": [{"tensor": <array>, "dtype": "float32"},
              ...], "kwargs": {"lr": 0.01}, "seed": 7, "keep": "opt"}, ...]}

and answers, op by op, with plain data: {"value": observation} | {"error": {...}} | {"skipped": reason}. The grader
chose every input (arrays become fresh tensors of the stated dtype; generators are seeded from numbers it sent);
the only things that cross back are the outputs of student code, as arrays plus their type, shape and dtype.

Ops:
- ``call``: call a top-level name of the notebook, a kept object, or a method of a kept object.
- ``get``: read an attribute of a kept object.
- ``model``: build a small torch model from a declarative list of layers (trusted code, run here so that student
  code can be handed a model); ``set_state`` overwrites its parameters and buffers in place with arrays the grader
  sent; ``state`` reads them back.
- ``generator``: keep a torch.Generator seeded by the grader, to hand the same one to several calls.

Arguments are JSON scalars or one of {"tensor", "dtype", "requires_grad"}, {"generator": seed}, {"tuple": [...]},
{"list": [...]}, {"iter": [...]} (a one-shot generator), {"dict": {...}}, {"handle": name} (a kept object),
{"params_of": handle} (``model.parameters()``), {"from": [op, *path], "dtype"?} (what an earlier op of the same
request returned, at a tuple/list path, as a fresh tensor when a dtype is given). An op may ask to seed torch's,
numpy's and Python's global generators first (``seed``), to be skipped once an earlier op of its ``chain`` failed,
to ``keep`` what it returned under a handle for later ops (and later requests of its scope), and to run autograd
``backward`` through
its result, reporting the gradient of every watched input.

Every call of student code runs under the assignment's forbidden-call recorder (autograder/worker/recorder.py);
what it saw is reported per op, with any sign that the instrumentation was tampered with.
"""

from __future__ import annotations

import contextlib
import math
import random
import sys
import traceback
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np
import torch

from autograder.worker import recorder

MAX_ITEMS = 64  # of a returned tuple/list that are described one by one
MAX_DEPTH = 4
MAX_TEXT = 300  # characters of any text that comes from student code (messages, reprs)
MAX_TYPE_NAME = 80

_DTYPES = {
    "float16": torch.float16, "bfloat16": torch.bfloat16, "float32": torch.float32, "float64": torch.float64,
    "int8": torch.int8, "int16": torch.int16, "int32": torch.int32, "int64": torch.int64, "uint8": torch.uint8,
    "bool": torch.bool,
}  # fmt: skip
_LAYERS: dict[str, Callable[..., torch.nn.Module]] = {
    "Linear": torch.nn.Linear,
    "BatchNorm1d": torch.nn.BatchNorm1d,
    "ReLU": torch.nn.ReLU,
    "Tanh": torch.nn.Tanh,
    "Flatten": torch.nn.Flatten,
}
_PACKAGE_DIR = __file__.rsplit("/worker/", 1)[0]


class RequestError(ValueError):
    """The grader sent a request this executor does not understand (a grader bug, never the student's)."""


class _Skip(Exception):
    """An op that must not run: an op it depends on failed."""


def run_request(
    namespace: Mapping[str, Any], request: Mapping[str, Any], store: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Run every op of a request in order; one op's failure never stops the others (only its chain and dependants).

    Objects kept under handles live in `store` for the later requests of the same ``scope`` (one probe run, e.g.
    a network trained over many requests); a request of another scope starts with none. Returns
    {"results": [...one per op...], "forbidden": [[op index, label], ...], "tampered": [sentences]}.
    """
    ops = request.get("ops") if isinstance(request, Mapping) else None
    if not isinstance(ops, list):
        raise RequestError("a request needs a list of ops")
    store = {} if store is None else store
    if store.get("scope") != request.get("scope") or "handles" not in store:
        store.clear()
        store.update(scope=request.get("scope"), handles={})
    run = _Run(namespace, store["handles"])
    for index, op in enumerate(ops):
        run.results.append(run.one(index, op))
    return {"results": run.results, "forbidden": run.forbidden, "tampered": recorder.tampering()}


class _Run:
    def __init__(self, namespace: Mapping[str, Any], handles: dict[str, Any]) -> None:
        self.namespace, self.handles = namespace, handles
        self.results: list[dict[str, Any]] = []
        self.raw: list[Any] = []  # what each op returned, as objects (for "from" arguments)
        self.ok: list[bool] = []
        self.failed_chains: set[str] = set()
        self.forbidden: list[list[Any]] = []

    def one(self, index: int, op: Mapping[str, Any]) -> dict[str, Any]:
        if not isinstance(op, Mapping):
            raise RequestError(f"op {index} is not an object")
        chain = op.get("chain")
        self.raw.append(None)
        self.ok.append(False)
        if chain is not None and chain in self.failed_chains:
            return {"skipped": "an earlier call of the same sequence failed"}
        kind = op.get("op", "call")
        handler = {"call": self._call, "get": self._get, "model": self._model, "set_state": self._set_state,
                   "state": self._state, "generator": self._generator}.get(kind)  # fmt: skip
        if handler is None:
            raise RequestError(f"unknown op {kind!r}")
        try:
            outcome = handler(index, op)
        except _Skip as exc:
            outcome = {"skipped": str(exc)}
        if "value" in outcome:
            self.ok[index] = True
        elif chain is not None:
            self.failed_chains.add(chain)
        return outcome

    # --- ops --------------------------------------------------------------------------------------------------

    def _call(self, index: int, op: Mapping[str, Any]) -> dict[str, Any]:
        watched: list[torch.Tensor] = []
        args = [self._arg(a, watched) for a in op.get("args", [])]
        kwargs = {str(k): self._arg(v, watched) for k, v in op.get("kwargs", {}).items()}
        if "seed" in op:
            _seed_everything(int(op["seed"]))
        with recorder.recording() as calls:
            try:
                target = self._target(op.get("target"))
                result = target(*args, **kwargs)
            except BaseException as exc:  # noqa: BLE001 - student code may raise anything, SystemExit included
                outcome: dict[str, Any] = {"error": describe_error(exc)}
            else:
                outcome = self._finish(index, op, result, watched)
        self.forbidden += [[index, label] for label in dict.fromkeys(calls)]
        return outcome

    def _finish(self, index: int, op: Mapping[str, Any], result: Any, watched: list[torch.Tensor]) -> dict[str, Any]:
        self.raw[index] = result
        if "keep" in op:
            self.handles[str(op["keep"])] = result
        outcome: dict[str, Any] = {"value": observe(result)}
        if "backward" in op:
            outcome["backward"], calls = _backward(result, op["backward"], watched)
            self.forbidden += [[index, label] for label in dict.fromkeys(calls)]
        return outcome

    def _get(self, index: int, op: Mapping[str, Any]) -> dict[str, Any]:
        obj = self._handle(op.get("handle"))
        with recorder.recording() as calls:
            try:
                value = getattr(obj, str(op["attr"]))
            except BaseException as exc:  # noqa: BLE001 - a student property may raise anything
                outcome: dict[str, Any] = {"error": describe_error(exc)}
            else:
                self.raw[index] = value
                outcome = {"value": observe(value)}
        self.forbidden += [[index, label] for label in dict.fromkeys(calls)]
        return outcome

    def _model(self, index: int, op: Mapping[str, Any]) -> dict[str, Any]:
        layers = []
        torch.random.default_generator.manual_seed(int(op.get("seed", 0)))
        for spec in op["layers"]:
            name, *sizes = spec
            if name not in _LAYERS:
                raise RequestError(f"unknown layer {name!r}")
            layers.append(_LAYERS[name](*(int(s) for s in sizes)))
        model = torch.nn.Sequential(*layers).to(_dtype(op.get("dtype", "float32")))
        self.handles[str(op["keep"])] = model
        self.raw[index] = model
        return {"value": observe(model)}

    def _generator(self, index: int, op: Mapping[str, Any]) -> dict[str, Any]:
        generator = torch.Generator().manual_seed(int(op["seed"]))
        self.handles[str(op["keep"])] = generator
        self.raw[index] = generator
        return {"value": observe(None)}

    def _set_state(self, index: int, op: Mapping[str, Any]) -> dict[str, Any]:
        model = self._handle(op.get("handle"))
        state = op["state"]
        try:
            with torch.no_grad():
                tensors = torch.nn.Module.state_dict(model, keep_vars=True)
                for name, values in state.items():
                    tensor = tensors[name]
                    tensor.copy_(torch.as_tensor(np.asarray(values), dtype=tensor.dtype).reshape(tensor.shape))
        except Exception as exc:  # noqa: BLE001 - student code may have changed the model under us
            return {"error": describe_error(exc)}
        return {"value": observe(None)}

    def _state(self, index: int, op: Mapping[str, Any]) -> dict[str, Any]:
        model = self._handle(op.get("handle"))
        try:
            state = torch.nn.Module.state_dict(model)
            arrays = {str(name): _plain_array(tensor) for name, tensor in state.items()}
        except Exception as exc:  # noqa: BLE001
            return {"error": describe_error(exc)}
        return {"value": {"kind": "state", "arrays": arrays}}

    # --- arguments and targets --------------------------------------------------------------------------------

    def _handle(self, name: Any) -> Any:
        if not isinstance(name, str):
            raise RequestError("a handle is named by a string")
        if name not in self.handles:
            raise _Skip(f"the object it needs ({name}) was never created")
        return self.handles[name]

    def _target(self, target: Any) -> Callable[..., Any]:
        if not isinstance(target, Mapping):
            raise RequestError("a call needs a target")
        if "name" in target:
            name = str(target["name"])
            try:
                obj = self.namespace[name]
            except KeyError:
                raise MissingName(name) from None
        else:
            obj = self._handle(target.get("handle"))
        if "method" in target:
            obj = getattr(obj, str(target["method"]))
        return obj

    def _arg(self, spec: Any, watched: list[torch.Tensor]) -> Any:
        if spec is None or isinstance(spec, (bool, int, float, str)):
            return spec
        if isinstance(spec, list):
            raise RequestError("lists are sent as {'list': [...]}")
        if not isinstance(spec, Mapping) or len(spec) == 0:
            raise RequestError(f"an argument the executor does not understand: {spec!r:.80}")
        if "tensor" in spec:
            tensor = torch.tensor(np.asarray(spec["tensor"]), dtype=_dtype(spec.get("dtype", "float32")))
            if spec.get("requires_grad"):
                tensor.requires_grad_(True)
                watched.append(tensor)
            return tensor
        if "generator" in spec:
            return torch.Generator().manual_seed(int(spec["generator"]))
        if "tuple" in spec:
            return tuple(self._arg(a, watched) for a in spec["tuple"])
        if "list" in spec:
            return [self._arg(a, watched) for a in spec["list"]]
        if "iter" in spec:
            return _one_shot([self._arg(a, watched) for a in spec["iter"]])
        if "dict" in spec:
            return {str(k): self._arg(v, watched) for k, v in spec["dict"].items()}
        if "handle" in spec:
            return self._handle(spec["handle"])
        if "params_of" in spec:
            params = list(torch.nn.Module.parameters(self._handle(spec["params_of"])))
            for p in params:
                p.grad = None
            watched.extend(params)
            return _one_shot(params)
        if "from" in spec:
            return self._earlier(spec)
        raise RequestError(f"an argument the executor does not understand: {sorted(spec)}")

    def _earlier(self, spec: Mapping[str, Any]) -> Any:
        index, *path = spec["from"]
        if not isinstance(index, int) or not 0 <= index < len(self.raw) - 1:
            raise RequestError("'from' must name an earlier op")
        if not self.ok[index]:
            raise _Skip("an earlier call it depends on did not return")
        value = self.raw[index]
        for step in path:
            if not isinstance(value, (tuple, list)) or not -len(value) <= int(step) < len(value):
                raise _Skip("an earlier call it depends on did not return the values it needs")
            value = (tuple.__getitem__ if isinstance(value, tuple) else list.__getitem__)(value, int(step))
        if "dtype" not in spec:
            return value
        try:
            array = _plain_array(value)
        except ValueError:
            raise _Skip("an earlier call it depends on returned something that is not numbers") from None
        return torch.tensor(array, dtype=_dtype(spec["dtype"]))


class MissingName(LookupError):
    """The notebook does not define a name the grader calls."""

    def __str__(self) -> str:
        return f"{self.args[0]} is not defined at the top level of your notebook"


def _one_shot(items: list[Any]) -> Iterator[Any]:
    yield from items


def _dtype(name: Any) -> torch.dtype:
    if name not in _DTYPES:
        raise RequestError(f"unknown dtype {name!r}")
    return _DTYPES[name]


def _seed_everything(seed: int) -> None:
    """Students may draw from any global generator; the grader fixes them all before the call."""
    torch.random.default_generator.manual_seed(seed)  # torch.manual_seed also seeds CUDA lazily, which is slow
    np.random.seed(seed % 2**32)
    random.seed(seed)


def _backward(result: Any, spec: Mapping[str, Any], watched: list[torch.Tensor]) -> tuple[dict[str, Any], list[str]]:
    """Run autograd from the call's result (or an item of it) and report the gradient of every watched input."""
    out = result
    for step in spec.get("output", []):
        if not isinstance(out, (tuple, list)) or not -len(out) <= int(step) < len(out):
            return {"problem": "missing"}, []
        out = (tuple.__getitem__ if isinstance(out, tuple) else list.__getitem__)(out, int(step))
    if not isinstance(out, torch.Tensor):
        return {"problem": "not a tensor"}, []
    with torch._C.DisableTorchFunctionSubclass():
        if not out.requires_grad:
            return {"problem": "no grad"}, []
        with recorder.recording() as calls:
            try:
                cotangent = spec.get("cotangent")
                total = out if cotangent is None else torch.Tensor.mul(out, torch.as_tensor(np.asarray(cotangent)))
                # sum() then backward(): passing a gradient tensor to backward imports sympy, 0.35 s per worker
                torch.Tensor.backward(torch.Tensor.sum(total))
            except BaseException as exc:  # noqa: BLE001 - a student's autograd Function may raise anything
                return {"problem": "raised", "error": describe_error(exc)}, calls
        return {"grads": [None if t.grad is None else _plain_array(t.grad) for t in watched]}, calls


# --- what crosses back -----------------------------------------------------------------------------------------


def observe(value: Any, depth: int = 0) -> dict[str, Any]:
    """Plain data about a value student code returned: its kind, type, and numbers as a fresh base-class ndarray.

    Never trusts the value's own methods: tensors are read with torch function overrides disabled, sequences
    through the base classes' slots. Anything that cannot be read is described, not raised.
    """
    try:
        return _observe(value, depth)
    except Exception as exc:  # noqa: BLE001 - e.g. a tensor subclass whose storage cannot be read
        return {"kind": "object", "type": type_name(value), "problem": f"it could not be read ({type(exc).__name__})"}


# str() of a numpy dtype runs Python code in numpy 2 (3-12 µs); a result's dtype is nearly always one of these
_NUMPY_NAMES = {np.dtype(code): str(np.dtype(code)) for code in np.typecodes["AllInteger"] + np.typecodes["AllFloat"] + "?"}


def _observe(value: Any, depth: int) -> dict[str, Any]:
    kind_type = type_name(value)
    cls = type(value)
    if issubclass(cls, torch.Tensor):
        with torch._C.DisableTorchFunctionSubclass():
            facts = {
                "kind": "tensor",
                "type": kind_type,
                "dtype": str(value.dtype),
                "shape": [int(n) for n in value.shape],
                "requires_grad": bool(value.requires_grad),
            }
        try:
            facts["value"] = _plain_array(value)
        except ValueError as exc:
            facts["problem"] = str(exc)
        return facts
    if issubclass(cls, np.ndarray):
        dtype = np.ndarray.dtype.__get__(value)  # the base slot: a subclass's own property never runs
        name = _NUMPY_NAMES.get(dtype) or str(dtype)
        facts = {"kind": "ndarray", "type": kind_type, "dtype": name, "shape": list(value.shape)}
        try:
            facts["value"] = _plain_array(value)
        except ValueError as exc:
            facts["problem"] = str(exc)
        return facts
    if issubclass(cls, np.generic):  # read through a plain array: a subclass's own methods never run
        value = np.array(value, copy=True).view(np.ndarray).reshape(()).item()
    elif issubclass(cls, int) and cls is not bool:
        value = int.__index__(value)
    elif issubclass(cls, float):
        value = float.__float__(value)
    if isinstance(value, bool):
        return {"kind": "bool", "type": kind_type, "value": value}
    if isinstance(value, int):
        return {"kind": "int", "type": kind_type, "value": value if abs(value) < 2**63 else _huge(value)}
    if isinstance(value, float):
        return {"kind": "float", "type": kind_type, "value": value}
    if value is None:
        return {"kind": "none", "type": "NoneType"}
    if issubclass(cls, str):
        return {"kind": "str", "type": kind_type, "value": str.__str__(value)[:MAX_TEXT]}
    if issubclass(cls, (tuple, list)):
        base = tuple if issubclass(cls, tuple) else list
        length = base.__len__(value)
        facts = {"kind": base.__name__, "type": kind_type, "length": length}
        if depth < MAX_DEPTH:
            facts["items"] = [observe(base.__getitem__(value, i), depth + 1) for i in range(min(length, MAX_ITEMS))]
        return facts
    if issubclass(cls, torch.nn.Module):
        training = object.__getattribute__(value, "__dict__").get("training", False)
        return {"kind": "module", "type": kind_type, "training": training is True}
    return {"kind": "object", "type": kind_type}


def _huge(number: int) -> float:
    """An int beyond what the grader compares exactly, as the float it is closest to (inf when out of range)."""
    try:
        return float(number)
    except OverflowError:
        return math.inf if number > 0 else -math.inf


def _plain_array(value: Any) -> np.ndarray:
    """A fresh base-class ndarray of real numbers or booleans; ValueError saying why a value is not one."""
    if isinstance(value, torch.Tensor):
        with torch._C.DisableTorchFunctionSubclass():
            data = torch.Tensor.detach(value).cpu()
            if data.is_complex() or data.dtype not in _DTYPES.values():
                raise ValueError(f"a tensor of dtype {data.dtype}, not real numbers")
            if data.dtype == torch.bfloat16:
                data = data.to(torch.float32)
            array = np.array(torch.Tensor.numpy(data.contiguous()), copy=True)
    elif isinstance(value, (np.ndarray, np.generic)):
        array = np.array(np.asarray(value).view(np.ndarray) if isinstance(value, np.ndarray) else value, copy=True)
    elif isinstance(value, (bool, int, float)):
        array = np.array(value)
    else:
        raise ValueError(f"a {type_name(value)}, not numbers")
    if array.dtype.kind not in "fiub":
        raise ValueError(f"an array of dtype {array.dtype}, not real numbers")
    return np.asarray(array).view(np.ndarray)


def type_name(value: Any) -> str:
    """The name of a value's type, capped (a class may be given a name of megabytes)."""
    name = type.__dict__["__name__"].__get__(type(value))
    return name if len(name) <= MAX_TYPE_NAME else name[:MAX_TYPE_NAME] + "..."


def describe_error(exc: BaseException) -> dict[str, str]:
    """An exception raised by student code as capped plain text: type, message, and where in the student's code."""
    error = {"type": type_name(exc), "message": "", "where": "", "bases": []}
    with contextlib.suppress(Exception):  # the classes it is an instance of, for "is it a ValueError?"
        error["bases"] = [type.__dict__["__name__"].__get__(c)[:MAX_TYPE_NAME] for c in type(exc).__mro__[1:8]]
    if isinstance(exc, MissingName):
        error["type"] = "MissingName"
    try:
        error["message"] = str(exc)[:MAX_TEXT]
    except BaseException:  # noqa: BLE001 - a student's exception may not even print
        error["message"] = "(its message could not be printed)"
    try:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if _is_student_frame(f.filename)]
        if frames:
            error["where"] = f"line {frames[-1].lineno} of {frames[-1].name}"[:MAX_TEXT]
    except Exception:  # noqa: BLE001, S110 - a location is a nicety
        pass
    return error


def _is_student_frame(filename: str) -> bool:
    return not filename.startswith((_PACKAGE_DIR, torch.__file__.rsplit("/", 1)[0], np.__file__.rsplit("/", 1)[0]))


recorder.protect(sys.modules[__name__])
