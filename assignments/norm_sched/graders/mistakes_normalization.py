"""Shared checks of [batchnorm] and [layernorm], and their known mistakes.

Every test runs one probe of ../probes/normalization.py on the student and on the reference, with the same cases,
and compares the results case by case, array by array:

- float64: rtol 1e-7 and atol 1e-9 times the largest |value| of the array. Correct arrangements (torch.var_mean,
  rsqrt, (x - mean) * inv_std, a cache of any shape, a backward written from x_hat or from x, in-place updates of
  the running buffers) agree with the reference to ~1e-14. The mistakes below are far outside: normalising with
  the unbiased variance changes out by N / (N - 1) - 1 >= 1.2e-4 relative even at N = 4096; eps outside the root
  changes x_hat by ~1e-3 relative on the features of std ~1e-3 the eps tests use;
- float32: rtol 1e-4 and atol 1e-5 times the largest |value| (float32 rounding of a mean over 4096 rows is ~1e-6).

dx is the exception: its atol is scaled by its natural size, max |grad_out| * |gamma| / sqrt(var + eps), since dx
itself can be all cancellation (at N = 2 it is rounding noise around 0).

When a result is wrong, the buggy versions below run on the same inputs in the grader, and the first one that
differs from the reference there and that the student's results match (tolerances 10 times looser) is named in the feedback and in results.json. They are trusted grader
code, never shown to students.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import torch
import torch.nn as nn

from autograder.grading.api import KnownMistake, Mistake
from autograder.grading.compare import assert_close
from autograder.grading.diagnose import known_mistake, mistakes
from autograder.grading.plugin import ProbeCache

TOL = {"float64": (1e-7, 1e-9), "float32": (1e-4, 1e-5)}  # rtol, atol times the array's largest |value|


# ----------------------------------------------------------------------------------------------------------------
# Comparing


def close(got: Any, want: Any, dtype: str, what: str, loose: float = 1.0, scale: float | None = None) -> None:
    """AssertionError (a sentence) unless got matches want within the dtype's tolerance (times `loose`); lists and
    dicts are compared item by item, flags exactly."""
    if isinstance(want, dict):
        for key, value in want.items():
            close(got.get(key), value, dtype, f"{what}, {_WHAT.get(key, key)}", loose)
        return
    if isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            raise AssertionError(f"{what}: {len(want)} results expected")
        for number, (g, w) in enumerate(zip(got, want)):
            close(g, w, dtype, f"{what} (call {number + 1})", loose)
        return
    if isinstance(want, (bool, str)) or want is None:
        if got != want:
            raise AssertionError(f"{what} is {got}, expected {want}")
        return
    want = np.asarray(want, dtype=np.float64)
    rtol, atol = TOL[dtype]
    if scale is None:
        scale = float(np.abs(want).max()) if want.size and np.isfinite(want).all() else 1.0
    assert_close(np.asarray(got, dtype=np.float64), want, rtol * loose, atol * loose * max(scale, 1e-30), what)


def compare_cases(got: list[dict[str, Any]], want: list[dict[str, Any]], cases: list[dict[str, Any]],
                  keys: Iterable[str], describe: Callable[[dict[str, Any]], str], loose: float = 1.0) -> None:  # fmt: skip
    """Each case's results under `keys` (those the reference has) against the reference's: AssertionError naming
    the case and the quantity. A case whose code failed fails with its own sentence."""
    for spec, g, w in zip(cases, got, want):
        label = describe(spec)
        if "error" in g:
            raise AssertionError(f"{label}: {g['error']}")
        for key in keys:
            if key not in w:
                continue
            if key not in g:
                problem = g.get(key + "_error") or g.get(_ERRORS.get(key, ""))
                raise AssertionError(f"{label}: {problem or 'no ' + _WHAT.get(key, key) + ' could be read'}")
            scale = w.get("dx_scale") if key in ("dx", "dx_autograd") else None
            close(g[key], w[key], spec["dtype"], f"{label}: {_WHAT.get(key, key)}", loose, w.get(f"{key}_scale", scale))


_ERRORS = {"dx": "backward_error", "dgamma": "backward_error", "dbeta": "backward_error", "dx_autograd": "grad_error",
           "eval": "eval_error", "eval_flag": "eval_error", "after_eval": "eval_error", "train_flag": "eval_error"}  # fmt: skip
_WHAT = {
    "out": "out", "running_mean": "the running_mean it returned", "running_var": "the running_var it returned",
    "dx": "batchnorm_backward's dx", "dgamma": "batchnorm_backward's dgamma", "dbeta": "batchnorm_backward's dbeta",
    "dx_autograd": "the gradient autograd gives x", "dweight": "weight.grad after backward",
    "dbias": "bias.grad after backward", "eval": "its eval-mode output", "new": "a new module",
    "training": "its training flag", "weight": "weight", "bias": "bias", "eval_flag": "its training flag after .eval()",
    "train_flag": "its training flag after .train()", "after_eval": "after the eval-mode calls",
}  # fmt: skip


def check(student: ProbeCache, reference: ProbeCache, probe: str, cases: list[dict[str, Any]], keys: Iterable[str],
          describe: Callable[[dict[str, Any]], str], versions: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:  # fmt: skip
    """Run the probe on both sides and compare; name the known mistake the student's results match, if any.
    Returns the student's results (for checks of their own)."""
    keys = list(keys)
    got, want = student.probe(probe, cases=cases), reference.probe(probe, cases=cases)
    try:
        compare_cases(got["cases"], want["cases"], cases, keys, describe)
    except AssertionError as exc:
        found = diagnose(reference, probe, cases, keys, describe, got, versions)
        if found:
            raise KnownMistake(f"{exc}. This is what happens when {found.text}.", found) from None
        raise
    return got


