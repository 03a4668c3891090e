"""The Jinja2 environment every page of this project is rendered with: the class report, the feedback pages and the
written-answer pages share one folder of templates (autoescaped), one style sheet and one set of filters."""

from __future__ import annotations

import jinja2
from markdown_it import MarkdownIt
from markupsafe import Markup
from mdit_py_plugins.dollarmath import dollarmath_plugin

# What students wrote, as markdown: raw HTML, images and links off, so it shows as text and nothing is fetched or
# clickable; $...$ kept as written (markdown would eat LaTeX's backslashes), escaped like the rest.
_MARKDOWN = (
    MarkdownIt("commonmark", {"html": False})
    .use(dollarmath_plugin, double_inline=True)
    .disable(["image", "link", "autolink"])
)

ENVIRONMENT = jinja2.Environment(
    loader=jinja2.PackageLoader("autograder.reports", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
ENVIRONMENT.filters["pts"] = lambda x: f"{x:g}"
ENVIRONMENT.filters["percent"] = lambda x: f"{100 * x:.0f}%"
ENVIRONMENT.filters["markdown"] = lambda text: Markup(_MARKDOWN.render(text))
