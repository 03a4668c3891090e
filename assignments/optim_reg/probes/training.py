"""The probe of [training]: a network trained on the digits with the implementation's init, Dropout, Adam and
EarlyStopping."""

import functools
import importlib.util
import math
import os
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from assignments.optim_reg.probes.early_stopping import _flag, _number
from autograder.conventions import student_location
from autograder.probes import Namespace, probe
from autograder.probes.convert import ProbeError


@functools.cache
def _digits() -> tuple[torch.Tensor, torch.Tensor]:
    """scikit-learn's bundled digits (X scaled to [0, 1], y), the same array sklearn.datasets.load_digits returns.

    Read from the CSV file shipped inside scikit-learn: importing sklearn.datasets costs about a second (SciPy),
    more than the whole training run.
    """
    spec = importlib.util.find_spec("sklearn")
    path = os.path.join(spec.submodule_search_locations[0], "datasets", "data", "digits.csv.gz") if spec else ""
    if os.path.exists(path):
        data = np.loadtxt(path, delimiter=",")
        pixels, target = data[:, :-1], data[:, -1].astype(np.int64)
    else:  # pragma: no cover - another scikit-learn layout
        from sklearn.datasets import load_digits

        digits = load_digits()
        pixels, target = digits.data, digits.target
    return torch.tensor(pixels / 16.0, dtype=torch.float32), torch.tensor(target, dtype=torch.int64)


def _failed(component: str, doing: str, exc: Exception) -> ProbeError:
    where = student_location(exc)
    return ProbeError(
        f"[training] could not run because your {component} failed: it raised {type(exc).__name__}{where} "
        f"when {doing}: {str(exc)[:300]}"
    )


def _tensor_like(value: Any, shape: tuple[int, ...], component: str, doing: str) -> torch.Tensor:
    """value as a float32 tensor of the given shape, or ProbeError naming the component."""
    if not isinstance(value, torch.Tensor):
        raise ProbeError(
            f"[training] could not run because your {component} returned a {type(value).__name__} "
            f"when {doing}; expected a torch.Tensor"
        )
    if tuple(value.shape) != shape:
        raise ProbeError(
            f"[training] could not run because your {component} returned a tensor of shape {tuple(value.shape)} "
            f"when {doing}; expected shape {shape}"
        )
    if not (value.dtype.is_floating_point or value.dtype == torch.bool):
        raise ProbeError(
            f"[training] could not run because your {component} returned a tensor of dtype {value.dtype} "
            f"when {doing}; expected floating point numbers"
        )
    return value


class _GuardedDropout(torch.nn.Module):
    """The student's Dropout module, with errors and wrong outputs reported as the Dropout's fault."""

    def __init__(self, cls: Any, p: float) -> None:
        super().__init__()
        try:
            self.inner = cls(p)
        except Exception as exc:
            raise _failed("Dropout", f"the grader created Dropout({p})", exc) from exc
        if not isinstance(self.inner, torch.nn.Module):
            raise ProbeError(f"[training] could not run because your Dropout({p}) is not a torch.nn.Module")
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mode = "training" if self.training else "eval"
        doing = f"a batch of shape {tuple(x.shape)} went through Dropout({self.p}) in {mode} mode"
        try:
            out = self.inner(x)
        except Exception as exc:
            raise _failed("Dropout", doing, exc) from exc
        return _tensor_like(out, tuple(x.shape), "Dropout", doing)


def _init_weight(he: Any, shape: tuple[int, int], component: str) -> torch.Tensor:
    doing = f"the grader called {component}({shape}) for a linear layer's weight"
    try:
        weight = he(shape)
    except Exception as exc:
        raise _failed(component, doing, exc) from exc
    weight = _tensor_like(weight, shape, component, doing)
    return torch.Tensor.detach(weight).to(torch.float32).clone()


def _adam_step(adam: Any, params: list[torch.nn.Parameter], state: list[list[torch.Tensor]], t: int, lr: float) -> None:
    """One step of the student's adam_update on every parameter, as the notebook's ManualOptimizer does."""
    with torch.no_grad():
        for index, (p, (m, v)) in enumerate(zip(params, state)):
            doing = f"the grader called adam_update on a parameter of shape {tuple(p.shape)} at step t={t}"
            if p.grad is None:
                raise ProbeError(
                    "[training] could not run because no gradient reached a parameter of shape "
                    f"{tuple(p.shape)} in front of your Dropout: its forward must stay differentiable "
                    "(no .detach(), .data, torch.no_grad() or numpy round trip on the input)"
                )
            try:
                out = adam(p.clone(), p.grad.clone(), m, v, t, lr=lr)
            except Exception as exc:
                raise _failed("adam_update", doing, exc) from exc
            if not isinstance(out, (tuple, list)) or len(out) != 3:
                raise ProbeError(
                    f"[training] could not run because your adam_update returned a {type(out).__name__} when "
                    f"{doing}; expected a tuple (param, m, v)"
                )
            new_p, new_m, new_v = (_tensor_like(x, tuple(p.shape), "adam_update", doing) for x in out)
            p.copy_(new_p)
            state[index] = [torch.Tensor.detach(new_m).clone(), torch.Tensor.detach(new_v).clone()]


