"""What a student's component returned inside an integration probe: a grader-side training run that asks the worker
for each component's outputs (docs/security.md). Every problem becomes one sentence that names the question, the
component and what the grader was doing when it failed, so the student knows which part to fix."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from autograder.probes.observed import Observation, StudentError
from autograder.probes.proxy import Op


@dataclass(frozen=True)
class Components:
    """The components of one integration question (its id, e.g. "training"), read for its probe."""

    question: str

    def failed(self, component: str, doing: str, problem: str) -> StudentError:
        return StudentError(f"[{self.question}] could not run because your {component} failed when {doing}: {problem}")

    def returned(self, op: Op, component: str, doing: str) -> Observation:
        """What the call returned, or the StudentError of its failure."""
        if op.error is not None:
            raise self.failed(component, doing, op.error)
        return op.value()

    def tensor(self, value: Observation, shape: tuple[int, ...], component: str, doing: str, what: str) -> torch.Tensor:
        """A returned tensor of the given shape, as a float32 tensor of the grader's."""
        if not value.is_tensor:
            raise self.failed(component, doing, f"{what} is {value.describe()}, expected a torch.Tensor")
        array = value.array(what)
        if array.shape != shape or array.dtype.kind not in "fb":
            problem = f"{what} is {value.describe()}, expected shape {shape} and real numbers"
            raise self.failed(component, doing, problem)
        return torch.tensor(array, dtype=torch.float32)
