"""What `autograder grade` prints: a progress bar with rate and time left only on a terminal, and a summary table."""

import io

from autograder.console import BatchProgress, print_summary, statistics_of
from autograder.gradebook.grades import GradesTable, Row


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_bar_shows_count_rate_and_time_left_on_a_terminal():
    stream = Terminal()
    progress = BatchProgress(stream)
    progress.start(4)
    progress.say("Reduced isolation: none.")
    for name in ("a", "b"):
        progress.finished(name, "100/100")
    progress._bar.refresh()
    progress.stop()
    text = stream.getvalue()
    assert "2/4" in text and "/min" in text and "left" in text and "b: 100/100" in text
    assert "Reduced isolation: none." in text


def test_off_a_terminal_only_messages_are_printed():
    stream = io.StringIO()
    progress = BatchProgress(stream)
    progress.start(3)
    progress.finished("a", "1/2")
    progress.say("a note [not markup]")
    progress.stop()
    assert stream.getvalue() == "a note [not markup]\n"


def table() -> GradesTable:
    rows = [
        Row("a", {}, {"init": 2.0, "adam": 1.0, "w_q": 3.0}),
        Row("b", {}, {"init": 1.0, "adam": 3.0, "w_q": None}),
        Row("c", {}, {"init": 0.0, "adam": 2.0, "w_q": 1.0}),
        Row("broken", {}, {"init": 0.0, "adam": 0.0, "w_q": None}),
    ]
    return GradesTable({"init": 2.0, "adam": 3.0}, rows, written={"w_q": 4.0})


def test_statistics_leave_out_what_could_not_be_graded_and_unscored_written_answers():
    stats = {s.column: s for s in statistics_of(table(), {"broken": "The file is empty."})}
    assert (stats["init"].count, stats["init"].mean, stats["init"].median) == (3, 1.0, 1.0)
    assert (stats["adam"].mean, stats["adam"].median) == (2.0, 2.0)
    assert (stats["w_q"].count, stats["w_q"].mean) == (2, 2.0)
    assert (stats["total"].possible, stats["total"].mean) == (5.0, 3.0)


def test_the_summary_lists_what_could_not_be_graded_with_its_reason():
    stream = io.StringIO()
    print_summary(table(), {"broken": "The file is empty [really]."}, stream)
    text = stream.getvalue()
    assert "4 submissions, 1 could not be graded" in text and "median" in text
    assert "  broken: The file is empty [really]." in text
