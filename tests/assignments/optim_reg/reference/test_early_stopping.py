"""Oracle tests for `EarlyStopping`: hand-derived stop/best epochs for scripted metric sequences.

Every expected stop epoch (0-based index of the first `step` that returns True, None if none does)
and best epoch below is written out by hand from the spec's rule. Each check is a plain function
taking the class; it must pass on the reference and raise AssertionError on the mutants listed
for it in MUTANT_CASES (real student mistakes).
"""

import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest
import torch

from solutions import optim_reg as ref
from tests.assignments.optim_reg.reference.checking import call_or_fail, expect_value_error

Stopper = type[ref.EarlyStopping]
NAN = float("nan")
KERAS_TRACE = [1.0, 0.9, 0.95, 0.96, 0.97, 0.98, 0.99]


def run(cls: Stopper, metrics: Sequence[Any], **kwargs: Any) -> tuple[int | None, Any]:
    """Feed metrics until the first `step` returning True; return (stop epoch or None, stopper)."""
    es = cls(**kwargs)
    for epoch, metric in enumerate(metrics):
        if es.step(metric):
            return epoch, es
    return None, es


def expect(cls: Stopper, metrics: Sequence[Any], stop: int | None, best_epoch: int, **kwargs: Any) -> Any:
    """Assert the stop epoch and best epoch of one scripted run; return the stopper."""
    got_stop, es = run(cls, metrics, **kwargs)
    where = f"metrics={list(metrics)}, {kwargs}"
    assert got_stop == stop, f"{where}: expected stop epoch {stop}, got {got_stop}"
    assert es.best_epoch == best_epoch, f"{where}: expected best_epoch {best_epoch}, got {es.best_epoch}"
    return es


# ---------------------------------------------------------------- checks


def check_monotone_improvement(cls: Stopper) -> None:
    """Every epoch improves: never stops, best is the last epoch."""
    es = expect(cls, [5.0, 4.0, 3.0, 2.0, 1.0], None, 4, patience=1)
    assert es.best == 1.0, f"monotone losses: expected best 1.0, got {es.best}"


def check_keras_trace(cls: Stopper) -> None:
    """Keras docs trace: patience 0, 1, 2, 3 stop at epochs 2, 2, 3, 4; best epoch 1."""
    for patience, stop in [(0, 2), (1, 2), (2, 3), (3, 4)]:
        es = expect(cls, KERAS_TRACE, stop, 1, patience=patience)
        assert es.best == 0.9, f"Keras trace, patience={patience}: expected best 0.9, got {es.best}"


def check_min_delta(cls: Stopper) -> None:
    """min_delta 0.05: .96 is not < .95, .93 is; then .90 and .89 are not < .88."""
    expect(cls, [1.0, 0.96, 0.93, 0.90, 0.89, 0.88], 4, 2, patience=2, min_delta=0.05)


def check_min_delta_max(cls: Stopper) -> None:
    """Mode max, min_delta 0.05: .53 is not > .55, .60 is; then .62 and .64 are not > .65."""
    expect(cls, [0.5, 0.53, 0.6, 0.62, 0.64], 4, 2, patience=2, min_delta=0.05, mode="max")


def check_counter_reset(cls: Stopper) -> None:
    """Improvements every other epoch reset the counter: patience 2 never stops."""
    expect(cls, [1.0, 1.1, 0.9, 1.0, 0.8, 0.9, 0.7, 0.8], None, 6, patience=2)


def check_compares_with_best(cls: Stopper) -> None:
    """.9, .8, .7 improve on the previous epoch but not on the best (.5): stop at 4."""
    expect(cls, [1.0, 0.5, 0.9, 0.8, 0.7, 0.6], 4, 1, patience=3)


def check_ties(cls: Stopper) -> None:
    """A tie with best is no improvement."""
    expect(cls, [1.0, 1.0, 1.0], 2, 0, patience=2)


def check_mode_max(cls: Stopper) -> None:
    """Accuracies rise then plateau (a tie, then a drop): stop at 5, best epoch 3."""
    es = expect(cls, [0.5, 0.6, 0.7, 0.8, 0.8, 0.79], 5, 3, patience=2, mode="max")
    assert es.best == 0.8, f"mode max: expected best 0.8, got {es.best}"


def check_nan_never_improves(cls: Stopper) -> None:
    """NaN epochs count as no improvement and leave best alone."""
    es = expect(cls, [1.0, NAN, NAN, NAN], 3, 0, patience=3)
    assert es.best == 1.0, f"[1.0, nan, nan, nan]: expected best 1.0, got {es.best}"


