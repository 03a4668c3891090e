"""The probe of [training]: the grader trains a deeper network on scikit-learn's digits, asking the submission only
for what its BatchNorm1d, warmup_cosine_lr and clip_grad_norm return on inputs the grader chose.

The grader holds the data, the network's weights, the loss, the optimizer (SGD with momentum), every accuracy and
the decision. The network is 64 -> H -> BN -> ReLU -> ... -> H -> 10, each BN the student's BatchNorm1d kept in the
worker. Per mini-batch step:

- forward, one request per BN layer: the grader computes the layer's pre-activation h and asks the student's module
  (training mode) for its output on h; the grader applies ReLU and the next linear layer itself;
- backward, one request per BN layer (last first): a twin of each module (another BatchNorm1d, given the same
  weight and bias and the same training inputs, so its running statistics are the same) is called on the same h
  with autograd run from the gradient the grader computed for the module's output; the grader reads the gradient of
  h and of the twin's weight and bias (its `.grad`, after `zero_grad()`). The twin exists so that every module sees
  each batch exactly once: the modules whose running statistics are used at evaluation get one training-mode call
  per step, as in a real training loop;
- the student's clip_grad_norm on the list of every gradient, and the grader's SGD step with the learning rate the
  student's warmup_cosine_lr returned for that step (asked once, for every step, at the start); the new weight and
  bias of each BN are written into both modules (set_state).

Then the modules go to eval mode and the test images go through the network one image at a time, as a deployed
model sees them: a prediction must not depend on which other images share its batch.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from autograder.probes import probe
from autograder.probes.components import Components
from autograder.probes.proxy import Request, Target, list_of, tensor

CLASSES, INPUTS = 10, 64

_COMPONENTS = Components("training")  # every problem it reads names [training] and the component that failed
_failed, _returned, _tensor = _COMPONENTS.failed, _COMPONENTS.returned, _COMPONENTS.tensor


@functools.cache
def digits() -> tuple[torch.Tensor, torch.Tensor]:
    """scikit-learn's bundled digits: pixels scaled to [0, 1] (float32) and labels (the assignment warms up
    sklearn.datasets.load_digits, so the grader has it loaded before any submission)."""
    from sklearn.datasets import load_digits

    data = load_digits()
    return torch.tensor(data.data / 16.0, dtype=torch.float32), torch.tensor(data.target, dtype=torch.int64)


def _send(target: Target, request: Request) -> None:
    """Run a request as one chain: its ops count as one input (public and hidden runs share no input, though both
    create BatchNorm1d(128) and call .eval()), and after a failed op the rest is skipped (the run stops anyway)."""
    for op in request.ops:
        op["chain"] = "run"
    target.run(request)


class _Network:
    """The grader's weights: linear layers (weight, bias), each BN's weight and bias, and the output layer."""

    def __init__(self, seed: int, hidden: int, depth: int, init_std: float) -> None:
        g = torch.Generator().manual_seed(seed + 5)
        sizes = [INPUTS] + [hidden] * depth
        self.depth, self.hidden = depth, hidden
        self.params: list[torch.Tensor] = []
        for k in range(depth):
            # a badly scaled initialisation (std init_std, not 1/sqrt(fan_in)): what batch normalization is for
            self.params += [init_std * torch.randn(hidden, sizes[k], generator=g), torch.zeros(hidden),
                            torch.ones(hidden), torch.zeros(hidden)]  # fmt: skip
        self.params += [torch.randn(CLASSES, hidden, generator=g) / math.sqrt(hidden), torch.zeros(CLASSES)]

    def layer(self, k: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Linear weight and bias, BN weight and bias of hidden layer k."""
        w, b, gamma, beta = self.params[4 * k : 4 * k + 4]
        return w, b, gamma, beta

    @property
    def head(self) -> tuple[torch.Tensor, torch.Tensor]:
        return self.params[-2], self.params[-1]

    def bn_state(self, k: int) -> dict[str, np.ndarray]:
        _, _, gamma, beta = self.layer(k)
        return {"weight": gamma.numpy(), "bias": beta.numpy()}


