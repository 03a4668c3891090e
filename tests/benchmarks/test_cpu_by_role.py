"""The profile's roles are read from the process tree perf recorded, threads and unrelated processes aside."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

from cpu_by_role import FREQUENCY, by_role  # noqa: E402

SCRIPT = """\
 100      7f45cb2fcb01 _PyEval_EvalFrameDefault (/usr/lib/libpython3.11.so.1.0)
 100 PERF_RECORD_FORK(100:101):(100:100)
 100      7f45cb2fcb01 blas_thread_server (/x/libscipy_openblas.so)
 100 PERF_RECORD_FORK(200:200):(100:100)
 100  ffffffff816030a1 copy_page_range ([kernel.kallsyms])
 200 PERF_RECORD_FORK(300:300):(200:200)
 300 PERF_RECORD_FORK(400:400):(300:300)
 400 PERF_RECORD_FORK(500:500):(400:400)
 500 PERF_RECORD_FORK(600:600):(500:500)
 600      7f45cb2fcb01 student_code (/usr/lib/libpython3.11.so.1.0)
 500  ffffffff8226e079 do_wp_page ([kernel.kallsyms])
 500      7f45cb2fcb01 run_call (/usr/lib/libpython3.11.so.1.0)
 300  ffffffff8226e079 unix_stream_sendmsg ([kernel.kallsyms])
 999      7f45cb2fcb01 unrelated (/usr/lib/libc.so.6)
"""


def test_each_sample_counts_for_the_role_of_its_process():
    table = by_role(SCRIPT)
    second = 1 / FREQUENCY
    # (processes, user, kernel, copy_page_range): the grader with its thread's samples and its fork's page-table copy
    assert table["grader"][:4] == (1, 2 * second, second, second)
    assert table["sessions"][:4] == (1, 0, second, 0)
    assert table["call forks and deeper"][:4] == (2, 2 * second, second, 0)  # a call fork and the process it started
    assert table["other"][:4] == (1, second, 0, 0)
    assert "zygote" not in table  # no sample: no row
    assert table["call forks and deeper"][4][0][0] in {"student_code", "run_call", "do_wp_page"}