def check_nan_first(cls: Stopper) -> None:
    """A leading NaN is no improvement; the first non-NaN metric is."""
    es = expect(cls, [NAN, 2.0, 1.0], None, 2, patience=5)
    assert es.best == 1.0, f"[nan, 2.0, 1.0]: expected best 1.0, got {es.best}"
    assert es.counter == 0, f"[nan, 2.0, 1.0]: expected counter 0, got {es.counter}"


def check_should_stop_mirrors_return(cls: Stopper) -> None:
    """Returns and `should_stop` after each step, continuing past the stop; an improvement clears it."""
    metrics = [1.0, 1.1, 1.2, 0.5, 0.6]
    es = cls(patience=2)
    returns, flags = [], []
    for metric in metrics:
        returns.append(es.step(metric))
        flags.append(es.should_stop)
    expected = [False, False, True, False, False]
    assert returns == expected, f"{metrics}, patience=2: expected returns {expected}, got {returns}"
    assert flags == expected, f"{metrics}, patience=2: expected should_stop {expected}, got {flags}"


def check_counter_values(cls: Stopper) -> None:
    """`counter` after each step."""
    metrics = [1.0, 1.2, 1.1, 0.9, 0.95, 0.97]
    es = cls(patience=10)
    counters = []
    for metric in metrics:
        es.step(metric)
        counters.append(es.counter)
    expected = [0, 1, 2, 0, 1, 2]
    assert counters == expected, f"{metrics}, patience=10: expected counters {expected}, got {counters}"


def check_best_epoch_before_first_call(cls: Stopper) -> None:
    """best_epoch is -1 before the first call and 0 after an improving first call."""
    es = cls()
    assert es.best_epoch == -1, f"before any step: expected best_epoch -1, got {es.best_epoch}"
    es.step(1.0)
    assert es.best_epoch == 0, f"after step(1.0): expected best_epoch 0, got {es.best_epoch}"


def check_invalid_mode(cls: Stopper) -> None:
    """mode="auto" is rejected."""
    expect_value_error('EarlyStopping(mode="auto")', cls, mode="auto")


def check_negative_patience(cls: Stopper) -> None:
    """patience=-1 is rejected."""
    expect_value_error("EarlyStopping(patience=-1)", cls, patience=-1)


def check_tensor_metric(cls: Stopper) -> None:
    """0-dim tensors (requiring grad, as from a validation pass without no_grad) act like floats."""
    metrics = [torch.tensor(x, requires_grad=True) for x in KERAS_TRACE]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Converting a tensor with requires_grad=True", UserWarning)
        es = call_or_fail("Keras trace as 0-dim tensors requiring grad", expect, cls, metrics, 2, 1, patience=1)
    assert float(es.best) == pytest.approx(0.9), f"Keras trace as tensors: expected best 0.9, got {es.best}"


def _fill(model: torch.nn.Module, value: float) -> None:
    """Set every parameter and buffer to `value` in place, as an optimizer step would."""
    with torch.no_grad():
        for t in [*model.parameters(), *model.buffers()]:
            t.fill_(value)


def _wrong_entries(model: torch.nn.Module, value: float) -> list[str]:
    return [name for name, t in model.state_dict().items() if not torch.all(t == value)]


def check_restore_best_weights(cls: Stopper) -> None:
    """restore() brings back epoch-2 parameters and BN buffers, and still does after later training."""
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.Linear(4, 2))
    losses = [3.0, 2.0, 1.0, 1.5, 1.7, 1.9]
    es = cls(patience=3, restore_best_weights=True)
    stop = None
    for epoch, loss in enumerate(losses):
        _fill(model, epoch)
        if es.step(loss, model):
            stop = epoch
            break
    assert (stop, es.best_epoch) == (5, 2), (
        f"{losses}, patience=3: expected stop 5, best 2, got {stop}, {es.best_epoch}"
    )
    es.restore(model)
    wrong = _wrong_entries(model, 2)
    assert not wrong, f"after restore: entries not at their epoch-2 value 2: {wrong}"
    _fill(model, 7)
    es.restore(model)
    wrong = _wrong_entries(model, 2)
    assert not wrong, f"after filling the model with 7 and restoring again: entries not at 2: {wrong}"


# ---------------------------------------------------------------- mutants


