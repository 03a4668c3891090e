"""norm_sched's grading corpus and its catalogue of realistic mistakes: the solution notebook with one change each, a
real student mistake or a correct alternative (as optim_reg's, tests/assignments/optim_reg/corpus/variants.py).

Every ``old`` text must occur exactly once in the solution's code cells (tests/edit.py), so a change to the notebook
that invalidates a variant fails loudly. Bug names: B = batch normalization, L = layer normalization, S = schedules,
C = clipping, G = AdaGrad, N = Nesterov, P = L1 penalty and its prox, A = augmentation, X = experiment cells. Where
the mistake comes from: the lecture notes this course teaches from (running averages weighted by momentum = 0.9 on
the old value with the biased variance; eps inside AdaGrad's root; a warm-up of (step + 1) / warmup_steps), PyTorch's
own conventions (unbiased running variance, clip_grad_norm_'s 1e-6, Nesterov's buffer), and the mistakes students
make in every normalization and augmentation exercise (wrong axis, no keepdim, wrap-around, one draw for the batch).
The same mistakes as plain functions, and the oracle checks that catch each: ../mistaken.py.

``mistake`` is the id the feedback must name (the graders' mistakes_*.py); ``also`` lists the other questions a bug
must cost by design: [training] trains a network with the student's BatchNorm1d, warm-up cosine schedule and
clipping, and the broken components that stop it learning (never-updated running statistics, eval with batch
statistics, ...) must cost it too.
"""

from __future__ import annotations

from tests.assignments.optim_reg.corpus.variants import Variant, bug, correct

ASSIGNMENT = "norm_sched"

# The reference cells' text (assignments/norm_sched/notebook.md), as edited by the variants.
BN_RUNNING = (
    "        running_mean = (1 - momentum) * running_mean + momentum * mean.detach()\n"
    "        running_var = (1 - momentum) * running_var + momentum * var.detach() * n / (n - 1)\n"
)
BN_BATCH_VAR = "        var = x.var(dim=0, correction=0)\n"
BN_EVAL = "    else:\n        mean, var = running_mean, running_var\n"
BN_INV_STD = "    inv_std = 1.0 / torch.sqrt(var + eps)\n"
BN_EVAL_BACKWARD = "    if not training:\n        return dx_hat * inv_std, dgamma, dbeta\n"
BN_DX = "    dx = inv_std / n * (n * dx_hat - dx_hat.sum(dim=0) - x_hat * (dx_hat * x_hat).sum(dim=0))\n"
BN_GRADS = "    dgamma = (grad_out * x_hat).sum(dim=0)\n    dbeta = grad_out.sum(dim=0)\n"
BN_COPY_BACK = (
    "        if self.training:\n            with torch.no_grad():\n"
    "                self.running_mean.copy_(running_mean)\n                self.running_var.copy_(running_var)\n"
)
BN_MODULE_CALL = "self.running_mean, self.running_var, self.training, self.momentum, self.eps"
BN_BUFFERS = (
    '        self.register_buffer("running_mean", torch.zeros(num_features))\n'
    '        self.register_buffer("running_var", torch.ones(num_features))\n'
)
LN_STATS = "    mean = x.mean(dim=-1, keepdim=True)\n    var = x.var(dim=-1, correction=0, keepdim=True)\n"
LN_OUT = "    return gamma * (x - mean) / torch.sqrt(var + eps) + beta"
STEP = "    return base_lr * gamma ** (step // step_size)\n"
COSINE = "    return min_lr + (base_lr - min_lr) * (1 + math.cos(math.pi * step / total_steps)) / 2\n"
COSINE_END = "    if step >= total_steps:\n        return min_lr\n" + COSINE
WARMUP = "    if step < warmup_steps:\n        return base_lr * step / warmup_steps\n"
WARMUP_COSINE = "    return cosine_lr(step - warmup_steps, base_lr, total_steps - warmup_steps, min_lr)"
CLIP_NORM = "    total_norm = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))\n"
CLIP_COEF = "    coef = torch.clamp(max_norm / (total_norm + 1e-6), max=1.0)\n"
CLIP_RETURN = "    return [g * coef for g in grads], total_norm"
ADAGRAD = "    sum_sq = sum_sq + grad * grad\n    param = param - lr * grad / (sum_sq.sqrt() + eps)\n"
NESTEROV = "    buf = momentum * buf + grad\n    param = param - lr * (grad + momentum * buf)\n"
L1_LOOP = "        total = total + w.abs().sum()\n"
L1_RETURN = "    return lam * total\n"
PROX = "    return torch.sign(w) * torch.clamp(w.abs() - threshold, min=0)"
OFFSETS = "    offsets = torch.randint(-max_shift, max_shift + 1, (n, 2), generator=generator)\n"
SHIFT_GUARD = "        if abs(dy) < h and abs(dx) < w:  # otherwise the image has moved out entirely and stays all 0\n"
SHIFT_LOOP = (
    "    for i, (dy, dx) in enumerate(offsets.tolist()):\n" + SHIFT_GUARD +
    "            out[i, max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \\\n"
    "                images[i, max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]\n"
)
NOISE = "    return images + std * torch.randn(images.shape, generator=generator, dtype=images.dtype)"

