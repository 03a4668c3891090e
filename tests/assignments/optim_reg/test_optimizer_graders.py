"""The hidden graders of [momentum], [rmsprop], [adam] and [adamw] against trusted notebooks.

- the solution notebook gets full points and the student template none (full grading pipeline, grade_in_process);
- correct alternatives (in-place updates, lerp averages, torch's arrangement of Adam, AdamW's decay applied after the
  step from the old param, ...) get full points;
- realistic single bugs lose points on their own question and none on the other three, and the feedback names the
  mistake where the graders diagnose it (and the result carries its id).

Variants are the solution's code cells with one function's definition replaced (tests/edit.py). To keep this file
fast, variants are graded on the four optimizer questions only (grade_in_process with questions=...).
"""

from __future__ import annotations

import functools

import nbformat
import pytest

from assignments.optim_reg.graders import mistakes_optimizers as mo
from autograder.assignment import load
from autograder.grading.results import TestResult
from tests.edit import code_cells, solution_cells, with_definitions
from tests.grading.inprocess import grade_in_process, scores_by_question

OPTIM_REG = load("optim_reg")
QUESTIONS = ("momentum", "rmsprop", "adam", "adamw")
MAX_POINTS = {q: p for q, p in OPTIM_REG.points().items() if q in QUESTIONS}


def with_function(source: str) -> tuple[str, ...]:
    return with_definitions(solution_cells(), source)


@functools.cache
def grade_optimizer_questions(cells: tuple[str, ...]) -> tuple[TestResult, ...]:
    """The full grading pipeline, restricted to the four optimizer questions."""
    return tuple(grade_in_process(list(cells), QUESTIONS))


def scores(results) -> dict[str, tuple[float, float]]:
    return {q: s for q, s in scores_by_question(list(results)).items() if q in QUESTIONS}


def describe(results) -> str:
    return "\n".join(f"[{r.question}] {r.name}: {r.points}/{r.max_points} {r.feedback}" for r in results
                     if r.question in QUESTIONS)  # fmt: skip


def assert_names_mistake(failed: list[TestResult], mistake_id: str, results) -> None:
    """Some failed test names the mistake, in its feedback and by id in its result."""
    text = mo.MISTAKES[mistake_id]
    named = [r for r in failed if r.mistake is not None and r.mistake.id == mistake_id]
    assert named and all(f"This is what happens when {text}." in r.feedback for r in named), describe(results)


# ---------------------------------------------------------------------------------------------------------------
# Solution and template, through the full pipeline


def test_solution_gets_full_points():
    results = grade_in_process(list(solution_cells()))
    got = scores(results)
    assert got == {q: (MAX_POINTS[q], MAX_POINTS[q]) for q in QUESTIONS}, describe(results)
    for r in results:
        if r.question in QUESTIONS:
            assert r.name and not r.name.startswith("test_"), "every test needs a docstring name"
    public = {r.question for r in results if r.question in QUESTIONS and r.visibility == "visible"}
    assert public == set(QUESTIONS)


def test_template_gets_nothing():
    results = grade_in_process(code_cells(nbformat.read(OPTIM_REG.template_notebook, as_version=4)))
    for question in QUESTIONS:
        assert scores(results)[question] == (0.0, MAX_POINTS[question])
    feedback = [r.feedback for r in results if r.question in QUESTIONS]
    assert all("NotImplementedError" in f for f in feedback), feedback


# ---------------------------------------------------------------------------------------------------------------
# Correct alternatives: full points

