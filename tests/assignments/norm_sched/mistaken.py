"""Realistic mistakes in norm_sched's functions, each the reference with one function replaced by a mistaken one, and
the oracle checks (oracles.py) that must catch each. The same mistakes, as notebooks, are the corpus's bugs
(corpus/variants.py); the lecture notes this course teaches from make several of them (BatchNorm's running averages
with momentum 0.9 on the old value and the biased variance, eps inside AdaGrad's square root, a warm-up of
(step + 1) / warmup_steps).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import torch
import torch.nn.functional as F

from solutions import norm_sched as ref
from tests.assignments.norm_sched import oracles as o

NAMES = ("batchnorm_forward", "batchnorm_backward", "BatchNorm1d", "layernorm_forward", "step_lr", "cosine_lr",
         "warmup_cosine_lr", "clip_grad_norm", "adagrad_update", "nesterov_update", "l1_penalty", "prox_l1",
         "random_shift", "add_noise")  # fmt: skip


def reference() -> SimpleNamespace:
    return SimpleNamespace(**{name: getattr(ref, name) for name in NAMES})


@dataclass(frozen=True)
class Mistake:
    name: str
    replaces: dict[str, Callable]
    fails: tuple[Callable[[SimpleNamespace], None], ...]  # the checks that must catch it

    def impl(self) -> SimpleNamespace:
        return SimpleNamespace(**{**vars(reference()), **self.replaces})


# ---- batch normalization --------------------------------------------------------------------------------------------


def _bn(var_for_running: Callable, var_to_normalise: Callable, ema: Callable, eval_uses_batch: bool = False,
        eps_outside: bool = False, eval_updates: bool = False) -> Callable:  # fmt: skip
    """batchnorm_forward with its pieces chosen: each mistake below changes exactly one of them."""

    def forward(x, gamma, beta, running_mean, running_var, training=True, momentum=0.1, eps=1e-5):
        if training or eval_uses_batch or eval_updates:
            mean, batch_var = x.mean(dim=0), var_to_normalise(x)
            new_mean = ema(running_mean, mean, momentum)
            new_var = ema(running_var, var_for_running(x), momentum)
        if training or eval_uses_batch:
            stats = mean, batch_var
        else:
            stats = running_mean, running_var
        if training or eval_updates:
            running_mean, running_var = new_mean, new_var
        std = stats[1].sqrt() + eps if eps_outside else (stats[1] + eps).sqrt()
        x_hat = (x - stats[0]) / std
        return gamma * x_hat + beta, running_mean, running_var, (x_hat, gamma, 1 / std, training)

    return forward


def _biased(x):
    return x.var(dim=0, correction=0)


def _unbiased(x):
    return x.var(dim=0, correction=1)


def _torch_ema(old, new, momentum):
    return (1 - momentum) * old + momentum * new


def _lecture_ema(old, new, momentum):  # the lecture's BatchNorm: momentum weighs the old value
    return momentum * old + (1 - momentum) * new


BN_CORRECT = _bn(_unbiased, _biased, _torch_ema)


def bn_backward_mean_var_constant(grad_out, cache):
    """Treats the batch mean and variance as constants in training: dx = grad_out * gamma / std."""
    x_hat, gamma, inv_std, _ = cache
    return grad_out * gamma * inv_std, (grad_out * x_hat).sum(0), grad_out.sum(0)


def bn_backward_no_variance_term(grad_out, cache):
    """Keeps the mean's path but drops the variance's (the x_hat * sum(dx_hat * x_hat) term)."""
    x_hat, gamma, inv_std, _ = cache
    dx_hat = grad_out * gamma
    return inv_std * (dx_hat - dx_hat.mean(0)), (grad_out * x_hat).sum(0), grad_out.sum(0)


def bn_backward_training_formula_in_eval(grad_out, cache):
    """The batch-statistics formula even when the forward pass used the running statistics."""
    x_hat, gamma, inv_std, _ = cache
    n, dx_hat = grad_out.shape[0], grad_out * gamma
    dx = inv_std / n * (n * dx_hat - dx_hat.sum(0) - x_hat * (dx_hat * x_hat).sum(0))
    return dx, (grad_out * x_hat).sum(0), grad_out.sum(0)


def bn_backward_dgamma_mean(grad_out, cache):
    """Averages dgamma and dbeta over the batch instead of summing."""
    dx, dgamma, dbeta = ref.batchnorm_backward(grad_out, cache)
    return dx, dgamma / grad_out.shape[0], dbeta / grad_out.shape[0]


class ModuleAlwaysTraining(ref.BatchNorm1d):
    def forward(self, x):
        out, mean, var, _ = ref.batchnorm_forward(x, self.weight, self.bias, self.running_mean, self.running_var, True,
                                                  self.momentum, self.eps)  # fmt: skip
        with torch.no_grad():
            self.running_mean.copy_(mean)
            self.running_var.copy_(var)
        return out


class ModuleNeverUpdates(ref.BatchNorm1d):
    def forward(self, x):
        return ref.batchnorm_forward(x, self.weight, self.bias, self.running_mean, self.running_var, self.training,
                                     self.momentum, self.eps)[0]  # fmt: skip


class ModuleStatsAsParameters(ref.BatchNorm1d):
    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        super().__init__(num_features, eps, momentum)
        del self.running_mean, self.running_var
        self.running_mean = torch.nn.Parameter(torch.zeros(num_features), requires_grad=False)
        self.running_var = torch.nn.Parameter(torch.ones(num_features), requires_grad=False)


class ModuleLectureMomentum(ref.BatchNorm1d):
    def __init__(self, num_features, eps=1e-5, momentum=0.9):
        super().__init__(num_features, eps, momentum)


class ModuleDetachesInput(ref.BatchNorm1d):
    def forward(self, x):
        return super().forward(x.detach())


# ---- layer normalization --------------------------------------------------------------------------------------------


def _ln(mean_var: Callable, eps_outside: bool = False) -> Callable:
    def layernorm_forward(x, gamma, beta, eps=1e-5):
        mean, var = mean_var(x)
        return gamma * (x - mean) / (var.sqrt() + eps if eps_outside else (var + eps).sqrt()) + beta

    return layernorm_forward


def _last(correction: int = 0, dim: int = -1) -> Callable:
    return lambda x: (x.mean(dim, keepdim=True), x.var(dim, correction=correction, keepdim=True))


# ---- schedules ------------------------------------------------------------------------------------------------------


def step_lr_off_by_one(step, base_lr, step_size, gamma=0.1):
    return base_lr * gamma ** ((step + 1) // step_size)


def step_lr_continuous(step, base_lr, step_size, gamma=0.1):
    return base_lr * gamma ** (step / step_size)


def cosine_periodic(step, base_lr, total_steps, min_lr=0.0):
    return min_lr + (base_lr - min_lr) * (1 + math.cos(math.pi * step / total_steps)) / 2


def cosine_min_lr_added(step, base_lr, total_steps, min_lr=0.0):
    if step >= total_steps:
        return min_lr
    return min_lr + base_lr * (1 + math.cos(math.pi * step / total_steps)) / 2


def cosine_total_minus_one(step, base_lr, total_steps, min_lr=0.0):
    if step >= total_steps:
        return min_lr
    return min_lr + (base_lr - min_lr) * (1 + math.cos(math.pi * step / max(total_steps - 1, 1))) / 2


def warmup_off_by_one(step, base_lr, warmup_steps, total_steps, min_lr=0.0):
    if step < warmup_steps:
        return base_lr * (step + 1) / warmup_steps
    return ref.cosine_lr(step - warmup_steps, base_lr, total_steps - warmup_steps, min_lr)


def warmup_cosine_not_shifted(step, base_lr, warmup_steps, total_steps, min_lr=0.0):
    if step < warmup_steps:
        return base_lr * step / warmup_steps
    return ref.cosine_lr(step, base_lr, total_steps, min_lr)


def warmup_cosine_over_total(step, base_lr, warmup_steps, total_steps, min_lr=0.0):
    if step < warmup_steps:
        return base_lr * step / warmup_steps
    return ref.cosine_lr(step - warmup_steps, base_lr, total_steps, min_lr)


def warmup_divides_by_zero(step, base_lr, warmup_steps, total_steps, min_lr=0.0):
    progress = step / warmup_steps
    if progress < 1:
        return base_lr * progress
    return ref.cosine_lr(step - warmup_steps, base_lr, total_steps - warmup_steps, min_lr)


# ---- clipping -------------------------------------------------------------------------------------------------------


def _norm(grads):
    return torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))


def clip_per_tensor(grads, max_norm):
    coefs = [torch.clamp(max_norm / (torch.linalg.vector_norm(g) + 1e-6), max=1.0) for g in grads]
    return [g * c for g, c in zip(grads, coefs)], _norm(grads)


def clip_without_clamp(grads, max_norm):
    total = _norm(grads)
    return [g * (max_norm / (total + 1e-6)) for g in grads], total


def clip_without_eps(grads, max_norm):
    total = _norm(grads)
    return [g * torch.clamp(max_norm / total, max=1.0) for g in grads], total


def clip_only_above(grads, max_norm):
    """Scales only when the norm exceeds max_norm: torch's coefficient is below 1 already at the threshold."""
    total = _norm(grads)
    return ([g * (max_norm / (total + 1e-6)) for g in grads] if total > max_norm else list(grads)), total


