# The checks of this notebook's own kinds of case: dropout, early stopping and the training run.
from math import isfinite

import torch

from autograder.authoring.public_checks import NEEDS, OBSERVERS, _tensor  # in the notebook: the code just above


def _dropout(case, env):
    x = _tensor(case["x"])
    out, mask = env["dropout_forward"](x.clone(), case["p"], **case.get("kwargs", {}))
    seen = {
        "out has x's shape": list(out.shape) == list(x.shape),
        "mask has x's shape": list(mask.shape) == list(x.shape),
    }
    seen["mask holds only True/False or 0/1"] = bool(((mask == 0) | (mask == 1)).all())
    if case.get("identity"):
        seen["out equals x"] = bool(torch.equal(out.to(x.dtype), x))
        seen["mask is all True"] = bool(mask.bool().all())
    return seen


def _early_stopping(case, env):
    stopper = env["EarlyStopping"](**case["kwargs"])
    seen = {"best_epoch before the first step": stopper.best_epoch}
    for i, metric in enumerate(case["metrics"]):
        seen[f"step({metric}) at epoch {i} returns"] = stopper.step(metric)
        seen[f"best after epoch {i}"] = stopper.best
        seen[f"best_epoch after epoch {i}"] = stopper.best_epoch
    return seen


def _restore(case, env):
    model = torch.nn.Linear(3, 2)
    stopper = env["EarlyStopping"](**case["kwargs"])
    for epoch, metric in enumerate(case["metrics"]):
        with torch.no_grad():
            for tensor in model.state_dict().values():
                tensor.fill_(float(epoch))  # the weights say which epoch they are from
        if stopper.step(metric, model):
            break
    with torch.no_grad():
        for tensor in model.state_dict().values():
            tensor.fill_(-1.0)
    stopper.restore(model)
    return {"restore(model) brings back the weights of epoch": model.weight.flatten()[0].item()}


def _trained(case, env):
    history = env.get("final_history")
    if not isinstance(history, dict):
        return {"part 9 has run (final_history is defined)": False}
    losses = [float(x) for x in history.get("val_loss", [])]
    return {
        "part 9 has run (final_history is defined)": True,
        "every validation loss is finite": all(map(isfinite, losses)),
    }


OBSERVERS.update(dropout=_dropout, early_stopping=_early_stopping, restore=_restore, trained=_trained)
NEEDS.update(dropout="dropout_forward", early_stopping="EarlyStopping", restore="EarlyStopping")
