"""Known EarlyStopping mistakes, to name them in feedback (and by id in results.json).

Each is a small self-contained class: a correct implementation of SPEC A8 (`_Correct`) with one hook changed.
They are run only in the grader's process (see autograder/grading/diagnose.py), when a student's result is
already wrong, to say which mistake produces exactly the same observations.
"""

from __future__ import annotations

import math
from typing import Any

import torch


class _Correct:
    def __init__(
        self, patience: int = 5, min_delta: float = 0.0, mode: str = "min", restore_best_weights: bool = False
    ):
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
        if patience < 0:
            raise ValueError(f"patience must be >= 0, got {patience}")
        self.patience, self.min_delta, self.mode = patience, min_delta, mode
        self.restore_best_weights = restore_best_weights
        self.best: Any = math.inf if mode == "min" else -math.inf
        self.best_epoch = -1
        self.counter = 0
        self.should_stop = False
        self._epoch = 0
        self._saved: Any = None

    def _first(self) -> bool:
        return self.best_epoch < 0

    def _improves(self, metric: float) -> bool:
        if math.isnan(metric):
            return False
        if self._first():
            return True
        if self.mode == "min":
            return metric < self.best - self.min_delta
        return metric > self.best + self.min_delta

    def _stop(self) -> bool:
        return self.counter >= self.patience

    def _on_improvement(self, metric: float) -> None:
        self.best, self.best_epoch, self.counter = metric, self._epoch, 0

    def step(self, metric: Any, model: torch.nn.Module | None = None) -> bool:
        metric = float(metric)
        if self._improves(metric):
            self._on_improvement(metric)
            self.should_stop = False
        else:
            self.counter += 1
            self.should_stop = self._stop()
        self._after(metric)
        self._epoch += 1
        return self.should_stop

    def _after(self, metric: float) -> None:
        pass

    def restore(self, model: torch.nn.Module) -> None:
        model.load_state_dict(self._saved)


class OffByOne(_Correct):
    def _stop(self) -> bool:
        return self.counter > self.patience


class CounterNotReset(_Correct):
    def _on_improvement(self, metric: float) -> None:
        self.best, self.best_epoch = metric, self._epoch


class ComparesWithPrevious(_Correct):
    def _after(self, metric: float) -> None:
        if not math.isnan(metric):
            self.best = metric


class MinDeltaSignFlipped(_Correct):
    def _improves(self, metric: float) -> bool:
        if math.isnan(metric):
            return False
        if self._first():
            return True
        if self.mode == "min":
            return metric < self.best + self.min_delta
        return metric > self.best - self.min_delta


class AbsoluteChange(_Correct):
    def _improves(self, metric: float) -> bool:
        if math.isnan(metric):
            return False
        return self._first() or abs(metric - self.best) > self.min_delta


class TiesImprove(_Correct):
    def _improves(self, metric: float) -> bool:
        if math.isnan(metric):
            return False
        if self._first():
            return True
        if self.mode == "min":
            return metric <= self.best - self.min_delta
        return metric >= self.best + self.min_delta


class ModeIgnored(_Correct):
    def __init__(
        self, patience: int = 5, min_delta: float = 0.0, mode: str = "min", restore_best_weights: bool = False
    ):
        super().__init__(patience, min_delta, mode, restore_best_weights)
        self.mode = "min"
        self.best = math.inf


class InitialBestZero(_Correct):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.best = 0.0

    def _first(self) -> bool:
        return False


class InitialBestPlusInfinity(_Correct):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.best = math.inf

    def _first(self) -> bool:
        return False


class BestEpochOneBased(_Correct):
    def _on_improvement(self, metric: float) -> None:
        super()._on_improvement(metric)
        self.best_epoch = self._epoch + 1

    def _first(self) -> bool:
        return self.best_epoch < 1


class NanImproves(_Correct):
    def _improves(self, metric: float) -> bool:
        return math.isnan(metric) or super()._improves(metric)


class NanFirstPoisons(_Correct):
    def _improves(self, metric: float) -> bool:
        return self._first() or super()._improves(metric)


class NanSkipped(_Correct):
    def step(self, metric: Any, model: torch.nn.Module | None = None) -> bool:
        if math.isnan(float(metric)):
            return self.should_stop
        return super().step(metric, model)


