"""Normalization, schedules and more regularizers (``norm_sched``): BatchNorm and LayerNorm, learning-rate schedules
with warm-up, gradient clipping, AdaGrad, Nesterov momentum, an L1 penalty and its proximal step, and data
augmentation, then a deeper network trained on scikit-learn's digits with them.

What students implement, question by question: docs/norm_sched.md. The notebooks are generated from notebook.md.
"""

from autograder.assignment import Assignment, Forbidden

ASSIGNMENT = Assignment(
    __name__,
    # Question ids in the order of grades.csv, each with the top-level names it grades.
    questions={
        "batchnorm": ("batchnorm_forward", "batchnorm_backward", "BatchNorm1d"),
        "layernorm": ("layernorm_forward",),
        "schedules": ("step_lr", "cosine_lr", "warmup_cosine_lr"),
        "clipping": ("clip_grad_norm",),
        "adagrad": ("adagrad_update",),
        "nesterov": ("nesterov_update",),
        "l1": ("l1_penalty", "prox_l1"),
        "augment": ("random_shift", "add_noise"),
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
            "torch.nn.BatchNorm",
            "torch.nn.modules.batchnorm",
            "torch.nn.functional.batch_norm",
            "torch.batch_norm",
            "torch.native_batch_norm",
            "torch._native_batch_norm_legit",
            "torch.nn.LayerNorm",
            "torch.nn.modules.normalization",
            "torch.nn.functional.layer_norm",
            "torch.layer_norm",
            "torch.native_layer_norm",
            # the same normalizations by other names: instance norm over (1, D, N) is batch norm, group norm with one
            # group over (N, 1, D) is layer norm; and the operators behind all of them
            "torch.nn.functional.instance_norm",
            "torch.instance_norm",
            "torch.nn.InstanceNorm",
            "torch.nn.modules.instancenorm",
            "torch.nn.functional.group_norm",
            "torch.group_norm",
            "torch.native_group_norm",
            "torch.nn.GroupNorm",
            "torch._VF.batch_norm",
            "torch._VF.instance_norm",
            "torch._VF.layer_norm",
            "torch._VF.group_norm",
            "torch._C._VariableFunctions.batch_norm",
            "torch._C._VariableFunctions.native_batch_norm",
            "torch._C._VariableFunctions.instance_norm",
            "torch._C._VariableFunctions.layer_norm",
            "torch._C._VariableFunctions.native_layer_norm",
            "torch._C._VariableFunctions.group_norm",
            "torch._C._VariableFunctions.native_group_norm",
            "torch.ops.aten.batch_norm",
            "torch.ops.aten.native_batch_norm",
            "torch.ops.aten._native_batch_norm",
            "torch.ops.aten._batch_norm",
            "torch.ops.aten.instance_norm",
            "torch.ops.aten.layer_norm",
            "torch.ops.aten.native_layer_norm",
            "torch.ops.aten.group_norm",
            "torch.ops.aten.native_group_norm",
            "torch.nn.utils.clip_grad",
            "torch.nn.utils.get_total_norm",
            "torch.nn.utils.clip_grads_with_norm_",
            "torch.nn.functional.softshrink",
            "torch.nn.Softshrink",
            "torch.nn.modules.activation.Softshrink",
            "torch._C._nn.softshrink",
            "torchvision.transforms",  # RandomAffine, RandomCrop with padding: random shifts
        ),
        allowed=("torch.optim.Optimizer",),  # subclassing it to write your own optimizer is fine
    ),
)
