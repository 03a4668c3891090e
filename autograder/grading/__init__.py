"""Grading: hidden pytest graders compare what a submission computes with the reference, in the grader's process."""
