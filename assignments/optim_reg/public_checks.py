# The checks of this notebook's own kinds of case: initializers and dropout
# judged by their statistics (6 standard errors, fixed seeds), the Dropout module, early stopping and the training run.
from math import isfinite, sqrt

import torch

from autograder.authoring.public_checks import NEEDS, OBSERVERS, _tensor  # in the notebook: the code just above

Z = 6.0  # a statistic passes within 6 standard errors: a correct implementation fails with probability < 1e-8


def _moments(x):
    n = x.numel()
    mean = x.mean().item()
    sd = x.std(unbiased=False).item()
    excess = (((x - mean) / sd) ** 4).mean().item() - 3.0 if sd > 0 else float("nan")
    return n, mean, sd, excess


def _init_draws(case, env):
    """Draws of an initializer, pooled over several calls with one seeded generator, against the formula's std."""
    generator = torch.Generator().manual_seed(case["seed"])
    draws = [env[case["fn"]](tuple(case["shape"]), **case["kwargs"], generator=generator) for _ in range(case["calls"])]
    first = draws[0]
    seen = {"returns a torch.Tensor": isinstance(first, torch.Tensor)}
    if not seen["returns a torch.Tensor"]:
        return seen
    seen.update({"shape": list(first.shape), "dtype": str(first.dtype)})
    if seen["shape"] != case["shape"]:
        return seen
    n, mean, sd, excess = _moments(torch.cat([w.detach().double().flatten() for w in draws]))
    s, uniform = case["std"], case["family"] == "uniform"
    seen["the mean is 0 (within 6 standard errors)"] = abs(mean) <= Z * max(s, sd) / sqrt(n)
    tol = Z * sqrt((0.8 if uniform else 2.0) / (4 * n))  # 6 standard errors of a sample std, relative
    seen["the std is the formula's (within 6 standard errors)"] = abs(sd - s) <= tol * s
    looks = "uniform" if abs(excess + 1.2) <= Z * sqrt(24 / n) else "normal" if abs(excess) <= Z * sqrt(24 / n) else "neither"
    seen["the distribution looks"] = looks
    if uniform:
        top = max(w.detach().double().abs().max().item() for w in draws) / (sqrt(3) * s)
        seen["every value lies within the bound"] = top <= 1 + 1e-5
        seen["some value comes within 1% of the bound"] = top >= 0.99
    if not seen["the std is the formula's (within 6 standard errors)"] and s > 0:
        ratio = sd / s
        seen["_why"] = f"The sample std is {ratio:.3g} times what the formula gives (n = {n} draws)"
        cause = next((text for wrong, text in case.get("causes", []) if abs(ratio / wrong - 1) <= tol), None)
        if cause:
            seen["_why"] += f". Likely cause: {cause}"
    elif mean != 0 and min(float(w.min()) for w in draws) >= 0:
        seen["_why"] = "Every value is >= 0: the draw looks like U(0, a) instead of U(-a, a)"
    return seen


def _dropout_stats(p, x, out, mask):
    """What one training-mode call of dropout_forward did, as claims that hold for a correct implementation."""
    seen = {"out and mask have x's shape": list(out.shape) == list(x.shape) and list(mask.shape) == list(x.shape)}
    if not seen["out and mask have x's shape"]:
        return seen
    seen["mask holds only True/False or 0/1"] = bool(((mask == 0) | (mask == 1)).all())
    out64, x64 = out.detach().double(), x.double()
    dropped = out64 == 0
    seen["mask is True exactly where out is not 0"] = bool(((mask != 0) == ~dropped).all())
    n, frac = dropped.numel(), dropped.double().mean().item()
    seen["the fraction dropped is p (within 6 standard errors)"] = abs(frac - p) <= Z * sqrt(p * (1 - p) / n)
    ratio = (out64[~dropped] / x64[~dropped]) * (1 - p)
    seen["every kept entry is x / (1 - p)"] = bool(ratio.numel() > 0 and ((ratio - 1).abs() <= 1e-5).all())
    if not seen["the fraction dropped is p (within 6 standard errors)"]:
        seen["_why"] = (f"{frac:.1%} of the entries were dropped with p = {p}" + (
            ": p is the probability of dropping, not of keeping" if abs(1 - frac - p) < 0.05 else ""))
    elif not seen["every kept entry is x / (1 - p)"] and ratio.numel():
        scale = ratio.mean().item() / (1 - p)
        hint = {1.0: "they are not scaled at all", 1 / p: "they are divided by p instead of by 1 - p"}
        seen["_why"] = "Kept entries are x times {:.4g}{}".format(scale, next(
            (f": {h}" for v, h in hint.items() if abs(scale - v) <= 1e-4 * v), ", not x / (1 - p)"))
    return seen


