"""[batchnorm] (graders to be written)."""

QUESTION = "batchnorm"
