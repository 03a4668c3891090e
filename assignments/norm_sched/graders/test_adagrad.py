"""[adagrad] (graders to be written)."""

QUESTION = "adagrad"
