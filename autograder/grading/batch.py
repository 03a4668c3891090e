"""Grade a batch of notebooks: each in its own worker session, scored by the hidden graders in this process.

Start-up order matters: the assignment's warm modules are imported and the zygotes forked *before* its probes,
reference and hidden graders are imported, so no worker ever holds them (probes run here, in the grader). The reference is then graded as if it were a
submission: that proves the graders work and gives each question's maximum. With ``jobs`` > 1, grader
processes are forked, each with its own zygote, and report plain JSON summaries back to this one.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import json
import os
import selectors
import shutil
import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from autograder.assignment import Assignment
from autograder.collector import paused_collector, settle_collector
from autograder.console import BatchProgress
from autograder.grading import reference_cache
from autograder.grading.implementations import reference  # imports the reference only when called
from autograder.grading.plugin import check_reference, run_graders
from autograder.grading.remote import RemoteSubmission
from autograder.grading.results import SubmissionResult
from autograder.grading.submissions import Submission, read_submission
from autograder.inputs.discover import find_submissions
from autograder.limits import Limits
from autograder.worker.sandbox import plan
from autograder.worker.zygote import Zygote, close_all, warm_up
from autograder.written.answers import AnswerFinder

_PR_SET_DUMPABLE = 4


class GraderFailure(RuntimeError):
    """The grader itself is broken (not a submission); the message says what failed."""


class Stopped(KeyboardInterrupt):
    """SIGTERM (from `timeout`, a scheduler, a container's shutdown) stops a batch as Ctrl-C does: every process
    it started is swept before the grader exits, whatever the student code running then ignores (see _Signals)."""


class UnknownQuestion(ValueError):
    """A question asked for (--question) is not one of the assignment's; the message lists them."""


@dataclass
class BatchOutcome:
    assignment: Assignment
    submissions: list[Submission]
    results: list[SubmissionResult]  # in the order of submissions
    max_points: dict[str, float]
    reductions: list[str]  # what isolation this machine could not give, in plain words (empty: none)

    @property
    def grader_errors(self) -> int:
        return sum(r.grader_errors for r in self.results)


def grade_one(
    assignment: Assignment, zygote: Zygote, submission: Submission, limits: Limits, questions: list[str] | None = None
) -> SubmissionResult:
    """Grade one submission (on all questions, or only those given) in a fresh session of the given zygote.

    This is a boundary: whatever goes wrong while grading one submission becomes its zero with a sentence, and
    the batch goes on. Such a failure is the grader's, not the student's (student faults are the tests' failures),
    so it counts as a grader error and the command exits 1 once every other submission is graded.
    """
    started = time.perf_counter()
    if submission.problem:
        return SubmissionResult(submission.name, problem=submission.problem)
    try:
        remote = RemoteSubmission(zygote, list(submission.cells), limits, assignment)
        try:
            tests = run_graders(assignment, remote, reference(assignment), questions)
        finally:
            remote.close()
    except Exception as exc:  # noqa: BLE001 - the per-submission boundary
        _signals.raise_if_stopped()  # pytest turned Ctrl-C or SIGTERM into this failure: stop, not a grader fault
        traceback.print_exc()
        return SubmissionResult(
            submission.name, problem="The grader itself failed while grading this submission "
            f"({type(exc).__name__}); this is not a problem with your notebook. Tell your instructor.", fault=True,
        )  # fmt: skip
    result = SubmissionResult(submission.name, tests, remote.cell_outcomes, seconds=time.perf_counter() - started)
    if remote.dead and not remote.cell_outcomes:
        result.problem = f"It could not be run: {remote.dead}."
    else:
        result.stopped = remote.dead
    return result


def grade_batch(
    assignment: Assignment,
    paths: list[Path],
    out: Path,
    jobs: int = 1,
    limits: Limits = Limits(),
    progress: BatchProgress | None = None,
    finder: Callable[[], AnswerFinder] | None = None,
    questions: Callable[[Submission], list[str] | None] = lambda submission: None,
) -> BatchOutcome:
    """Grade every submission under `paths`; `out` only has to be kept from the workers, nothing is written there.

    `questions(submission)` says which questions to grade for a submission (None: all). `finder` makes what records the
    answers to the written questions. Submissions are read, and the finder made from the assignment's source, only
    once the zygotes are forked: no worker's memory holds another student's notebook or a model answer.
    """
    progress = progress or BatchProgress()
    with _signals.installed():
        named, notes = find_submissions(paths, assignment.name)
        for note in notes:
            progress.say(note)
        _protect_grader()
        with paused_collector():
            warm_up(assignment)
        # The warm objects leave the garbage collector's reach: collections would write to them, copying the pages
        # the grader shares with its forked zygotes (measured on Gradescope's limits: peak 425-595 MB -> 460 MB).
        gc.freeze()
        thresholds = gc.get_threshold()
        jobs = max(1, min(jobs, len(named)))
        inputs = [p.resolve() if p.is_dir() else p.resolve().parent for p in paths]
        sandboxes = plan([out.resolve(), reference_cache.cache_dir(), *inputs], jobs)
        reductions = sandboxes[0].reductions()
        for line in reductions:
            progress.say(f"Reduced isolation: {line}.")
        zygotes: list[Zygote] = []
        try:
            zygotes.extend(Zygote(sandbox) for sandbox in sandboxes)
            answers = finder() if finder else None
            submissions = [read_submission(n, answers) for n in named]
            reference_cache.load(reference(assignment), assignment)
            max_points = check_reference(assignment)
            reference_cache.save(reference(assignment), assignment)
            settle_collector()
            asked = [questions(s) for s in submissions]
            unknown = sorted({q for only in asked for q in only or () if q not in max_points})
            if unknown:
                known = ", ".join(max_points)
                raise UnknownQuestion(f"no question {', '.join(unknown)}; the questions are {known}.")
            results = _run(assignment, zygotes, submissions, asked, limits, max_points, progress)
        except RuntimeError as exc:
            _signals.raise_if_stopped()  # the hidden graders' pytest failed because it was interrupted
            raise GraderFailure(str(exc)) from exc
        finally:
            _signals.shield()
            gc.set_threshold(*thresholds)
            progress.stop()
            close_all(zygotes)
            for sandbox in sandboxes:
                shutil.rmtree(sandbox.work_root, ignore_errors=True)
        return BatchOutcome(assignment, submissions, results, max_points, reductions)


class _Signals:
    """SIGINT and SIGTERM while a batch is graded. The first raises KeyboardInterrupt (Stopped for SIGTERM), so the
    batch stops and sweeps every process it started; later ones, and any during that cleanup (`shield`), are only
    noted, so none cuts a sweep short, and a signal noted during the cleanup is raised once it is done. pytest turns
    an exception raised inside a hidden grader into an exit code: `raise_if_stopped` brings it back."""

    def __init__(self) -> None:
        self.received: int | None = None
        self.shielded = False

    def _handle(self, signum: int, frame: object) -> None:
        first = self.received is None
        self.received = self.received or signum
        if first and not self.shielded:
            raise self._interruption()

    def _interruption(self) -> KeyboardInterrupt:
        return Stopped("stopped by SIGTERM") if self.received == signal.SIGTERM else KeyboardInterrupt()

    def raise_if_stopped(self) -> None:
        if self.received is not None:
            raise self._interruption()

    def shield(self) -> None:
        self.shielded = True

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        """Handle both signals here; only the main thread can (elsewhere, in a test's thread, nothing changes)."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        self.received, self.shielded = None, False
        previous = {number: signal.signal(number, self._handle) for number in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)
        self.raise_if_stopped()


_signals = _Signals()


def _protect_grader() -> None:
    """No process of the same user may read or trace this one's memory (matters when the grader is not root)."""
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)


