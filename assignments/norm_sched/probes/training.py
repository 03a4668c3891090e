"""The probe of [training]: the grader trains a deeper network on scikit-learn's digits, asking the submission only
for what its BatchNorm1d, warmup_cosine_lr and clip_grad_norm return on inputs the grader chose.

The grader holds the data, the network's weights, the loss, the optimizer (SGD with momentum), every accuracy and
the decision. The network is 64 -> H -> BN -> ReLU -> ... -> H -> 10, each BN the student's BatchNorm1d kept in the
worker. One probe call trains one network per seed, in lockstep: the runs are independent (each has its own split,
weights, batches and modules), so each request below carries the calls of every run, and a run of two seeds costs
the round trips of one. Per mini-batch step:

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

Each of these requests needs what the one before it returned (the next layer's input, the gradient flowing back,
every gradient for the clipping, the updated weights), so a step cannot take fewer than 2 x depth + 1 round trips.

Then the modules go to eval mode and the test images go through the network in batches that a prediction must not
depend on (``evaluation``): "alone", one image per call, as a deployed model sees them (a batch of one has no
variance at all); or "by_class", one batch per digit, the worst batches for a module whose eval-mode output depends
on the batch it is given (normalised by its own statistics, each batch loses what its digit has in common).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from autograder.probes import probe
from autograder.probes.components import Components
from autograder.probes.digits import digits
from autograder.probes.proxy import Op, Request, Target, list_of, tensor

CLASSES, INPUTS = 10, 64
EVALUATIONS = ("alone", "by_class")

_COMPONENTS = Components("training")  # every problem it reads names [training] and the component that failed
_failed, _returned, _tensor = _COMPONENTS.failed, _COMPONENTS.returned, _COMPONENTS.tensor


def _send(target: Target, request: Request) -> None:
    """Run a request as one chain: its ops count as one input (public and hidden runs share no input, though both
    create BatchNorm1d modules and call .eval()), and after a failed op the rest is skipped (the run stops anyway)."""
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


@dataclass
class _Run:
    """One seed's training run: its split, order of batches, network, momentum buffers and modules (bn{k} and their
    twins bn{k}g, prefixed by the run's number)."""

    number: int
    seed: int
    net: _Network
    train: torch.Tensor
    test: torch.Tensor
    order: torch.Generator
    velocity: list[torch.Tensor] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)

    def bn(self, k: int, twin: bool = False) -> str:
        return f"r{self.number}.bn{k}" + ("g" if twin else "")


@dataclass
class _Pass:
    """One run's forward pass: each hidden layer's input a, pre-activation h and BN output, and the logits."""

    inputs: list[torch.Tensor] = field(default_factory=list)
    pre: list[torch.Tensor] = field(default_factory=list)
    normalized: list[torch.Tensor] = field(default_factory=list)
    logits: torch.Tensor | None = None


def _forward(request: Request, target: Target, runs: list[_Run], xs: list[torch.Tensor],
             batches: list[list[torch.Tensor]] | None = None, sync: bool = False) -> list[_Pass]:  # fmt: skip
    """The network of each run on its x with the student's modules, one request per hidden layer for all runs.

    Without `batches`, in training mode, each module is called once on its run's whole x; with them, in eval mode
    (the first request calls .eval() on every module), once per batch of rows of x (index tensors that cover x once).
    With `sync`, the first request first writes the grader's current BN weights and biases into every module and twin.
    """
    training = batches is None
    mode = "training" if training else "eval"
    passes = [_Pass() for _ in runs]
    acts = list(xs)
    depth, hidden = runs[0].net.depth, runs[0].net.hidden
    for k in range(depth):
        step = Request(after=request)
        writes: list[list[Op]] = []
        calls: list[list[Op]] = []
        for n, run in enumerate(runs):
            w, b, _, _ = run.net.layer(k)
            h = F.linear(acts[n], w, b)
            passes[n].inputs.append(acts[n])
            passes[n].pre.append(h)
            writes.append([step.set_state(run.bn(j, twin), run.net.bn_state(j)) for j in range(depth)
                           for twin in (False, True) if sync and k == 0])  # fmt: skip
            writes[n] += [step.call_kept(run.bn(j), method="eval") for j in range(depth) if not training and k == 0]
            rows = [h] if batches is None else [h[index] for index in batches[n]]
            calls.append([step.call_kept(run.bn(k), tensor(part.numpy(), "float32")) for part in rows])
        _send(target, step)
        for n, run_calls in enumerate(calls):  # in the order of the ops: the first failure is the one reported
            for op in writes[n]:
                _returned(op, "BatchNorm1d", "the grader wrote the new values of its weight and bias into it "
                                             "(set_state), or called .eval() on it")  # fmt: skip
            h = passes[n].pre[k]
            out = torch.empty_like(h)
            for i, call in enumerate(run_calls):
                index = slice(None) if batches is None else batches[n][i]
                shape = tuple(h[index].shape)
                doing = f"hidden layer {k + 1}'s BatchNorm1d({hidden}) was called in {mode} mode on a batch of shape {shape}"
                out[index] = _tensor(_returned(call, "BatchNorm1d", doing), shape, "BatchNorm1d", doing, "what it returned")
            passes[n].normalized.append(out)
            acts[n] = F.relu(out)
    for run, p, a in zip(runs, passes, acts):
        w, b = run.net.head
        p.logits = F.linear(a, w, b)
    return passes