class StickyStop(_Correct):
    def step(self, metric: Any, model: torch.nn.Module | None = None) -> bool:
        stopped = self.should_stop
        self.should_stop = super().step(metric, model) or stopped
        return self.should_stop


class ShouldStopNotSet(_Correct):
    def step(self, metric: Any, model: torch.nn.Module | None = None) -> bool:
        stop = super().step(metric, model)
        self.should_stop = False
        return stop


class RejectsPatienceZero(_Correct):
    def __init__(self, patience: int = 5, *args: Any, **kwargs: Any):
        if patience < 1:
            raise ValueError("patience must be >= 1")
        super().__init__(patience, *args, **kwargs)


class AcceptsAnyMode(_Correct):
    def __init__(
        self, patience: int = 5, min_delta: float = 0.0, mode: str = "min", restore_best_weights: bool = False
    ):
        super().__init__(patience, min_delta, mode if mode in ("min", "max") else "min", restore_best_weights)


class AcceptsNegativePatience(_Correct):
    def __init__(
        self, patience: int = 5, min_delta: float = 0.0, mode: str = "min", restore_best_weights: bool = False
    ):
        super().__init__(max(patience, 0), min_delta, mode, restore_best_weights)


# mistake id -> (the sentence that completes "Your results match an EarlyStopping that ...", the class that makes it)
MISTAKES: dict[str, tuple[str, type]] = {
    "early_stopping.off_by_one": (
        "stops when counter > patience instead of counter >= patience, one epoch too late",
        OffByOne,
    ),
    "early_stopping.counter_not_reset": (
        "does not reset counter to 0 when the metric improves, so it counts all bad epochs",
        CounterNotReset,
    ),
    "early_stopping.compares_with_previous": (
        "compares each metric with the previous epoch's metric instead of the best so far",
        ComparesWithPrevious,
    ),
    "early_stopping.min_delta_sign_flipped": (
        "applies min_delta with the wrong sign (metric < best + min_delta), so a small worsening counts as an "
        "improvement",
        MinDeltaSignFlipped,
    ),
    "early_stopping.absolute_change": (
        "counts any change larger than min_delta, up or down, as an improvement",
        AbsoluteChange,
    ),
    "early_stopping.ties_improve": (
        "counts a tie with the best value as an improvement (<= instead of <)",
        TiesImprove,
    ),
    "early_stopping.mode_ignored": (
        "ignores mode and always treats lower as better",
        ModeIgnored,
    ),
    "early_stopping.initial_best_zero": (
        "starts best at 0 and compares the first metric with it, instead of letting the first call always "
        "improve",
        InitialBestZero,
    ),
    "early_stopping.initial_best_plus_infinity": (
        "starts best at +infinity in both modes, so nothing improves in mode 'max'",
        InitialBestPlusInfinity,
    ),
    "early_stopping.best_epoch_one_based": (
        "counts best_epoch from 1 instead of 0",
        BestEpochOneBased,
    ),
    "early_stopping.nan_improves": (
        "lets a NaN metric count as an improvement (NaN comparisons are always False, so a test written as "
        "`not metric >= best` is True for NaN)",
        NanImproves,
    ),
    "early_stopping.nan_first_poisons": (
        "lets a NaN first metric become best, after which nothing can improve on it",
        NanFirstPoisons,
    ),
    "early_stopping.nan_skipped": (
        "skips NaN epochs entirely instead of counting them as epochs without improvement",
        NanSkipped,
    ),
    "early_stopping.sticky_stop": (
        "keeps returning True once it has stopped, even after an improvement",
        StickyStop,
    ),
    "early_stopping.should_stop_not_set": (
        "never updates should_stop",
        ShouldStopNotSet,
    ),
    "early_stopping.rejects_patience_zero": (
        "rejects patience=0, which SPEC allows",
        RejectsPatienceZero,
    ),
    "early_stopping.accepts_any_mode": (
        "accepts any mode instead of raising ValueError",
        AcceptsAnyMode,
    ),
    "early_stopping.accepts_negative_patience": (
        "accepts a negative patience instead of raising ValueError",
        AcceptsNegativePatience,
    ),
}
