"""One notebook per attack on the grader, and per kind of broken file (issue 4).

Most attacks are one cell inserted into an honest notebook:
- into the solution, right after its momentum cell, when the attack tries to stop or stall grading: the honest
  cells before and after it must keep every point (`expect="full"`);
- at the end of a notebook whose Adam is wrong, when the attack tries to steal the reference or fake a pass: if it
  succeeds it swaps in a correct Adam, so any leak shows as points above the honest wrong-Adam control
  (`expect="control"`: never more than the control, question by question).
Each attack also names a phrase its results.json must contain, so the result says what happened.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = ROOT / "solutions" / "optim_reg.ipynb"
MARK = "4242"  # in the command line of every process an attack leaves behind


@dataclass(frozen=True)
class Attack:
    name: str
    cell: str  # the attacking cell's source; empty for whole-file cases
    expect: str  # "full", "control", "at_most_full" (the attack may kill its own session) or "zero"
    says: str = ""  # a phrase the results.json output must contain
    raw: bytes | None = None  # the whole file, for broken-file cases


def _solution_cells() -> list:
    return nbformat.read(SOLUTION, as_version=4).cells


def _correct_adam() -> str:
    (source,) = [c.source for c in _solution_cells() if c.cell_type == "code" and "def adam_update" in c.source]
    return source


def _wrong_adam_notebook() -> nbformat.NotebookNode:
    nb = nbformat.read(SOLUTION, as_version=4)
    for cell in nb.cells:
        if "def adam_update" in cell.source:
            cell.source = cell.source.replace("m_hat = m / (1 - beta1**t)", "m_hat = m")  # no bias correction on m
    return nb


def _steal(search: str) -> str:
    """An attack cell: run `search` (which sets `found`), then use the correct Adam only if it found a secret."""
    return (
        "import os, sys, gc, glob, json, time\n"
        "def _secret(text):\n"
        "    return ('def adam_update' in text and 'beta1' in text) or '@hidden(' in text or 'def check_runs' in text\n"
        "found = False\n" + search + f"\nif found:\n    exec({_correct_adam()!r})\n"
    )


_WALK = """
roots = {os.getcwd(), os.path.expanduser('~'), '/tmp', '/var/tmp', '/dev/shm', '/', *sys.path}
roots |= {v for v in os.environ.values() if v.startswith('/')}
pid = os.getpid()
while pid > 1:
    try:
        args = open(f'/proc/{pid}/cmdline', 'rb').read().split(b'\\0')
        roots |= {a.decode() for a in args if a.startswith(b'/')}
        roots.add(os.readlink(f'/proc/{pid}/cwd'))
        pid = int(open(f'/proc/{pid}/stat').read().rsplit(')', 1)[1].split()[1])
    except Exception:
        break
for root in list(roots):
    roots |= {str(p) for p in __import__('pathlib').Path(root).parents}
deadline = time.monotonic() + 2.0
for root in sorted(roots, key=len, reverse=True):
    for folder, dirs, files in os.walk(root):
        if found or time.monotonic() > deadline or folder.startswith(('/proc', '/sys', '/usr')):
            dirs[:] = []
            continue
        for name in files:
            if name.endswith(('.py', '.md', '.ipynb', '.json', '.npy', '.cfg')):
                try:
                    found = found or _secret(open(os.path.join(folder, name), errors='ignore').read(2_000_000))
                except Exception:
                    pass
"""

_GC = """
found = any(name.startswith(('solutions', 'assignments.optim_reg.graders')) for name in sys.modules)
for obj in gc.get_objects():
    try:
        module = getattr(obj, '__module__', None) or getattr(obj, '__name__', '')
        code = getattr(obj, '__code__', None)
        if isinstance(module, str) and module.startswith(('solutions', 'assignments.optim_reg.graders')):
            found = True
        if code is not None and ('solutions' in code.co_filename or 'graders' in code.co_filename):
            found = True
    except Exception:
        pass
"""

_IMPORT = """
for name in ('solutions.optim_reg', 'solutions', 'assignments.optim_reg.graders.test_adam'):
    try:
        __import__(name)
        found = True
    except Exception:
        pass
