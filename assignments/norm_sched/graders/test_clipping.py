"""[clipping] (graders to be written)."""

QUESTION = "clipping"
