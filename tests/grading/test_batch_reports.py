"""The parallel grader's reports: every grader process is heard as it reports, so none stalls on a full pipe; one
submission's failure is reported as its own result."""

import json
import os
import threading

from autograder.assignment import load
from autograder.grading.batch import _indexed, _read_reports, grade_one
from autograder.grading.submissions import Submission
from autograder.inputs.identity import Origin
from autograder.limits import Limits


def test_a_grader_that_reports_a_lot_never_waits_for_another_to_finish():
    (quiet_r, quiet_w), (busy_r, busy_w) = os.pipe(), os.pipe()
    busy_done = threading.Event()

    def busy() -> None:  # 50 results of 4 KiB: more than a pipe holds
        for i in range(50):
            os.write(busy_w, f"busy {i} {'x' * 4096}\n".encode())
        os.close(busy_w)
        busy_done.set()

    def quiet() -> None:  # reports only after the busy one has written everything
        busy_done.wait(30)
        os.write(quiet_w, b"quiet\n")
        os.close(quiet_w)

    lines: list[str] = []
    writers = [threading.Thread(target=f, daemon=True) for f in (busy, quiet)]
    reader = threading.Thread(target=_read_reports, args=([quiet_r, busy_r], lines.append), daemon=True)
    for thread in (*writers, reader):
        thread.start()
    reader.join(30)
    assert not reader.is_alive(), "the reader waited on the quiet grader while the busy one was blocked"
    assert lines[-1] == "quiet"
    assert [line.split()[1] for line in lines[:-1]] == [str(i) for i in range(50)]


def test_a_failure_while_grading_one_submission_is_its_zero_and_a_grader_error():
    """The boundary around one submission: even the grader failing (here, no zygote at all) costs only it."""
    submission = Submission("alice", Origin("alice.ipynb"), cells=("x = 1",))
    result = grade_one(load("optim_reg"), object(), submission, Limits())  # type: ignore[arg-type]
    assert result.score == 0 and result.fault and result.grader_errors == 1
    assert result.problem.startswith("The grader itself failed while grading this submission (AttributeError)")
    index, again = _indexed(json.loads(json.dumps({"index": 7, "result": result.to_json()})))
    assert index == 7 and again == result