ALTERNATIVES = {
    "momentum in place": """
        def sgd_momentum_update(param, grad, velocity, lr=0.01, beta=0.9):
            velocity.mul_(beta).add_(grad, alpha=1 - beta)
            param.sub_(lr * velocity)
            return param, velocity
    """,
    "momentum lerp, list returned": """
        def sgd_momentum_update(param, grad, velocity, lr=0.01, beta=0.9):
            velocity = torch.lerp(velocity, grad, 1 - beta)
            return [param - lr * velocity, velocity]
    """,
    "rmsprop in place with addcmul_": """
        def rmsprop_update(param, grad, square_avg, lr=0.01, alpha=0.99, eps=1e-8):
            square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
            param.addcdiv_(grad, square_avg.sqrt().add_(eps), value=-lr)
            return param, square_avg
    """,
    "rmsprop via float64 upcast": """
        def rmsprop_update(param, grad, square_avg, lr=0.01, alpha=0.99, eps=1e-8):
            dtype = param.dtype
            p, g, s = param.double(), grad.double(), square_avg.double()
            s = alpha * s + (1 - alpha) * torch.pow(g, 2)
            p = p - lr * g / (torch.sqrt(s) + eps)
            return p.to(dtype), s.to(dtype)
    """,
    "adam, torch's arrangement with lerp, in place": """
        def adam_update(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
            m.lerp_(grad, 1 - beta1)
            v.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
            bias_correction1 = 1 - beta1 ** t
            bias_correction2 = 1 - beta2 ** t
            step_size = lr / bias_correction1
            denom = (v.sqrt() / math.sqrt(bias_correction2)).add_(eps)
            param.addcdiv_(m, denom, value=-step_size)
            return param, m, v
    """,
    "adam with tensor powers": """
        def adam_update(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
            m = m + (1 - beta1) * (grad - m)
            v = beta2 * v + (1 - beta2) * grad ** 2
            m_hat = m / (1 - torch.tensor(beta1, dtype=torch.float64) ** t)
            v_hat = v / (1 - torch.tensor(beta2, dtype=torch.float64) ** t)
            return param - lr * m_hat / (torch.sqrt(v_hat) + eps), m, v
    """,
    "adamw, torch's order: decay first, in place": """
        def adamw_update(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2):
            param.mul_(1 - lr * weight_decay)
            m.lerp_(grad, 1 - beta1)
            v.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
            denom = (v.sqrt() / math.sqrt(1 - beta2 ** t)).add_(eps)
            param.addcdiv_(m, denom, value=-lr / (1 - beta1 ** t))
            return param, m, v
    """,
    "adamw, decay from the old param applied after the step": """
        def adamw_update(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2):
            decay = lr * weight_decay * param
            m = beta1 * m + (1 - beta1) * grad
            v = beta2 * v + (1 - beta2) * grad * grad
            m_hat = m / (1 - beta1 ** t)
            v_hat = v / (1 - beta2 ** t)
            param = param - lr * m_hat / (v_hat.sqrt() + eps)
            return param - decay, m, v
    """,
    "adamw calling adam_update": """
        def adamw_update(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2):
            decayed = param * (1 - lr * weight_decay)
            return adam_update(decayed, grad, m, v, t, lr=lr, beta1=beta1, beta2=beta2, eps=eps)
    """,
}


@pytest.mark.parametrize("name", list(ALTERNATIVES))
def test_correct_alternative_gets_full_points(name):
    results = grade_optimizer_questions(with_function(ALTERNATIVES[name]))
    assert scores(results) == {q: (MAX_POINTS[q], MAX_POINTS[q]) for q in QUESTIONS}, describe(results)


# ---------------------------------------------------------------------------------------------------------------
# Single bugs: points lost on their own question only, mistake named where diagnosed

