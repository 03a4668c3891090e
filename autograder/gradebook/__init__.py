"""Gradebooks: the batch's grades.csv, and the CSV Canvas imports."""
