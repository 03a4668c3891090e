"""[nesterov] (graders to be written)."""

QUESTION = "nesterov"