# id -> (question, source, mistake kind named in the feedback or None)
# fmt: off
BUGS = {
    "S1 sign": ("momentum", """
        def sgd_momentum_update(param, grad, velocity, lr=0.01, beta=0.9):
            velocity = beta * velocity + (1 - beta) * grad
            return param + lr * velocity, velocity
    """, "sign"),
    "S2 old velocity": ("momentum", """
        def sgd_momentum_update(param, grad, velocity, lr=0.01, beta=0.9):
            param = param - lr * velocity
            velocity = beta * velocity + (1 - beta) * grad
            return param, velocity
    """, "old_velocity"),
    "S3 heavy-ball form": ("momentum", """
        def sgd_momentum_update(param, grad, velocity, lr=0.01, beta=0.9):
            velocity = beta * velocity + grad
            return param - lr * velocity, velocity
    """, "heavy_ball"),
    "S3 CS231n form": ("momentum", """
        def sgd_momentum_update(param, grad, velocity, lr=0.01, beta=0.9):
            velocity = beta * velocity - lr * grad
            param = param + velocity
            return param, velocity
    """, "sutskever"),
    "S4 lr twice": ("momentum", """
        def sgd_momentum_update(param, grad, velocity, lr=0.01, beta=0.9):
            velocity = beta * velocity + (1 - beta) * lr * grad
            return param - lr * velocity, velocity
    """, "lr_in_velocity"),
    "S11 beta hard-coded": ("momentum", """
        def sgd_momentum_update(param, grad, velocity, lr=0.01, beta=0.9):
            velocity = 0.9 * velocity + 0.1 * grad
            return param - lr * velocity, velocity
    """, "beta_hardcoded"),
    "momentum weights swapped": ("momentum", """
        def sgd_momentum_update(param, grad, velocity, lr=0.01, beta=0.9):
            velocity = (1 - beta) * velocity + beta * grad
            return param - lr * velocity, velocity
    """, "weights_swapped"),
    "R1 eps inside sqrt": ("rmsprop", """
        def rmsprop_update(param, grad, square_avg, lr=0.01, alpha=0.99, eps=1e-8):
            square_avg = alpha * square_avg + (1 - alpha) * grad ** 2
            return param - lr * grad / torch.sqrt(square_avg + eps), square_avg
    """, "eps_inside"),
    "R2 old cache": ("rmsprop", """
        def rmsprop_update(param, grad, square_avg, lr=0.01, alpha=0.99, eps=1e-8):
            param = param - lr * grad / (square_avg.sqrt() + eps)
            square_avg = alpha * square_avg + (1 - alpha) * grad ** 2
            return param, square_avg
    """, "old_cache"),
    "R3 decay weights swapped": ("rmsprop", """
        def rmsprop_update(param, grad, square_avg, lr=0.01, alpha=0.99, eps=1e-8):
            square_avg = (1 - alpha) * square_avg + alpha * grad ** 2
            return param - lr * grad / (square_avg.sqrt() + eps), square_avg
    """, "weights_swapped"),
    "R4 no sqrt": ("rmsprop", """
        def rmsprop_update(param, grad, square_avg, lr=0.01, alpha=0.99, eps=1e-8):
            square_avg = alpha * square_avg + (1 - alpha) * grad ** 2
            return param - lr * grad / (square_avg + eps), square_avg
    """, "no_sqrt"),
    "R5 Adagrad accumulation": ("rmsprop", """
        def rmsprop_update(param, grad, square_avg, lr=0.01, alpha=0.99, eps=1e-8):
            square_avg = square_avg + grad ** 2
            return param - lr * grad / (square_avg.sqrt() + eps), square_avg
    """, "adagrad"),
    "R7 bias correction with a global step counter": ("rmsprop", """
        def rmsprop_update(param, grad, square_avg, lr=0.01, alpha=0.99, eps=1e-8):
            rmsprop_update.t = getattr(rmsprop_update, "t", 0) + 1
            square_avg = alpha * square_avg + (1 - alpha) * grad ** 2
            corrected = square_avg / (1 - alpha ** rmsprop_update.t)
            return param - lr * grad / (corrected.sqrt() + eps), square_avg
    """, None),
    "R8 no eps": ("rmsprop", """
        def rmsprop_update(param, grad, square_avg, lr=0.01, alpha=0.99, eps=1e-8):
            square_avg = alpha * square_avg + (1 - alpha) * grad ** 2
            return param - lr * grad / square_avg.sqrt(), square_avg
    """, "no_eps"),
    "R12 alpha hard-coded": ("rmsprop", """
        def rmsprop_update(param, grad, square_avg, lr=0.01, alpha=0.99, eps=1e-8):
            square_avg = 0.99 * square_avg + 0.01 * grad ** 2
            return param - lr * grad / (square_avg.sqrt() + eps), square_avg
    """, "alpha_hardcoded"),
    "rmsprop eps hard-coded": ("rmsprop", """
        def rmsprop_update(param, grad, square_avg, lr=0.01, alpha=0.99, eps=1e-8):
            square_avg = alpha * square_avg + (1 - alpha) * grad ** 2
            return param - lr * grad / (square_avg.sqrt() + 1e-8), square_avg
    """, "eps_hardcoded"),
    "A1 no bias correction": ("adam", """
        def adam_update(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
            m = beta1 * m + (1 - beta1) * grad
            v = beta2 * v + (1 - beta2) * grad ** 2
            return param - lr * m / (v.sqrt() + eps), m, v
    """, "no_bias_correction"),
    "A1 bias correction multiplied": ("adam", """
        def adam_update(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
            m = beta1 * m + (1 - beta1) * grad
            v = beta2 * v + (1 - beta2) * grad ** 2
            m_hat = m * (1 - beta1 ** t)
            v_hat = v * (1 - beta2 ** t)
            return param - lr * m_hat / (v_hat.sqrt() + eps), m, v
    """, "bias_multiplied"),
    "A2 only m corrected": ("adam", """
        def adam_update(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
            m = beta1 * m + (1 - beta1) * grad
            v = beta2 * v + (1 - beta2) * grad ** 2
            return param - lr * (m / (1 - beta1 ** t)) / (v.sqrt() + eps), m, v
    """, "only_m_corrected"),
    "A3 t - 1 in the correction": ("adam", """
        def adam_update(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
            m = beta1 * m + (1 - beta1) * grad
            v = beta2 * v + (1 - beta2) * grad ** 2
            m_hat = m / (1 - beta1 ** (t - 1))
            v_hat = v / (1 - beta2 ** (t - 1))
            return param - lr * m_hat / (v_hat.sqrt() + eps), m, v
    """, "t_minus_1"),
    "A4 t + 1 in the correction": ("adam", """
        def adam_update(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
            t = t + 1
            m = beta1 * m + (1 - beta1) * grad
            v = beta2 * v + (1 - beta2) * grad ** 2
            m_hat = m / (1 - beta1 ** t)
            v_hat = v / (1 - beta2 ** t)
            return param - lr * m_hat / (v_hat.sqrt() + eps), m, v
    """, "t_plus_1"),
    "A6 corrected moments stored": ("adam", """
        def adam_update(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
            m = beta1 * m + (1 - beta1) * grad
            v = beta2 * v + (1 - beta2) * grad ** 2
            m = m / (1 - beta1 ** t)
            v = v / (1 - beta2 ** t)
            return param - lr * m / (v.sqrt() + eps), m, v
    """, "hat_stored"),
    "A7 eps inside sqrt": ("adam", """
        def adam_update(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
            m = beta1 * m + (1 - beta1) * grad
            v = beta2 * v + (1 - beta2) * grad ** 2
            m_hat = m / (1 - beta1 ** t)
            v_hat = v / (1 - beta2 ** t)
            return param - lr * m_hat / torch.sqrt(v_hat + eps), m, v
    """, "eps_inside"),
    "A8 betas swapped": ("adam", """
        def adam_update(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
            m = beta2 * m + (1 - beta2) * grad
            v = beta1 * v + (1 - beta1) * grad ** 2
            m_hat = m / (1 - beta2 ** t)
            v_hat = v / (1 - beta1 ** t)
            return param - lr * m_hat / (v_hat.sqrt() + eps), m, v
    """, "betas_swapped"),
    "A9 (1 - beta) on the wrong term": ("adam", """
        def adam_update(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
            m = (1 - beta1) * m + beta1 * grad
            v = (1 - beta2) * v + beta2 * grad ** 2
            m_hat = m / (1 - beta1 ** t)
            v_hat = v / (1 - beta2 ** t)
            return param - lr * m_hat / (v_hat.sqrt() + eps), m, v
    """, "weights_swapped"),
    "A11 betas hard-coded": ("adam", """
        def adam_update(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
            m = 0.9 * m + 0.1 * grad
            v = 0.999 * v + 0.001 * grad ** 2
            m_hat = m / (1 - 0.9 ** t)
            v_hat = v / (1 - 0.999 ** t)
            return param - lr * m_hat / (v_hat.sqrt() + eps), m, v
    """, "betas_hardcoded"),
    "A12 no eps": ("adam", """
        def adam_update(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
            m = beta1 * m + (1 - beta1) * grad
            v = beta2 * v + (1 - beta2) * grad ** 2
            m_hat = m / (1 - beta1 ** t)
            v_hat = v / (1 - beta2 ** t)
            return param - lr * m_hat / v_hat.sqrt(), m, v
    """, "no_eps"),
    "A14 decay without lr": ("adamw", """
        def adamw_update(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2):
            m = beta1 * m + (1 - beta1) * grad
            v = beta2 * v + (1 - beta2) * grad ** 2
            m_hat = m / (1 - beta1 ** t)
            v_hat = v / (1 - beta2 ** t)
            return param * (1 - weight_decay) - lr * m_hat / (v_hat.sqrt() + eps), m, v
    """, "decay_without_lr"),
    "A15 L2 in the gradient": ("adamw", """
        def adamw_update(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2):
            grad = grad + weight_decay * param
            m = beta1 * m + (1 - beta1) * grad
            v = beta2 * v + (1 - beta2) * grad ** 2
            m_hat = m / (1 - beta1 ** t)
            v_hat = v / (1 - beta2 ** t)
            return param - lr * m_hat / (v_hat.sqrt() + eps), m, v
    """, "decay_in_grad"),
    "A16 decay applied to the updated param": ("adamw", """
        def adamw_update(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2):
            m = beta1 * m + (1 - beta1) * grad
            v = beta2 * v + (1 - beta2) * grad ** 2
            m_hat = m / (1 - beta1 ** t)
            v_hat = v / (1 - beta2 ** t)
            param = param - lr * m_hat / (v_hat.sqrt() + eps)
            param = param - lr * weight_decay * param
            return param, m, v
    """, "decay_after_step"),
    "AdamW without decay": ("adamw", """
        def adamw_update(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2):
            return adam_update(param, grad, m, v, t, lr=lr, beta1=beta1, beta2=beta2, eps=eps)
    """, "no_decay"),
    "AdamW eps inside sqrt": ("adamw", """
        def adamw_update(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2):
            m = beta1 * m + (1 - beta1) * grad
            v = beta2 * v + (1 - beta2) * grad ** 2
            m_hat = m / (1 - beta1 ** t)
            v_hat = v / (1 - beta2 ** t)
            return param - lr * weight_decay * param - lr * m_hat / torch.sqrt(v_hat + eps), m, v
    """, "eps_inside"),
    "AdamW no bias correction": ("adamw", """
        def adamw_update(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2):
            m = beta1 * m + (1 - beta1) * grad
            v = beta2 * v + (1 - beta2) * grad ** 2
            return param - lr * weight_decay * param - lr * m / (v.sqrt() + eps), m, v
    """, "no_bias_correction"),
    "AdamW weight_decay hard-coded": ("adamw", """
        def adamw_update(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2):
            m = beta1 * m + (1 - beta1) * grad
            v = beta2 * v + (1 - beta2) * grad ** 2
            m_hat = m / (1 - beta1 ** t)
            v_hat = v / (1 - beta2 ** t)
            return param - lr * 1e-2 * param - lr * m_hat / (v_hat.sqrt() + eps), m, v
    """, "wd_hardcoded"),
}
# fmt: on


