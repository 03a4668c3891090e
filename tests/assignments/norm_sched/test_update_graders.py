"""The hidden graders of [schedules], [clipping], [adagrad], [nesterov], [l1] and [augment] against trusted code.

- the solution notebook gets full points on the six questions, the student template none;
- every known mistake that is a buggy version of a function (mistakes_schedules/clipping/updates.py) loses points on
  its question when graded as a submission, and the feedback names it, by id and text;
- the mistakes the graders recognise by formula ([l1], [augment]) are named on a realistic buggy notebook each;
- correct alternatives (in-place updates, torch.where forms, float32 torch schedules, a vectorised shift, padding and
  cropping, another draw order) get full points.

To stay cheap, each variant is graded on its own question only (the corpus test grades whole notebooks through
`autograder grade`), and the versioned mistakes are graded as namespaces, without running notebook cells.
"""

from __future__ import annotations

import functools

import nbformat
import pytest

from assignments.norm_sched.graders import mistakes_clipping, mistakes_schedules, mistakes_updates
from autograder.assignment import load
from autograder.grading.implementations import LocalImplementation, reference
from autograder.grading.plugin import run_graders
from autograder.grading.results import TestResult
from tests.edit import code_cells, solution_cells, with_definitions
from tests.grading.inprocess import grade_in_process, scores_by_question

NORM_SCHED = load("norm_sched")
QUESTIONS = ("schedules", "clipping", "adagrad", "nesterov", "l1", "augment")
MAX_POINTS = {q: p for q, p in NORM_SCHED.points().items() if q in QUESTIONS}


def describe(results: list[TestResult]) -> str:
    return "\n".join(f"[{r.question}] {r.name}: {r.points}/{r.max_points} {r.feedback}" for r in results)


@functools.cache
def grade(cells: tuple[str, ...], questions: tuple[str, ...] = QUESTIONS) -> tuple[TestResult, ...]:
    return tuple(grade_in_process(list(cells), questions, assignment="norm_sched"))


def with_function(source: str) -> tuple[str, ...]:
    return with_definitions(solution_cells("norm_sched"), source)


def assert_named(results: tuple[TestResult, ...], question: str, mistake_id: str, text: str) -> None:
    """The question lost points, and some failed test names the mistake by id and by its text."""
    points, max_points = scores_by_question(list(results))[question]
    assert points < max_points, describe(list(results))
    named = [r for r in results if r.mistake is not None and r.mistake.id == mistake_id]
    assert named and all(f"This is what happens when {text}." in r.feedback for r in named), describe(list(results))


def test_solution_gets_full_points():
    results = grade(solution_cells("norm_sched"))
    assert scores_by_question(list(results)) == {q: (MAX_POINTS[q], MAX_POINTS[q]) for q in QUESTIONS}
    assert all(r.name and not r.name.startswith("test_") for r in results), "every test needs a docstring name"
    public = {r.question: r.max_points for r in results if r.visibility == "visible"}
    assert set(public) == set(QUESTIONS)


def test_template_gets_nothing():
    results = grade(code_cells(nbformat.read(NORM_SCHED.template_notebook, as_version=4)))
    assert all(r.points == 0 for r in results), describe(list(results))
    assert all("NotImplementedError" in r.feedback for r in results), describe(list(results))


# ---------------------------------------------------------------------------------------------------------------
# Mistakes that are buggy versions of a function: each one, graded as a submission, is named on its question.

VERSIONED = [
    *((("schedules", mistake_id, names, mistakes_schedules.MISTAKES[mistake_id])
       for versions in mistakes_schedules.VERSIONS.values() for mistake_id, names in versions.items())),
    *(("clipping", mistake_id, names, mistakes_clipping.MISTAKES[mistake_id])
      for mistake_id, names in mistakes_clipping.VERSIONS.items()),
    *((mistake_id.partition(".")[0], mistake_id, names, mistakes_updates.CHECKS.mistakes[mistake_id])
      for versions in mistakes_updates.CHECKS.versions.values() for mistake_id, names in versions.items()),
]  # fmt: skip