BUGS: list[Variant] = [
    # [batchnorm]: forward
    bug("B1-running-var-biased", "batchnorm", (BN_RUNNING, BN_RUNNING.replace(" * n / (n - 1)", "")), mistake="batchnorm.running_var_biased"),
    bug("B2-lecture-momentum-convention", "batchnorm", (BN_RUNNING, BN_RUNNING.replace(
        "(1 - momentum) * running_mean + momentum * mean", "momentum * running_mean + (1 - momentum) * mean").replace(
        "(1 - momentum) * running_var + momentum * var", "momentum * running_var + (1 - momentum) * var")), mistake="batchnorm.momentum_swapped"),
    bug("B3-normalises-with-unbiased-var", "batchnorm", (BN_BATCH_VAR, "        var = x.var(dim=0)\n")),
    bug("B4-eval-uses-batch-statistics", "batchnorm", (
        BN_EVAL, "    else:\n        mean, var = x.mean(dim=0), x.var(dim=0, correction=0)\n"), also=("training",), mistake="batchnorm.eval_batch_statistics"),
    bug("B5-eps-outside-sqrt", "batchnorm", (BN_INV_STD, "    inv_std = 1.0 / (torch.sqrt(var) + eps)\n"), mistake="batchnorm.eps_outside_sqrt"),
    bug("B6-no-eps", "batchnorm", (BN_INV_STD, "    inv_std = 1.0 / torch.sqrt(var)\n"), mistake="batchnorm.eps_missing"),
    bug("B7-eval-updates-running-statistics", "batchnorm", (BN_EVAL, BN_EVAL + (
        "        running_mean = (1 - momentum) * running_mean + momentum * x.mean(dim=0)\n"
        "        running_var = (1 - momentum) * running_var + momentum * x.var(dim=0)\n")), mistake="batchnorm.running_updated_in_eval"),
    # [batchnorm]: backward
    bug("B8-backward-mean-and-var-constant", "batchnorm", (BN_EVAL_BACKWARD, BN_EVAL_BACKWARD.replace(
        "    if not training:\n        return", "    return")), mistake="batchnorm.backward_without_batch_terms"),
    bug("B9-backward-no-variance-term", "batchnorm", (BN_DX, BN_DX.replace(" - x_hat * (dx_hat * x_hat).sum(dim=0)", ""))),
    bug("B10-backward-training-formula-in-eval", "batchnorm", (BN_EVAL_BACKWARD, "")),
    bug("B11-backward-grads-averaged", "batchnorm", (BN_GRADS, BN_GRADS.replace(".sum(dim=0)", ".mean(dim=0)"))),
    bug("B12-backward-gamma-dropped", "batchnorm", ("    dx_hat = grad_out * gamma\n", "    dx_hat = grad_out\n"), mistake="batchnorm.backward_without_gamma"),
    # [batchnorm]: the module
    bug("B13-module-always-training", "batchnorm", (BN_MODULE_CALL, BN_MODULE_CALL.replace("self.training,", "True,")),
        also=("training",), mistake="batchnorm.eval_batch_statistics"),
    bug("B14-module-never-updates-buffers", "batchnorm", (BN_COPY_BACK, ""), also=("training",), mistake="batchnorm.module_running_not_stored"),
    bug("B15-module-lecture-default-momentum", "batchnorm", (
        "    def __init__(self, num_features, eps=1e-5, momentum=0.1):\n",
        "    def __init__(self, num_features, eps=1e-5, momentum=0.9):\n")),
    bug("B16-module-ignores-momentum", "batchnorm", (BN_MODULE_CALL, BN_MODULE_CALL.replace("self.momentum", "0.1"))),
    bug("B17-module-stats-not-buffers", "batchnorm", (BN_BUFFERS, (
        "        self.running_mean = torch.zeros(num_features)\n        self.running_var = torch.ones(num_features)\n"))),
    # [layernorm]
    bug("L1-unbiased-var", "layernorm", (LN_STATS, LN_STATS.replace("correction=0, ", "")), mistake="layernorm.unbiased_variance"),
    bug("L2-over-the-batch", "layernorm", (LN_STATS, LN_STATS.replace("dim=-1", "dim=0")), mistake="layernorm.wrong_dim"),
    bug("L3-eps-outside-sqrt", "layernorm", (LN_OUT, LN_OUT.replace("torch.sqrt(var + eps)", "(torch.sqrt(var) + eps)")), mistake="layernorm.eps_outside_sqrt"),
    bug("L4-no-keepdim", "layernorm", (LN_STATS, LN_STATS.replace(", keepdim=True", ""))),
    bug("L5-whole-tensor-statistics", "layernorm", (LN_STATS, "    mean = x.mean()\n    var = x.var(correction=0)\n"), mistake="layernorm.all_elements"),
    # [schedules]
    bug("S1-step-off-by-one", "schedules", (STEP, STEP.replace("(step // step_size)", "((step + 1) // step_size)")), mistake="schedules.step_off_by_one"),
    bug("S2-step-continuous", "schedules", (STEP, STEP.replace("//", "/")), mistake="schedules.step_no_floor"),
    bug("S3-cosine-periodic-after-total", "schedules", (COSINE_END, COSINE), mistake="schedules.cosine_no_clamp"),
    bug("S4-cosine-min-lr-added", "schedules", (COSINE, COSINE.replace("(base_lr - min_lr) *", "base_lr *")), mistake="schedules.cosine_min_lr_added"),
    bug("S5-cosine-total-minus-one", "schedules", (COSINE, COSINE.replace("step / total_steps", "step / (total_steps - 1)"))),
    bug("S6-warmup-off-by-one", "schedules", (WARMUP, WARMUP.replace("base_lr * step /", "base_lr * (step + 1) /")), mistake="schedules.warmup_off_by_one"),
    bug("S7-warmup-cosine-unshifted-over-total", "schedules", (WARMUP_COSINE, "    return cosine_lr(step, base_lr, total_steps, min_lr)\n"), mistake="schedules.warmup_cosine_over_total"),
    bug("S8-warmup-cosine-shifted-over-total", "schedules", (WARMUP_COSINE, WARMUP_COSINE.replace("total_steps - warmup_steps", "total_steps"))),
    bug("S9-warmup-divides-by-zero", "schedules", (WARMUP,
        "    progress = step / warmup_steps\n    if progress < 1:\n        return base_lr * progress\n")),
    bug("S10-warmup-from-min-lr", "schedules", (WARMUP, WARMUP.replace(
        "base_lr * step / warmup_steps", "min_lr + (base_lr - min_lr) * step / warmup_steps")), mistake="schedules.warmup_from_min_lr"),
    # [clipping]
    bug("C1-per-tensor", "clipping", (CLIP_COEF + CLIP_RETURN,
        "    coefs = [torch.clamp(max_norm / (torch.linalg.vector_norm(g) + 1e-6), max=1.0) for g in grads]\n"
        "    return [g * c for g, c in zip(grads, coefs)], total_norm\n"), mistake="clipping.per_tensor"),
    bug("C2-no-clamp", "clipping", (CLIP_COEF, "    coef = max_norm / (total_norm + 1e-6)\n"), mistake="clipping.not_clamped"),
    bug("C3-no-eps", "clipping", (CLIP_COEF, CLIP_COEF.replace("(total_norm + 1e-6)", "total_norm")), mistake="clipping.no_eps"),
    bug("C4-only-above-the-threshold", "clipping", (CLIP_COEF + CLIP_RETURN,
        "    if total_norm <= max_norm:\n        return list(grads), total_norm\n"
        "    return [g * (max_norm / (total_norm + 1e-6)) for g in grads], total_norm\n")),
    bug("C5-sum-of-norms", "clipping", (CLIP_NORM,
        "    total_norm = torch.stack([torch.linalg.vector_norm(g) for g in grads]).sum()\n"), mistake="clipping.sum_of_norms"),
    bug("C6-returns-clipped-norm", "clipping", (CLIP_RETURN,
        "    clipped = [g * coef for g in grads]\n"
        "    return clipped, torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in clipped]))\n"), mistake="clipping.clipped_norm_returned"),
    bug("C7-squared-norm", "clipping", (CLIP_NORM,
        "    total_norm = torch.stack([torch.linalg.vector_norm(g) for g in grads]).pow(2).sum()\n"), mistake="clipping.squared_norm"),
    # [adagrad]
    bug("G1-eps-inside-sqrt", "adagrad", (ADAGRAD, ADAGRAD.replace("(sum_sq.sqrt() + eps)", "(sum_sq + eps).sqrt()")), mistake="adagrad.eps_inside"),
    bug("G2-old-sum", "adagrad", (ADAGRAD, "".join(reversed(ADAGRAD.splitlines(keepends=True)))), mistake="adagrad.old_sum"),
    bug("G3-no-sqrt", "adagrad", (ADAGRAD, ADAGRAD.replace("sum_sq.sqrt()", "sum_sq")), mistake="adagrad.no_sqrt"),
    bug("G4-decaying-average", "adagrad", (ADAGRAD, ADAGRAD.replace("sum_sq + grad * grad", "0.99 * sum_sq + 0.01 * grad * grad")), mistake="adagrad.rmsprop"),
    bug("G5-no-eps", "adagrad", (ADAGRAD, ADAGRAD.replace("(sum_sq.sqrt() + eps)", "sum_sq.sqrt()")), mistake="adagrad.no_eps"),
    bug("G6-abs-grad", "adagrad", (ADAGRAD, ADAGRAD.replace("grad * grad", "grad.abs()")), mistake="adagrad.abs_grad"),
    # [nesterov]
    bug("N1-lookahead-dropped", "nesterov", (NESTEROV, NESTEROV.replace("(grad + momentum * buf)", "buf")), mistake="nesterov.plain_momentum"),
    bug("N2-old-buffer", "nesterov", (NESTEROV, "".join(reversed(NESTEROV.splitlines(keepends=True)))), mistake="nesterov.plain_momentum"),
    bug("N3-ema-buffer", "nesterov", (NESTEROV, NESTEROV.replace("momentum * buf + grad", "momentum * buf + (1 - momentum) * grad")), mistake="nesterov.ema_buffer"),
    bug("N4-sign-error", "nesterov", (NESTEROV, NESTEROV.replace("param - lr", "param + lr")), mistake="nesterov.sign"),
    bug("N5-cs231n-form", "nesterov", (NESTEROV,
        "    old = buf\n    buf = momentum * buf - lr * grad\n    param = param - momentum * old + (1 + momentum) * buf\n"), mistake="nesterov.cs231n"),
    # [l1]
    bug("P1-subgradient-one-at-zero", "l1", (L1_LOOP, "        total = total + torch.where(w >= 0, w, -w).sum()\n"), mistake="l1.subgradient_at_zero"),
    bug("P2-squares", "l1", (L1_LOOP, L1_LOOP.replace("w.abs()", "(w * w)")), mistake="l1.squares"),
    bug("P3-mean", "l1", (L1_LOOP, L1_LOOP.replace(".abs().sum()", ".abs().mean()")), mistake="l1.mean"),
    bug("P4-half-lam", "l1", (L1_RETURN, "    return lam / 2 * total\n"), mistake="l1.half"),
    bug("P5-python-float", "l1", (L1_RETURN, "    return float(lam * total)\n"), mistake="l1.not_differentiable"),
    bug("P6-detached", "l1", (L1_LOOP, L1_LOOP.replace("w.abs()", "w.detach().abs()")), mistake="l1.not_differentiable"),
    bug("P7-prox-no-clamp", "l1", (PROX, "    return w - threshold * torch.sign(w)\n"), mistake="l1.prox_no_zeroing"),
    bug("P8-prox-hard-threshold", "l1", (PROX, "    return torch.where(w.abs() > threshold, w, torch.zeros_like(w))\n"), mistake="l1.prox_hard_threshold"),
    bug("P9-prox-positive-side-only", "l1", (PROX, "    return torch.clamp(w - threshold, min=0)\n")),
    # [augment]
    bug("A1-shift-wraps-around", "augment", ("    out = torch.zeros_like(images)\n" + SHIFT_LOOP,
        "    out = torch.stack([torch.roll(images[i], (dy, dx), dims=(0, 1)) for i, (dy, dx) in enumerate(offsets.tolist())])\n"), mistake="augment.wraps_around"),
    bug("A2-shift-high-exclusive", "augment", (OFFSETS, OFFSETS.replace("max_shift + 1,", "max_shift,")), mistake="augment.exclusive_range"),
    bug("A3-shift-non-negative", "augment", (OFFSETS, OFFSETS.replace("(-max_shift,", "(0,")), mistake="augment.nonnegative_offsets"),
    bug("A4-shift-one-offset-both-axes", "augment", (OFFSETS, OFFSETS.replace("(n, 2), generator=generator)",
        "(n, 1), generator=generator).expand(n, 2)")), mistake="augment.same_offset_both_axes"),
    bug("A5-shift-one-offset-per-batch", "augment", (OFFSETS, OFFSETS.replace("(n, 2), generator=generator)",
        "(1, 2), generator=generator).expand(n, 2)")), mistake="augment.one_offset_per_batch"),
    bug("A6-shift-generator-ignored", "augment", (OFFSETS, OFFSETS.replace(", generator=generator", "")), mistake="augment.generator_ignored"),
    bug("A12-shift-crashes-beyond-the-image", "augment", (SHIFT_LOOP, SHIFT_LOOP.replace(SHIFT_GUARD, "").replace(
        "            out[i", "        out[i").replace("                images[i", "            images[i"))),
    bug("A7-noise-variance-as-std", "augment", (NOISE, NOISE.replace("std * torch", "std**2 * torch")), mistake="augment.noise_variance"),
    bug("A8-noise-uniform", "augment", (NOISE, NOISE.replace("torch.randn(", "torch.rand(")), mistake="augment.noise_uniform"),
    bug("A9-noise-one-pattern-for-all-images", "augment", (NOISE, NOISE.replace("torch.randn(images.shape,", "torch.randn(images.shape[1:],"))),
    bug("A10-noise-multiplicative", "augment", (NOISE, "    return images * (1 + std * torch.randn(images.shape, generator=generator, dtype=images.dtype))\n"), mistake="augment.noise_multiplicative"),
    bug("A11-noise-generator-ignored", "augment", (NOISE, NOISE.replace("generator=generator, ", "")), mistake="augment.generator_ignored"),
    # experiment cells: their definitions are run, their loops are not; a graded name defined there is the one graded
    bug("X2-nesterov-redefined-by-an-experiment", "nesterov", (
        "def heavy_ball_update(param, grad, buf, lr=0.01, momentum=0.9):\n",
        "def nesterov_update(param, grad, buf, lr=0.01, momentum=0.9):\n"), says="is the one graded", mistake="nesterov.plain_momentum"),
]  # fmt: skip

