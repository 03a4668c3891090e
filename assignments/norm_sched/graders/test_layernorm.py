"""[layernorm] (graders to be written)."""

QUESTION = "layernorm"
