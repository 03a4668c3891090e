"""Run as an unprivileged user by test_session_isolation.py: sessions share no process limit and no folder.

Exits 0 when both hold, else prints what failed and exits 1.
"""

import ctypes
import shutil
import sys

from autograder.grading.remote import RemoteSubmission
from autograder.limits import Limits
from autograder.worker.sandbox import plan
from autograder.worker.zygote import Zygote, close_all, warm_up
from tests.calls import ASSIGNMENT as CALLS
from tests.worker.test_worker import call

LIMITS = Limits(cell=20.0, call=5.0, submission=120.0)
HOG = (
    "import subprocess, os\nkids = []\nwhile True:\n    try:\n"
    "        kids.append(subprocess.Popen(['sleep', '120'], start_new_session=True))\n"
    "    except OSError:\n        break\n"
    "def planted(x):\n    parent = os.path.dirname(os.getcwd())\n    made = 0\n"
    "    for name in [str(n) for n in range(2, 40000, 97)] + ['x']:\n        try:\n"
    "            os.mkdir(os.path.join(parent, name))\n            made += 1\n        except OSError:\n            pass\n"
    "    return x * 0 + made + len(kids) * 0"
)


def main() -> int:
    ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE 0, as the grader does
    warm_up(CALLS)
    (sandbox,) = plan()
    zygote = Zygote(sandbox)
    failures = []
    try:
        victim = RemoteSubmission(zygote, ["def double(x):\n    return 2 * x"], LIMITS, CALLS)
        hog = RemoteSubmission(zygote, [HOG], LIMITS, CALLS)
        try:
            if call(hog, "planted", [0.0]) != [0.0]:
                failures.append("a session made folders where the job's other sessions work")
            victim.fresh()  # a new fork, while the hog holds every process it may have
            if call(victim, "double", [1.0]) != [2.0]:
                failures.append("the victim's call failed")
            if not sandbox.namespaces:
                failures.append("this system refused the sessions their namespaces")
            later = RemoteSubmission(zygote, ["def triple(x):\n    return 3 * x"], LIMITS, CALLS)
            if later.dead or call(later, "triple", [1.0]) != [3.0]:
                failures.append(f"a later session could not run: {later.dead}")
            later.close()
        except Exception as exc:  # noqa: BLE001
            failures.append(f"{type(exc).__name__}: {exc}")
        finally:
            hog.close()
            victim.close()
    finally:
        close_all([zygote])
        shutil.rmtree(sandbox.work_root, ignore_errors=True)
    print("\n".join(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
