"""One module per verb of the `autograder` command: each has ``main(args) -> exit status``."""