def _forward(request: Request, target: Target, net: _Network, x: torch.Tensor, training: bool,
             rows: int | None = None, sync: bool = False) -> tuple[list[torch.Tensor], list[torch.Tensor], list[torch.Tensor], torch.Tensor]:  # fmt: skip
    """The network on x with the student's modules: each hidden layer's input a, pre-activation h and BN output,
    and the logits.

    In training mode each module is called once on the whole batch; in eval mode on `rows` rows at a time. With
    `sync`, the first request first writes the grader's current BN weights and biases into every module and twin.
    """
    inputs, pre, normalized = [], [], []
    a = x
    mode = "training" if training else "eval"
    for k in range(net.depth):
        w, b, _, _ = net.layer(k)
        h = F.linear(a, w, b)
        step = Request(after=request)
        writes = [step.set_state(name, net.bn_state(j)) for j in range(net.depth) for name in (f"bn{j}", f"bn{j}g")
                  if sync and k == 0]  # fmt: skip
        writes += [step.call_kept(f"bn{j}", method="eval") for j in range(net.depth) if not training and k == 0]
        size = len(h) if rows is None else rows
        calls = [step.call_kept(f"bn{k}", tensor(h[i : i + size].numpy(), "float32")) for i in range(0, len(h), size)]
        _send(target, step)
        for op in writes:
            _returned(op, "BatchNorm1d", "the grader wrote the new values of its weight and bias into it (set_state), "
                                         "or called .eval() on it")
        outs = []
        for i, call in zip(range(0, len(h), size), calls):
            shape = tuple(h[i : i + size].shape)
            doing = f"hidden layer {k + 1}'s BatchNorm1d({net.hidden}) was called in {mode} mode on a batch of shape {shape}"
            outs.append(_tensor(_returned(call, "BatchNorm1d", doing), shape, "BatchNorm1d", doing, "what it returned"))
        inputs.append(a)
        pre.append(h)
        normalized.append(torch.cat(outs))
        a = F.relu(normalized[-1])
    w, b = net.head
    return inputs, pre, normalized, F.linear(a, w, b)


def _backward(request: Request, target: Target, net: _Network, inputs: list[torch.Tensor], pre: list[torch.Tensor],
              outs: list[torch.Tensor], labels: torch.Tensor) -> tuple[float, list[torch.Tensor]]:  # fmt: skip
    """The loss and the gradient of every parameter: the grader's autograd for its own layers, the student's twin
    modules (autograd through BatchNorm1d) for each BN layer."""
    head_w, head_b = (p.clone().requires_grad_(True) for p in net.head)
    last = outs[-1].clone().requires_grad_(True)
    loss = F.cross_entropy(F.linear(F.relu(last), head_w, head_b), labels)
    grad_out, grad_w, grad_b = torch.autograd.grad(loss, [last, head_w, head_b])
    grads: list[torch.Tensor] = [grad_w, grad_b]
    for k in reversed(range(net.depth)):
        step = Request(after=request)
        step.call_kept(f"bn{k}g", method="zero_grad")
        h = pre[k]
        call = step.call_kept(f"bn{k}g", tensor(h.numpy(), "float32", requires_grad=True),
                              backward={"cotangent": grad_out.numpy()})  # fmt: skip
        reads = [step.get(f"bn{k}g.{name}", "grad") for name in ("weight", "bias")]
        _send(target, step)
        doing = f"autograd ran through hidden layer {k + 1}'s BatchNorm1d({net.hidden}) in training mode"
        _returned(call, "BatchNorm1d", doing)
        backward = call.backward()
        if "problem" in backward:
            problem = backward.get("error") or "no gradient reaches its input (is the output computed outside autograd?)"
            raise _failed("BatchNorm1d", doing, problem)
        (dh,) = backward["grads"]
        if dh is None or dh.shape != tuple(h.shape):
            raise _failed("BatchNorm1d", doing, "its input got no gradient of its own shape")
        dgamma, dbeta = (_tensor(_returned(op, "BatchNorm1d", doing), (net.hidden,), "BatchNorm1d", doing,
                                 f"the gradient of its {name}")  # fmt: skip
                         for op, name in zip(reads, ("weight", "bias")))
        dh = torch.tensor(dh, dtype=torch.float32)
        w, b, _, _ = net.layer(k)
        grads = [dh.T @ inputs[k], dh.sum(0), dgamma, dbeta] + grads
        if k > 0:
            grad_out = (dh @ w) * (outs[k - 1] > 0)
    return loss.item(), grads