CORRECT: list[Variant] = [
    correct("reference"),
    correct("bn-two-pass-variance-and-unbiased-by-correction", (BN_BATCH_VAR, "        var = ((x - mean) ** 2).mean(dim=0)\n"), (
        "momentum * var.detach() * n / (n - 1)\n", "momentum * x.detach().var(dim=0, correction=1)\n")),
    correct("bn-lerp-running-statistics", (BN_RUNNING,
        "        running_mean = torch.lerp(running_mean, mean.detach(), momentum)\n"
        "        running_var = torch.lerp(running_var, var.detach() * n / (n - 1), momentum)\n")),
    correct("bn-rsqrt-and-division", (BN_INV_STD, "    inv_std = torch.rsqrt(var + eps)\n"), (
        "    x_hat = (x - mean) * inv_std\n", "    x_hat = (x - mean) / torch.sqrt(var + eps)\n")),
    correct("bn-backward-step-by-step", (BN_DX,
        "    dvar = (dx_hat * x_hat).sum(dim=0) * -0.5 * inv_std**2\n"
        "    dmean = -(dx_hat * inv_std).sum(dim=0)\n"
        "    dx = dx_hat * inv_std + dvar * 2 * x_hat / (n * inv_std) + dmean / n\n")),
    correct("bn-module-in-place-buffers", (BN_COPY_BACK,
        "        if self.training:\n            with torch.no_grad():\n"
        "                self.running_mean.mul_(0).add_(running_mean)\n                self.running_var[:] = running_var\n")),
    correct("layernorm-rsqrt-mean-of-squares", (LN_STATS + LN_OUT,
        "    centred = x - x.mean(dim=-1, keepdim=True)\n"
        "    return gamma * centred * torch.rsqrt((centred**2).mean(dim=-1, keepdim=True) + eps) + beta\n")),
    correct("schedules-floor-and-half", (STEP, "    return base_lr * gamma ** math.floor(step / step_size)\n"), (
        COSINE, "    return min_lr + 0.5 * (base_lr - min_lr) * (1 + math.cos(math.pi * step / total_steps))\n")),
    correct("schedules-warmup-written-out", (WARMUP + WARMUP_COSINE,
        "    if step < warmup_steps:\n        return base_lr * step / warmup_steps\n"
        "    if step >= total_steps:\n        return min_lr\n"
        "    progress = (step - warmup_steps) / (total_steps - warmup_steps)\n"
        "    return float(min_lr + (base_lr - min_lr) * 0.5 * (1 + np.cos(np.pi * progress)))\n")),
    correct("clipping-sum-of-squares-and-in-place", (CLIP_NORM + CLIP_COEF + CLIP_RETURN,
        "    total_norm = torch.sqrt(sum((g * g).sum() for g in grads))\n"
        "    coef = min(1.0, max_norm / (float(total_norm) + 1e-6))\n"
        "    for g in grads:\n        g.mul_(coef)\n    return grads, total_norm\n")),
    correct("adagrad-in-place", (ADAGRAD, "    sum_sq.addcmul_(grad, grad)\n    param.addcdiv_(grad, sum_sq.sqrt().add(eps), value=-lr)\n")),
    correct("nesterov-in-place-torch-style", (NESTEROV,
        "    buf.mul_(momentum).add_(grad)\n    param.add_(grad.add(buf, alpha=momentum), alpha=-lr)\n")),
    correct("l1-vector-norm-and-relu-prox", (L1_LOOP, "        total = total + torch.linalg.vector_norm(w, ord=1)\n"), (
        PROX, "    return torch.relu(w - threshold) - torch.relu(-w - threshold)\n")),
    correct("augment-offsets-from-zero-and-pad-crop", (OFFSETS,
        "    offsets = torch.randint(0, 2 * max_shift + 1, (n, 2), generator=generator) - max_shift\n"), (SHIFT_LOOP,
        "    m = max(max_shift, 1)\n"
        "    padded = torch.nn.functional.pad(images, (m, m, m, m))\n"
        "    for i, (dy, dx) in enumerate(offsets.tolist()):\n"
        "        out[i] = padded[i, m - dy:m - dy + h, m - dx:m - dx + w]\n")),
    correct("augment-noise-torch-normal", (NOISE,
        "    return images + torch.normal(0.0, std, images.shape, generator=generator, dtype=images.dtype)\n")),
    # an experiment whose loop would crash costs nothing: the autograder does not run it
    correct("X1-experiment-loop-crashes", (
        "    plt.plot(range(STEPS + 20), [schedule(s) for s in range(STEPS + 20)], label=label)\n",
        "    plt.plot(range(STEPS), [schedule(s) for s in range(STEPS + 20)], label=label)\n")),
]  # fmt: skip
