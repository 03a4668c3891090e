# The checks of this notebook's own kinds of case: batchnorm_forward then batchnorm_backward on its own cache,
# the BatchNorm1d module through training, autograd and eval mode, and a short training run with your components.
from math import isfinite

import torch

from autograder.authoring.public_checks import NEEDS, OBSERVERS, _numbers, _tensor  # in the notebook: the code just above


def _batchnorm(case, env):
    """batchnorm_forward (out and the running statistics it returned), then, if asked, batchnorm_backward on the
    cache it returned (any cache works: it goes straight back)."""
    x, gamma, beta, mean, var = (_tensor(case[k]) for k in ("x", "gamma", "beta", "running_mean", "running_var"))
    out = env["batchnorm_forward"](x, gamma, beta, mean, var, **case.get("kwargs", {}))
    if not isinstance(out, (tuple, list)) or len(out) != 4:
        return {"batchnorm_forward returns (out, running_mean, running_var, cache)": False}
    seen = {"batchnorm_forward returns (out, running_mean, running_var, cache)": True}
    seen.update({f"the {name} it returned": _numbers(v) for name, v in zip(("out", "running_mean", "running_var"), out)})
    if "grad" in case:
        grads = env["batchnorm_backward"](_tensor(case["grad"]), out[3])
        seen.update({f"batchnorm_backward's {name}": _numbers(g) for name, g in zip(("dx", "dgamma", "dbeta"), grads)})
    return seen


def _batchnorm_module(case, env):
    """A new BatchNorm1d, training-mode calls (autograd after the last), eval mode, and train() again."""
    module = env["BatchNorm1d"](case["D"], **case.get("kwargs", {}))
    seen = {"a new module is in training mode": bool(module.training)}
    seen.update({f"a new module's {name}": _numbers(getattr(module, name))
                 for name in ("weight", "bias", "running_mean", "running_var")})  # fmt: skip
    for step, x in enumerate(case["xs"]):
        leaf = _tensor(x).requires_grad_(True)
        out = module(leaf)
        seen[f"its output in training mode (call {step + 1})"] = _numbers(out)
        seen[f"running_mean after call {step + 1}"] = _numbers(module.running_mean)
        seen[f"running_var after call {step + 1}"] = _numbers(module.running_var)
    module.zero_grad()
    if isinstance(out, torch.Tensor) and out.requires_grad:
        (out * _tensor(case["grad"])).sum().backward()
    for name, tensor in (("x", leaf), ("weight", module.weight), ("bias", module.bias)):
        seen[f"the gradient autograd gives {name} (last call)"] = _numbers(tensor.grad) if tensor.grad is not None else None
    module.eval()
    seen["after .eval(): its output"] = _numbers(module(_tensor(case["x_eval"])))
    seen["after .eval(): running_mean"] = _numbers(module.running_mean)
    seen["after .eval(): running_var"] = _numbers(module.running_var)
    module.train()
    seen["after .train(): in training mode"] = bool(module.training)
    return seen


def _bn_training(case, env):
    """A few steps of a small BatchNorm network on the digits with your BatchNorm1d, warmup_cosine_lr and
    clip_grad_norm; then, in eval mode, test images one at a time and all at once must give the same outputs."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    g = torch.Generator().manual_seed(case["seed"])
    X = torch.tensor(digits.data / 16.0, dtype=torch.float32)
    y = torch.tensor(digits.target)
    perm = torch.randperm(len(X), generator=g)
    train, test = perm[: case["train"]], perm[case["train"] : case["train"] + case["test"]]
    linear1 = torch.nn.Linear(64, case["hidden"])
    linear2 = torch.nn.Linear(case["hidden"], 10)
    with torch.no_grad():
        for layer in (linear1, linear2):
            layer.weight.copy_(torch.randn(layer.weight.shape, generator=g) / layer.weight.shape[1] ** 0.5)
            layer.bias.zero_()
    bn = env["BatchNorm1d"](case["hidden"])
    model = torch.nn.Sequential(linear1, bn, torch.nn.ReLU(), linear2)
    params = list(model.parameters())
    batches = train.split(case["batch"])
    total, losses = len(batches), []
    for step, batch in enumerate(batches):
        loss = torch.nn.functional.cross_entropy(model(X[batch]), y[batch])
        grads = torch.autograd.grad(loss, params)
        clipped, _ = env["clip_grad_norm"](list(grads), case["max_norm"])
        lr = env["warmup_cosine_lr"](step, case["lr"], case["warmup"], total)
        with torch.no_grad():
            for p, grad in zip(params, clipped):
                p -= lr * grad
        losses.append(float(loss.detach()))
    model.eval()
    with torch.no_grad():
        together = model(X[test])
        alone = torch.cat([model(X[i : i + 1]) for i in test])
    seen = {
        "every training loss is finite": all(map(isfinite, losses)),
        "BatchNorm1d's running_mean changed during training": bool(bn.running_mean.abs().sum() > 0),
        "in eval mode, test images one at a time give the same outputs as all at once":
            bool(torch.allclose(together, alone, rtol=1e-4, atol=1e-4)),
    }  # fmt: skip
    if not seen["in eval mode, test images one at a time give the same outputs as all at once"]:
        seen["_why"] = "In eval mode BatchNorm1d must normalise with its running statistics, not the batch's own"
    return seen


OBSERVERS.update(batchnorm=_batchnorm, batchnorm_module=_batchnorm_module, bn_training=_bn_training)
NEEDS.update(batchnorm="batchnorm_forward", batchnorm_module="BatchNorm1d", bn_training="BatchNorm1d")
