"""An outside reviewer's cases for norm_sched: correct alternatives, single bugs and library detours that the corpus of
variants.py does not have, written without looking at which the graders already name.

The same form as optim_reg's outsider cases (tests/assignments/optim_reg/corpus/outsider.py): mostly whole replaced
definitions, so each case reads as the code a student would hand in. ``HOSTILE`` cases reach a library implementation
of their question in a roundabout way (an alias, ``getattr``, ``importlib``, a name bound outside the function): they
must earn nothing on that question, with the call named, and lose nothing elsewhere.
"""

from __future__ import annotations

from tests.assignments.norm_sched.corpus.variants import (
    ADAGRAD,
    BN_COPY_BACK,
    BN_INV_STD,
    BN_MODULE_CALL,
    BN_RUNNING,
    CLIP_COEF,
    COSINE,
    NESTEROV,
    NOISE,
    STEP,
    WARMUP,
    WARMUP_COSINE,
)
from tests.assignments.optim_reg.corpus.variants import Variant, bug, correct

CORRECT: list[Variant] = [
    # [batchnorm]
    correct("O-bn-var-mean-in-place-running-and-staged-backward", definitions=('''
        def batchnorm_forward(x, gamma, beta, running_mean, running_var, training=True, momentum=0.1, eps=1e-5):
            """torch.var_mean, the running statistics updated in place, a dict cache with x itself."""
            if training:
                var, mean = torch.var_mean(x, dim=0, unbiased=False)
                n = x.shape[0]
                running_mean.mul_(1 - momentum).add_(mean.detach(), alpha=momentum)
                running_var.mul_(1 - momentum).add_(var.detach() * (n / (n - 1)), alpha=momentum)
            else:
                mean, var = running_mean, running_var
            std = torch.sqrt(var + eps)
            out = gamma * ((x - mean) / std) + beta
            return out, running_mean, running_var, {"x": x, "mean": mean, "std": std, "gamma": gamma, "train": training}
        ''', '''
        def batchnorm_backward(grad_out, cache):
            """The staged (computational-graph) derivation, from x, the mean and the std; dmean without the dvar term,
            which is zero because the deviations sum to 0."""
            x, mean, std, gamma = cache["x"], cache["mean"], cache["std"], cache["gamma"]
            x_mu = x - mean
            x_hat = x_mu / std
            dgamma = torch.sum(grad_out * x_hat, dim=0)
            dbeta = torch.sum(grad_out, dim=0)
            dx_hat = grad_out * gamma
            if not cache["train"]:
                return dx_hat / std, dgamma, dbeta
            n = x.shape[0]
            dvar = torch.sum(dx_hat * x_mu, dim=0) * -0.5 * std**-3
            dmean = torch.sum(-dx_hat / std, dim=0)
            dx = dx_hat / std + dvar * 2.0 * x_mu / n + dmean / n
            return dx, dgamma, dbeta
        ''')),
    correct("O-bn-moments-form-float64-inside", definitions=('''
        def batchnorm_forward(x, gamma, beta, running_mean, running_var, training=True, momentum=0.1, eps=1e-5):
            """In float64 whatever the input, variance as E[x^2] - E[x]^2, the running averages written as
            running + momentum * (batch - running); results cast back to x's dtype."""
            dtype = x.dtype
            x64, g64, b64 = x.double(), gamma.double(), beta.double()
            if training:
                n = x.shape[0]
                mean = x64.sum(dim=0) / n
                var = (x64 * x64).sum(dim=0) / n - mean * mean
                rm = running_mean.double() + momentum * (mean.detach() - running_mean.double())
                rv = running_var.double() + momentum * (var.detach() * n / (n - 1) - running_var.double())
            else:
                mean, var = running_mean.double(), running_var.double()
                rm, rv = running_mean.double(), running_var.double()
            x_hat = (x64 - mean) / (var + eps) ** 0.5
            out = g64 * x_hat + b64
            return out.to(dtype), rm.to(dtype), rv.to(dtype), (x_hat, g64, (var + eps) ** -0.5, training, dtype)
        ''', '''
        def batchnorm_backward(grad_out, cache):
            """The compact formula with means instead of sums, in float64, cast back."""
            x_hat, gamma, inv_std, training, dtype = cache
            g = grad_out.double()
            dgamma, dbeta = (g * x_hat).sum(0), g.sum(0)
            dx_hat = g * gamma
            if training:
                dx = inv_std * (dx_hat - dx_hat.mean(0) - x_hat * (dx_hat * x_hat).mean(0))
            else:
                dx = dx_hat * inv_std
            return dx.to(dtype), dgamma.to(dtype), dbeta.to(dtype)
        ''')),
    correct("O-bn-module-inline-buffers-reassigned-and-counter", definitions=('''
        class BatchNorm1d(nn.Module):
            """The formula written in forward itself; buffers replaced by assignment (nn.Module keeps them buffers);
            a num_batches_tracked counter like PyTorch's."""

            def __init__(self, num_features, eps=1e-5, momentum=0.1):
                super().__init__()
                self.num_features, self.eps, self.momentum = num_features, eps, momentum
                self.weight = nn.Parameter(torch.ones(num_features))
                self.bias = nn.Parameter(torch.zeros(num_features))
                self.register_buffer("running_mean", torch.zeros(num_features))
                self.register_buffer("running_var", torch.ones(num_features))
                self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long))

            def forward(self, x):
                if self.training:
                    mean = x.mean(0)
                    var = ((x - mean) ** 2).mean(0)
                    with torch.no_grad():
                        n = x.shape[0]
                        self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * mean
                        self.running_var = (1 - self.momentum) * self.running_var + self.momentum * var * n / (n - 1)
                        self.num_batches_tracked += 1
                else:
                    mean, var = self.running_mean, self.running_var
                return self.weight * (x - mean) / torch.sqrt(var + self.eps) + self.bias
        ''',)),
    correct("O-bn-module-keyword-call-and-data-assignment", (BN_MODULE_CALL,
        "self.running_mean, self.running_var, training=self.training, momentum=self.momentum, eps=self.eps"), (
        BN_COPY_BACK, "        if self.training:\n            self.running_mean.data = running_mean.detach().clone()\n"
        "            self.running_var.data = running_var.detach().clone()\n")),
    correct("O-bn-lists-and-a-dataclass-cache", ("import math\n\nimport torch\nimport torch.nn as nn",
        "import math\nfrom dataclasses import dataclass\n\nimport torch\nimport torch.nn as nn"), definitions=('''
        @dataclass
        class BatchNormCache:
            x_hat: torch.Tensor
            gamma: torch.Tensor
            inv_std: torch.Tensor
            training: bool


        def batchnorm_forward(x, gamma, beta, running_mean, running_var, training=True, momentum=0.1, eps=1e-5):
            """Returns a list, with a dataclass as the cache."""
            if training:
                n = len(x)
                mean, var = x.mean(0), x.var(0, unbiased=False)
                running_mean = torch.lerp(running_mean, mean.detach(), momentum)
                running_var = torch.lerp(running_var, var.detach() * n / (n - 1), momentum)
            else:
                mean, var = running_mean, running_var
            inv_std = (var + eps).rsqrt()
            x_hat = (x - mean) * inv_std
            return [torch.addcmul(beta, gamma, x_hat), running_mean, running_var, BatchNormCache(x_hat, gamma, inv_std, training)]
        ''', '''
        def batchnorm_backward(grad_out, cache):
            """Returns a list."""
            dgamma = (grad_out * cache.x_hat).sum(0)
            dbeta = grad_out.sum(0)
            dx_hat = grad_out * cache.gamma
            if not cache.training:
                return [dx_hat * cache.inv_std, dgamma, dbeta]
            centred = dx_hat - dx_hat.mean(0) - cache.x_hat * (dx_hat * cache.x_hat).mean(0)
            return [centred * cache.inv_std, dgamma, dbeta]
        ''')),
    # the cache is a closure: it never leaves the worker, so any object works
    correct("O-bn-closure-as-cache", definitions=('''
        def batchnorm_forward(x, gamma, beta, running_mean, running_var, training=True, momentum=0.1, eps=1e-5):
            """The cache is the backward itself, closed over what it needs."""
            if training:
                n = x.shape[0]
                mean, var = x.mean(0), x.var(0, correction=0)
                running_mean = (1 - momentum) * running_mean + momentum * mean.detach()
                running_var = (1 - momentum) * running_var + momentum * var.detach() * n / (n - 1)
            else:
                mean, var = running_mean, running_var
            std = (var + eps).sqrt()
            x_hat = (x - mean) / std

            def backward(grad_out):
                dx_hat = grad_out * gamma
                dgamma, dbeta = (grad_out * x_hat).sum(0), grad_out.sum(0)
                if not training:
                    return dx_hat / std, dgamma, dbeta
                return (dx_hat - dx_hat.mean(0) - x_hat * (dx_hat * x_hat).mean(0)) / std, dgamma, dbeta

            return gamma * x_hat + beta, running_mean, running_var, backward
        ''', '''
        def batchnorm_backward(grad_out, cache):
            """The cache computes it."""
            return cache(grad_out)
        ''')),
    # [layernorm]
    correct("O-ln-rows-flattened-moments", definitions=('''
        def layernorm_forward(x, gamma, beta, eps=1e-5):
            """Every vector along the last dimension as a row of a matrix; var = E[x^2] - E[x]^2; reshaped back."""
            d = x.shape[-1]
            flat = x.reshape(-1, d)
            mean = flat.sum(dim=1, keepdim=True) / d
            var = (flat * flat).mean(dim=1, keepdim=True) - mean**2
            x_hat = (flat - mean) / torch.sqrt(var + eps)
            return (x_hat * gamma + beta).reshape(x.shape)
        ''',)),
    correct("O-ln-var-mean-transposed", definitions=('''
        def layernorm_forward(x, gamma, beta, eps=1e-5):
            """The last dimension moved to the front, statistics over dim 0, moved back."""
            xt = x.movedim(-1, 0)
            var, mean = torch.var_mean(xt, dim=0, correction=0)
            y = (xt - mean) * torch.rsqrt(var + eps)
            return (y.movedim(0, -1) * gamma).add(beta)
        ''',)),
    # [schedules]
    correct("O-sched-loop-half-angle-clamped-progress", definitions=('''
        def step_lr(step, base_lr, step_size, gamma=0.1):
            """gamma applied once per completed period, by a loop."""
            lr = base_lr
            for _ in range(int(step / step_size)):
                lr *= gamma
            return lr
        ''', '''
        def cosine_lr(step, base_lr, total_steps, min_lr=0.0):
            """(1 + cos t) / 2 = cos(t / 2)^2, with the progress clamped at 1 (cos(pi) = -1 gives min_lr exactly)."""
            progress = min(step, total_steps) / total_steps
            return min_lr + (base_lr - min_lr) * math.cos(math.pi * progress / 2) ** 2
        ''', '''
        def warmup_cosine_lr(step, base_lr, warmup_steps, total_steps, min_lr=0.0):
            """The ramp and the cosine written out, warmup_steps = 0 handled first."""
            if warmup_steps > 0 and step < warmup_steps:
                return base_lr * (step / warmup_steps)
            if step > total_steps:
                return min_lr
            t = (step - warmup_steps) / (total_steps - warmup_steps)
            return min_lr + (base_lr - min_lr) * 0.5 * (1.0 + math.cos(math.pi * t))
        ''')),
    correct("O-sched-torch-float64-tensors", definitions=('''
        def step_lr(step, base_lr, step_size, gamma=0.1):
            """A 0-dim float64 tensor."""
            return base_lr * torch.tensor(gamma, dtype=torch.float64) ** (step // step_size)
        ''', '''
        def cosine_lr(step, base_lr, total_steps, min_lr=0.0):
            """torch's cos of a float64 tensor, returned as a Python float with .item()."""
            if step >= total_steps:
                return float(min_lr)
            angle = torch.tensor(math.pi * step / total_steps, dtype=torch.float64)
            return (min_lr + (base_lr - min_lr) * (1 + torch.cos(angle)) / 2).item()
        ''')),
    # [clipping]
    correct("O-clip-flat-norm-tuple-and-float64-norm", definitions=('''
        def clip_grad_norm(grads, max_norm):
            """One flat vector of every entry, its norm in float64; a tuple of clipped tensors."""
            flat = torch.cat([g.reshape(-1).double() for g in grads])
            total_norm = flat.norm()
            coef = (max_norm / (total_norm + 1e-6)).clamp(max=1.0)
            return tuple(g * coef.to(g.dtype) for g in grads), total_norm
        ''',)),
    correct("O-clip-foreach-and-python-min", definitions=('''
        def clip_grad_norm(grads, max_norm):
            """torch's foreach kernels (plain tensor arithmetic, many tensors at once) and a Python min."""
            norms = torch._foreach_norm(list(grads))
            total_norm = torch.linalg.vector_norm(torch.stack(norms))
            coef = min(1.0, max_norm / (total_norm.item() + 1e-6))
            return torch._foreach_mul(list(grads), coef), total_norm
        ''',)),
    # hostile but honest: the student's own helper is called clip_grad_norm_, like PyTorch's
    correct("O-clip-own-clip_grad_norm_-helper-on-copies", definitions=('''
        def clip_grad_norm_(grads, max_norm):
            """My in-place version, under the library's name."""
            total = torch.sqrt(sum(g.pow(2).sum() for g in grads))
            scale = torch.clamp(max_norm / (total + 1e-6), max=1.0)
            for g in grads:
                g.mul_(scale)
            return total


        def clip_grad_norm(grads, max_norm):
            """Copies clipped by my in-place helper."""
            clipped = [g.clone() for g in grads]
            total_norm = clip_grad_norm_(clipped, max_norm)
            return clipped, total_norm
        ''',)),
    # [adagrad]
    correct("O-adagrad-numpy-round-trip", definitions=('''
        def adagrad_update(param, grad, sum_sq, lr=0.01, eps=1e-10):
            """Through numpy and back (np.asarray keeps 0-dim results arrays, as_tensor keeps their dtype)."""
            p, g, s = param.numpy(), grad.numpy(), sum_sq.numpy()
            s = s + np.square(g)
            p = p - lr * g / (np.sqrt(s) + eps)
            return torch.as_tensor(np.asarray(p)), torch.as_tensor(np.asarray(s))
        ''',)),
    # [nesterov]
    correct("O-nesterov-through-the-ema-form", (NESTEROV,
        "    v = (1 - momentum) * buf  # the notebook's moving-average form, v = (1 - mu) b\n"
        "    v = momentum * v + (1 - momentum) * grad\n"
        "    param = param - lr / (1 - momentum) * ((1 - momentum) * grad + momentum * v)\n"
        "    buf = v / (1 - momentum)\n")),
    correct("O-nesterov-add-alpha-chain", (NESTEROV,
        "    buf = torch.add(grad, buf, alpha=momentum)\n"
        "    param = param.add(grad, alpha=-lr).add(buf, alpha=-lr * momentum)\n")),
    correct("O-nesterov-float64-inside", definitions=('''
        def nesterov_update(param, grad, buf, lr=0.01, momentum=0.9):
            """Computed in float64, returned in the dtypes given."""
            b = momentum * buf.double() + grad.double()
            p = param.double() - lr * (grad.double() + momentum * b)
            return p.to(param.dtype), b.to(buf.dtype)
        ''',)),
    # [l1]
    correct("O-l1-cat-and-clamp-difference", definitions=('''
        def l1_penalty(params, lam):
            """Every entry in one vector; |w| written as sign(w) * w (its gradient is sign(w), 0 at 0)."""
            flat = torch.cat([w.reshape(-1) for w in params])
            return lam * (torch.sign(flat) * flat).sum()
        ''', '''
        def prox_l1(w, threshold):
            """w minus its projection onto [-t, t]: exactly sign(w) * max(|w| - t, 0)."""
            return w - torch.clamp(w, -threshold, threshold)
        ''')),
    # the notebook's rules allow changing arguments in place; the experiment copies the result back anyway
    correct("O-l1-python-sum-and-in-place-prox", definitions=('''
        def l1_penalty(params, lam):
            """Python's sum of per-tensor sums (starting at the int 0), times lam."""
            return lam * sum(torch.abs(w).sum() for w in params)
        ''', '''
        def prox_l1(w, threshold):
            """In place: move every entry threshold towards 0, then zero those that were within it."""
            keep = w.abs() > threshold
            w.sub_(threshold * torch.sign(w))
            w.mul_(keep)
            return w
        ''')),
    # hostile but honest: the student's own helper is called softshrink
    correct("O-l1-own-helper-named-softshrink", definitions=('''
        def softshrink(w, lambd):
            """My soft thresholding, named like the library's."""
            return torch.where(w > lambd, w - lambd, torch.where(w < -lambd, w + lambd, torch.zeros_like(w)))


        def prox_l1(w, threshold):
            """Soft thresholding by my helper."""
            return softshrink(w, threshold)
        ''',)),
    # [augment]
    correct("O-augment-vectorised-index-and-floor-uniform", definitions=('''
        def random_shift(images, max_shift, generator=None):
            """Offsets as the floor of scaled uniforms; every image at once by gathering shifted indices."""
            n, h, w = images.shape
            k = 2 * max_shift + 1
            dy = (torch.rand(n, generator=generator) * k).long().clamp(max=k - 1) - max_shift
            dx = (torch.rand(n, generator=generator) * k).long().clamp(max=k - 1) - max_shift
            rows = torch.arange(h).view(1, h, 1) - dy.view(n, 1, 1)  # output (r, c) comes from (r - dy, c - dx)
            cols = torch.arange(w).view(1, 1, w) - dx.view(n, 1, 1)
            valid = (rows >= 0) & (rows < h) & (cols >= 0) & (cols < w)
            batch = torch.arange(n).view(n, 1, 1)
            picked = images[batch, rows.clamp(0, h - 1), cols.clamp(0, w - 1)]
            return torch.where(valid, picked, torch.zeros((), dtype=images.dtype))
        ''', '''
        def add_noise(images, std, generator=None):
            """normal_ on an empty tensor like the images, with the generator."""
            return images + torch.empty_like(images).normal_(0.0, std, generator=generator)
        ''')),
    correct("O-augment-roll-then-blank-and-float32-noise", definitions=('''
        def random_shift(images, max_shift, generator=None):
            """torch.roll, then the strips that wrapped around set to 0 (what is left is a shift)."""
            n, h, w = images.shape
            offsets = torch.randint(-max_shift, max_shift + 1, (n, 2), generator=generator)
            out = []
            for image, (dy, dx) in zip(images, offsets.tolist()):
                moved = torch.roll(image, shifts=(dy, dx), dims=(0, 1))
                if dy > 0:
                    moved[:dy] = 0
                elif dy < 0:
                    moved[dy:] = 0
                if dx > 0:
                    moved[:, :dx] = 0
                elif dx < 0:
                    moved[:, dx:] = 0
                out.append(moved)
            return torch.stack(out)
        ''', '''
        def add_noise(images, std, generator=None):
            """Noise drawn in float32 (randn's default) and added: the sum keeps float64 images float64."""
            return images + std * torch.randn(images.shape, generator=generator)
        ''')),
    correct("O-augment-one-draw-per-image-and-clone-add", definitions=('''
        def random_shift(images, max_shift, generator=None):
            """Each image draws its own (dy, dx) in turn; slices computed by a helper."""
            n, h, w = images.shape

            def span(d, size):  # destination and source ranges of a move by d along an axis of this size
                return slice(max(d, 0), max(size + min(d, 0), 0)), slice(max(-d, 0), max(size + min(-d, 0), 0))

            out = images.new_zeros(images.shape)
            for i in range(n):
                dy, dx = torch.randint(-max_shift, max_shift + 1, (2,), generator=generator).tolist()
                (rows_to, rows_from), (cols_to, cols_from) = span(dy, h), span(dx, w)
                if abs(dy) < h and abs(dx) < w:
                    out[i, rows_to, cols_to] = images[i, rows_from, cols_from]
            return out
        ''', '''
        def add_noise(images, std, generator=None):
            """A copy, the noise added in place."""
            noisy = images.clone()
            noisy.add_(torch.randn(images.shape, generator=generator, dtype=images.dtype), alpha=std)
            return noisy
        ''')),
    correct("O-sched-numpy-scalars", definitions=('''
        def cosine_lr(step, base_lr, total_steps, min_lr=0.0):
            """numpy's cos: a numpy float64 comes back."""
            t = np.clip(step / total_steps, 0.0, 1.0)
            return min_lr + (base_lr - min_lr) * (1 + np.cos(np.pi * t)) / 2
        ''', '''
        def step_lr(step, base_lr, step_size, gamma=0.1):
            """numpy's power of an integer exponent."""
            return base_lr * np.power(gamma, np.floor_divide(step, step_size))
        ''')),
    # hostile but honest: torch.optim imported for a comparison outside the graded functions
    correct("O-sched-scheduler-only-in-an-ungraded-comparison", (WARMUP_COSINE, WARMUP_COSINE + '''


def compare_with_pytorch(base_lr=0.1, total_steps=10):
    """Not graded: my cosine_lr next to PyTorch's CosineAnnealingLR, for my own curiosity."""
    from torch.optim.lr_scheduler import CosineAnnealingLR

    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=base_lr)
    sched = CosineAnnealingLR(opt, total_steps)
    theirs = []
    for _ in range(total_steps):
        theirs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return [cosine_lr(s, base_lr, total_steps) for s in range(total_steps)], theirs''')),
]  # fmt: skip

