"""An outside reviewer's cases (issue 15): correct alternatives and single bugs the corpus of variants.py does not have.

Written without looking at the corpus' cases, in the same form (tests/edit.py edits of the solution notebook): mostly
whole replaced definitions, so each case reads as the code a student would hand in. ``hostile`` cases call a library
implementation of a question through an alias, ``getattr`` or ``importlib`` (they must earn nothing on that question,
with the call named), or look like they might but do not (full marks).
"""

from __future__ import annotations

from tests.assignments.optim_reg.corpus.variants import Variant, bug, correct

CORRECT = [
    # [init]
    correct("O-init-list-fans-box-muller-default-generator", definitions=('''
        import functools
        import operator


        def compute_fans(shape):
            """A list [fan_in, fan_out]; the receptive field by reduce."""
            dims = [int(n) for n in shape]
            if len(dims) < 2:
                raise ValueError("compute_fans needs at least 2 dimensions")
            field = functools.reduce(operator.mul, dims[2:], 1)
            return [dims[1] * field, dims[0] * field]
        ''', '''
        def he_normal(shape, mode="fan_in", generator=None):
            """N(0, 2/fan) by Box-Muller from two uniforms; the global generator made explicit."""
            generator = generator if generator is not None else torch.default_generator
            index = {"fan_in": 0, "fan_out": 1}.get(mode)
            if index is None:
                raise ValueError(f"unknown mode {mode!r}")
            fan = compute_fans(shape)[index]
            u1 = 1.0 - torch.rand(tuple(shape), generator=generator, dtype=torch.float64)  # in (0, 1]
            u2 = torch.rand(tuple(shape), generator=generator, dtype=torch.float64)
            z = torch.sqrt(-2.0 * torch.log(u1)) * torch.cos(2 * math.pi * u2)
            return (z * math.sqrt(2.0 / fan)).to(torch.float32)
        ''')),
    correct("O-init-numpy-round-trip-and-aliased-rand", definitions=('''
        from torch import rand as draw_uniform


        def he_uniform(shape, mode="fan_in", generator=None):
            """U(-b, b) through numpy: 2u - 1 scaled, back to a float32 tensor."""
            b = math.sqrt(6.0 / _fan(shape, mode))
            u = draw_uniform(tuple(shape), generator=generator).numpy()
            return torch.from_numpy((2.0 * u - 1.0) * b).to(torch.float32)
        ''', '''
        def xavier_uniform(shape, gain=1.0, generator=None):
            """The bound from the variance: a = sqrt(3 * Var)."""
            fan_in, fan_out = compute_fans(shape)
            variance = gain**2 * 2.0 / (fan_in + fan_out)
            return torch.empty(*shape).uniform_(-math.sqrt(3 * variance), math.sqrt(3 * variance), generator=generator)
        ''')),
    # [momentum]
    correct("O-momentum-float64-inside", definitions=('''
        def sgd_momentum_update(param, grad, velocity, lr=0.01, beta=0.9):
            """Computed in float64, returned in the dtypes given."""
            v = velocity.double() * beta + grad.double() * (1.0 - beta)
            return (param.double() - lr * v).to(param.dtype), v.to(velocity.dtype)
        ''',)),
    correct("O-momentum-numpy-round-trip", definitions=('''
        def sgd_momentum_update(param, grad, velocity, lr=0.01, beta=0.9):
            """Through numpy and back (as_tensor keeps the dtype, also for 0-dim results)."""
            p, g, v = param.numpy(), grad.numpy(), velocity.numpy()
            v = beta * v + (1 - beta) * g
            p = p - lr * v
            return torch.as_tensor(np.asarray(p)), torch.as_tensor(np.asarray(v))
        ''',)),
    # hostile but honest: the contract allows subclassing torch.optim.Optimizer
    correct("O-momentum-optimizer-subclass", definitions=('''
        class EMAMomentum(torch.optim.Optimizer):
            """The contract's momentum as an optimizer of one's own."""

            def __init__(self, params, lr=0.01, beta=0.9):
                super().__init__(params, {"lr": lr, "beta": beta})

            @torch.no_grad()
            def step(self):
                for group in self.param_groups:
                    for p in group["params"]:
                        v = self.state[p]["velocity"]
                        v.mul_(group["beta"]).add_(p.grad, alpha=1 - group["beta"])
                        p.sub_(group["lr"] * v)


        def sgd_momentum_update(param, grad, velocity, lr=0.01, beta=0.9):
            """One step of the optimizer above on a copy of the param."""
            p = param.detach().clone().requires_grad_(True)
            p.grad = grad.clone()
            opt = EMAMomentum([p], lr=lr, beta=beta)
            opt.state[p]["velocity"] = velocity.clone()
            opt.step()
            return p.detach(), opt.state[p]["velocity"]
        ''',)),
    # [rmsprop]
    correct("O-rmsprop-static-method-helper", definitions=('''
        class _RMS:
            @staticmethod
            def average(square_avg, grad, alpha):
                return torch.add(square_avg * alpha, grad.square(), alpha=1 - alpha)

            @staticmethod
            def step(param, grad, square_avg, lr, eps):
                return param.addcdiv(grad, square_avg.sqrt() + eps, value=-lr)


        def rmsprop_update(param, grad, square_avg, lr=0.01, alpha=0.99, eps=1e-8):
            """Delegates to a helper class."""
            square_avg = _RMS.average(square_avg, grad, alpha)
            return _RMS.step(param, grad, square_avg, lr, eps), square_avg
        ''',)),
    correct("O-rmsprop-callable-instance", (
        "def rmsprop_update(param, grad, square_avg, lr=0.01, alpha=0.99, eps=1e-8):\n"
        '    """One RMSProp step, eps outside the square root; returns (param, square_avg)."""\n'
        "    square_avg = alpha * square_avg + (1 - alpha) * grad * grad\n"
        "    param = param - lr * grad / (square_avg.sqrt() + eps)\n"
        "    return param, square_avg",
        "class RMSPropStep:\n"
        '    """A callable object with the contract\'s signature."""\n\n'
        "    def __call__(self, param, grad, square_avg, lr=0.01, alpha=0.99, eps=1e-8):\n"
        "        square_avg = alpha * square_avg + (1 - alpha) * grad**2\n"
        "        return param - lr * grad / (torch.sqrt(square_avg) + eps), square_avg\n\n\n"
        "rmsprop_update = RMSPropStep()")),
    # [adam]
    correct("O-adam-eps-scaled-into-raw-root", definitions=('''
        def adam_update(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
            """m_hat / (sqrt(v_hat) + eps) multiplied through by sqrt(1 - beta2**t): the same number."""
            m = beta1 * m + (1 - beta1) * grad
            v = beta2 * v + (1 - beta2) * grad * grad
            root_bc2 = math.sqrt(1 - beta2**t)
            step_size = lr * root_bc2 / (1 - beta1**t)
            return param - step_size * m / (v.sqrt() + eps * root_bc2), m, v
        ''',)),
    correct("O-adam-torch-functions-and-exp-log-powers", definitions=('''
        def adam_update(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
            """torch.* calls only, beta**t as exp(t log beta)."""
            m = torch.add(torch.mul(m, beta1), grad, alpha=1 - beta1)
            v = torch.addcmul(torch.mul(v, beta2), grad, grad, value=1 - beta2)
            bc1 = -math.expm1(t * math.log(beta1))
            bc2 = -math.expm1(t * math.log(beta2))
            update = torch.div(torch.div(m, bc1), torch.add(torch.sqrt(torch.div(v, bc2)), eps))
            return torch.sub(param, update, alpha=lr), m, v
        ''',)),
    # [adamw]
    correct("O-adamw-decay-then-own-adam", definitions=('''
        def adamw_update(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2):
            """Decay the param, then reuse adam_update (its step does not depend on the param)."""
            return adam_update(param * (1 - lr * weight_decay), grad, m, v, t, lr, beta1, beta2, eps)
        ''',)),
    correct("O-adamw-in-place-with-saved-copy", definitions=('''
        def adamw_update(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2):
            """In place on the arguments; the decay uses a copy of the param from before the step."""
            before = param.clone()
            m.mul_(beta1).add_(grad, alpha=1 - beta1)
            v.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
            denom = (v / (1 - beta2**t)).sqrt_().add_(eps)
            param.addcdiv_(m, denom, value=-lr / (1 - beta1**t))
            param.sub_(before, alpha=lr * weight_decay)
            return param, m, v
        ''',)),
    # [l2]
    correct("O-l2-vector-norm-squared", definitions=('''
        def l2_penalty(params, lam):
            """Squared Euclidean norms of the flattened tensors."""
            return 0.5 * lam * sum(torch.linalg.vector_norm(w.reshape(-1)) ** 2 for w in params)
        ''',)),
    # [dropout]
    correct("O-dropout-uint8-mask-and-uniform-like", definitions=('''
        def dropout_forward(x, p, training=True, generator=None):
            """A 0/1 uint8 mask from uniform_ on a tensor like x; zeros directly at p = 1."""
            _check_drop_probability(p)
            if not training or p == 0:
                return x.clone(), torch.ones(x.shape, dtype=torch.uint8)
            if p == 1:
                return torch.zeros_like(x), torch.zeros(x.shape, dtype=torch.uint8)
            mask = (torch.empty_like(x).uniform_(0, 1, generator=generator) > p).to(torch.uint8)
            return x * mask / (1 - p), mask
        ''',)),
    correct("O-dropout-module-keeps-last-mask", (
        "        if not self.training:\n            return x\n        out, _ = dropout_forward(x, self.p, training=True)\n"
        "        return out",
        "        out, self.last_mask = dropout_forward(x, self.p, training=self.training)\n        return out")),
    # hostile but honest: a helper named like the library function, and a comparison model built from nn.Dropout and
    # nn.init that no graded function calls
    correct("O-dropout-helper-named-dropout-and-unused-torch-model", definitions=('''
        def dropout(x, keep, generator=None):
            """The student's own helper: a keep mask and the rescaled output."""
            mask = torch.rand(x.shape, generator=generator) < keep
            return torch.where(mask, x / keep, torch.zeros_like(x)) if keep > 0 else torch.zeros_like(x), mask


        def torch_reference_model(p):
            """To compare my Dropout with PyTorch's in my own experiments (never called by a graded function)."""
            layer = torch.nn.Linear(64, 64)
            torch.nn.init.kaiming_normal_(layer.weight)
            return torch.nn.Sequential(layer, torch.nn.ReLU(), torch.nn.Dropout(p))


        def dropout_forward(x, p, training=True, generator=None):
            """Inverted dropout through the helper above."""
            _check_drop_probability(p)
            if not training or p == 0:
                return x, torch.ones_like(x, dtype=torch.bool)
            return dropout(x, 1 - p, generator)
        ''',)),
    # [early_stopping]
    correct("O-early-stopping-dataclass-signed-metric", ("import math\n\nimport torch", "import copy\nimport math\n\nimport torch"),
            definitions=('''
        import dataclasses


        @dataclasses.dataclass
        class EarlyStopping:
            """A dataclass; mode handled by a sign, best shown as the metric itself."""

            patience: int = 5
            min_delta: float = 0.0
            mode: str = "min"
            restore_best_weights: bool = False

            def __post_init__(self):
                if self.mode not in ("min", "max") or self.patience < 0:
                    raise ValueError("mode must be 'min' or 'max' and patience at least 0")
                self._sign = 1.0 if self.mode == "min" else -1.0
                self._score = math.inf  # sign * best: lower is better
                self.best_epoch, self.counter, self.should_stop = -1, 0, False
                self._calls, self._saved = 0, None

            @property
            def best(self):
                return self._sign * self._score

            def step(self, metric, model=None):
                score = self._sign * float(metric)
                if not math.isnan(score) and (self.best_epoch == -1 or score < self._score - self.min_delta):
                    self._score, self.best_epoch, self.counter = score, self._calls, 0
                    if self.restore_best_weights and model is not None:
                        self._saved = copy.deepcopy(model.state_dict())
                else:
                    self.counter += 1
                self._calls += 1
                self.should_stop = self.best_epoch != self._calls - 1 and self.counter >= self.patience
                return self.should_stop

            def restore(self, model):
                if self._saved is None:
                    raise LookupError("no weights were saved")
                model.load_state_dict(self._saved)
        ''',)),
    correct("O-early-stopping-bytes-buffer-and-copy-back", ("import math\n\nimport torch", "import io\nimport math\n\nimport torch"), (
        "                self._best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}\n",
        "                self._best_state = io.BytesIO()\n                torch.save(model.state_dict(), self._best_state)\n"), (
        "        model.load_state_dict(self._best_state)",
        "        self._best_state.seek(0)\n        saved = torch.load(self._best_state, weights_only=True)\n"
        "        with torch.no_grad():\n            for name, tensor in model.state_dict().items():\n"
        "                tensor.copy_(saved[name])")),
]  # fmt: skip