@pytest.mark.parametrize(("question", "mistake_id", "names", "text"), VERSIONED, ids=[v[1] for v in VERSIONED])
def test_versioned_mistake_is_named(question, mistake_id, names, text):
    solution = reference(NORM_SCHED)
    submission = LocalImplementation({**solution.namespace, **names}, NORM_SCHED)
    results = tuple(run_graders(NORM_SCHED, submission, solution, [question]))
    assert not [r for r in results if r.grader_error], describe(list(results))
    assert_named(results, question, mistake_id, text)


# ---------------------------------------------------------------------------------------------------------------
# Realistic buggy notebooks for the mistakes recognised by formula

# name -> (question, source, mistake id)
# fmt: off
FORMULA_BUGS = {
    "L1 via torch.where": ("l1", """
        def l1_penalty(params, lam):
            return lam * sum(torch.where(w >= 0, w, -w).sum() for w in params)
    """, "l1.subgradient_at_zero"),
    "L1 via sqrt of squares": ("l1", """
        def l1_penalty(params, lam):
            return lam * sum(torch.sqrt(w ** 2).sum() for w in params)
    """, "l1.nan_at_zero"),
    "L1 squares": ("l1", """
        def l1_penalty(params, lam):
            return lam * sum((w * w).sum() for w in params)
    """, "l1.squares"),
    "L1 as a float": ("l1", """
        def l1_penalty(params, lam):
            return lam * sum(w.abs().sum().item() for w in params)
    """, "l1.not_differentiable"),
    "prox shrinks through zero": ("l1", """
        def prox_l1(w, threshold):
            return w - threshold * torch.sign(w)
    """, "l1.prox_no_zeroing"),
    "prox hard threshold": ("l1", """
        def prox_l1(w, threshold):
            return torch.where(w.abs() > threshold, w, torch.zeros_like(w))
    """, "l1.prox_hard_threshold"),
    "shift with torch.roll": ("augment", """
        def random_shift(images, max_shift, generator=None):
            out = torch.empty_like(images)
            for i in range(images.shape[0]):
                dy, dx = torch.randint(-max_shift, max_shift + 1, (2,), generator=generator).tolist()
                out[i] = torch.roll(images[i], (dy, dx), dims=(0, 1))
            return out
    """, "augment.wraps_around"),
    "shift high exclusive": ("augment", """
        def random_shift(images, max_shift, generator=None):
            n, h, w = images.shape
            out = torch.zeros_like(images)
            for i in range(n):
                dy, dx = torch.randint(-max_shift, max(max_shift, 1), (2,), generator=generator).tolist()
                out[i, max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \\
                    images[i, max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
            return out
    """, "augment.exclusive_range"),
    "shift one offset for the batch": ("augment", """
        def random_shift(images, max_shift, generator=None):
            n, h, w = images.shape
            dy, dx = torch.randint(-max_shift, max_shift + 1, (2,), generator=generator).tolist()
            out = torch.zeros_like(images)
            out[:, max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \\
                images[:, max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
            return out
    """, "augment.one_offset_per_batch"),
    "noise scaled by the variance": ("augment", """
        def add_noise(images, std, generator=None):
            return images + std ** 2 * torch.randn(images.shape, generator=generator, dtype=images.dtype)
    """, "augment.noise_variance"),
    "uniform noise": ("augment", """
        def add_noise(images, std, generator=None):
            return images + std * torch.rand(images.shape, generator=generator, dtype=images.dtype)
    """, "augment.noise_uniform"),
    "noise pattern shared by the images": ("augment", """
        def add_noise(images, std, generator=None):
            return images + std * torch.randn(images.shape[1:], generator=generator, dtype=images.dtype)
    """, "augment.noise_same_for_every_image"),
    "noise ignores the generator": ("augment", """
        def add_noise(images, std, generator=None):
            return images + std * torch.randn(images.shape, dtype=images.dtype)
    """, "augment.generator_ignored"),
}
# fmt: on