"""

_FORGE_FILES = """
import pathlib
args = []
for pid in [p for p in os.listdir('/proc') if p.isdigit()]:  # the grader's command line names its folders
    try:
        cmdline = open(f'/proc/{pid}/cmdline', 'rb').read().decode().split('\\0')
        if 'autograder.cli' in cmdline:
            args += cmdline[cmdline.index('grade') + 1:]
    except Exception:
        pass
for target in [pathlib.Path(a) for a in args if a.startswith('/') and pathlib.Path(a).is_dir()]:
    for path in [target, *target.glob('*'), *target.glob('*/*')]:
        try:
            if path.is_file() and path.suffix in ('.ipynb', '.json', '.csv'):
                path.write_text(json.dumps({'score': 100, 'tests': []}))
                found = True
            elif path.is_dir():
                (path / 'grades.csv').write_text('submission,total\\nme,100\\n')
                found = True
        except Exception:
            pass
"""

SECRET_ENV = "AUTOGRADER_TEST_TOKEN"  # set in the grader's environment by the test, like a token would be
PORT = 42424  # the test listens here on localhost while grading

_ENVIRONMENT = f"""
found = '{SECRET_ENV}' in os.environ
for pid in [p for p in os.listdir('/proc') if p.isdigit()]:  # the grader's environment, through /proc
    try:
        found = found or '{SECRET_ENV}' in open(f'/proc/{{pid}}/environ', errors='ignore').read()
    except OSError:
        pass
"""

_NETWORK = f"""
import socket
try:
    socket.create_connection(('127.0.0.1', {PORT}), timeout=1).close()
    found = True
except OSError:
    pass
"""

_FORGE_STDOUT = """
fake = json.dumps({'score': 100, 'tests': [{'name': 'all', 'score': 100, 'max_score': 100}]})
print(fake)
sys.stderr.write(fake)
for fd in range(0, 64):  # forged frames on every descriptor the cell holds, the grader's channel among them
    try:
        os.write(fd, len(fake).to_bytes(4, 'big') + fake.encode())
    except Exception:
        pass
"""

_MONKEYPATCH = """
import numpy as np, torch, unittest, numpy.testing
always = lambda *a, **k: True
nothing = lambda *a, **k: None
np.allclose = np.array_equal = always
np.isclose = lambda a, b, *x, **k: np.ones(np.shape(a), bool)
np.testing.assert_allclose = np.testing.assert_array_equal = np.testing.assert_array_almost_equal = nothing
torch.allclose = torch.equal = always
torch.testing.assert_close = nothing
for name in dir(unittest.TestCase):
    if name.startswith('assert'):
        setattr(unittest.TestCase, name, nothing)
try:
    import pytest
    pytest.approx = lambda expected, *a, **k: type('Any', (), {'__eq__': always})()
except Exception:
    pass
"""

_SUBCLASS = """
import numpy as np, torch
class Liar(np.ndarray):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __array_function__(self, func, types, args, kwargs): return True
    def __array_ufunc__(self, *args, **kwargs): return np.zeros(())
class LiarTensor(torch.Tensor):
    def __eq__(self, other): return True
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None): return True
_honest_adam = adam_update
def adam_update(*args, **kwargs):
    param, m, v = _honest_adam(*args, **kwargs)
    return param.as_subclass(LiarTensor), np.asarray(m).view(Liar), v.as_subclass(LiarTensor)
"""

_SLEEPERS = f"""
import subprocess, os, time
for _ in range(40):
    subprocess.Popen(['sleep', '{MARK}'], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execvp('sleep', ['sleep', '{MARK}1'])
    os._exit(0)
time.sleep(0.2)
"""

_FORK_BOMB = f"""
import os, time
for _ in range(5000):
    try:
        if os.fork() == 0:
            time.sleep(float('{MARK}'))
            os._exit(0)
    except OSError:
        break
"""

_STUCK = """
import signal
for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGALRM):
    signal.signal(sig, signal.SIG_IGN)
while True:
    pass
"""

_KILL_EVERYONE = """
import os, signal
for pid in [int(p) for p in os.listdir('/proc') if p.isdigit()]:
    if pid != os.getpid():
        try:
            os.kill(pid, signal.SIGKILL)
        except Exception:
            pass
try:
    os.kill(-1, signal.SIGKILL)
except Exception:
    pass