@pytest.mark.parametrize("bug", list(BUGS))
def test_single_bug_loses_points_only_on_its_question(bug):
    question, source, kind = BUGS[bug]
    results = grade_optimizer_questions(with_function(source))
    got = scores(results)
    assert got[question][0] < MAX_POINTS[question], describe(results)
    for other in QUESTIONS:
        if other != question:
            assert got[other] == (MAX_POINTS[other], MAX_POINTS[other]), describe(results)
    failed = [r for r in results if r.question == question and not r.passed]
    assert all(r.feedback for r in failed)
    if kind is not None:
        assert_names_mistake(failed, f"{question}.{kind}", results)


EPS_HAT = {
    "adam": """
        def adam_update(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
            m = beta1 * m + (1 - beta1) * grad
            v = beta2 * v + (1 - beta2) * grad ** 2
            lr_t = lr * math.sqrt(1 - beta2 ** t) / (1 - beta1 ** t)
            return param - lr_t * m / (v.sqrt() + eps), m, v
    """,
    "adamw": """
        def adamw_update(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2):
            m = beta1 * m + (1 - beta1) * grad
            v = beta2 * v + (1 - beta2) * grad ** 2
            lr_t = lr * math.sqrt(1 - beta2 ** t) / (1 - beta1 ** t)
            return param - lr * weight_decay * param - lr_t * m / (v.sqrt() + eps), m, v
    """,
}