# The forbidden-call cases: each uses a library implementation of its question, reached in a roundabout way.
HOSTILE: list[Variant] = [
    bug("O-H-batchnorm-functional-through-getattr", "batchnorm", definitions=('''
        def batchnorm_forward(x, gamma, beta, running_mean, running_var, training=True, momentum=0.1, eps=1e-5):
            """PyTorch's batch_norm, looked up by name; it updates copies of the running statistics in place."""
            rm, rv = running_mean.clone(), running_var.clone()
            out = getattr(F, "batch" + "_norm")(x, rm, rv, gamma, beta, training, momentum, eps)
            mean, var = (x.mean(0), x.var(0, correction=0)) if training else (running_mean, running_var)
            x_hat = (x - mean) / torch.sqrt(var + eps)
            return out, rm, rv, (x_hat, gamma, 1.0 / torch.sqrt(var + eps), training)
        ''',), says="getattr"),
    bug("O-H-layernorm-group-norm-alias", "layernorm", definitions=('''
        from torch.nn.functional import group_norm as one_group


        def layernorm_forward(x, gamma, beta, eps=1e-5):
            """Group norm with one group over (rows, 1, D) is layer norm."""
            shape = x.shape
            flat = x.reshape(-1, 1, shape[-1])
            return (one_group(flat, 1, eps=eps).reshape(shape)) * gamma + beta
        ''',), says="group_norm"),
    bug("O-H-clip-utils-through-importlib", "clipping", definitions=('''
        import importlib


        def clip_grad_norm(grads, max_norm):
            """PyTorch's clip_grad_norm_ on parameters holding copies of the gradients."""
            params = []
            for g in grads:
                p = torch.zeros_like(g, requires_grad=True)
                p.grad = g.clone()
                params.append(p)
            total_norm = importlib.import_module("torch.nn.utils").clip_grad_norm_(params, max_norm)
            return [p.grad for p in params], total_norm
        ''',), says="clip_grad"),
    bug("O-H-prox-softshrink-bound-at-top-level", "l1", definitions=('''
        SHRINK = F.softshrink  # bound once, outside the function


        def prox_l1(w, threshold):
            """Soft thresholding."""
            return SHRINK(w, threshold)
        ''',), says="softshrink"),
    bug("O-H-cosine-lr-scheduler-alias", "schedules", definitions=('''
        from torch.optim import lr_scheduler as sched


        def cosine_lr(step, base_lr, total_steps, min_lr=0.0):
            """CosineAnnealingLR's closed form, asked of PyTorch itself."""
            if step >= total_steps:
                return min_lr
            opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=base_lr)
            scheduler = sched.CosineAnnealingLR(opt, total_steps, eta_min=min_lr)
            scheduler.last_epoch = step
            return scheduler._get_closed_form_lr()[0]
        ''',), says="torch.optim"),
    bug("O-H-adagrad-getattr-optim", "adagrad", definitions=('''
        def adagrad_update(param, grad, sum_sq, lr=0.01, eps=1e-10):
            """PyTorch's Adagrad for one step, its state preloaded."""
            p = param.detach().clone().requires_grad_(True)
            p.grad = grad.clone()
            opt = getattr(torch.optim, "Ada" + "grad")([p], lr=lr, eps=eps)
            opt.state[p]["sum"] = sum_sq.clone()
            opt.state[p]["step"] = torch.tensor(0.0)
            opt.step()
            return p.detach(), opt.state[p]["sum"]
        ''',), says="getattr"),
]  # fmt: skip

