"""Optimization & Regularization (``optim_reg``): initialization, SGD with momentum, RMSProp, Adam, AdamW, an L2
penalty, dropout and early stopping, then all of them training a network on scikit-learn's digits.

What students implement, question by question: docs/optim_reg.md. The notebooks are generated from notebook.md.
"""

from autograder.assignment import Assignment, Forbidden

ASSIGNMENT = Assignment(
    __name__,
    # Question ids in the order of grades.csv, each with the top-level names it grades.
    questions={
        "init": ("compute_fans", "xavier_uniform", "xavier_normal", "he_uniform", "he_normal"),
        "momentum": ("sgd_momentum_update",),
        "rmsprop": ("rmsprop_update",),
        "adam": ("adam_update",),
        "adamw": ("adamw_update",),
        "l2": ("l2_penalty",),
        "dropout": ("dropout_forward", "dropout_backward", "Dropout"),
        "early_stopping": ("EarlyStopping",),
        "training": (),
    },
    # What graded code uses, imported once before the workers fork, so no submission pays for it.
    warm_up=("numpy", "torch"),
    # What the notebook imports for its experiments only: bound by its imports, imported only if graded code uses it.
    deferred=("matplotlib.pyplot", "sklearn.datasets:load_digits"),
    # Library implementations of what students write (prefixes of fully qualified names).
    forbidden=Forbidden(
        names=(
            "torch.optim.",
            "torch.nn.init.",
            "torch.nn.functional.dropout",
            "torch.nn.functional.alpha_dropout",
            "torch.nn.Dropout",
            "torch.nn.modules.dropout",
            "torch.dropout",
            "torch._VF.dropout",
        ),
        allowed=("torch.optim.Optimizer",),  # subclassing it to write your own optimizer is fine
    ),
)