def assert_only_tiny_gradient_tests_fail(failed: list[TestResult], question: str, results) -> None:
    """The hidden tiny-gradient test fails, and the public few-steps test, whose last run has tiny gradients too."""
    assert {r.question for r in failed} == {question}, describe(results)
    assert any(r.visibility != "visible" for r in failed), describe(results)
    assert all("tiny gradients" in r.name for r in failed), describe(results)


@pytest.mark.parametrize("question", list(EPS_HAT))
def test_epsilon_hat_form_fails_only_the_tiny_gradient_test(question):
    """The Keras / Kingma-Ba §2 form adds eps to sqrt(v); SPEC adds it to sqrt(v_hat). Visible only at tiny gradients."""
    results = grade_optimizer_questions(with_function(EPS_HAT[question]))
    failed = [r for r in results if r.question in QUESTIONS and not r.passed]
    assert_only_tiny_gradient_tests_fail(failed, question, results)
    assert_names_mistake(failed, f"{question}.eps_hat", results)


def test_feedback_names_the_input_and_step():
    _, source, _ = BUGS["A4 t + 1 in the correction"]
    results = grade_optimizer_questions(with_function(source))
    resumed = next(r for r in results if r.question == "adam" and "resuming" in r.name)
    assert "adam_update" in resumed.feedback and "t = 5 to 24" in resumed.feedback, resumed.feedback
    assert "at step 1 (t=5)" in resumed.feedback, resumed.feedback


