"""The Gradescope autograder zip: built by `autograder build`, it grades on Gradescope with this project's grader."""
