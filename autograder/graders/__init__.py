"""Hidden graders, one package per assignment. Never shipped to students; they run only in the grader's process."""
