"""Ways to grade outside `autograder grade`: the otter-grader zip and the Gradescope zip."""