def diagnose(reference: ProbeCache, probe: str, cases: list[dict[str, Any]], keys: list[str],
             describe: Callable[[dict[str, Any]], str], got: dict[str, Any],
             versions: Mapping[str, Mapping[str, Any]]) -> Mistake | None:  # fmt: skip
    want = reference.probe(probe, cases=cases)

    def agree(a: Mapping[str, Any], b: Mapping[str, Any], loose: float) -> bool:
        try:
            compare_cases(a["cases"], b["cases"], cases, keys, describe, loose=loose)
        except AssertionError:
            return False
        return True

    def matches(student: Mapping[str, Any], candidate: Mapping[str, Any]) -> bool:
        # a mistake that gives the reference's results on these inputs explains nothing here
        return not agree(candidate, want, 1.0) and agree(student, candidate, 10.0)

    found = known_mistake(got, probe, {"cases": cases}, mistakes(reference, versions), matches)
    return Mistake(found, MISTAKES[found]) if found else None


# ----------------------------------------------------------------------------------------------------------------
# Known mistakes of batchnorm_forward / batchnorm_backward / BatchNorm1d


def _bn_forward(kind: str) -> Callable[..., Any]:
    def batchnorm_forward(x, gamma, beta, running_mean, running_var, training=True, momentum=0.1, eps=1e-5):
        n = x.shape[0]
        if training or kind == "eval_batch_statistics":
            mean = x.mean(dim=0)
            var = x.var(dim=0, correction=1 if kind == "unbiased_variance" else 0)
        else:
            mean, var = running_mean, running_var
        if (training and kind != "running_not_updated") or kind == "running_updated_in_eval":
            batch_var = x.var(dim=0, correction=0 if kind == "running_var_biased" else 1).detach()
            batch_mean = x.mean(dim=0).detach()
            keep = momentum if kind == "momentum_swapped" else 1 - momentum
            running_mean = keep * running_mean + (1 - keep) * batch_mean
            running_var = keep * running_var + (1 - keep) * batch_var
        if kind == "eps_outside_sqrt":
            inv_std = 1.0 / (torch.sqrt(var) + eps)
        elif kind == "eps_missing":
            inv_std = 1.0 / torch.sqrt(var)
        else:
            inv_std = 1.0 / torch.sqrt(var + eps)
        x_hat = (x - mean) * inv_std
        out = x_hat if kind == "gamma_beta_ignored" else gamma * x_hat + beta
        return out, running_mean, running_var, (x_hat, gamma, inv_std, training or kind == "eval_batch_statistics", n)

    return batchnorm_forward