def clip_sum_of_norms(grads, max_norm):
    total = sum(torch.linalg.vector_norm(g) for g in grads)
    return [g * torch.clamp(max_norm / (total + 1e-6), max=1.0) for g in grads], total


def clip_returns_clipped_norm(grads, max_norm):
    clipped, _ = ref.clip_grad_norm(grads, max_norm)
    return clipped, _norm(clipped)


# ---- AdaGrad and Nesterov -------------------------------------------------------------------------------------------


def adagrad_eps_inside(param, grad, sum_sq, lr=0.01, eps=1e-10):
    sum_sq = sum_sq + grad * grad
    return param - lr * grad / (sum_sq + eps).sqrt(), sum_sq


def adagrad_old_sum(param, grad, sum_sq, lr=0.01, eps=1e-10):
    return param - lr * grad / (sum_sq.sqrt() + eps), sum_sq + grad * grad


def adagrad_no_sqrt(param, grad, sum_sq, lr=0.01, eps=1e-10):
    sum_sq = sum_sq + grad * grad
    return param - lr * grad / (sum_sq + eps), sum_sq


def adagrad_no_eps(param, grad, sum_sq, lr=0.01, eps=1e-10):
    sum_sq = sum_sq + grad * grad
    return param - lr * grad / sum_sq.sqrt(), sum_sq


