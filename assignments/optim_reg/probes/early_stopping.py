"""The probes of [early_stopping]: EarlyStopping driven with scripted metric sequences, and restore() after
training in place.

The metric sequences, the models' weights at every epoch and every comparison are the grader's; the worker only
runs the student's EarlyStopping on them and reports what it returned and which attributes it holds.
"""

from typing import Any

import numpy as np
import torch

from autograder.probes import probe
from autograder.probes.observed import StudentError
from autograder.probes.proxy import Op, Request, Target, kept, tensor

# Observed values that are not plain numbers or booleans are sent as one of these strings (or "<description>").
MISSING = "<missing>"
ATTRIBUTES = ("should_stop", "counter", "best_epoch", "best")
_READ = {"should_stop": "as_flag", "counter": "as_number", "best_epoch": "as_number", "best": "as_number"}


def _attribute(op: Op, name: str) -> Any:
    """What reading one attribute gave: a flag or number, MISSING, or a description of what went wrong."""
    outcome = op.outcome
    if outcome.error is not None:
        return MISSING if outcome.raised_a("AttributeError") or outcome.error_type == "Skipped" else (
            f"<reading it raised {outcome.error_type}>")  # fmt: skip
    return getattr(op.value(), _READ[name])()


def _snapshot(request: Request, handle: str) -> dict[str, Op]:
    return {name: request.get(handle, name) for name in ATTRIBUTES}


def _missing_class(op: Op) -> None:
    if op.error_type == "MissingName":
        raise StudentError(op.error or "EarlyStopping is not defined")