@pytest.mark.parametrize("name", list(FORMULA_BUGS))
def test_formula_mistake_is_named(name):
    question, source, mistake_id = FORMULA_BUGS[name]
    results = grade(with_function(source), (question,))
    texts = {r.mistake.text for r in results if r.mistake is not None and r.mistake.id == mistake_id}
    assert len(texts) == 1, describe(list(results))
    assert_named(results, question, mistake_id, texts.pop())


# ---------------------------------------------------------------------------------------------------------------
# Correct alternatives: full points on their question

# name -> (question, source)
# fmt: off
ALTERNATIVES = {
    "schedules with torch in float32": ("schedules", """
        def cosine_lr(step, base_lr, total_steps, min_lr=0.0):
            t = torch.tensor(min(step, total_steps) / total_steps)
            return min_lr + (base_lr - min_lr) * 0.5 * (1 + torch.cos(torch.pi * t))
    """),
    "step_lr with math.floor and numpy": ("schedules", """
        def step_lr(step, base_lr, step_size, gamma=0.1):
            return np.float64(base_lr) * np.power(gamma, math.floor(step / step_size))
    """),
    "warm-up written out": ("schedules", """
        def warmup_cosine_lr(step, base_lr, warmup_steps, total_steps, min_lr=0.0):
            if step < warmup_steps:
                return base_lr * step / warmup_steps
            if step >= total_steps:
                return min_lr
            progress = (step - warmup_steps) / (total_steps - warmup_steps)
            return float(min_lr + (base_lr - min_lr) * 0.5 * (1 + np.cos(np.pi * progress)))
    """),
    "clipping in place, a float norm, only above the threshold but with the 1e-6": ("clipping", """
        def clip_grad_norm(grads, max_norm):
            total = math.sqrt(sum(float((g * g).sum()) for g in grads))
            coef = max_norm / (total + 1e-6)
            if coef < 1:
                for g in grads:
                    g.mul_(coef)
            return grads, total
    """),
    "clipping with torch.where and one flat norm": ("clipping", """
        def clip_grad_norm(grads, max_norm):
            total = torch.linalg.vector_norm(torch.cat([g.reshape(-1) for g in grads]))
            coef = max_norm / (total + 1e-6)
            coef = torch.where(coef < 1, coef, torch.ones_like(coef))
            return tuple(g * coef for g in grads), total
    """),
    "adagrad in place": ("adagrad", """
        def adagrad_update(param, grad, sum_sq, lr=0.01, eps=1e-10):
            sum_sq.addcmul_(grad, grad)
            param.addcdiv_(grad, sum_sq.sqrt().add(eps), value=-lr)
            return param, sum_sq
    """),
    "nesterov in place, torch style": ("nesterov", """
        def nesterov_update(param, grad, buf, lr=0.01, momentum=0.9):
            buf.mul_(momentum).add_(grad)
            param.add_(grad.add(buf, alpha=momentum), alpha=-lr)
            return param, buf
    """),
    "l1 with vector_norm": ("l1", """
        def l1_penalty(params, lam):
            return lam * sum(torch.linalg.vector_norm(w, ord=1) for w in params)
    """),
    "l1 as sign(w) * w, in float64": ("l1", """
        def l1_penalty(params, lam):
            return lam * torch.stack([(torch.sign(w) * w).double().sum() for w in params]).sum()
    """),
    "prox with relu": ("l1", """
        def prox_l1(w, threshold):
            return torch.relu(w - threshold) - torch.relu(-w - threshold)
    """),
    "prox with torch.where": ("l1", """
        def prox_l1(w, threshold):
            return torch.where(w.abs() > threshold, w - threshold * torch.sign(w), torch.zeros_like(w))
    """),
    "shift: offsets per axis, pad and crop": ("augment", """
        def random_shift(images, max_shift, generator=None):
            n, h, w = images.shape
            dx = torch.randint(0, 2 * max_shift + 1, (n,), generator=generator) - max_shift
            dy = torch.randint(0, 2 * max_shift + 1, (n,), generator=generator) - max_shift
            m = max(max_shift, 1)
            padded = torch.nn.functional.pad(images, (m, m, m, m))
            out = torch.empty_like(images)
            for i in range(n):
                out[i] = padded[i, m - dy[i]:m - dy[i] + h, m - dx[i]:m - dx[i] + w]
            return out
    """),
    "shift: vectorised gather": ("augment", """
        def random_shift(images, max_shift, generator=None):
            n, h, w = images.shape
            s = max_shift
            dy = torch.randint(-s, s + 1, (n,), generator=generator)
            dx = torch.randint(-s, s + 1, (n,), generator=generator)
            padded = torch.nn.functional.pad(images, (s, s, s, s))
            rows = (torch.arange(h).view(1, h, 1) + s - dy.view(n, 1, 1)).expand(n, h, w)
            cols = (torch.arange(w).view(1, 1, w) + s - dx.view(n, 1, 1)).expand(n, h, w)
            return padded[torch.arange(n).view(n, 1, 1), rows, cols]
    """),
    "noise with torch.normal": ("augment", """
        def add_noise(images, std, generator=None):
            return images + torch.normal(0.0, std, images.shape, generator=generator, dtype=images.dtype)
    """),
}
# fmt: on