def adagrad_decaying_average(param, grad, sum_sq, lr=0.01, eps=1e-10):
    sum_sq = 0.99 * sum_sq + 0.01 * grad * grad
    return param - lr * grad / (sum_sq.sqrt() + eps), sum_sq


def nesterov_lookahead_dropped(param, grad, buf, lr=0.01, momentum=0.9):
    buf = momentum * buf + grad
    return param - lr * buf, buf


def nesterov_old_buffer(param, grad, buf, lr=0.01, momentum=0.9):
    return param - lr * (grad + momentum * buf), momentum * buf + grad


def nesterov_ema_buffer(param, grad, buf, lr=0.01, momentum=0.9):
    buf = momentum * buf + (1 - momentum) * grad
    return param - lr * (grad + momentum * buf), buf


def nesterov_sutskever_velocity(param, grad, buf, lr=0.01, momentum=0.9):
    """v = momentum*v - lr*grad, param + momentum*v - lr*grad: the same params, but buf returned is -lr times torch's."""
    buf = momentum * buf - lr * grad
    return param + momentum * buf - lr * grad, buf


# ---- L1 -------------------------------------------------------------------------------------------------------------


def l1_subgradient_one_at_zero(params, lam):
    return lam * sum(torch.where(w >= 0, w, -w).sum() for w in params)


def l1_squares(params, lam):
    return lam * sum((w * w).sum() for w in params)


def l1_mean(params, lam):
    return lam * sum(w.abs().mean() for w in params)


def l1_python_float(params, lam):
    return float(lam * sum(w.abs().sum() for w in params))


def l1_detached(params, lam):
    return lam * sum(w.detach().abs().sum() for w in params)


def l1_first_tensor_only(params, lam):
    return lam * list(params)[0].abs().sum()


def prox_no_clamp(w, threshold):
    return w - threshold * torch.sign(w)


def prox_hard_threshold(w, threshold):
    return torch.where(w.abs() > threshold, w, torch.zeros_like(w))


def prox_positive_side_only(w, threshold):
    return torch.clamp(w - threshold, min=0)


