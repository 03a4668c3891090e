# The checks of this notebook's own kinds of case: batchnorm_forward then batchnorm_backward on its own cache, the
# BatchNorm1d module through training, autograd and eval mode, a short training run with your components, schedules
# over many steps, clipping, the L1 penalty's gradient, and the augmentations judged against their contract (any
# random draw order is right), statistics at 6 standard errors.
from math import isfinite, sqrt

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

    for name in ("warmup_cosine_lr", "clip_grad_norm"):
        if name not in env:
            raise NameError(f"{name} is not defined; run the cell that defines it first")
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


def _schedule(case, env):
    """A schedule at every step of a run, each learning rate read as a float."""
    fn, (first, last) = env[case["fn"]], case["steps"]
    rates = [float(fn(step, *case["args"], **case["kwargs"])) for step in range(first, last + 1)]
    return {f"the learning rates at steps {first} to {last}": rates}


def _clip(case, env):
    clipped, total_norm = env["clip_grad_norm"]([_tensor(g) for g in case["grads"]], case["max_norm"])
    return {"total_norm": float(total_norm), "the clipped gradients": _numbers(list(clipped))}


def _l1_gradient(case, env):
    """What autograd gives each tensor through l1_penalty."""
    params = [_tensor(p).requires_grad_(True) for p in case["params"]]
    value = env["l1_penalty"](params, case["lam"])
    seen = {"returns a tensor autograd can differentiate": isinstance(value, torch.Tensor) and value.requires_grad}
    if seen["returns a tensor autograd can differentiate"]:
        value.backward()
        seen["the gradient of each tensor"] = [_numbers(p.grad) for p in params]
    return seen


def _augmented(case, env, fn, argument):
    """The case's images, what fn returned for them (with a generator seeded by the case), and whether it is a tensor
    of the images' shape and dtype."""
    x = _tensor(case["images"])
    out = env[fn](x.clone(), argument, generator=torch.Generator().manual_seed(case["seed"]))
    fits = isinstance(out, torch.Tensor) and tuple(out.shape) == tuple(x.shape)
    return x, out, fits, {"returns a tensor of the images' shape and dtype": fits and out.dtype == x.dtype}


def _moved(x, dy, dx, wrap=False):
    if wrap:
        return torch.roll(x, (dy, dx), dims=(1, 2))
    n, h, w = x.shape
    out = torch.zeros_like(x)
    if abs(dy) < h and abs(dx) < w:
        out[:, max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
            x[:, max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
    return out


def _matched(x, out, reach, wrap=False):
    """Which images of out are their input moved by some whole-pixel offset within reach."""
    found = torch.zeros(x.shape[0], dtype=torch.bool)
    for dy in range(-reach, reach + 1):
        for dx in range(-reach, reach + 1):
            found |= (_moved(x, dy, dx, wrap) == out).flatten(1).all(dim=1)
    return found


def _shift(case, env):
    s = case["max_shift"]
    x, out, fits, seen = _augmented(case, env, "random_shift", s)
    if not fits:
        return seen
    out = out.detach().to(x.dtype)
    ok = _matched(x, out, s)
    seen["every image is its input moved by whole pixels within max_shift, vacated pixels 0"] = bool(ok.all())
    if not ok.all():
        seen["_why"] = f"{int((~ok).sum())} of {len(ok)} images are not"
        if s and bool(_matched(x[~ok], out[~ok], s, wrap=True).all()):
            seen["_why"] += ": they wrap around (torch.roll); what leaves one edge must be dropped and the vacated pixels set to 0"
    return seen


def _noise(case, env):
    std = case["std"]
    x, out, fits, seen = _augmented(case, env, "add_noise", std)
    if not fits:
        return seen
    noise = (out.detach().double() - x.double()).flatten()
    n, mean, sd = noise.numel(), noise.mean().item(), noise.std(unbiased=False).item()
    seen["the noise (output - images) has mean 0 (within 6 standard errors)"] = abs(mean) <= 6 * std / sqrt(n)
    seen["the noise has standard deviation std (within 6 standard errors)"] = abs(sd - std) <= 6 * std / sqrt(2 * n)
    if not all(seen.values()):
        seen["_why"] = f"The noise has mean {mean:.3g} and standard deviation {sd:.3g}, for std={std}" + (
            ": it is scaled by std**2 (the variance) instead of std" if abs(sd - std**2) <= 0.05 * std**2
            and abs(mean) <= 6 * std**2 / sqrt(n) else "")
    return seen


OBSERVERS.update(batchnorm=_batchnorm, batchnorm_module=_batchnorm_module, bn_training=_bn_training)
OBSERVERS.update(schedule=_schedule, clip=_clip, l1_gradient=_l1_gradient, shift=_shift, noise=_noise)
NEEDS.update(batchnorm="batchnorm_forward", batchnorm_module="BatchNorm1d", bn_training="BatchNorm1d")
NEEDS.update(clip="clip_grad_norm", l1_gradient="l1_penalty", shift="random_shift", noise="add_noise")
