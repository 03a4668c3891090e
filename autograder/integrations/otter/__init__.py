"""The otter-grader path: a configuration zip whose otter tests ask this project's hidden graders for every score.

``build`` writes the zip, ``otter_tests`` generates its otter test files from the grader modules, and ``kernel`` is
what those test files call inside otter's kernel. docs/otter.md says what this means for instructors.
"""