def _clip(request: Request, target: Target, grads: list[torch.Tensor], max_norm: float, t: int) -> list[torch.Tensor]:
    step = Request(after=request)
    call = step.call("clip_grad_norm", list_of(*(tensor(g.numpy(), "float32") for g in grads)), max_norm)
    _send(target, step)
    doing = f"the grader called it on the network's {len(grads)} gradients at step {t} (max_norm={max_norm:g})"
    value = _returned(call, "clip_grad_norm", doing)
    if value.kind not in ("tuple", "list") or value.facts["length"] != 2:
        raise _failed("clip_grad_norm", doing, f"it returned {value.describe()}, expected (clipped, total_norm)")
    clipped = value.items("what clip_grad_norm returned", 2)[0]
    if clipped.kind not in ("tuple", "list") or clipped.facts["length"] != len(grads):
        raise _failed("clip_grad_norm", doing, f"the clipped gradients are {clipped.describe()}, expected a list of "
                                               f"{len(grads)} tensors")  # fmt: skip
    items = clipped.items("the clipped gradients", len(grads))
    return [_tensor(item, tuple(g.shape), "clip_grad_norm", doing, f"clipped gradient {i}") for i, (item, g) in
            enumerate(zip(items, grads))]  # fmt: skip


def _start(request: Request, target: Target, depth: int, hidden: int, total: int, base_lr: float,
           warmup: int) -> list[float]:  # fmt: skip
    """The first request: two BatchNorm1d per hidden layer (the module and its twin for autograd), the twin's
    parameters kept, and the learning rate of every step."""
    creates = []
    for k in range(depth):
        for name in (f"bn{k}", f"bn{k}g"):
            creates.append(request.call("BatchNorm1d", hidden, keep=name))
        for param in ("weight", "bias"):
            creates.append(request.call_kept(f"bn{k}g", param, method="get_parameter", keep=f"bn{k}g.{param}"))
    calls = [request.call("warmup_cosine_lr", t, base_lr, warmup, total) for t in range(total)]
    _send(target, request)
    for op in creates:
        _returned(op, "BatchNorm1d", f"the grader created BatchNorm1d({hidden}) and read its weight and bias parameters")
    lrs = []
    for t, call in enumerate(calls):
        doing = f"the grader asked for the learning rate of step {t} (base_lr={base_lr:g}, warmup_steps={warmup}, total_steps={total})"
        lr = _returned(call, "warmup_cosine_lr", doing).as_number()
        if not isinstance(lr, (int, float)) or not math.isfinite(lr):
            raise _failed("warmup_cosine_lr", doing, f"it returned {lr}, expected a finite number")
        lrs.append(float(lr))
    return lrs


@probe
def bn_training_run(
    target: Target, seed: int, hidden: int, depth: int, epochs: int, batch_size: int, base_lr: float,
    warmup_steps: int, max_norm: float, momentum: float, init_std: float, train_size: int,
) -> dict[str, Any]:  # fmt: skip
    """Train with the submission's BatchNorm1d, warmup_cosine_lr and clip_grad_norm; everything else is the grader's.

    Split (seeded): train_size training images, the rest test images. Returns the test accuracy (eval mode, one
    image at a time), each epoch's mean training loss, whether every loss stayed finite, and the number of steps.
    """
    X, y = digits()
    perm = torch.randperm(len(X), generator=torch.Generator().manual_seed(seed))
    train, test = perm[:train_size], perm[train_size:]
    order = torch.Generator().manual_seed(seed + 1)
    steps_per_epoch = math.ceil(train_size / batch_size)
    total = steps_per_epoch * epochs
    request = Request()
    lrs = _start(request, target, depth, hidden, total, base_lr, warmup_steps)
    net = _Network(seed, hidden, depth, init_std)
    velocity = [torch.zeros_like(p) for p in net.params]
    losses: list[float] = []
    t = 0
    for _ in range(epochs):
        batches = train[torch.randperm(train_size, generator=order)].split(batch_size)
        epoch_loss = 0.0
        for batch in batches:
            inputs, pre, outs, _ = _forward(request, target, net, X[batch], training=True, sync=True)
            loss, grads = _backward(request, target, net, inputs, pre, outs, y[batch])
            grads = _clip(request, target, grads, max_norm, t)
            for p, v, g in zip(net.params, velocity, grads):
                v.mul_(momentum).add_(g)
                p.sub_(lrs[t] * v)
            epoch_loss += loss * len(batch)
            t += 1
        losses.append(epoch_loss / train_size)
    _, _, _, logits = _forward(request, target, net, X[test], training=False, rows=1, sync=True)
    accuracy = (logits.argmax(1) == y[test]).float().mean().item()
    return {
        "test_acc": accuracy,
        "losses": np.array(losses, dtype=np.float64),
        "finite": bool(all(math.isfinite(x) for x in losses)),
        "steps": t,
    }