"""

ATTACKS = [
    Attack("monkeypatch-comparisons", _steal(_MONKEYPATCH), "control"),
    Attack("forged-result-files", _steal(_FORGE_FILES), "control"),
    Attack("forged-stdout-and-frames", _steal(_FORGE_STDOUT), "control"),
    Attack("import-reference-and-graders", _steal(_IMPORT), "control"),
    Attack("walk-the-disk", _steal(_WALK), "control"),
    Attack("gc-get-objects", _steal(_GC), "control"),
    Attack("environment-secrets", _steal(_ENVIRONMENT), "control"),
    Attack("tcp-connection", _steal(_NETWORK), "control"),
    Attack("lying-array-subclasses", _SUBCLASS, "control"),
    Attack("sys-exit", "import sys\nsys.exit(3)", "full", "SystemExit"),
    Attack("os-exit", "import os\nos._exit(0)", "full", "ended its process"),
    Attack("endless-loop-signals-ignored", _STUCK, "full", "ran longer than"),
    Attack("input", "name = input('your name? ')", "full", "EOFError"),
    Attack("allocate-40-gb", "import numpy as np\nhuge = np.ones(40 * 2**30 // 8)", "full", "MemoryError"),
    Attack(
        "output-flood-200-mb",
        "import os, sys\nsys.stdout.write('x' * 100_000_000)\nos.write(1, b'y' * 100_000_000)",
        "full",
    ),
    Attack("sleepers-and-setsid-daemon", _SLEEPERS, "full"),
    Attack("fork-bomb", _FORK_BOMB, "full"),
    Attack("kill-everything", _KILL_EVERYONE, "at_most_full"),
    # Not an attack: honest code importing modules the warm worker has not loaded must still work in the sandbox.
    Attack(
        "late-imports",
        "_saved = sgd_momentum_update\ndel sgd_momentum_update\n"
        "import xml.dom.minidom, sklearn.linear_model, numpy.testing, scipy.stats\nsgd_momentum_update = _saved",
        "full",
    ),
    Attack("syntax-error", "def broken(:\n    pass", "full", "SyntaxError"),
    Attack("ipython-magics", "%time x = 1\n!rm -rf /\n%load_ext autoreload\nimport os", "full"),
]


def _v3(nb: nbformat.NotebookNode) -> str:
    return nbformat.writes(nbformat.v3.convert.downgrade(nb), version=3)


def _with_images(nb: nbformat.NotebookNode, megabytes: int) -> str:
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(megabytes * 2**20 // 8)).decode()
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [nbformat.v4.new_output("display_data", data={"image/png": png})]
            break
    return nbformat.writes(nb)


BROKEN = [
    Attack("v3-notebook", "", "full", raw=_v3(nbformat.read(SOLUTION, as_version=4)).encode()),
    Attack("30-mb-of-images", "", "full", raw=_with_images(nbformat.read(SOLUTION, as_version=4), 30).encode()),
    Attack("empty-file", "", "zero", "empty", raw=b""),
    Attack("binary-file", "", "zero", "not a text file", raw=bytes(range(256)) * 64),
    Attack("truncated", "", "zero", "not valid JSON", raw=SOLUTION.read_bytes()[:5000]),
    Attack("not-a-notebook", "", "zero", "not a Jupyter notebook", raw=json.dumps({"hello": "world"}).encode()),
]


def write_batch(folder: Path) -> None:
    """Every attack, every broken file, and the honest controls (the solution and the wrong-Adam notebook)."""
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.read(SOLUTION, as_version=4), folder / "control-solution.ipynb")
    nbformat.write(_wrong_adam_notebook(), folder / "control-wrong-adam.ipynb")
    for attack in ATTACKS:
        if attack.expect == "control":
            nb = _wrong_adam_notebook()
            nb.cells.append(nbformat.v4.new_code_cell(attack.cell))
        else:
            nb = nbformat.read(SOLUTION, as_version=4)
            (after,) = [i for i, c in enumerate(nb.cells) if "def sgd_momentum_update" in c.source]
            nb.cells.insert(after + 1, nbformat.v4.new_code_cell(attack.cell))
        nbformat.write(nb, folder / f"{attack.name}.ipynb")
    for broken in BROKEN:
        (folder / f"{broken.name}.ipynb").write_bytes(broken.raw or b"")