def _backward(request: Request, target: Target, runs: list[_Run], passes: list[_Pass],
              labels: list[torch.Tensor]) -> list[tuple[float, list[torch.Tensor]]]:  # fmt: skip
    """Each run's loss and the gradient of every parameter: the grader's autograd for its own layers, the student's
    twin modules (autograd through BatchNorm1d) for each BN layer, one request per layer for all runs."""
    depth, hidden = runs[0].net.depth, runs[0].net.hidden
    losses, grads, grad_outs = [], [], []
    for run, p, y in zip(runs, passes, labels):
        head_w, head_b = (t.clone().requires_grad_(True) for t in run.net.head)
        last = p.normalized[-1].clone().requires_grad_(True)
        loss = F.cross_entropy(F.linear(F.relu(last), head_w, head_b), y)
        grad_out, grad_w, grad_b = torch.autograd.grad(loss, [last, head_w, head_b])
        losses.append(loss.item())
        grads.append([grad_w, grad_b])
        grad_outs.append(grad_out)
    for k in reversed(range(depth)):
        step = Request(after=request)
        ops = []
        for run, p, grad_out in zip(runs, passes, grad_outs):
            step.call_kept(run.bn(k, twin=True), method="zero_grad")
            call = step.call_kept(run.bn(k, twin=True), tensor(p.pre[k].numpy(), "float32", requires_grad=True),
                                  backward={"cotangent": grad_out.numpy()})  # fmt: skip
            ops.append((call, [step.get(f"{run.bn(k, twin=True)}.{name}", "grad") for name in ("weight", "bias")]))
        _send(target, step)
        doing = f"autograd ran through hidden layer {k + 1}'s BatchNorm1d({hidden}) in training mode"
        for n, (run, p, (call, reads)) in enumerate(zip(runs, passes, ops)):
            h = p.pre[k]
            _returned(call, "BatchNorm1d", doing)
            backward = call.backward()
            if "problem" in backward:
                problem = backward.get("error") or "no gradient reaches its input (is the output computed outside autograd?)"
                raise _failed("BatchNorm1d", doing, problem)
            (dh,) = backward["grads"]
            if dh is None or dh.shape != tuple(h.shape):
                raise _failed("BatchNorm1d", doing, "its input got no gradient of its own shape")
            dgamma, dbeta = (_tensor(_returned(op, "BatchNorm1d", doing), (hidden,), "BatchNorm1d", doing,
                                     f"the gradient of its {name}")  # fmt: skip
                             for op, name in zip(reads, ("weight", "bias")))
            dh = torch.tensor(dh, dtype=torch.float32)
            w, _, _, _ = run.net.layer(k)
            grads[n] = [dh.T @ p.inputs[k], dh.sum(0), dgamma, dbeta] + grads[n]
            if k > 0:
                grad_outs[n] = (dh @ w) * (p.normalized[k - 1] > 0)
    return list(zip(losses, grads))


def _clip(request: Request, target: Target, grads: list[list[torch.Tensor]], max_norm: float,
          t: int) -> list[list[torch.Tensor]]:  # fmt: skip
    """Every run's gradients through the student's clip_grad_norm, in one request."""
    step = Request(after=request)
    calls = [step.call("clip_grad_norm", list_of(*(tensor(g.numpy(), "float32") for g in run)), max_norm)
             for run in grads]  # fmt: skip
    _send(target, step)
    clipped_runs = []
    for call, run in zip(calls, grads):
        doing = f"the grader called it on the network's {len(run)} gradients at step {t} (max_norm={max_norm:g})"
        value = _returned(call, "clip_grad_norm", doing)
        if value.kind not in ("tuple", "list") or value.facts["length"] != 2:
            raise _failed("clip_grad_norm", doing, f"it returned {value.describe()}, expected (clipped, total_norm)")
        clipped = value.items("what clip_grad_norm returned", 2)[0]
        if clipped.kind not in ("tuple", "list") or clipped.facts["length"] != len(run):
            raise _failed("clip_grad_norm", doing, f"the clipped gradients are {clipped.describe()}, expected a list "
                                                   f"of {len(run)} tensors")  # fmt: skip
        items = clipped.items("the clipped gradients", len(run))
        clipped_runs.append([_tensor(item, tuple(g.shape), "clip_grad_norm", doing, f"clipped gradient {i}")
                             for i, (item, g) in enumerate(zip(items, run))])  # fmt: skip
    return clipped_runs