BUGS: list[Variant] = [
    # [batchnorm]
    bug("O-B-eval-without-eps", "batchnorm", mistake="batchnorm.eps_missing", definitions=('''
        def batchnorm_forward(x, gamma, beta, running_mean, running_var, training=True, momentum=0.1, eps=1e-5):
            """Two branches; the eval branch forgot eps."""
            if training:
                n = x.shape[0]
                mean, var = x.mean(0), x.var(0, correction=0)
                running_mean = (1 - momentum) * running_mean + momentum * mean.detach()
                running_var = (1 - momentum) * running_var + momentum * var.detach() * n / (n - 1)
                inv_std = 1.0 / torch.sqrt(var + eps)
            else:
                mean = running_mean
                inv_std = 1.0 / torch.sqrt(running_var)
            x_hat = (x - mean) * inv_std
            return gamma * x_hat + beta, running_mean, running_var, (x_hat, gamma, inv_std, training)
        ''',)),
    bug("O-B-bessel-after-the-average", "batchnorm", (BN_RUNNING,
        "        running_mean = (1 - momentum) * running_mean + momentum * mean.detach()\n"
        "        running_var = ((1 - momentum) * running_var + momentum * var.detach()) * n / (n - 1)\n")),
    bug("O-B-normalises-with-updated-running-stats", "batchnorm", definitions=('''
        def batchnorm_forward(x, gamma, beta, running_mean, running_var, training=True, momentum=0.1, eps=1e-5):
            """Updates the running statistics, then normalises with them in both modes."""
            if training:
                n = x.shape[0]
                running_mean = (1 - momentum) * running_mean + momentum * x.mean(0).detach()
                running_var = (1 - momentum) * running_var + momentum * x.var(0).detach()
            inv_std = 1.0 / torch.sqrt(running_var + eps)
            x_hat = (x - running_mean) * inv_std
            return gamma * x_hat + beta, running_mean, running_var, (x_hat, gamma, inv_std, False)
        ''',), also=("training",)),
    bug("O-B-staged-backward-dvar-sign", "batchnorm", definitions=('''
        def batchnorm_backward(grad_out, cache):
            """The staged derivation with the sign of d(var^-1/2) lost (+0.5 instead of -0.5)."""
            x_hat, gamma, inv_std, training = cache
            dgamma = (grad_out * x_hat).sum(dim=0)
            dbeta = grad_out.sum(dim=0)
            dx_hat = grad_out * gamma
            if not training:
                return dx_hat * inv_std, dgamma, dbeta
            n = grad_out.shape[0]
            x_mu = x_hat / inv_std
            dvar = (dx_hat * x_mu).sum(dim=0) * 0.5 * inv_std**3
            dmean = -(dx_hat * inv_std).sum(dim=0)
            return dx_hat * inv_std + dvar * 2 * x_mu / n + dmean / n, dgamma, dbeta
        ''',)),
    bug("O-B-module-eps-and-momentum-swapped", "batchnorm", (BN_MODULE_CALL,
        "self.running_mean, self.running_var, self.training, self.eps, self.momentum"), also=("training",)),
    bug("O-B-module-gamma-beta-names", "batchnorm", (
        "        self.momentum = momentum\n        self.weight = nn.Parameter(torch.ones(num_features))\n        self.bias = nn.Parameter(torch.zeros(num_features))\n",
        "        self.momentum = momentum\n        self.gamma = nn.Parameter(torch.ones(num_features))\n        self.beta = nn.Parameter(torch.zeros(num_features))\n"), (
        "x, self.weight, self.bias, self.running_mean", "x, self.gamma, self.beta, self.running_mean"), also=("training",)),
    bug("O-B-forward-leaves-running-to-the-module", "batchnorm", (BN_RUNNING, ""), (BN_COPY_BACK,
        "        if self.training:\n            with torch.no_grad():\n                n = x.shape[0]\n"
        "                self.running_mean.mul_(1 - self.momentum).add_(self.momentum * x.mean(0))\n"
        "                self.running_var.mul_(1 - self.momentum).add_(self.momentum * x.var(0))\n"),
        mistake="batchnorm.running_not_updated"),
    bug("O-B-backward-returns-dbeta-before-dgamma", "batchnorm", ("    return dx, dgamma, dbeta\n", "    return dx, dbeta, dgamma\n"),
        mistake="batchnorm.backward_dgamma_dbeta_swapped"),
    # [layernorm]
    bug("O-L-dim-1-hard-coded", "layernorm", definitions=('''
        def layernorm_forward(x, gamma, beta, eps=1e-5):
            """Statistics over dim 1 (the features of a 2-D batch)."""
            mean = x.mean(dim=1, keepdim=True)
            var = ((x - mean) ** 2).mean(dim=1, keepdim=True)
            return gamma * (x - mean) / torch.sqrt(var + eps) + beta
        ''',)),
    bug("O-L-numpy-not-differentiable", "layernorm", definitions=('''
        def layernorm_forward(x, gamma, beta, eps=1e-5):
            """Computed in numpy, back to a tensor of x's dtype."""
            a = x.detach().numpy()
            mean = a.mean(axis=-1, keepdims=True)
            var = a.var(axis=-1, keepdims=True)
            out = gamma.detach().numpy() * (a - mean) / np.sqrt(var + eps) + beta.detach().numpy()
            return torch.from_numpy(np.asarray(out, dtype=a.dtype))
        ''',)),
    bug("O-L-gamma-and-beta-swapped", "layernorm", ("    return gamma * (x - mean) / torch.sqrt(var + eps) + beta",
                                                    "    return beta * (x - mean) / torch.sqrt(var + eps) + gamma"),
        mistake="layernorm.gamma_beta_swapped"),
    # [schedules]
    bug("O-S-step-ceil", "schedules", (STEP, "    return base_lr * gamma ** math.ceil(step / step_size)\n"),
        mistake="schedules.step_ceil"),
    bug("O-S-step-gamma-default-used", "schedules", (STEP, "    return base_lr * 0.1 ** (step // step_size)\n"),
        mistake="schedules.step_gamma_hardcoded"),
    bug("O-S-warmup-reaches-base-one-step-early", "schedules", (WARMUP, WARMUP.replace(
        "base_lr * step / warmup_steps", "base_lr * step / max(warmup_steps - 1, 1)"))),
    bug("O-S-warmup-cosine-min-lr-dropped", "schedules", (WARMUP_COSINE,
        "    return cosine_lr(step - warmup_steps, base_lr, total_steps - warmup_steps)"), mistake="schedules.warmup_min_lr_ignored"),
    bug("O-S-cosine-formula-without-min-lr", "schedules", (COSINE,
        "    return base_lr * (1 + math.cos(math.pi * step / total_steps)) / 2\n"),
        mistake="schedules.cosine_min_lr_ignored"),
    # [clipping]
    bug("O-C-clamp-min-instead-of-max", "clipping", (CLIP_COEF, CLIP_COEF.replace("max=1.0", "min=1.0")),
        mistake="clipping.clamped_from_below"),
    bug("O-C-stack-of-different-shapes", "clipping", also=("training",), definitions=('''
        def clip_grad_norm(grads, max_norm):
            """The norm of the stacked gradients (fine while all have one shape)."""
            total_norm = torch.stack(list(grads)).norm()
            coef = torch.clamp(max_norm / (total_norm + 1e-6), max=1.0)
            return [g * coef for g in grads], total_norm
        ''',)),
    bug("O-C-mean-of-squares", "clipping", definitions=('''
        def clip_grad_norm(grads, max_norm):
            """The root of the mean square (an RMS) instead of the root of the sum of squares."""
            total_norm = torch.cat([g.reshape(-1) for g in grads]).pow(2).mean().sqrt()
            coef = torch.clamp(max_norm / (total_norm + 1e-6), max=1.0)
            return [g * coef for g in grads], total_norm
        ''',)),
    # [adagrad]
    bug("O-G-eps-after-the-division", "adagrad", (ADAGRAD,
        "    sum_sq = sum_sq + grad * grad\n    param = param - lr * (grad / sum_sq.sqrt() + eps)\n"), mistake="adagrad.no_eps"),
    bug("O-G-default-eps-1e-8", "adagrad", ("def adagrad_update(param, grad, sum_sq, lr=0.01, eps=1e-10):",
                                            "def adagrad_update(param, grad, sum_sq, lr=0.01, eps=1e-8):")),
    bug("O-G-float32-inside", "adagrad", (ADAGRAD,
        "    sum_sq = (sum_sq.float() + grad.float() ** 2).to(sum_sq.dtype)\n"
        "    param = (param.float() - lr * grad.float() / (sum_sq.float().sqrt() + eps)).to(param.dtype)\n"),
        says="only to float32's precision"),
    # [nesterov]
    bug("O-N-old-buffer-returned", "nesterov", (NESTEROV,
        "    new_buf = momentum * buf + grad\n    param = param - lr * (grad + momentum * new_buf)\n"),
        mistake="nesterov.buf_not_returned"),
    bug("O-N-lr-only-on-the-gradient", "nesterov", (NESTEROV,
        "    buf = momentum * buf + grad\n    param = param - lr * grad - momentum * buf\n")),
    bug("O-N-keras-velocity", "nesterov", (NESTEROV,
        "    buf = momentum * buf - lr * grad\n    param = param + momentum * buf - lr * grad\n"),
        mistake="nesterov.cs231n", says="it takes PyTorch's steps"),
    # [l1]
    bug("O-P-sqrt-of-square", "l1", ("        total = total + w.abs().sum()\n",
                                    "        total = total + torch.sqrt(w * w).sum()\n"), mistake="l1.nan_at_zero"),
    bug("O-P-matrices-only", "l1", ("    for w in params:\n        total = total + w.abs().sum()\n",
                                   "    for w in params:\n        if w.dim() > 1:  # the biases are not penalised\n"
                                   "            total = total + w.abs().sum()\n"), mistake="l1.only_matrices"),
    bug("O-P-prox-torch-max-with-a-number", "l1", (
        "    return torch.sign(w) * torch.clamp(w.abs() - threshold, min=0)",
        "    return torch.sign(w) * torch.max(w.abs() - threshold, 0)")),
    # [augment]
    bug("O-A-rounded-uniform-offsets", "augment", (
        "    offsets = torch.randint(-max_shift, max_shift + 1, (n, 2), generator=generator)\n",
        "    offsets = torch.round(torch.rand((n, 2), generator=generator) * 2 * max_shift).long() - max_shift\n")),
    bug("O-A-float32-canvas", "augment", ("    out = torch.zeros_like(images)\n", "    out = torch.zeros(images.shape)\n"),
        mistake="augment.dtype_changed"),
    bug("O-A-noise-clipped-to-pixel-range", "augment", (NOISE,
        "    return (images + std * torch.randn(images.shape, generator=generator, dtype=images.dtype)).clamp(0, 1)"),
        mistake="augment.noise_clipped"),
]  # fmt: skip
