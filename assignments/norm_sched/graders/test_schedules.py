"""[schedules] (graders to be written)."""

QUESTION = "schedules"