@probe
def early_stopping_runs(target: Target, runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Drive EarlyStopping through scripted metric sequences, without a model.

    Each run is {"kwargs": {...constructor arguments...}, "metrics": [floats, None for NaN]} and, with "tensors":
    True, each metric is sent as a one-element float64 tensor that requires grad. Every metric of
    the sequence is fed, also after a step returned True. For each run the result records the constructor's
    error (or None), the attributes before the first call, and after every call the value step returned and
    the attributes should_stop, counter, best_epoch, best; a call that raised ends its run with "step_error".
    """
    request = Request()
    planned = []
    for i, run in enumerate(runs):
        create = request.call("EarlyStopping", keep=f"es{i}", chain=f"run {i}", **run["kwargs"])
        initial = _snapshot(request, f"es{i}")
        steps = []
        for metric in run["metrics"]:
            value = float("nan") if metric is None else float(metric)
            value = tensor(value, "float64", requires_grad=True) if run.get("tensors") else value
            steps.append((request.call_kept(f"es{i}", value, method="step", chain=f"run {i}"), _snapshot(request, f"es{i}")))
        planned.append((create, initial, steps))
    target.run(request)
    results = []
    for create, initial, steps in planned:
        _missing_class(create)
        record: dict[str, Any] = {"init_error": None, "initial": None, "steps": [], "step_error": None}
        results.append(record)
        if create.error is not None:
            record["init_error"] = create.outcome.raised
            continue
        record["initial"] = {name: _attribute(op, name) for name, op in initial.items()}
        for epoch, (step, after) in enumerate(steps):
            if step.error is not None:
                record["step_error"] = {"epoch": epoch, "error": step.outcome.raised}
                break
            record["steps"].append({"returned": step.value().as_flag(), **{n: _attribute(op, n) for n, op in after.items()}})
    return {"runs": results}


def _layers(batchnorm: bool) -> list[list[Any]]:
    if batchnorm:
        return [["Linear", 3, 4], ["BatchNorm1d", 4], ["ReLU"], ["Linear", 4, 2]]
    return [["Linear", 3, 4], ["ReLU"], ["Linear", 4, 2]]


def _template(layers: list[list[Any]]) -> dict[str, torch.Tensor]:
    """The names, shapes and dtypes of the model's state_dict (built on the meta device: nothing is drawn)."""
    modules = [getattr(torch.nn, name)(*sizes, device="meta") if sizes else getattr(torch.nn, name)()
               for name, *sizes in layers]  # fmt: skip
    return torch.nn.Sequential(*modules).state_dict()


def _state_at(template: dict[str, torch.Tensor], epoch: int, seed: int) -> dict[str, np.ndarray]:
    """Values for every parameter and buffer that encode the epoch, as an optimizer step would leave them."""
    generator = torch.Generator().manual_seed(seed * 1000 + epoch)
    state = {}
    for name, tensor in template.items():
        if tensor.dtype.is_floating_point:
            noise = torch.rand(tensor.shape, generator=generator, dtype=torch.float64).to(tensor.dtype)
            state[name] = (noise + (10.0 * epoch + (1.0 if name.endswith("running_var") else 0.0))).numpy()
        else:
            state[name] = np.full(tuple(tensor.shape), 100 + epoch, dtype=np.int64)
    return state


def _which_epoch(state: dict[str, np.ndarray], history: list[dict[str, np.ndarray]]) -> dict[str, int]:
    """For each entry, the epoch whose values it holds exactly (-1 for none)."""
    found = {}
    for name, values in state.items():
        found[name] = next(
            (e for e, old in enumerate(history) if name in old and old[name].shape == values.shape
             and np.array_equal(old[name].astype(np.float64), values.astype(np.float64))),
            -1,
        )  # fmt: skip
    return found


@probe
def early_stopping_restore(target: Target, scenarios: list[dict[str, Any]]) -> dict[str, Any]:
    """Train-like runs with restore_best_weights=True on a small model whose weights encode the epoch.

    Each scenario is {"kwargs", "metrics", "batchnorm": bool, "seed": int} and optionally "without_model" (the
    epochs whose step() gets no model). Before each step the model's parameters and buffers are overwritten in
    place with values that encode the epoch; the run ends at the first step returning True (as fit does). Then
    restore(model) is called, the model is overwritten in place once more (more training), and restore(model) is
    called again. The result says, for every state_dict entry after each restore, which epoch's values it holds
    (-1: none), plus the states themselves. With "nothing_saved": True, restore(model) is called once and the
    result says whether it raised ("restore_raised") and which epoch the model holds after it.
    """
    return {"scenarios": [_restore_scenario(target, scenario) for scenario in scenarios]}


def _restore_scenario(target: Target, scenario: dict[str, Any]) -> dict[str, Any]:
    seed = int(scenario["seed"])
    layers = _layers(scenario["batchnorm"])
    template = _template(layers)
    record: dict[str, Any] = {"error": None, "stop_epoch": None, "best_epoch": None, "epochs_run": 0}
    history: list[dict[str, np.ndarray]] = []
    request = Request()
    request.model("model", layers, seed=seed)
    chain = "scenario"  # every op of a request is one input: its data is the scenario's own
    create = request.call("EarlyStopping", keep="es", seed=seed, chain=chain, **scenario["kwargs"])
    stage = "EarlyStopping(...)"
    for epoch, metric in enumerate(scenario["metrics"]):
        history.append(_state_at(template, epoch, seed))
        request.set_state("model", history[-1], chain=chain)
        model = [] if epoch in scenario.get("without_model", ()) else [kept("model")]
        step = request.call_kept("es", float(metric), *model, method="step", chain=chain)
        target.run(request)
        _missing_class(create)
        for op, doing in ((create, stage), (step, f"step() at epoch {epoch}")):
            if op.error is not None:
                return {**record, "error": f"{doing} raised {op.outcome.raised}"}
        record["epochs_run"] = epoch + 1
        request = Request(after=request)
        if step.value().as_flag() is True:
            record["stop_epoch"] = epoch
            break
    best = request.get("es", "best_epoch")
    if scenario.get("nothing_saved"):  # restore must raise: in a chain of its own, so the state is still read
        first_restore = request.call_kept("es", kept("model"), method="restore", chain="restore that must raise")
        first = request.state("model", chain=chain)
        target.run(request)
        state = {name: array.astype(np.float64) for name, array in first.state().items()}
        return {**record, "restore_raised": first_restore.error is not None,
                "first_restore": _which_epoch(state, history)}  # fmt: skip
    first_restore = request.call_kept("es", kept("model"), method="restore", chain=chain)
    first = request.state("model", chain=chain)
    history.append(_state_at(template, len(history), seed))
    request.set_state("model", history[-1], chain=chain)
    second_restore = request.call_kept("es", kept("model"), method="restore", chain=chain)
    second = request.state("model", chain=chain)
    target.run(request)
    record["best_epoch"] = _attribute(best, "best_epoch")
    for op, doing in ((first_restore, "restore(model)"),
                      (second_restore, "restore(model) called a second time, after more training")):  # fmt: skip
        if op.error is not None:
            return {**record, "error": f"{doing} raised {op.outcome.raised}"}
    first_state = {name: array.astype(np.float64) for name, array in first.state().items()}
    second_state = {name: array.astype(np.float64) for name, array in second.state().items()}
    return {
        **record,
        "first_restore": _which_epoch(first_state, history),
        "second_restore": _which_epoch(second_state, history),
        "first_state": first_state,
        "second_state": second_state,
    }