def _bn_backward(kind: str) -> Callable[..., Any]:
    def batchnorm_backward(grad_out, cache):
        x_hat, gamma, inv_std, training, n = cache
        dgamma = grad_out.sum(dim=0) if kind == "backward_dgamma_without_x_hat" else (grad_out * x_hat).sum(dim=0)
        dbeta = grad_out.sum(dim=0)
        dx_hat = grad_out if kind == "backward_without_gamma" else grad_out * gamma
        if kind == "backward_dgamma_dbeta_swapped":
            dgamma, dbeta = dbeta, dgamma
        if not training or kind == "backward_without_batch_terms":
            return dx_hat * inv_std, dgamma, dbeta
        dx = inv_std / n * (n * dx_hat - dx_hat.sum(dim=0) - x_hat * (dx_hat * x_hat).sum(dim=0))
        return dx, dgamma, dbeta

    return batchnorm_backward


def _bn_module(forward: Callable[..., Any], kind: str = "") -> type:
    class BatchNorm1d(nn.Module):
        def __init__(self, num_features, eps=1e-5, momentum=0.1):
            super().__init__()
            self.eps, self.momentum = (1e-5, 0.1) if kind == "module_default_hyperparameters" else (eps, momentum)
            self.weight = nn.Parameter(torch.ones(num_features))
            self.bias = nn.Parameter(torch.zeros(num_features))
            self.register_buffer("running_mean", torch.zeros(num_features))
            self.register_buffer("running_var", torch.ones(num_features))

        def forward(self, x):
            training = True if kind == "module_ignores_eval" else self.training
            out, mean, var, _ = forward(x, self.weight, self.bias, self.running_mean, self.running_var, training,
                                        self.momentum, self.eps)  # fmt: skip
            if training and kind != "module_running_not_stored":
                with torch.no_grad():
                    self.running_mean.copy_(mean)
                    self.running_var.copy_(var)
            return out

    return BatchNorm1d


_REFERENCE_BACKWARD = _bn_backward("")

MISTAKES = {
    "batchnorm.unbiased_variance": "the batch is normalised with the unbiased variance (dividing by N - 1); "
    "batch normalization divides by N (the biased variance) to normalise",
    "batchnorm.running_var_biased": "the running variance is updated with the biased batch variance; it is updated "
    "with the unbiased one (the biased variance times N / (N - 1)), as torch.nn.BatchNorm1d does",
    "batchnorm.momentum_swapped": "the momentum convention is swapped (running = momentum * running + (1 - momentum) "
    "* batch); PyTorch's is running = (1 - momentum) * running + momentum * batch",
    "batchnorm.eval_batch_statistics": "eval mode (training=False) normalises with the batch's own statistics instead "
    "of the running statistics",
    "batchnorm.running_not_updated": "the running statistics are not updated in training mode",
    "batchnorm.running_updated_in_eval": "the running statistics are updated in eval mode too; only training mode "
    "updates them",
    "batchnorm.eps_outside_sqrt": "eps is added outside the square root (sqrt(var) + eps) instead of inside it "
    "(sqrt(var + eps))",
    "batchnorm.eps_missing": "eps is left out of the normalisation: sqrt(var) instead of sqrt(var + eps) (in eval mode, "
    "sqrt(running_var) instead of sqrt(running_var + eps))",
    "batchnorm.gamma_beta_ignored": "gamma and beta are not applied (out is x_hat)",
    "batchnorm.backward_without_batch_terms": "in training mode dx is grad_out * gamma / sqrt(var + eps), leaving out "
    "the terms that come from the batch mean and variance depending on x",
    "batchnorm.backward_dgamma_without_x_hat": "dgamma is the sum of grad_out, without multiplying by x_hat",
    "batchnorm.backward_without_gamma": "dx leaves out the factor gamma",
    "batchnorm.backward_dgamma_dbeta_swapped": "dgamma and dbeta are returned in each other's place; the order is "
    "(dx, dgamma, dbeta)",
    "batchnorm.module_running_not_stored": "BatchNorm1d's running_mean and running_var never change in training "
    "mode (does forward store the running statistics batchnorm_forward returns, and does batchnorm_forward update "
    "them?)",
    "batchnorm.module_ignores_eval": "BatchNorm1d ignores eval mode (self.training): after .eval() it still "
    "normalises with the batch statistics and updates its running statistics",
    "batchnorm.module_default_hyperparameters": "BatchNorm1d ignores its own eps and momentum and uses the default "
    "values",
    "layernorm.wrong_dim": "the statistics are taken over the first dimension instead of the last one",
    "layernorm.all_elements": "the statistics are taken over all the elements of x instead of each vector along the "
    "last dimension",
    "layernorm.unbiased_variance": "the variance is the unbiased one (dividing by D - 1); layer normalization divides "
    "by D",
    "layernorm.eps_outside_sqrt": "eps is added outside the square root (sqrt(var) + eps) instead of inside it",
    "layernorm.eps_missing": "eps is left out of the normalisation",
    "layernorm.gamma_beta_ignored": "gamma and beta are not applied",
    "layernorm.gamma_beta_swapped": "gamma and beta are swapped (beta * x_hat + gamma instead of gamma * x_hat + beta)",
}

