"""Hidden graders of the optim_reg assignment: one test module per question. Never shipped to students."""
