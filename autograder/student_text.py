"""Text that student code controls, made safe to show: one line, no control characters, capped, visibly quoted.

Exception messages, type names, file names and anything else a submission chose may be megabytes long, carry
ANSI escapes, HTML, line breaks that forge lines of a summary ("Score 100/100"), or bidirectional overrides that
reorder what a reader sees. Everything the grader shows from a submission passes through here first; results
files also declare their output format as plain text, so nothing is rendered as HTML or Markdown.
"""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, line/paragraph separators, bidirectional embeddings, overrides and isolates.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]+")
_ANSI = re.compile(r"\x1b(\[[0-9;?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")


def clean(text: object, limit: int = 300) -> str:
    """One line of at most `limit` characters: escape sequences dropped, every other control turned into a space."""
    if type(text) is str and len(text) <= limit and text.isprintable():
        # Nothing to drop or replace: every character _UNSAFE and _ANSI match (escape sequences start with one) is
        # non-printable (categories Cc, Cf, Zl, Zp), and the text is short. What _clean_any does, in C.
        return text.strip()
    return _clean_any(text, limit)


def _clean_any(text: object, limit: int) -> str:
    """clean() for any object and any text."""
    try:
        value = text if isinstance(text, str) else str(text)
    except Exception:  # noqa: BLE001 - whatever it is, it cannot be shown
        return "(text that could not be read)"
    value = str.__str__(value)[: limit * 4 + 64]  # bound the work before the expressions run
    value = _UNSAFE.sub(" ", _ANSI.sub("", value)).strip()
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def quote(text: object, limit: int = 300) -> str:
    """clean(text), between quotation marks, so a reader sees where the submission's own words begin and end."""
    return f"“{clean(text, limit)}”"