_FORWARD_KINDS = ("unbiased_variance", "running_var_biased", "momentum_swapped", "eval_batch_statistics",
                  "running_not_updated", "running_updated_in_eval", "eps_outside_sqrt", "eps_missing",
                  "gamma_beta_ignored")  # fmt: skip
_BACKWARD_KINDS = ("backward_without_batch_terms", "backward_dgamma_without_x_hat", "backward_without_gamma",
                   "backward_dgamma_dbeta_swapped")
_MODULE_KINDS = ("module_running_not_stored", "module_ignores_eval", "module_default_hyperparameters")


def _batchnorm_versions() -> dict[str, dict[str, Any]]:
    """Module mistakes first: a module test names the module's symptom, even when its cause is in
    batchnorm_forward (whose own tests then name that)."""
    versions: dict[str, dict[str, Any]] = {}
    forward = _bn_forward("")
    for kind in _MODULE_KINDS:
        versions[f"batchnorm.{kind}"] = {"BatchNorm1d": _bn_module(forward, kind)}
    for kind in _FORWARD_KINDS:
        buggy = _bn_forward(kind)
        versions[f"batchnorm.{kind}"] = {"batchnorm_forward": buggy, "batchnorm_backward": _REFERENCE_BACKWARD,
                                         "BatchNorm1d": _bn_module(buggy)}  # fmt: skip
    for kind in _BACKWARD_KINDS:
        versions[f"batchnorm.{kind}"] = {"batchnorm_forward": forward, "batchnorm_backward": _bn_backward(kind)}
    return versions


BATCHNORM_VERSIONS = _batchnorm_versions()


# ----------------------------------------------------------------------------------------------------------------
# Known mistakes of layernorm_forward


def _layernorm(kind: str) -> Callable[..., Any]:
    def layernorm_forward(x, gamma, beta, eps=1e-5):
        dims = {"wrong_dim": 0, "all_elements": tuple(range(x.dim()))}.get(kind, -1)
        mean = x.mean(dim=dims, keepdim=True)
        var = x.var(dim=dims, correction=1 if kind == "unbiased_variance" else 0, keepdim=True)
        if kind == "eps_outside_sqrt":
            x_hat = (x - mean) / (torch.sqrt(var) + eps)
        elif kind == "eps_missing":
            x_hat = (x - mean) / torch.sqrt(var)
        else:
            x_hat = (x - mean) / torch.sqrt(var + eps)
        if kind == "gamma_beta_swapped":
            return beta * x_hat + gamma
        return x_hat if kind == "gamma_beta_ignored" else gamma * x_hat + beta

    return layernorm_forward


LAYERNORM_VERSIONS = {
    f"layernorm.{kind}": {"layernorm_forward": _layernorm(kind)}
    for kind in ("wrong_dim", "all_elements", "unbiased_variance", "eps_outside_sqrt", "eps_missing", "gamma_beta_ignored",
                 "gamma_beta_swapped")
}