# The forbidden-call cases: each uses a library implementation of its question, reached in a roundabout way.
HOSTILE = [
    bug("O-init-nn-init-through-alias", "init", definitions=('''
        from torch.nn import init as tinit


        def he_normal(shape, mode="fan_in", generator=None):
            """PyTorch's kaiming_normal_, under another name."""
            _fan(shape, mode)
            return tinit.kaiming_normal_(torch.empty(tuple(shape)), mode=mode, nonlinearity="relu", generator=generator)
        ''',), says="torch.nn.init"),
    bug("O-dropout-functional-through-getattr", "dropout", definitions=('''
        def dropout_forward(x, p, training=True, generator=None):
            """PyTorch's dropout, looked up by name."""
            _check_drop_probability(p)
            if not training or p == 0:
                return x, torch.ones_like(x, dtype=torch.bool)
            out = getattr(torch.nn.functional, "drop" + "out")(x, p=p, training=True)
            return out, out != 0
        ''',), says="getattr"),
    bug("O-momentum-torch-sgd-through-importlib", "momentum", definitions=('''
        import importlib


        def sgd_momentum_update(param, grad, velocity, lr=0.01, beta=0.9):
            """torch.optim.SGD with dampening = momentum is the EMA form."""
            p = param.detach().clone().requires_grad_(True)
            p.grad = grad.clone()
            optimizer = importlib.import_module("torch.optim").SGD([p], lr=lr, momentum=beta, dampening=beta)
            optimizer.state[p]["momentum_buffer"] = velocity.clone()
            optimizer.step()
            return p.detach(), optimizer.state[p]["momentum_buffer"]
        ''',), says="torch.optim"),
]  # fmt: skip

