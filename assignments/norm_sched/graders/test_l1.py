"""[l1] (graders to be written)."""

QUESTION = "l1"
