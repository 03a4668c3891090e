"""Hidden graders of the norm_sched assignment: one test module per question. Never shipped to students."""
