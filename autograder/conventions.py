"""Conventions shared by the notebook generator and the grader's executor."""

# First line of an experiment cell. The grader runs only the imports and definitions of such a cell, so
# students' training loops never slow grading; it is plain text in the cell, so it survives copying and Colab.
EXPERIMENT_MARK = "# Experiment (not graded): the autograder runs only the imports and definitions in this cell."

# A cell that only calls this (`grader.check("adam")`) runs the student-side public checks: it prints, defines
# nothing, and the grader skips it, since the hidden graders run the same cases and more.
PUBLIC_CHECK_CALL = ("grader", "check")