# ---- augmentation ---------------------------------------------------------------------------------------------------


def _move(images, offsets, move: Callable) -> torch.Tensor:
    return torch.stack([move(img, int(dy), int(dx)) for img, (dy, dx) in zip(images, offsets)])


def _zero_fill(img, dy, dx):
    return o.shifted(img[None], dy, dx)[0]


def shift_wraps_around(images, max_shift, generator=None):
    offsets = torch.randint(-max_shift, max_shift + 1, (len(images), 2), generator=generator)
    return _move(images, offsets, lambda img, dy, dx: torch.roll(img, (dy, dx), dims=(0, 1)))


def shift_high_exclusive(images, max_shift, generator=None):
    offsets = torch.randint(-max_shift, max(max_shift, 1 - max_shift), (len(images), 2), generator=generator)
    return _move(images, offsets, _zero_fill)


def shift_non_negative(images, max_shift, generator=None):
    return _move(images, torch.randint(0, max_shift + 1, (len(images), 2), generator=generator), _zero_fill)


def shift_one_offset_for_both_axes(images, max_shift, generator=None):
    d = torch.randint(-max_shift, max_shift + 1, (len(images), 1), generator=generator)
    return _move(images, d.expand(-1, 2), _zero_fill)


def shift_one_offset_for_the_batch(images, max_shift, generator=None):
    d = torch.randint(-max_shift, max_shift + 1, (1, 2), generator=generator)
    return _move(images, d.expand(len(images), 2), _zero_fill)


def shift_clamped_to_image(images, max_shift, generator=None):
    h, w = images.shape[1:]
    offsets = torch.randint(-max_shift, max_shift + 1, (len(images), 2), generator=generator)
    offsets = torch.stack([offsets[:, 0].clamp(-h + 1, h - 1), offsets[:, 1].clamp(-w + 1, w - 1)], 1)
    return _move(images, offsets, _zero_fill)


def shift_edge_fill(images, max_shift, generator=None):
    offsets = torch.randint(-max_shift, max_shift + 1, (len(images), 2), generator=generator)
    m = max(max_shift, 1)
    padded = F.pad(images[:, None], (m, m, m, m), mode="replicate")[:, 0]
    h, w = images.shape[1:]
    return torch.stack([p[m - dy : m - dy + h, m - dx : m - dx + w] for p, (dy, dx) in zip(padded, offsets.tolist())])


def shift_generator_ignored(images, max_shift, generator=None):
    return ref.random_shift(images, max_shift)


def shift_seed_reset(images, max_shift, generator=None):
    return ref.random_shift(images, max_shift, torch.Generator().manual_seed(0))


def noise_variance_as_std(images, std, generator=None):
    return images + std**2 * torch.randn(images.shape, generator=generator, dtype=images.dtype)


def noise_uniform(images, std, generator=None):
    return images + std * math.sqrt(12) * (torch.rand(images.shape, generator=generator, dtype=images.dtype) - 0.5)


def noise_one_pattern_for_all_images(images, std, generator=None):
    return images + std * torch.randn(images.shape[1:], generator=generator, dtype=images.dtype)


def noise_multiplicative(images, std, generator=None):
    return images * (1 + std * torch.randn(images.shape, generator=generator, dtype=images.dtype))


def noise_always_float64(images, std, generator=None):
    return images + std * torch.randn(images.shape, generator=generator, dtype=torch.float64)


def noise_generator_ignored(images, std, generator=None):
    return ref.add_noise(images, std)


def noise_not_centred(images, std, generator=None):
    return images + std * torch.randn(images.shape, generator=generator, dtype=images.dtype).abs()


def _m(name: str, fails: tuple, **replaces: Callable) -> Mistake:
    return Mistake(name, replaces, fails)