def _dropout(case, env):
    x = _tensor(case["x"])
    generator = torch.Generator().manual_seed(case["seed"])
    out, mask = env["dropout_forward"](x.clone(), case["p"], generator=generator, **case.get("kwargs", {}))
    if not case.get("identity"):
        return _dropout_stats(case["p"], x, out, mask)
    seen = {"out equals x": bool(torch.equal(out.detach().to(x.dtype), x)), "mask is all True": bool(mask.bool().all())}
    out, _ = env["dropout_forward"](x.clone(), 0.5, training=True, generator=generator)
    seen["with training=True and p=0.5 the same x does get dropped"] = bool((out == 0).any())
    return seen


def _dropout_module(case, env):
    """A Dropout module: its training statistics, a fresh mask at every call, eval, train again, autograd."""
    p, x = case["p"], _tensor(case["x"])
    module = env["Dropout"](p)
    seen = {"a new Dropout is in training mode": bool(module.training)}
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(case["seed"])
        leaf = x.clone().requires_grad_(True)
        out = module(leaf)
        seen.update(_dropout_stats(p, x, out, out != 0))
        again = module(x.clone())
    seen["two calls draw different masks"] = not torch.equal(out.detach() == 0, again.detach() == 0)
    g = _tensor(case["grad"])
    if out.requires_grad:
        out.backward(g)
    want = torch.where(out.detach() != 0, g / (1 - p), torch.zeros_like(g))
    got = leaf.grad
    seen["autograd gives grad * mask / (1 - p) for the mask it drew"] = got is not None and bool(
        torch.allclose(got.double(), want.double(), rtol=1e-5, atol=1e-6))
    module.eval()
    seen["after .eval() it returns x unchanged"] = bool(torch.equal(module(x.clone()).detach().to(x.dtype), x))
    module.train()
    seen["after .train() it drops again"] = bool((module(x.clone()) == 0).any())
    return seen


def _value(v):
    """A number, a one-element tensor (read as its value), inf or nan as text, or anything else (by its type)."""
    if isinstance(v, torch.Tensor) and v.numel() == 1:
        v = v.item()
    if isinstance(v, float) and not isfinite(v):
        return str(v)
    return v if isinstance(v, (bool, int, float)) else f"<{type(v).__name__}>"


def _metric(m, as_tensor):
    value = float("nan") if m is None else m
    return torch.tensor(value, requires_grad=True) if as_tensor else value


def _early_stopping(case, env):
    stopper = env["EarlyStopping"](**case["kwargs"])
    seen = {f"{name} before the first step": _value(getattr(stopper, name)) for name in ("best", "best_epoch", "counter", "should_stop")}
    for i, metric in enumerate(case["metrics"]):
        shown = "nan" if metric is None else metric
        seen[f"step({shown}) at epoch {i} returns"] = _value(stopper.step(_metric(metric, case.get("tensors", False))))
        for name in ("best", "best_epoch", "counter", "should_stop"):
            seen[f"{name} after epoch {i}"] = _value(getattr(stopper, name))
    return seen


def _fill(model, value):
    with torch.no_grad():
        for tensor in model.state_dict().values():
            tensor.fill_(float(value))  # the weights say which epoch they are from


def _epochs(model):
    """The epochs the model's weights and its BatchNorm buffers were set at."""
    return model[0].weight.flatten()[0].item(), model[1].running_mean[0].item()


def _restore(case, env):
    model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))  # a BatchNorm's buffers count too
    stopper = env["EarlyStopping"](**case["kwargs"])
    for epoch, metric in enumerate(case["metrics"]):
        _fill(model, epoch)
        if stopper.step(metric, model if epoch not in case.get("without_model", ()) else None):
            break
    _fill(model, -1.0)
    stopper.restore(model)
    seen = dict(zip(("restore(model) brings back the weights of epoch", "...and the BatchNorm running_mean of epoch"),
                    _epochs(model)))
    _fill(model, -2.0)  # more training after the restore
    stopper.restore(model)
    seen["a second restore(model), after more training, brings back the weights of epoch"] = _epochs(model)[0]
    unsaved = env["EarlyStopping"](restore_best_weights=False)
    for metric in case["metrics"]:
        unsaved.step(metric, model)
    _fill(model, -3.0)
    try:
        unsaved.restore(model)
        seen["restore(model) with no weights saved raises"] = False
    except Exception:  # noqa: BLE001 - any exception type is accepted
        seen["restore(model) with no weights saved raises"] = True
    seen["...and leaves the model as it was"] = _epochs(model) == (-3.0, -3.0)
    return seen


def _trained(case, env):
    history = env.get("final_history")
    if not isinstance(history, dict):
        return {"part 9 has run (final_history is defined)": False}
    losses = [float(x) for x in history.get("val_loss", [])]
    return {
        "part 9 has run (final_history is defined)": True,
        "every validation loss is finite": all(map(isfinite, losses)),
    }


OBSERVERS.update(init_draws=_init_draws, dropout=_dropout, dropout_module=_dropout_module,
                 early_stopping=_early_stopping, restore=_restore, trained=_trained)  # fmt: skip
NEEDS.update(dropout="dropout_forward", dropout_module="Dropout", early_stopping="EarlyStopping", restore="EarlyStopping")
