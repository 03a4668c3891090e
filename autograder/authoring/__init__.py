"""Authoring: one Markdown source per assignment, rendered into the notebooks and the reference module."""