class OffByOne(ref.EarlyStopping):
    """E4: stops when `counter > patience`."""

    def step(self, metric: Any, model: torch.nn.Module | None = None) -> bool:
        super().step(metric, model)
        self.should_stop = self.counter > self.patience
        return self.should_stop


class CounterNotReset(ref.EarlyStopping):
    """E5: an improvement does not reset the counter."""

    def step(self, metric: Any, model: torch.nn.Module | None = None) -> bool:
        counter = self.counter
        stop = super().step(metric, model)
        if self.counter == 0:
            self.counter = counter
        return stop


class ComparesWithPrevious(ref.EarlyStopping):
    """E6: compares with the previous epoch's metric instead of the best."""

    def step(self, metric: Any, model: torch.nn.Module | None = None) -> bool:
        stop = super().step(metric, model)
        self.best = float(metric)
        return stop


class MinDeltaSignFlipped(ref.EarlyStopping):
    """E7: `metric < best + min_delta` (and `metric > best - min_delta` in mode max)."""

    def _improves(self, metric: float) -> bool:
        if math.isnan(metric):
            return False
        if self.mode == "min":
            return metric < self.best + self.min_delta
        return metric > self.best - self.min_delta


class TiesImprove(ref.EarlyStopping):
    """E8: `<=` / `>=`, so a tie counts as an improvement."""

    def _improves(self, metric: float) -> bool:
        if math.isnan(metric):
            return False
        if self.mode == "min":
            return metric <= self.best - self.min_delta
        return metric >= self.best + self.min_delta


class ModeIgnored(ref.EarlyStopping):
    """E9: always minimizes."""

    def __init__(
        self, patience: int = 5, min_delta: float = 0.0, mode: str = "min", restore_best_weights: bool = False
    ):
        super().__init__(patience, min_delta, "min", restore_best_weights)


class InitialBestZero(ref.EarlyStopping):
    """E10: best starts at 0 and the first call is compared with it."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.best = 0.0

    def _improves(self, metric: float) -> bool:
        if self.mode == "min":
            return metric < self.best - self.min_delta
        return metric > self.best + self.min_delta


class BestEpochOneBased(ref.EarlyStopping):
    """E12: best_epoch counts epochs from 1."""

    def step(self, metric: Any, model: torch.nn.Module | None = None) -> bool:
        stop = super().step(metric, model)
        if self.counter == 0:
            self.best_epoch += 1
        return stop


class BestEpochStartsAtZero(ref.EarlyStopping):
    """best_epoch initialised to 0 instead of -1."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.best_epoch = 0


class NanImproves(ref.EarlyStopping):
    """`not metric >= best - min_delta`: NaN counts as an improvement."""

    def _improves(self, metric: float) -> bool:
        return math.isnan(metric) or super()._improves(metric)


class NanFirstPoisons(ref.EarlyStopping):
    """`best is None or metric < best`: a leading NaN becomes best and nothing beats it."""

    def _improves(self, metric: float) -> bool:
        return self.best_epoch < 0 or super()._improves(metric)


class NanSkipped(ref.EarlyStopping):
    """NaN epochs are skipped: no counter increase, no epoch index."""

    def step(self, metric: Any, model: torch.nn.Module | None = None) -> bool:
        if math.isnan(float(metric)):
            return self.should_stop
        return super().step(metric, model)


class StickyStop(ref.EarlyStopping):
    """Once stopped, always stopped, even after an improvement."""

    def step(self, metric: Any, model: torch.nn.Module | None = None) -> bool:
        stopped = self.should_stop
        self.should_stop = super().step(metric, model) or stopped
        return self.should_stop


class ShouldStopNotSet(ref.EarlyStopping):
    """Returns the right value but never stores it in `should_stop`."""

    def step(self, metric: Any, model: torch.nn.Module | None = None) -> bool:
        stop = super().step(metric, model)
        self.should_stop = False
        return stop


class AcceptsAnyMode(ref.EarlyStopping):
    """No validation of mode (an unknown mode silently minimizes)."""

    def __init__(
        self, patience: int = 5, min_delta: float = 0.0, mode: str = "min", restore_best_weights: bool = False
    ):
        super().__init__(patience, min_delta, mode if mode in ("min", "max") else "min", restore_best_weights)


class AcceptsNegativePatience(ref.EarlyStopping):
    """No validation of patience (a negative one acts as 0)."""

    def __init__(
        self, patience: int = 5, min_delta: float = 0.0, mode: str = "min", restore_best_weights: bool = False
    ):
        super().__init__(max(patience, 0), min_delta, mode, restore_best_weights)


