"""Grade a batch of notebooks: each in its own worker session, scored by the hidden graders in this process.

Start-up order matters: the assignment's warm modules and probes are imported and the zygotes forked *before* its
reference and hidden graders are imported, so no worker ever holds them. The reference is then graded as if it were a
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
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from autograder.assignment import Assignment
from autograder.grading import reference_cache
from autograder.grading.implementations import reference  # imports the reference only when called
from autograder.grading.plugin import check_reference, run_graders
from autograder.grading.remote import RemoteSubmission
from autograder.grading.report import write_grades, write_results
from autograder.grading.results import SubmissionResult
from autograder.grading.submissions import Submission, find_notebooks, read_submission, unique_names
from autograder.limits import Limits
from autograder.worker.sandbox import plan
from autograder.worker.zygote import Zygote, close_all, warm_up

_PR_SET_DUMPABLE = 4


class GraderFailure(RuntimeError):
    """The grader itself is broken (not a submission); the message says what failed."""


@dataclass
class BatchOutcome:
    results: list[SubmissionResult]
    max_points: dict[str, float]
    reductions: list[str]  # what isolation this machine could not give, in plain words (empty: none)

    @property
    def grader_errors(self) -> int:
        return sum(r.grader_errors for r in self.results)


def grade_one(assignment: Assignment, zygote: Zygote, submission: Submission, limits: Limits) -> SubmissionResult:
    """Grade one submission in a fresh session of the given zygote."""
    started = time.perf_counter()
    if submission.problem:
        return SubmissionResult(submission.name, problem=submission.problem)
    remote = RemoteSubmission(zygote, list(submission.cells), limits)
    try:
        tests = run_graders(assignment, remote, reference(assignment))
    finally:
        remote.close()
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
    progress: Callable[[str], None] = print,
) -> BatchOutcome:
    """Grade every notebook under `paths` into `out`; results are written only once every worker is gone."""
    notebooks = find_notebooks(paths)
    submissions = [read_submission(p, n) for p, n in zip(notebooks, unique_names(notebooks))]
    _protect_grader()
    warm_up(assignment)
    # The warm objects leave the garbage collector's reach: collections would write to them, copying the pages the
    # grader shares with its forked zygotes (measured on Gradescope's limits: peak 425-595 MB -> 460 MB).
    gc.freeze()
    jobs = max(1, min(jobs, len(submissions)))
    secret = [out.resolve(), reference_cache.cache_dir(), *(n.resolve().parent for n in notebooks)]
    sandboxes = plan(secret, jobs)
    reductions = sandboxes[0].reductions()
    for line in reductions:
        progress(f"Reduced isolation: {line}.")
    zygotes: list[Zygote] = []
    try:
        zygotes.extend(Zygote(sandbox, assignment) for sandbox in sandboxes)
        reference_cache.load(reference(assignment), assignment)
        max_points = check_reference(assignment)
        reference_cache.save(reference(assignment), assignment)
        results = _run(assignment, zygotes, submissions, limits, max_points, progress)
    except RuntimeError as exc:
        raise GraderFailure(str(exc)) from exc
    finally:
        close_all(zygotes)
        for sandbox in sandboxes:
            shutil.rmtree(sandbox.work_root, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True, mode=0o700 if os.geteuid() == 0 else 0o777)
    for result in results:
        write_results(out, result, max_points, assignment)
    write_grades(out / "grades.csv", results, max_points)
    return BatchOutcome(results, max_points, reductions)


def _protect_grader() -> None:
    """No process of the same user may read or trace this one's memory (matters when the grader is not root)."""
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)


def _run(
    assignment: Assignment,
    zygotes: list[Zygote],
    submissions: list[Submission],
    limits: Limits,
    max_points: dict[str, float],
    progress: Callable[[str], None],
) -> list[SubmissionResult]:
    """Grade all submissions, in this process (one job) or in one forked grader process per zygote."""
    done: dict[str, SubmissionResult] = {}

    def finished(result: SubmissionResult) -> None:
        done[result.name] = result
        total = sum(max_points.values())
        status = "not graded" if result.problem else f"{result.score:g}/{total:g}"
        progress(f"[{len(done)}/{len(submissions)}] {result.name}: {status} ({result.seconds:.1f} s)")

    if len(zygotes) == 1:
        for submission in submissions:
            finished(grade_one(assignment, zygotes[0], submission, limits))
        return [done[s.name] for s in submissions]

    queue_r, queue_w = os.pipe()  # the work queue: every index written up front, taken 4 bytes at a time
    os.write(queue_w, b"".join(i.to_bytes(4, "big") for i in range(len(submissions))))
    os.close(queue_w)
    read_ends, pids = [], []
    for zygote in zygotes:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            _grader_process(assignment, zygote, submissions, queue_r, limits, write_end)
        os.close(write_end)
        read_ends.append(read_end)
        pids.append(pid)
    os.close(queue_r)
    try:
        _read_reports(read_ends, lambda line: finished(SubmissionResult.from_json(json.loads(line))))
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
    missing = [s.name for s in submissions if s.name not in done]
    if missing:
        raise GraderFailure(f"no result for {', '.join(missing)}")
    return [done[s.name] for s in submissions]


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
    queue: int,
    limits: Limits,
    write_end: int,
) -> NoReturn:
    """A forked grader: take submissions from the queue until it is empty, report summaries as JSON lines."""
    code = 0
    try:
        with os.fdopen(write_end, "w") as report:
            while len(record := os.read(queue, 4)) == 4:
                result = grade_one(assignment, zygote, submissions[int.from_bytes(record, "big")], limits)
                report.write(json.dumps(result.to_json()) + "\n")
                report.flush()
    except BaseException:  # noqa: BLE001 - the parent reports a failed grader process
        traceback.print_exc()
        code = 1
    os._exit(code)


def stderr_progress(line: str) -> None:
    """Progress on stderr: one line per submission, rewritten in place on a terminal."""
    if sys.stderr.isatty():
        sys.stderr.write("\r\033[K" + line)
        sys.stderr.flush()
    else:
        print(line, file=sys.stderr)
