"""Reference implementations, generated from assignments/. They run only in the grader's process."""