class NumpyNanCheck(ref.EarlyStopping):
    """Tests NaN with `np.isnan(metric)`, which fails on a tensor that requires grad."""

    def step(self, metric: Any, model: torch.nn.Module | None = None) -> bool:
        return super().step(NAN if np.isnan(metric) else metric, model)


class _OwnSnapshot(ref.EarlyStopping):
    """Mutant base: takes its own snapshot with `_save` at each improvement; `restore` loads it."""

    def step(self, metric: Any, model: torch.nn.Module | None = None) -> bool:
        best_epoch = self.best_epoch
        stop = super().step(metric)
        if self.restore_best_weights and model is not None and self.best_epoch != best_epoch:
            self.saved = self._save(model)
        return stop

    def _save(self, model: torch.nn.Module) -> dict[str, torch.Tensor]:
        return {k: v.detach().clone() for k, v in model.state_dict().items()}

    def restore(self, model: torch.nn.Module) -> None:
        model.load_state_dict(self.saved)


class StateDictByReference(_OwnSnapshot):
    """E1: `self.saved = model.state_dict()`; its tensors share storage with the model."""

    def _save(self, model: torch.nn.Module) -> dict[str, torch.Tensor]:
        return model.state_dict()


class ParametersOnly(_OwnSnapshot):
    """E2: snapshot of parameters only, BN running stats are not saved."""

    def _save(self, model: torch.nn.Module) -> dict[str, torch.Tensor]:
        return {k: v.detach().clone() for k, v in model.named_parameters()}

    def restore(self, model: torch.nn.Module) -> None:
        model.load_state_dict(self.saved, strict=False)


class RestoreAliases(_OwnSnapshot):
    """Restores with `assign=True`: the model then trains the saved tensors themselves."""

    def restore(self, model: torch.nn.Module) -> None:
        model.load_state_dict(self.saved, assign=True)


CHECKS = [
    check_monotone_improvement,
    check_keras_trace,
    check_min_delta,
    check_min_delta_max,
    check_counter_reset,
    check_compares_with_best,
    check_ties,
    check_mode_max,
    check_nan_never_improves,
    check_nan_first,
    check_should_stop_mirrors_return,
    check_counter_values,
    check_best_epoch_before_first_call,
    check_invalid_mode,
    check_negative_patience,
    check_tensor_metric,
    check_restore_best_weights,
]

MUTANT_CASES = [
    (check_monotone_improvement, InitialBestZero),
    (check_monotone_improvement, BestEpochOneBased),
    (check_keras_trace, OffByOne),
    (check_keras_trace, InitialBestZero),
    (check_keras_trace, BestEpochOneBased),
    (check_min_delta, MinDeltaSignFlipped),
    (check_min_delta_max, MinDeltaSignFlipped),
    (check_min_delta_max, ModeIgnored),
    (check_counter_reset, CounterNotReset),
    (check_compares_with_best, ComparesWithPrevious),
    (check_ties, TiesImprove),
    (check_mode_max, ModeIgnored),
    (check_mode_max, TiesImprove),
    (check_nan_never_improves, NanImproves),
    (check_nan_never_improves, NanSkipped),
    (check_nan_first, NanFirstPoisons),
    (check_nan_first, NanSkipped),
    (check_should_stop_mirrors_return, StickyStop),
    (check_should_stop_mirrors_return, ShouldStopNotSet),
    (check_counter_values, CounterNotReset),
    (check_counter_values, ComparesWithPrevious),
    (check_best_epoch_before_first_call, BestEpochStartsAtZero),
    (check_invalid_mode, AcceptsAnyMode),
    (check_negative_patience, AcceptsNegativePatience),
    (check_tensor_metric, NumpyNanCheck),
    (check_restore_best_weights, StateDictByReference),
    (check_restore_best_weights, ParametersOnly),
    (check_restore_best_weights, RestoreAliases),
]


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_reference_passes(check: Callable[[Stopper], None]) -> None:
    check(ref.EarlyStopping)


@pytest.mark.parametrize(("check", "mutant"), MUTANT_CASES, ids=[f"{c.__name__}-{m.__name__}" for c, m in MUTANT_CASES])
def test_check_catches_mutant(check: Callable[[Stopper], None], mutant: Stopper) -> None:
    with pytest.raises(AssertionError):
        check(mutant)