def _run(
    assignment: Assignment,
    zygotes: list[Zygote],
    submissions: list[Submission],
    asked: list[list[str] | None],
    limits: Limits,
    max_points: dict[str, float],
    progress: BatchProgress,
) -> list[SubmissionResult]:
    """Grade all submissions, in this process (one job) or in one forked grader process per zygote.

    Results are kept by the submission's position, never by its name, so no result can take another's place.
    """
    done: dict[int, SubmissionResult] = {}

    def finished(index: int, result: SubmissionResult) -> None:
        done[index] = result
        total = sum(max_points.values())
        progress.finished(result.name, "not graded" if result.problem else f"{result.score:g}/{total:g}")

    if len(zygotes) == 1:
        progress.start(len(submissions))
        for index, submission in enumerate(submissions):
            finished(index, grade_one(assignment, zygotes[0], submission, limits, asked[index]))
        return [done[i] for i in range(len(submissions))]

    queue_r, queue_w = os.pipe()  # the work queue: every index written up front, taken 4 bytes at a time
    os.write(queue_w, b"".join(i.to_bytes(4, "big") for i in range(len(submissions))))
    os.close(queue_w)
    read_ends, pids = [], []
    for zygote in zygotes:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            _grader_process(assignment, zygote, submissions, asked, queue_r, limits, write_end)
        os.close(write_end)
        read_ends.append(read_end)
        pids.append(pid)
    os.close(queue_r)
    progress.start(len(submissions))  # after the forks: the bar's refresh thread must not be running in them
    try:
        _read_reports(read_ends, lambda line: finished(*_indexed(json.loads(line))))
        for pid in pids:
            _, status = os.waitpid(pid, 0)
            if status != 0:
                raise GraderFailure(f"a grader process failed (wait status {status})")
    except BaseException:
        for pid in pids:  # the others would wait forever to report; their zygotes with them
            with contextlib.suppress(ProcessLookupError, ChildProcessError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
        raise
    missing = [s.name for i, s in enumerate(submissions) if i not in done]
    if missing:
        raise GraderFailure(f"no result for {', '.join(missing)}")
    return [done[i] for i in range(len(submissions))]


def _read_reports(read_ends: list[int], report: Callable[[str], None]) -> None:
    """Pass on each line the grader processes write, as it comes, until all have closed their pipes.

    All pipes are read at once: one left unread would fill (64 KiB, a few results) and stall its grader.
    """
    buffers = dict.fromkeys(read_ends, b"")
    with selectors.DefaultSelector() as selector:
        for fd in read_ends:
            selector.register(fd, selectors.EVENT_READ)
        while buffers:
            for key, _ in selector.select():
                chunk = os.read(key.fd, 1 << 16)
                *lines, buffers[key.fd] = (buffers[key.fd] + chunk).split(b"\n")
                for line in lines:
                    report(line.decode())
                if not chunk:
                    selector.unregister(key.fd)
                    os.close(key.fd)
                    del buffers[key.fd]


def _grader_process(
    assignment: Assignment,
    zygote: Zygote,
    submissions: list[Submission],
    asked: list[list[str] | None],
    queue: int,
    limits: Limits,
    write_end: int,
) -> NoReturn:
    """A forked grader: take submissions from the queue until it is empty, report summaries as JSON lines."""
    code = 0
    try:
        with os.fdopen(write_end, "w") as report:
            while len(record := os.read(queue, 4)) == 4:
                index = int.from_bytes(record, "big")
                result = grade_one(assignment, zygote, submissions[index], limits, asked[index])
                report.write(json.dumps({"index": index, "result": result.to_json()}) + "\n")
                report.flush()
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM: the parent sweeps; nothing to explain
        code = 1
    except BaseException:  # noqa: BLE001 - the parent reports a failed grader process
        traceback.print_exc()
        code = 1
    os._exit(code)


def _indexed(report: dict) -> tuple[int, SubmissionResult]:
    """A grader process's report: the submission's position and its result."""
    return report["index"], SubmissionResult.from_json(report["result"])
