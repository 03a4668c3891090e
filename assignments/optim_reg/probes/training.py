"""The probe of [training]: the grader trains a small network on scikit-learn's digits, asking the submission only for
what its components return on inputs the grader chose.

The grader holds the data, the network, the loss, forward and backward, every accuracy and the decision. It asks
the submission for: he_normal's weights (seeded); its Dropout's outputs on each epoch's input batches (dropout sits
on the input layer, so what it returns never depends on the weights, and one request carries a whole epoch);
adam_update on all parameters at once (one flat tensor per step, the student's own returned m and v sent back);
and EarlyStopping's decision after each epoch, fed the validation loss the grader computed (restore_best_weights
off: the grader restores its own copy of the weights at the epoch the student's best_epoch names).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from autograder.probes import probe
from autograder.probes.components import Components
from autograder.probes.digits import digits
from autograder.probes.observed import StudentError
from autograder.probes.proxy import Request, Target, tensor, tuple_of

INPUTS, CLASSES = 64, 10
# What to check when the losses stop being numbers: the components that can divide by zero or drop everything.
NOT_FINITE_ADVICE = "check adam_update (a division by zero or a missing eps) and Dropout (p == 0 or 1)"

_COMPONENTS = Components("training")  # every problem it reads names [training] and the component that failed
_failed, _returned, _tensor = _COMPONENTS.failed, _COMPONENTS.returned, _COMPONENTS.tensor


class _Network:
    """64 -> hidden -> 10 with ReLU; its parameters are one flat float32 vector, the tensor adam_update is given."""

    def __init__(self, w1: torch.Tensor, w2: torch.Tensor) -> None:
        hidden = w1.shape[0]
        self.shapes = [tuple(w1.shape), (hidden,), tuple(w2.shape), (CLASSES,)]
        self.flat = torch.cat([w1.reshape(-1), torch.zeros(hidden), w2.reshape(-1), torch.zeros(CLASSES)])

    def logits(self, flat: torch.Tensor, inputs: torch.Tensor) -> torch.Tensor:
        w1, b1, w2, b2 = (c.reshape(s) for c, s in zip(torch.split(flat, [math.prod(s) for s in self.shapes]), self.shapes))
        return F.linear(F.relu(F.linear(inputs, w1, b1)), w2, b2)

    def gradient(self, inputs: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        flat = self.flat.clone().requires_grad_(True)
        (grad,) = torch.autograd.grad(F.cross_entropy(self.logits(flat, inputs), labels), flat)
        return grad

    def evaluate(self, flat: torch.Tensor, inputs: torch.Tensor, labels: torch.Tensor) -> tuple[float, float]:
        with torch.no_grad():
            logits = self.logits(flat, inputs)
            return F.cross_entropy(logits, labels).item(), (logits.argmax(1) == labels).float().mean().item()


@probe
def training_run(
    target: Target, seed: int, hidden: int, p_drop: float, lr: float, epochs: int, patience: int, batch_size: int
) -> dict[str, Any]:
    """Train with the submission's he_normal, Dropout, adam_update and EarlyStopping; everything else is the grader's.

    Split (seeded): 1000 training, 400 validation, 397 test images. Returns the test and validation accuracy after
    restoring the weights of the student's best_epoch, the validation losses, the epochs run, whether the student's
    EarlyStopping stopped, its best_epoch, whether every loss stayed finite, and the number of steps.
    """
    X, y = digits()
    perm = torch.randperm(len(X), generator=torch.Generator().manual_seed(seed))
    train, val, test = perm[:1000], perm[1000:1400], perm[1400:]
    order = torch.Generator().manual_seed(seed + 1)
    request = Request()
    network = _start(request, target, seed, hidden, p_drop, patience)
    m, v = torch.zeros_like(network.flat), torch.zeros_like(network.flat)
    history: list[torch.Tensor] = []
    val_losses: list[float] = []
    t, stopped, best_epoch = 0, False, None
    batches = _batches(train, batch_size, order)
    inputs, _ = _epoch(request, target, X, batches, p_drop, val_losses)
    for epoch in range(epochs):
        for batch, x in zip(batches, inputs):
            t += 1
            network.flat, m, v = _adam_step(request, target, network, network.gradient(x, y[batch]), m, v, t, lr)
        val_losses.append(network.evaluate(network.flat, X[val], y[val])[0])
        history.append(network.flat.clone())
        batches = _batches(train, batch_size, order) if epoch + 1 < epochs else []
        inputs, (stopped, best_epoch) = _epoch(request, target, X, batches, p_drop, val_losses)
        if stopped:
            break
    if isinstance(best_epoch, float) and best_epoch.is_integer():
        best_epoch = int(best_epoch)
    finite = all(math.isfinite(x) for x in val_losses)
    if not (isinstance(best_epoch, int) and 0 <= best_epoch < len(history)):
        if not finite:  # no epoch can be best when the losses are NaN: the cause lies upstream of EarlyStopping
            first = next(i for i, x in enumerate(val_losses) if not math.isfinite(x))
            raise StudentError(
                f"[training] could not pick a best epoch: the validation loss became NaN or infinite "
                f"({val_losses[first]}) after {first + 1} epoch{'s' if first else ''} of training, so the network's "
                f"weights stopped being numbers; {NOT_FINITE_ADVICE}"
            )
        raise _failed(
            "EarlyStopping", f"the grader read best_epoch after {len(history)} epochs",
            f"it was {best_epoch!r}, not the 0-based index of an epoch of the run (0 to {len(history) - 1}), so the "
            "weights of its best epoch cannot be restored",
        )  # fmt: skip
    _, val_acc = network.evaluate(history[best_epoch], X[val], y[val])
    test_loss, test_acc = network.evaluate(history[best_epoch], X[test], y[test])
    return {
        "test_acc": test_acc,
        "val_acc": val_acc,
        "test_loss": test_loss,
        "val_losses": np.array(val_losses, dtype=np.float64),
        "epochs_run": len(val_losses),
        "stopped": stopped,
        "best_epoch": best_epoch,
        "finite": finite,
        "steps": t,
    }


def _batches(train: torch.Tensor, size: int, generator: torch.Generator) -> list[torch.Tensor]:
    order = train[torch.randperm(len(train), generator=generator)]
    return [order[start : start + size] for start in range(0, len(order), size)]


def _start(request: Request, target: Target, seed: int, hidden: int, p_drop: float, patience: int) -> _Network:
    """The first request: he_normal's weights, and the Dropout and EarlyStopping kept for the whole run."""
    shapes = [(hidden, INPUTS), (CLASSES, hidden)]
    ops = [request.call("he_normal", tuple_of(*shape), seed=seed * 100 + i) for i, shape in enumerate(shapes)]
    dropout = request.call("Dropout", p_drop, keep="dropout", seed=seed + 2)
    stopper = request.call("EarlyStopping", keep="early_stopping", patience=patience, seed=seed + 3)
    target.run(request)
    weights = []
    for op, shape in zip(ops, shapes):
        doing = f"the grader called he_normal({shape}) for a linear layer's weight"
        weights.append(_tensor(_returned(op, "he_normal", doing), shape, "he_normal", doing, "the weight it returned"))
    _returned(dropout, "Dropout", f"the grader created Dropout({p_drop})")
    _returned(stopper, "EarlyStopping", f"the grader created EarlyStopping(patience={patience})")
    return _Network(*weights)