BUGS = [
    # [init]
    bug("O-I-receptive-field-on-fan-in-only", "init", (
        "    return shape[1] * receptive_field, shape[0] * receptive_field\n",
        "    return shape[1] * receptive_field, shape[0]\n")),
    bug("O-I-tensorflow-layout", "init", (
        "    receptive_field = math.prod(shape[2:])\n    return shape[1] * receptive_field, shape[0] * receptive_field\n",
        "    receptive_field = math.prod(shape[:-2])\n    return shape[-2] * receptive_field, shape[-1] * receptive_field\n")),
    bug("O-I-he-uniform-lecun-bound", "init", (
        "    b = math.sqrt(6.0 / _fan(shape, mode))\n", "    b = math.sqrt(3.0 / _fan(shape, mode))\n"), mistake="init.he_lecun"),
    bug("O-I-xavier-uniform-gain-dropped", "init", (
        "    a = gain * math.sqrt(6.0 / (fan_in + fan_out))\n", "    a = math.sqrt(6.0 / (fan_in + fan_out))\n"),
        mistake="init.xavier_gain_ignored"),
    bug("O-I-he-normal-truncated-at-2-std", "init", (
        "    s = math.sqrt(2.0 / _fan(shape, mode))\n    return torch.empty(tuple(shape), dtype=torch.float32)"
        ".normal_(0.0, s, generator=generator)",
        "    s = math.sqrt(2.0 / _fan(shape, mode))\n    return torch.empty(tuple(shape), dtype=torch.float32)"
        ".normal_(0.0, s, generator=generator).clamp(-2 * s, 2 * s)")),
    bug("O-I-global-seed-from-generator", "init", (
        "    b = math.sqrt(6.0 / _fan(shape, mode))\n    return torch.empty(tuple(shape), dtype=torch.float32)"
        ".uniform_(-b, b, generator=generator)",
        "    b = math.sqrt(6.0 / _fan(shape, mode))\n    if generator is not None:\n"
        "        torch.manual_seed(generator.initial_seed())\n"
        "    return torch.empty(tuple(shape), dtype=torch.float32).uniform_(-b, b)")),
    # [momentum]
    bug("O-S-torch-dampening-form", "momentum", (
        "    velocity = beta * velocity + (1 - beta) * grad\n    param = param - lr * velocity\n",
        "    velocity = beta * velocity + grad\n    param = param - lr * (1 - beta) * velocity\n")),
    bug("O-S-nesterov-lookahead", "momentum", (
        "    velocity = beta * velocity + (1 - beta) * grad\n    param = param - lr * velocity\n",
        "    velocity = beta * velocity + (1 - beta) * grad\n    param = param - lr * (beta * velocity + (1 - beta) * grad)\n")),
    bug("O-S-old-velocity-returned", "momentum", (
        "    velocity = beta * velocity + (1 - beta) * grad\n    param = param - lr * velocity\n    return param, velocity",
        "    new_velocity = beta * velocity + (1 - beta) * grad\n    param = param - lr * new_velocity\n"
        "    return param, velocity"), mistake="momentum.velocity_not_returned"),
    bug("O-S-default-beta-099", "momentum", (
        "def sgd_momentum_update(param, grad, velocity, lr=0.01, beta=0.9):",
        "def sgd_momentum_update(param, grad, velocity, lr=0.01, beta=0.99):")),
    # [rmsprop]
    bug("O-R-default-eps-1e-6", "rmsprop", (
        "def rmsprop_update(param, grad, square_avg, lr=0.01, alpha=0.99, eps=1e-8):",
        "def rmsprop_update(param, grad, square_avg, lr=0.01, alpha=0.99, eps=1e-6):")),
    bug("O-R-eps-squared-inside-root", "rmsprop", (
        "    param = param - lr * grad / (square_avg.sqrt() + eps)\n",
        "    param = param - lr * grad / (square_avg + eps**2).sqrt()\n")),
    bug("O-R-float32-state", "rmsprop", (
        "    square_avg = alpha * square_avg + (1 - alpha) * grad * grad\n    param = param - lr * grad / (square_avg.sqrt() + eps)\n",
        "    square_avg = (alpha * square_avg + (1 - alpha) * grad * grad).float()\n"
        "    param = param - lr * grad / (square_avg.sqrt() + eps)\n"), says="float32 square_avg for float64 inputs"),
    # [adam]
    bug("O-A-eps-added-after-division", "adam", (
        "    param = param - lr * m_hat / (v_hat.sqrt() + eps)\n    return param, m, v",
        "    param = param - lr * (m_hat / v_hat.sqrt() + eps)\n    return param, m, v"), also=("training",)),
    bug("O-A-t-incremented-inside", "adam", (
        '    """One Adam step at 1-based step number t, with bias correction; returns (param, m, v)."""\n',
        '    """One Adam step at 1-based step number t, with bias correction; returns (param, m, v)."""\n    t += 1\n'),
        mistake="adam.t_plus_1"),
    bug("O-A-v-from-new-m", "adam", (
        "    v = beta2 * v + (1 - beta2) * grad * grad\n    m_hat = m / (1 - beta1**t)\n    v_hat = v / (1 - beta2**t)\n"
        "    param = param - lr * m_hat / (v_hat.sqrt() + eps)\n    return param, m, v",
        "    v = beta2 * v + (1 - beta2) * m * m\n    m_hat = m / (1 - beta1**t)\n    v_hat = v / (1 - beta2**t)\n"
        "    param = param - lr * m_hat / (v_hat.sqrt() + eps)\n    return param, m, v")),
    bug("O-A-lr-decayed-by-sqrt-t", "adam", (
        "    param = param - lr * m_hat / (v_hat.sqrt() + eps)\n    return param, m, v",
        "    param = param - lr / math.sqrt(t) * m_hat / (v_hat.sqrt() + eps)\n    return param, m, v")),
    bug("O-A-gradient-clipped", "adam", (
        '    """One Adam step at 1-based step number t, with bias correction; returns (param, m, v)."""\n',
        '    """One Adam step at 1-based step number t, with bias correction; returns (param, m, v)."""\n'
        "    grad = grad.clamp(-1.0, 1.0)\n")),
    # [adamw]
    bug("O-AW-in-place-decay-after-step", "adamw", (
        "    param = param - lr * weight_decay * param - lr * m_hat / (v_hat.sqrt() + eps)\n",
        "    param = param.clone()\n    param.sub_(lr * m_hat / (v_hat.sqrt() + eps))\n    param.mul_(1 - lr * weight_decay)\n"),
        mistake="adamw.decay_after_step"),
    bug("O-AW-decay-both-coupled-and-decoupled", "adamw", (
        '    """One AdamW step: decoupled weight decay on the old parameter plus Adam\'s step; returns (param, m, v)."""\n',
        '    """One AdamW step: decoupled weight decay on the old parameter plus Adam\'s step; returns (param, m, v)."""\n'
        "    grad = grad + weight_decay * param\n")),
    bug("O-AW-default-weight-decay-0", "adamw", (
        "def adamw_update(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2):",
        "def adamw_update(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):")),
    # [l2]
    bug("O-L-biases-skipped", "l2", ("    for w in params:\n        total = total + (w * w).sum()\n",
        "    for w in params:\n        if w.dim() > 1:\n            total = total + (w * w).sum()\n"), mistake="l2.only_matrices"),
    bug("O-L-sum-of-norms", "l2", ("        total = total + (w * w).sum()\n", "        total = total + w.norm()\n"),
        mistake="l2.sum_of_norms"),
    bug("O-L-square-of-sum", "l2", ("        total = total + (w * w).sum()\n", "        total = total + w.sum() ** 2\n")),
    # [dropout]
    bug("O-D-mask-cached-per-shape", "dropout", (
        "    mask = torch.rand(x.shape, generator=generator, device=x.device) >= p\n",
        "    key = (tuple(x.shape), p)\n    if key not in _MASKS:\n"
        "        _MASKS[key] = torch.rand(x.shape, generator=generator, device=x.device) >= p\n    mask = _MASKS[key]\n"), (
        "def _check_drop_probability(p):\n", "_MASKS = {}\n\n\ndef _check_drop_probability(p):\n")),
    bug("O-D-scaled-at-test-time", "dropout", (
        "    if not training or p == 0:\n        return x, torch.ones_like(x, dtype=torch.bool)\n",
        "    if not training or p == 0:\n        return x * (1 - p), torch.ones_like(x, dtype=torch.bool)\n"), (
        "    scale = 0.0 if p == 1 else 1.0 / (1.0 - p)\n", "    scale = 1.0\n")),
    bug("O-D-backward-divides-by-p", "dropout", (
        "    return grad_out * mask / (1.0 - p)\n", "    return grad_out * mask / p\n")),
    bug("O-D-mask-returned-scaled", "dropout", (
        "    return torch.where(mask, x * scale, 0.0), mask\n", "    mask = mask * scale\n    return x * mask, mask\n")),
    bug("O-D-p-one-treated-as-off", "dropout", (
        "    if not training or p == 0:\n        return x, torch.ones_like(x, dtype=torch.bool)\n",
        "    if not training or p == 0 or p == 1:\n        return x, torch.ones_like(x, dtype=torch.bool)\n")),
    bug("O-D-module-train-flag-inverted", "dropout", (
        "        if not self.training:\n            return x\n", "        if self.training:\n            return x\n")),
    bug("O-D-bernoulli-of-p-as-keep", "dropout", (
        "    mask = torch.rand(x.shape, generator=generator, device=x.device) >= p\n",
        "    mask = torch.bernoulli(torch.full(x.shape, float(p)), generator=generator).bool()\n"), also=("training",)),
    # [early_stopping]
    bug("O-E-min-delta-ignored-in-max-mode", "early_stopping", (
        "        return metric > self.best + self.min_delta\n", "        return metric > self.best\n")),
    bug("O-E-stops-one-epoch-early", "early_stopping", (
        "            self.should_stop = self.counter >= self.patience\n",
        "            self.should_stop = self.counter + 1 >= self.patience\n")),
    bug("O-E-saved-dict-without-clones", "early_stopping", (
        "                self._best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}\n",
        "                self._best_state = {k: v.detach() for k, v in model.state_dict().items()}\n")),
    bug("O-E-best-epoch-counts-improvements", "early_stopping", (
        "            self.best, self.best_epoch, self.counter = metric, self._epoch, 0\n",
        "            self.best, self.best_epoch, self.counter = metric, self.best_epoch + 1, 0\n"), says="not the number of improvements"),
    bug("O-E-nan-as-inf-any-mode", "early_stopping", (
        "        metric = metric.item() if torch.is_tensor(metric) else float(metric)\n",
        "        metric = metric.item() if torch.is_tensor(metric) else float(metric)\n"
        "        if math.isnan(metric):\n            metric = math.inf\n")),
    bug("O-E-saves-on-any-decrease", "early_stopping", (
        "            if self.restore_best_weights and model is not None:\n"
        "                self._best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}\n", ""), (
        "        metric = metric.item() if torch.is_tensor(metric) else float(metric)\n",
        "        metric = metric.item() if torch.is_tensor(metric) else float(metric)\n"
        "        if self.restore_best_weights and model is not None and metric <= self.best:\n"
        "            self._best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}\n")),
    bug("O-E-restore-into-a-copy", "early_stopping", (
        "        model.load_state_dict(self._best_state)",
        "        model = copy.deepcopy(model)\n        model.load_state_dict(self._best_state)\n        return model"), (
        "import math\n\nimport torch", "import copy\nimport math\n\nimport torch")),
]  # fmt: skip

VARIANTS: list[Variant] = [*CORRECT, *HOSTILE, *BUGS]