@pytest.mark.parametrize("name", list(ALTERNATIVES))
def test_correct_alternative_gets_full_points(name):
    question, source = ALTERNATIVES[name]
    results = grade(with_function(source), (question,))
    assert scores_by_question(list(results))[question] == (MAX_POINTS[question], MAX_POINTS[question]), describe(list(results))


# ---------------------------------------------------------------------------------------------------------------
# Library versions of what a question asks for cost the question, even when their results are right

# name -> (question, source)
# fmt: off
FORBIDDEN = {
    "CosineAnnealingLR": ("schedules", """
        def cosine_lr(step, base_lr, total_steps, min_lr=0.0):
            if step >= total_steps:
                return min_lr
            opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=base_lr)
            sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total_steps, eta_min=min_lr)
            for _ in range(step):
                opt.step()
                sched.step()
            return opt.param_groups[0]["lr"]
    """),
    "clip_grad_norm_": ("clipping", """
        def clip_grad_norm(grads, max_norm):
            params = [torch.zeros_like(g, requires_grad=True) for g in grads]
            for p, g in zip(params, grads):
                p.grad = g.clone()
            total = torch.nn.utils.clip_grad_norm_(params, max_norm)
            return [p.grad for p in params], total
    """),
    "torch.optim.Adagrad": ("adagrad", """
        def adagrad_update(param, grad, sum_sq, lr=0.01, eps=1e-10):
            p = param.detach().clone().requires_grad_(True)
            opt = torch.optim.Adagrad([p], lr=lr, eps=eps)
            p.grad = grad.clone()
            opt.state[p]["sum"] = sum_sq.clone()
            opt.state[p]["step"] = torch.tensor(0.0)
            opt.step()
            return p.detach(), opt.state[p]["sum"]
    """),
    "softshrink": ("l1", """
        def prox_l1(w, threshold):
            return torch.nn.functional.softshrink(w, threshold)
    """),
}
# fmt: on


@pytest.mark.parametrize("name", list(FORBIDDEN))
def test_library_version_costs_the_question(name):
    question, source = FORBIDDEN[name]
    results = grade(with_function(source), (question,))
    assert scores_by_question(list(results))[question] == (0.0, MAX_POINTS[question]), describe(list(results))
    assert all(f"no credit for [{question}]" in r.feedback for r in results), describe(list(results))
