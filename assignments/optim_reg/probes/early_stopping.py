"""The probes of [early_stopping]: EarlyStopping driven with scripted metric sequences, and restore() after
training in place."""

import math
from typing import Any

import numpy as np
import torch

from autograder.probes import Namespace, probe
from autograder.probes.convert import ProbeError, to_array

# Observed values that are not plain numbers or booleans are sent as one of these strings (or "<TypeName>").
MISSING = "<missing>"


def _flag(value: Any) -> Any:
    """True/False for a bool-like value (bool, numpy bool, one-element bool tensor); otherwise a description."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (torch.Tensor, np.ndarray)):
        try:
            array = to_array(value, "the value")
        except ProbeError:
            return f"<{type(value).__name__}>"
        if array.size == 1 and array.dtype.kind == "b":
            return bool(array.reshape(()))
        return f"<{type(value).__name__} of shape {tuple(array.shape)} and dtype {array.dtype}>"
    if value is None:
        return "<None>"
    return f"<{type(value).__name__}: {str(value)[:40]}>"


def _number(value: Any) -> Any:
    """A float (or int) for a number-like value (int, float, numpy scalar, one-element tensor); else a description."""
    if value is None:
        return "<None>"
    if isinstance(value, (bool, np.bool_)):
        return f"<bool: {bool(value)}>"
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, (torch.Tensor, np.ndarray)):
        try:
            array = to_array(value, "the value")
        except ProbeError:
            return f"<{type(value).__name__}>"
        if array.size == 1 and array.dtype.kind in "fiu":
            scalar = array.reshape(()).item()
            return float(scalar) if array.dtype.kind == "f" else int(scalar)
        return f"<{type(value).__name__} of shape {tuple(array.shape)}>"
    return f"<{type(value).__name__}>"


def _attribute(obj: Any, name: str, read: Any) -> Any:
    try:
        value = getattr(obj, name)
    except AttributeError:
        return MISSING
    except Exception as exc:  # noqa: BLE001 - a student property may raise anything
        return f"<reading it raised {type(exc).__name__}>"
    return read(value)


def _error(exc: Exception) -> str:
    return f"{type(exc).__name__}: {str(exc)[:300]}"


def _snapshot(es: Any) -> dict[str, Any]:
    return {
        "should_stop": _attribute(es, "should_stop", _flag),
        "counter": _attribute(es, "counter", _number),
        "best_epoch": _attribute(es, "best_epoch", _number),
        "best": _attribute(es, "best", _number),
    }


@probe
def early_stopping_runs(ns: Namespace, runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Drive EarlyStopping through scripted metric sequences, without a model.

    Each run is {"kwargs": {...constructor arguments...}, "metrics": [floats, None for NaN]}. Every metric of
    the sequence is fed, also after a step returned True. For each run the result records the constructor's
    error (or None), the attributes before the first call, and after every call the value step returned and
    the attributes should_stop, counter, best_epoch, best; a call that raised ends its run with "step_error".
    """
    cls = ns["EarlyStopping"]
    results = []
    for run in runs:
        record: dict[str, Any] = {"init_error": None, "initial": None, "steps": [], "step_error": None}
        results.append(record)
        try:
            es = cls(**run["kwargs"])
        except Exception as exc:  # noqa: BLE001 - student code may raise anything
            record["init_error"] = _error(exc)
            continue
        record["initial"] = _snapshot(es)
        for epoch, metric in enumerate(run["metrics"]):
            value = math.nan if metric is None else float(metric)
            try:
                returned = es.step(value)
            except Exception as exc:  # noqa: BLE001
                record["step_error"] = {"epoch": epoch, "error": _error(exc)}
                break
            record["steps"].append({"returned": _flag(returned), **_snapshot(es)})
    return {"runs": results}


def _model(seed: int, batchnorm: bool) -> torch.nn.Module:
    torch.manual_seed(seed)
    if batchnorm:
        return torch.nn.Sequential(
            torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.ReLU(), torch.nn.Linear(4, 2)
        )
    return torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))


def _train_in_place(model: torch.nn.Module, epoch: int, seed: int) -> None:
    """Set every parameter and buffer to values that encode the epoch, in place, as an optimizer step does."""
    generator = torch.Generator().manual_seed(seed * 1000 + epoch)
    with torch.no_grad():
        for name, tensor in model.state_dict(keep_vars=True).items():
            if tensor.dtype.is_floating_point:
                noise = torch.rand(tensor.shape, generator=generator, dtype=torch.float64).to(tensor.dtype)
                tensor.copy_(noise + (10.0 * epoch + (1.0 if name.endswith("running_var") else 0.0)))
            else:
                tensor.fill_(100 + epoch)


def _state(model: torch.nn.Module) -> dict[str, np.ndarray]:
    return {name: to_array(tensor, name).astype(np.float64) for name, tensor in model.state_dict().items()}


def _which_epoch(state: dict[str, np.ndarray], history: list[dict[str, np.ndarray]]) -> dict[str, int]:
    """For each entry, the epoch whose values it holds exactly (-1 for none)."""
    found = {}
    for name, values in state.items():
        found[name] = next(
            (
                e
                for e, old in enumerate(history)
                if old[name].shape == values.shape and np.array_equal(old[name], values)
            ),
            -1,
        )
    return found


@probe
def early_stopping_restore(ns: Namespace, scenarios: list[dict[str, Any]]) -> dict[str, Any]:
    """Train-like runs with restore_best_weights=True on a small model whose weights encode the epoch.

    Each scenario is {"kwargs", "metrics", "batchnorm": bool, "seed": int}. Before each step the model's
    parameters and buffers are overwritten in place with values that encode the epoch; the run ends at the
    first step returning True (as fit does). Then restore(model) is called, the model is overwritten in place
    once more (more training), and restore(model) is called again. The result says, for every state_dict
    entry after each restore, which epoch's values it holds (-1: none), plus the states themselves.
    """
    cls = ns["EarlyStopping"]
    results = []
    for scenario in scenarios:
        seed = int(scenario["seed"])
        torch.manual_seed(seed)
        model = _model(seed, scenario["batchnorm"])
        record: dict[str, Any] = {"error": None, "stop_epoch": None, "best_epoch": None, "epochs_run": 0}
        results.append(record)
        history: list[dict[str, np.ndarray]] = []
        stage = "EarlyStopping(...)"
        try:
            es = cls(**scenario["kwargs"])
            for epoch, metric in enumerate(scenario["metrics"]):
                _train_in_place(model, epoch, seed)
                history.append(_state(model))
                stage = f"step() at epoch {epoch}"
                returned = es.step(float(metric), model)
                record["epochs_run"] = epoch + 1
                if _flag(returned) is True:
                    record["stop_epoch"] = epoch
                    break
            record["best_epoch"] = _attribute(es, "best_epoch", _number)
            stage = "restore(model)"
            es.restore(model)
            first = _state(model)
            last = len(history)
            _train_in_place(model, last, seed)
            history.append(_state(model))
            stage = "restore(model) called a second time, after more training"
            es.restore(model)
            second = _state(model)
        except Exception as exc:  # noqa: BLE001 - student code may raise anything
            record["error"] = f"{stage} raised {_error(exc)}"
            continue
        record["first_restore"] = _which_epoch(first, history)
        record["second_restore"] = _which_epoch(second, history)
        record["first_state"] = first
        record["second_state"] = second
    return {"scenarios": results}
