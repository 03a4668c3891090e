"""Pages people read, built from a graded folder: a class report for instructors and a feedback page per student.

Everything comes from the folder's results.json files (and the assignment's question titles and points), so the
pages work for any assignment and for results graded anywhere that writes the same format.
"""