def _adam_step(
    request: Request, target: Target, network: _Network, grad: torch.Tensor, m: torch.Tensor, v: torch.Tensor,
    t: int, lr: float,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:  # fmt: skip
    step = Request(after=request).call("adam_update", *(tensor(a.numpy(), "float32") for a in (network.flat, grad, m, v)),
                                       t, lr=lr)  # fmt: skip
    target.run(step.request)
    doing = f"the grader called adam_update on all {network.flat.numel()} parameters at step t={t}"
    out = _returned(step, "adam_update", doing)
    if out.kind not in ("tuple", "list") or out.facts["length"] != 3:
        raise _failed("adam_update", doing, f"it returned {out.describe()}, expected a tuple (param, m, v)")
    shape = tuple(network.flat.shape)
    param, new_m, new_v = (_tensor(item, shape, "adam_update", doing, f"the {name} it returned")
                           for item, name in zip(out.items("what adam_update returned", 3), ("param", "m", "v")))  # fmt: skip
    return param, new_m, new_v


def _epoch(
    request: Request, target: Target, X: torch.Tensor, batches: list[torch.Tensor], p_drop: float,
    val_losses: list[float],
) -> tuple[list[torch.Tensor], tuple[bool, Any]]:  # fmt: skip
    """One request: EarlyStopping's step on the last validation loss (if any) and its best_epoch, and the student's
    Dropout on the next epoch's input batches, in training mode."""
    epoch = Request(after=request)
    step = best = None
    if val_losses:
        step = epoch.call_kept("early_stopping", val_losses[-1], method="step")
        best = epoch.get("early_stopping", "best_epoch")
    drops = [epoch.call_kept("dropout", tensor(X[b].numpy(), "float32")) for b in batches]
    target.run(epoch)
    decision: tuple[bool, Any] = (False, None)
    if step is not None and best is not None:
        doing = f"the grader called step(validation loss) after epoch {len(val_losses) - 1}"
        stopped = _returned(step, "EarlyStopping", doing).as_flag() is True
        decision = (stopped, _returned(best, "EarlyStopping", "the grader read best_epoch").as_number())
    inputs = []
    for batch, op in zip(batches, drops):
        shape = (len(batch), INPUTS)
        doing = f"a batch of shape {shape} went through Dropout({p_drop}) in training mode"
        inputs.append(_tensor(_returned(op, "Dropout", doing), shape, "Dropout", doing, "what it returned"))
    return inputs, decision