def _evaluate(model: torch.nn.Module, X: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    model.eval()
    with torch.no_grad():
        logits = model(X)
        return F.cross_entropy(logits, y).item(), (logits.argmax(1) == y).float().mean().item()


@probe
def training_run(
    ns: Namespace,
    seed: int,
    hidden: list[int],
    p_drop: float,
    lr: float,
    epochs: int,
    patience: int,
    batch_size: int,
    init: str = "he_normal",
) -> dict[str, Any]:
    """Train an MLP on the digits with the implementation's init, Dropout, adam_update and EarlyStopping.

    Split (seeded): 1000 training, 400 validation, 397 test images. Weights from ns[init]((out, in)), biases
    zero, ReLU and ns["Dropout"](p_drop) after every hidden layer; mini-batch Adam through ns["adam_update"]
    on clones (as the notebook's ManualOptimizer); after each epoch the validation loss goes to
    EarlyStopping(patience, restore_best_weights=True).step(val_loss, model); training ends when it returns
    True or after `epochs` epochs, then restore(model). Returns validation/test accuracy and loss after the
    restore, the per-epoch validation losses, the number of epochs run and the best epoch.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _train(ns, seed, hidden, p_drop, lr, epochs, patience, batch_size, init)
    finally:
        torch.set_num_threads(threads)


def _train(ns, seed, hidden, p_drop, lr, epochs, patience, batch_size, init):
    X, y = _digits()
    perm = torch.randperm(len(X), generator=torch.Generator().manual_seed(seed))
    train_idx, val_idx, test_idx = perm[:1000], perm[1000:1400], perm[1400:]

    torch.manual_seed(seed)
    sizes = [X.shape[1], *hidden, 10]
    layers: list[torch.nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        linear = torch.nn.Linear(n_in, n_out)
        with torch.no_grad():
            linear.weight.copy_(_init_weight(ns[init], (n_out, n_in), init))
            linear.bias.zero_()
        layers.append(linear)
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
            layers.append(_GuardedDropout(ns["Dropout"], p_drop))
    model = torch.nn.Sequential(*layers)
    params = list(model.parameters())
    state = [[torch.zeros_like(p), torch.zeros_like(p)] for p in params]

    try:
        stopper = ns["EarlyStopping"](patience=patience, restore_best_weights=True)
    except Exception as exc:
        raise _failed(
            "EarlyStopping", f"the grader created EarlyStopping(patience={patience}, restore_best_weights=True)", exc
        ) from exc

    order_rng = torch.Generator().manual_seed(seed + 1)
    val_losses: list[float] = []
    t = 0
    epochs_run = 0
    stopped = False
    for epoch in range(epochs):
        model.train()
        order = train_idx[torch.randperm(len(train_idx), generator=order_rng)]
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            loss = F.cross_entropy(model(X[batch]), y[batch])
            model.zero_grad()
            loss.backward()
            t += 1
            _adam_step(ns["adam_update"], params, state, t, lr)
        val_loss, _ = _evaluate(model, X[val_idx], y[val_idx])
        val_losses.append(val_loss)
        epochs_run = epoch + 1
        try:
            returned = stopper.step(val_loss, model)
        except Exception as exc:
            raise _failed(
                "EarlyStopping", f"the grader called step(validation loss, model) after epoch {epoch}", exc
            ) from exc
        if _flag(returned) is True:
            stopped = True
            break
    last_val_loss, last_val_acc = _evaluate(model, X[val_idx], y[val_idx])
    try:
        stopper.restore(model)
    except Exception as exc:
        raise _failed("EarlyStopping", f"the grader called restore(model) after {epochs_run} epochs", exc) from exc
    val_loss, val_acc = _evaluate(model, X[val_idx], y[val_idx])
    test_loss, test_acc = _evaluate(model, X[test_idx], y[test_idx])
    best_epoch = getattr(stopper, "best_epoch", None)
    return {
        "val_acc": val_acc,
        "test_acc": test_acc,
        "val_loss": val_loss,
        "test_loss": test_loss,
        "last_val_acc": last_val_acc,
        "last_val_loss": last_val_loss,
        "val_losses": np.array(val_losses, dtype=np.float64),
        "epochs_run": epochs_run,
        "stopped": stopped,
        "best_epoch": _number(best_epoch),
        "finite": bool(all(math.isfinite(x) for x in val_losses)),
    }
