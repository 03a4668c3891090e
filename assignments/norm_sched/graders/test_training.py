"""[training] (graders to be written)."""

QUESTION = "training"