def test_wrong_return_values_are_explained():
    results = grade_optimizer_questions(
        with_function("""
        def adam_update(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
            return param
    """)
    )
    public = next(r for r in results if r.question == "adam" and r.visibility == "visible")
    assert public.points == 0 and "it must return the tuple (param, m, v)" in public.feedback, public.feedback
    assert scores(results)["adam"][0] == 0


def test_exceptions_say_on_which_input():
    results = grade_optimizer_questions(
        with_function("""
        def adam_update(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
            m = beta1 * m + (1 - beta1) * grad
            v = beta2 * v + (1 - beta2) * grad ** 2
            scale = 1 / (1 - beta1 ** (t - 1))
            return param - lr * scale * m / (v.sqrt() + eps), m, v
    """)
    )
    public = next(r for r in results if r.question == "adam" and r.visibility == "visible")
    assert public.feedback.startswith("your code raised ZeroDivisionError (line 4 of adam_update)"), public.feedback
    assert "float64 tensors of shape (5,), t=1, default hyper-parameters" in public.feedback, public.feedback


@pytest.mark.parametrize("bug", ["R1 eps inside sqrt", "A7 eps inside sqrt", "AdamW eps inside sqrt",
                                 "rmsprop eps hard-coded"])  # fmt: skip
def test_eps_mistakes_fail_only_the_tiny_gradient_test(bug):
    """With gradients of size ~1 eps placement is below every tolerance; the tiny-gradient test is the one that judges it."""
    question, source, _ = BUGS[bug]
    results = grade_optimizer_questions(with_function(source))
    failed = [r for r in results if r.question in QUESTIONS and not r.passed]
    assert_only_tiny_gradient_tests_fail(failed, question, results)


def test_float32_result_for_float64_inputs_is_pointed_out():
    results = grade_optimizer_questions(
        with_function("""
        def sgd_momentum_update(param, grad, velocity, lr=0.01, beta=0.9):
            velocity = beta * velocity + (1 - beta) * grad
            return (param - lr * velocity).float(), velocity
    """)
    )
    trajectories = next(r for r in results if r.question == "momentum" and "trajectories" in r.name)
    assert not trajectories.passed
    assert "returned a torch.float32 param for float64 inputs" in trajectories.feedback, trajectories.feedback
