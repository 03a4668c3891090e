"""The probe of [momentum], [rmsprop], [adam] and [adamw]: an update function run step after step on seeded inputs
(the engine's autograder/probes/updates.py does the runs; this table says how each function is called)."""

from typing import Any

from autograder.probes import probe
from autograder.probes.proxy import Target
from autograder.probes.updates import UpdateRule, update_runs

# The update functions of the assignment: their state tensors (argument order), those that average squared
# gradients, whether the 1-based step number t follows (as the notebook's ManualOptimizer passes it), default lr.
RULES: dict[str, UpdateRule] = {
    "sgd_momentum_update": UpdateRule(("velocity",)),
    "rmsprop_update": UpdateRule(("square_avg",), squared=frozenset({"square_avg"})),
    "adam_update": UpdateRule(("m", "v"), squared=frozenset({"v"}), takes_t=True, default_lr=1e-3),
    "adamw_update": UpdateRule(("m", "v"), squared=frozenset({"v"}), takes_t=True, default_lr=1e-3),
}


@probe
def optimizer_runs(target: Target, function: str, runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Call one update function step after step on seeded inputs, feeding back the state it returns (see
    autograder.probes.updates.update_runs for the keys of a run and of the result)."""
    if function not in RULES:
        raise ValueError(f"optimizer_runs does not know {function}")
    return update_runs(target, function, RULES[function], runs)
