"""[augment] (graders to be written)."""

QUESTION = "augment"