BN_FORWARD = (o.check_batchnorm_forward, o.check_batchnorm_running_statistics)
MISTAKES = [
    # [batchnorm]
    _m("running-var-biased", BN_FORWARD, batchnorm_forward=_bn(_biased, _biased, _torch_ema)),
    _m("normalises-with-unbiased-var", BN_FORWARD, batchnorm_forward=_bn(_unbiased, _unbiased, _torch_ema)),
    _m("lecture-momentum-convention", BN_FORWARD, batchnorm_forward=_bn(_unbiased, _biased, _lecture_ema)),
    _m("eval-uses-batch-statistics", BN_FORWARD, batchnorm_forward=_bn(_unbiased, _biased, _torch_ema, eval_uses_batch=True)),
    _m("eval-updates-running-statistics", BN_FORWARD, batchnorm_forward=_bn(_unbiased, _biased, _torch_ema, eval_updates=True)),
    _m("eps-outside-sqrt", (o.check_batchnorm_forward, o.check_batchnorm_forward_float32),
       batchnorm_forward=_bn(_unbiased, _biased, _torch_ema, eps_outside=True)),
    _m("backward-mean-and-var-constant", (o.check_batchnorm_backward_training,), batchnorm_backward=bn_backward_mean_var_constant),
    _m("backward-no-variance-term", (o.check_batchnorm_backward_training,), batchnorm_backward=bn_backward_no_variance_term),
    _m("backward-training-formula-in-eval", (o.check_batchnorm_backward_eval,), batchnorm_backward=bn_backward_training_formula_in_eval),
    _m("backward-dgamma-averaged", (o.check_batchnorm_backward_training, o.check_batchnorm_backward_eval),
       batchnorm_backward=bn_backward_dgamma_mean),
    _m("module-always-training", (o.check_batchnorm_module,), BatchNorm1d=ModuleAlwaysTraining),
    _m("module-never-updates-buffers", (o.check_batchnorm_module,), BatchNorm1d=ModuleNeverUpdates),
    _m("module-running-stats-as-parameters", (o.check_batchnorm_module,), BatchNorm1d=ModuleStatsAsParameters),
    _m("module-lecture-default-momentum", (o.check_batchnorm_module,), BatchNorm1d=ModuleLectureMomentum),
    _m("module-detaches-input", (o.check_batchnorm_module,), BatchNorm1d=ModuleDetachesInput),
    # [layernorm]
    _m("layernorm-unbiased-var", (o.check_layernorm,), layernorm_forward=_ln(_last(correction=1))),
    _m("layernorm-over-batch", (o.check_layernorm, o.check_layernorm_float32), layernorm_forward=_ln(_last(dim=0))),
    _m("layernorm-eps-outside", (o.check_layernorm,), layernorm_forward=_ln(_last(), eps_outside=True)),
    _m("layernorm-whole-tensor", (o.check_layernorm,), layernorm_forward=_ln(lambda x: (x.mean(), x.var(correction=0)))),
    # [schedules]
    _m("step-lr-off-by-one", (o.check_step_lr,), step_lr=step_lr_off_by_one),
    _m("step-lr-continuous", (o.check_step_lr,), step_lr=step_lr_continuous),
    _m("cosine-periodic-after-total", (o.check_cosine_lr,), cosine_lr=cosine_periodic),
    _m("cosine-min-lr-added", (o.check_cosine_lr,), cosine_lr=cosine_min_lr_added),
    _m("cosine-total-minus-one", (o.check_cosine_lr,), cosine_lr=cosine_total_minus_one),
    _m("warmup-off-by-one", (o.check_warmup_cosine_lr,), warmup_cosine_lr=warmup_off_by_one),
    _m("warmup-cosine-not-shifted", (o.check_warmup_cosine_lr,), warmup_cosine_lr=warmup_cosine_not_shifted),
    _m("warmup-cosine-over-total", (o.check_warmup_cosine_lr,), warmup_cosine_lr=warmup_cosine_over_total),
    _m("warmup-zero-division", (o.check_warmup_cosine_lr,), warmup_cosine_lr=warmup_divides_by_zero),
    # [clipping]
    _m("clip-per-tensor", (o.check_clipping, o.check_clipping_float32), clip_grad_norm=clip_per_tensor),
    _m("clip-without-clamp", (o.check_clipping, o.check_clipping_float32), clip_grad_norm=clip_without_clamp),
    _m("clip-without-eps", (o.check_clipping,), clip_grad_norm=clip_without_eps),
    _m("clip-only-above-threshold", (o.check_clipping,), clip_grad_norm=clip_only_above),
    _m("clip-sum-of-norms", (o.check_clipping, o.check_clipping_float32), clip_grad_norm=clip_sum_of_norms),
    _m("clip-returns-clipped-norm", (o.check_clipping, o.check_clipping_float32), clip_grad_norm=clip_returns_clipped_norm),
    # [adagrad]
    _m("adagrad-eps-inside-sqrt", (o.check_adagrad_tiny_gradients,), adagrad_update=adagrad_eps_inside),
    _m("adagrad-old-sum", (o.check_adagrad, o.check_adagrad_float32), adagrad_update=adagrad_old_sum),
    _m("adagrad-no-sqrt", (o.check_adagrad, o.check_adagrad_tiny_gradients), adagrad_update=adagrad_no_sqrt),
    _m("adagrad-no-eps", (o.check_adagrad_tiny_gradients,), adagrad_update=adagrad_no_eps),
    _m("adagrad-decaying-average", (o.check_adagrad, o.check_adagrad_float32), adagrad_update=adagrad_decaying_average),
    # [nesterov]
    _m("nesterov-lookahead-dropped", (o.check_nesterov, o.check_nesterov_tiny_gradients, o.check_nesterov_float32),
       nesterov_update=nesterov_lookahead_dropped),
    _m("nesterov-old-buffer", (o.check_nesterov, o.check_nesterov_float32), nesterov_update=nesterov_old_buffer),
    _m("nesterov-ema-buffer", (o.check_nesterov, o.check_nesterov_float32), nesterov_update=nesterov_ema_buffer),
    _m("nesterov-sutskever-velocity", (o.check_nesterov,), nesterov_update=nesterov_sutskever_velocity),
    # [l1]
    _m("l1-subgradient-one-at-zero", (o.check_l1_gradient,), l1_penalty=l1_subgradient_one_at_zero),
    _m("l1-squares", (o.check_l1_value, o.check_l1_gradient), l1_penalty=l1_squares),
    _m("l1-mean", (o.check_l1_value, o.check_l1_gradient), l1_penalty=l1_mean),
    _m("l1-python-float", (o.check_l1_value, o.check_l1_gradient), l1_penalty=l1_python_float),
    _m("l1-detached", (o.check_l1_gradient,), l1_penalty=l1_detached),
    _m("l1-first-tensor-only", (o.check_l1_value, o.check_l1_gradient), l1_penalty=l1_first_tensor_only),
    _m("prox-no-clamp", (o.check_prox_l1,), prox_l1=prox_no_clamp),
    _m("prox-hard-threshold", (o.check_prox_l1,), prox_l1=prox_hard_threshold),
    _m("prox-positive-side-only", (o.check_prox_l1,), prox_l1=prox_positive_side_only),
    # [augment]
    _m("shift-wraps-around", (o.check_shift_content, o.check_shift_offsets_uniform_and_independent), random_shift=shift_wraps_around),
    _m("shift-high-exclusive", (o.check_shift_offsets_uniform_and_independent,), random_shift=shift_high_exclusive),
    _m("shift-non-negative", (o.check_shift_offsets_uniform_and_independent,), random_shift=shift_non_negative),
    _m("shift-one-offset-both-axes", (o.check_shift_offsets_uniform_and_independent,), random_shift=shift_one_offset_for_both_axes),
    _m("shift-one-offset-per-batch", (o.check_shift_offsets_uniform_and_independent,), random_shift=shift_one_offset_for_the_batch),
    _m("shift-clamped-to-image", (o.check_shift_larger_than_image,), random_shift=shift_clamped_to_image),
    _m("shift-edge-fill", (o.check_shift_content,), random_shift=shift_edge_fill),
    _m("shift-generator-ignored", (o.check_shift_generator,), random_shift=shift_generator_ignored),
    _m("shift-seed-reset", (o.check_shift_generator,), random_shift=shift_seed_reset),
    _m("noise-variance-as-std", (o.check_noise_moments,), add_noise=noise_variance_as_std),
    _m("noise-uniform", (o.check_noise_moments,), add_noise=noise_uniform),
    _m("noise-one-pattern-for-all-images", (o.check_noise_moments,), add_noise=noise_one_pattern_for_all_images),
    _m("noise-multiplicative", (o.check_noise_moments,), add_noise=noise_multiplicative),
    _m("noise-always-float64", (o.check_noise_moments,), add_noise=noise_always_float64),
    _m("noise-not-centred", (o.check_noise_moments,), add_noise=noise_not_centred),
    _m("noise-generator-ignored", (o.check_noise_generator,), add_noise=noise_generator_ignored),
]  # fmt: skip
