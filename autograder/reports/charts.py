"""The report's charts, drawn with matplotlib and embedded as inline SVG.

Text stays text (selectable, searchable, a fraction of the size of glyphs drawn as paths) in the reader's own
sans-serif font: nothing is fetched. Several SVGs share one HTML document, where ids are global, so each chart's
ids get the chart's own prefix. Every chart is drawn twice, for wide screens and for phones, where a wide chart
scaled down would make its text unreadable; every chart has a text alternative and its numbers in a table.
"""

from __future__ import annotations

import io
import re
import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass

import matplotlib
from markupsafe import Markup
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from autograder.reports.analysis import QuestionStats, TestStats

SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"
ET.register_namespace("", SVG)
ET.register_namespace("xlink", XLINK)
_URL_REF = re.compile(r"url\(#([^)]+)\)")

# Okabe-Ito: distinguishable with every common colour-vision deficiency, and in greyscale print.
FULL, PARTIAL, NONE = "#009E73", "#E69F00", "#D55E00"
VISIBLE, HIDDEN = "#0072B2", "#56B4E9"
STYLE = {
    "svg.fonttype": "none",
    "text.parse_math": False,  # a "$" in a test's name is text, not mathtext
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


@dataclass(frozen=True)
class Chart:
    id: str
    title: str  # the figure's caption
    description: str  # the text alternative: what the chart shows, in a sentence
    wide: Markup  # for screens wider than a phone, and print
    narrow: Markup  # the same chart drawn for a phone's width, so its text stays readable


@dataclass(frozen=True)
class Size:
    name: str
    width: float  # inches
    wrap: int  # characters per line of a long label


WIDE, NARROW = Size("wide", 7.5, 46), Size("narrow", 4.0, 24)
Draw = Callable[[Size], Figure]


def _embed(figure: Figure, chart_id: str, description: str, size: Size) -> Markup:
    """The figure as an <svg> element that scales to its container, ids prefixed by its own, labelled."""
    svg_id = f"{chart_id}-{size.name}"
    buffer = io.BytesIO()
    with matplotlib.rc_context({**STYLE, "svg.hashsalt": svg_id}):
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    root = ET.fromstring(buffer.getvalue())
    for element in root.iter():
        for attribute, value in element.attrib.items():
            if attribute == "id":
                element.set(attribute, f"{svg_id}-{value}")
            elif attribute == f"{{{XLINK}}}href" and value.startswith("#"):
                element.set(attribute, f"#{svg_id}-{value[1:]}")
            elif "url(#" in value:
                element.set(attribute, _URL_REF.sub(rf"url(#{svg_id}-\1)", value))
    for attribute in ("width", "height"):
        root.attrib.pop(attribute, None)
    root.set("role", "img")
    root.set("aria-label", description)
    root.set("class", f"chart chart-{size.name}")
    return Markup(ET.tostring(root, encoding="unicode"))


def _chart(chart_id: str, title: str, description: str, draw: Draw) -> Chart:
    wide, narrow = (_embed(draw(size), chart_id, description, size) for size in (WIDE, NARROW))
    return Chart(chart_id, title, description, wide, narrow)


def _figure(width: float, height: float) -> Figure:
    with matplotlib.rc_context(STYLE):
        return Figure(figsize=(width, height), layout="constrained")


def _wrap(label: str, width: int) -> str:
    return "\n".join(textwrap.wrap(label, width, max_lines=2, placeholder="…")) or "(unnamed)"


def score_histogram(scores: list[float], max_total: float) -> Chart:
    """How many submissions earned how many points, in 20 equal bins from 0 to the maximum."""
    top = max_total or 1.0

    def draw(size: Size) -> Figure:
        figure = _figure(size.width, 2.8)
        with matplotlib.rc_context(STYLE):
            axes = figure.add_subplot()
            axes.hist(scores, bins=20, range=(0, top), color=VISIBLE, edgecolor="white")
            axes.set_xlim(0, top)
            axes.set_xlabel(f"total points (out of {max_total:g})")
            axes.set_ylabel("submissions")
            axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        return figure

    description = f"Histogram of the total scores of {len(scores)} graded submissions, from 0 to {max_total:g} points."
    return _chart("chart-total", "Total scores", description, draw)


def question_distribution(stats: list[QuestionStats]) -> Chart:
    """Per question, the share of submissions with full, partial and no credit, with the counts written in."""
    ordered = list(reversed(stats))  # barh draws bottom-up; the first question goes on top
    totals = [s.full + s.partial + s.none or 1 for s in ordered]

    def draw(size: Size) -> Figure:
        figure = _figure(size.width, 1.0 + 0.34 * max(len(stats), 1))
        with matplotlib.rc_context(STYLE):
            axes = figure.add_subplot()
            labels = [s.question.id for s in ordered]
            left = [0.0] * len(ordered)
            for kind, colour, name in (("full", FULL, "full points"), ("partial", PARTIAL, "partial"),
                                       ("none", NONE, "no points")):  # fmt: skip
                counts = [getattr(s, kind) for s in ordered]
                shares = [c / t for c, t in zip(counts, totals)]
                bars = axes.barh(labels, shares, left=left, color=colour, label=name, height=0.7)
                axes.bar_label(bars, [str(c) if c else "" for c in counts], label_type="center", fontsize=8)
                left = [a + b for a, b in zip(left, shares)]
            axes.set_xlim(0, 1)
            axes.xaxis.set_major_formatter(PercentFormatter(1.0))
            axes.set_xlabel("share of graded submissions")
            axes.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=3, frameon=False)
        return figure

    description = "For each question, the share of graded submissions with full points, partial points and no points."
    return _chart("chart-questions", "Points per question", description, draw)


def pass_rates(index: int, question: str, tests: list[TestStats]) -> Chart:
    """The share of graded submissions that passed each of one question's tests; hidden tests in a lighter blue."""
    ordered = list(reversed(tests))

    def draw(size: Size) -> Figure:
        labels = [_wrap(t.name + ("" if t.visible else " (hidden)"), size.wrap) for t in ordered]
        lines = sum(label.count("\n") + 1 for label in labels)
        figure = _figure(size.width, 0.7 + 0.22 * lines)
        with matplotlib.rc_context(STYLE):
            axes = figure.add_subplot()
            positions = range(len(ordered))
            colours = [VISIBLE if t.visible else HIDDEN for t in ordered]
            bars = axes.barh(positions, [t.rate for t in ordered], color=colours)
            axes.bar_label(bars, [f"{t.passed}/{t.ran}" for t in ordered], padding=3, fontsize=8)
            axes.set_yticks(list(positions), labels, fontsize=8)
            axes.set_xlim(0, 1.2)
            axes.set_xticks([0, 0.5, 1.0])
            axes.xaxis.set_major_formatter(PercentFormatter(1.0))
            axes.set_xlabel("passed")
        return figure

    description = f"Pass rate of each of the {len(tests)} tests of question {question}, as a share of submissions."
    return _chart(f"chart-tests-{index}", f"Tests of [{question}]", description, draw)
