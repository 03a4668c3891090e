"""Probes for the optim_reg assignment (see autograder/probes/__init__.py)."""

from autograder.probes import probe  # noqa: F401