def _start(request: Request, target: Target, runs: list[_Run], total: int, base_lr: float,
           warmup: int) -> list[float]:  # fmt: skip
    """The first request: two BatchNorm1d per hidden layer of each run (the module and its twin for autograd), the
    twins' parameters kept, and the learning rate of every step."""
    depth, hidden = runs[0].net.depth, runs[0].net.hidden
    creates = []
    for run in runs:
        for k in range(depth):
            for name in (run.bn(k), run.bn(k, twin=True)):
                creates.append(request.call("BatchNorm1d", hidden, keep=name))
            for param in ("weight", "bias"):
                creates.append(request.call_kept(run.bn(k, twin=True), param, method="get_parameter",
                                                 keep=f"{run.bn(k, twin=True)}.{param}"))  # fmt: skip
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


def _eval_batches(evaluation: str, labels: torch.Tensor) -> list[torch.Tensor]:
    """The test rows of each eval-mode call: each alone, or one batch per digit."""
    if evaluation == "alone":
        return list(torch.arange(len(labels)).split(1))
    return [index for c in range(CLASSES) if len(index := (labels == c).nonzero().flatten())]


@probe
def bn_training_run(
    target: Target, seeds: list[int], hidden: int, depth: int, epochs: int, batch_size: int, base_lr: float,
    warmup_steps: int, max_norm: float, momentum: float, init_std: float, train_size: int, test_size: int,
    evaluation: str,
) -> dict[str, Any]:  # fmt: skip
    """Train one network per seed, in lockstep, with the submission's BatchNorm1d, warmup_cosine_lr and clip_grad_norm;
    everything else is the grader's.

    Split (seeded): train_size training images and the next test_size test images. Returns each run's test accuracy
    (eval mode, `evaluation` batches), each run's mean training loss per epoch, whether every loss stayed finite, and
    the number of steps of each run.
    """
    if evaluation not in EVALUATIONS:
        raise ValueError(f"evaluation must be one of {EVALUATIONS}")
    X, y = digits()
    runs = []
    for number, seed in enumerate(seeds):
        perm = torch.randperm(len(X), generator=torch.Generator().manual_seed(seed))
        net = _Network(seed, hidden, depth, init_std)
        runs.append(_Run(number, seed, net, perm[:train_size], perm[train_size : train_size + test_size],
                         torch.Generator().manual_seed(seed + 1), [torch.zeros_like(p) for p in net.params]))  # fmt: skip
    steps_per_epoch = math.ceil(train_size / batch_size)
    total = steps_per_epoch * epochs
    request = Request()
    lrs = _start(request, target, runs, total, base_lr, warmup_steps)
    t = 0
    for _ in range(epochs):
        epoch_batches = [run.train[torch.randperm(train_size, generator=run.order)].split(batch_size) for run in runs]
        epoch_loss = [0.0 for _ in runs]
        for batches in zip(*epoch_batches):
            passes = _forward(request, target, runs, [X[batch] for batch in batches], sync=True)
            losses_grads = _backward(request, target, runs, passes, [y[batch] for batch in batches])
            clipped = _clip(request, target, [grads for _, grads in losses_grads], max_norm, t)
            for n, (run, batch) in enumerate(zip(runs, batches)):
                for p, v, g in zip(run.net.params, run.velocity, clipped[n]):
                    v.mul_(momentum).add_(g)
                    p.sub_(lrs[t] * v)
                epoch_loss[n] += losses_grads[n][0] * len(batch)
            t += 1
        for run, loss in zip(runs, epoch_loss):
            run.losses.append(loss / train_size)
    batches = [_eval_batches(evaluation, y[run.test]) for run in runs]
    passes = _forward(request, target, runs, [X[run.test] for run in runs], batches=batches, sync=True)
    accuracy = [(p.logits.argmax(1) == y[run.test]).float().mean().item() for run, p in zip(runs, passes)]  # type: ignore[union-attr]
    return {
        "test_acc": np.array(accuracy, dtype=np.float64),
        "losses": np.array([run.losses for run in runs], dtype=np.float64),
        "finite": bool(all(math.isfinite(x) for run in runs for x in run.losses)),
        "steps": t,
    }
