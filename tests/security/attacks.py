"""One notebook per attack on the grader, and per kind of broken file (issues 4 and 12).

Most attacks are one cell inserted into an honest notebook:
- into the solution, right after its momentum cell (or as its last cell, `last=True`), when the attack tries to
  stop or stall grading: the honest cells before and after it must keep every point (`expect="full"`);
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

from tests.security.harness import ABSTRACT_SOCKET, HOST_SOCKET, MARK, ROOT, Services

SOLUTION = ROOT / "solutions" / "optim_reg.ipynb"


@dataclass(frozen=True)
class Attack:
    name: str
    cell: str  # the attacking cell's source; empty for whole-file cases
    expect: str  # "full", "control", "at_most_full" (the attack may kill its own session) or "zero"
    says: str = ""  # a phrase the results.json output must contain
    raw: bytes | None = None  # the whole file, for broken-file cases
    last: bool = False  # a "full" attack placed as the notebook's last cell


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
PORT = "PORT_OF_THE_SERVICES"  # replaced by the free port the test's services listen on while grading

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
    socket.create_connection(('127.0.0.1', int('{PORT}')), timeout=1).close()
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


# Issue 12, item 9: only the process that ran a cell or call reports to the grader, and a cell that ends its process
# costs only itself, wherever it is.
_KILL_ANCESTORS = """
import os, signal
pid = os.getppid()
while pid > 1:
    try:
        parent = int(open(f'/proc/{pid}/stat').read().rsplit(')', 1)[1].split()[1])
    except Exception:
        parent = 0
    try:
        os.kill(pid, signal.SIGKILL)
    except Exception:
        pass
    pid = parent
try:
    os.kill(0, signal.SIGKILL)
except Exception:
    pass
"""

_CHILD_FORGES_FRAMES = """
import os, time, json
if os.fork() == 0:
    time.sleep(1.5)  # into the calls: forged outcomes, replies and half frames on every descriptor it inherited
    fake = json.dumps({'cell': 1, 'status': 'ok', 'ready': True, 'fresh': True}).encode()
    end = time.monotonic() + 4
    while time.monotonic() < end:
        for fd in range(3, 256):
            for frame in (len(fake).to_bytes(8, 'big') + fake, b'\\xff' * 8, b'\\x00\\x00\\x00'):
                try:
                    os.write(fd, frame)
                except Exception:
                    pass
        time.sleep(0.1)
    os._exit(0)
"""

# Issue 12, item 5: nothing is left behind and nothing is shared.
_IPC_AND_KEYS = f"""
import ctypes, subprocess
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
for kind in ('-M', '-Q', '-S'):
    subprocess.run(['ipcmk', kind, '65536' if kind == '-M' else '4'], capture_output=True)
libc.shmget(0x{MARK}01, 1 << 20, 0o1666)
libc.msgget(0x{MARK}02, 0o1666)
libc.semget(0x{MARK}03, 4, 0o1666)
try:
    libc.mq_open(b'/{MARK}-queue', 0o100 | 0o2, 0o666, None)
except AttributeError:
    pass
for keyring in (-3, -4, -5, -2):  # user, user session, session, process keyrings
    key = libc.syscall(248 if os.uname().machine == 'x86_64' else 217, b'user', b'{MARK}-key', b'secret', 6, keyring)
    found = found or key > 0
"""

_FORK_CHAIN = f"""
import subprocess
with open('chain.sh', 'w') as script:  # each link starts its successor and exits at once
    script.write('sh "$0" "$1" &\\n')
subprocess.Popen(['sh', 'chain.sh', '{MARK}'], start_new_session=True, stdin=subprocess.DEVNULL)
"""

_FILL_THE_DISK = """
written = 0
chunk = b'x' * (4 << 20)
for i in range(12):
    try:
        with open(f'fill-{i}.bin', 'wb') as out:
            for _ in range(15):
                written += out.write(chunk)
                out.flush()
    except OSError:
        pass
found = written >= 300 << 20
"""

_HOST_SERVICES = f"""
import socket
try:
    with socket.socket(socket.AF_UNIX) as unix:
        unix.settimeout(1)
        unix.connect('{HOST_SOCKET}')
        found = found or unix.recv(4) == b'pong'
except OSError:
    pass
try:
    with socket.socket(socket.AF_UNIX) as abstract:
        abstract.settimeout(1)
        abstract.connect({ABSTRACT_SOCKET!r})
        found = found or abstract.recv(4) == b'pong'
except OSError:
    pass
try:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.settimeout(1)
        udp.sendto(b'ping', ('127.0.0.1', int('{PORT}')))
        found = found or udp.recv(4) == b'pong'
except OSError:
    pass
"""

_PLANT = """
here = os.getcwd()
parent = os.path.dirname(here)
mine = int(os.path.basename(here)) if os.path.basename(here).isdigit() else 0
for pid in range(max(2, mine - 50), mine + 3000):
    try:
        os.mkdir(os.path.join(parent, str(pid)), 0o700)
        found = True
    except OSError:
        pass
try:
    open(os.path.join(parent, 'planted'), 'w').write('x')
    found = True
except OSError:
    pass
"""

_HOG = f"""
import subprocess, time
hogs = []
for _ in range(400):
    try:
        hogs.append(subprocess.Popen(['sleep', '{MARK}.5'], start_new_session=True, stdin=subprocess.DEVNULL))
    except OSError:
        break
for hog in hogs[-4:]:  # room for this notebook's own graded calls
    hog.kill()
    hog.wait()
time.sleep(2.5)
"""

# Issue 12, item 8: what a submission sends is capped, and the cap is said in words.
_HUGE_RESULT = """
_wrong_adam = adam_update
huge = torch.zeros(25_000_000)  # 100 MB of float32 in every result
def adam_update(*args, **kwargs):
    param, m, v = _wrong_adam(*args, **kwargs)
    return param, m, (v, huge)
"""

_MANY_RESULTS = """
big = torch.zeros(2_000_000)  # 8 MB more in every result: a reply stays below the cap, 33 of them pass the total
def _heavy(function):
    return lambda *args, **kwargs: (function(*args, **kwargs), big)
for _name in ('compute_fans', 'xavier_uniform', 'xavier_normal', 'he_uniform', 'he_normal', 'sgd_momentum_update',
              'rmsprop_update', 'adam_update', 'adamw_update', 'dropout_forward', 'dropout_backward'):
    globals()[_name] = _heavy(globals()[_name])
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
    # issue 12, item 9
    Attack("last-cell-endless-loop", _STUCK, "full", "ran longer than", last=True),
    Attack("last-cell-os-exit", "import os\nos._exit(0)", "full", "ended its process", last=True),
    Attack("last-cell-kills-its-ancestors", _KILL_ANCESTORS, "full", last=True),
    Attack("cell-kills-its-ancestors", _KILL_ANCESTORS, "full"),
    Attack("child-forges-frames-later", _CHILD_FORGES_FRAMES, "full"),
    Attack("last-cell-child-forges-frames", _CHILD_FORGES_FRAMES, "full", last=True),
    # issue 12, item 5
    Attack("sysv-ipc-posix-queues-and-kernel-keys", _steal(_IPC_AND_KEYS), "control"),
    Attack("sysv-ipc-left-behind", "import subprocess\nfor kind in ('-M', '-Q', '-S'):\n"
           "    subprocess.run(['ipcmk', kind, '4096' if kind == '-M' else '2'], capture_output=True)", "full"),
    Attack("fork-chain", _FORK_CHAIN, "full"),
    Attack("fill-the-disk", _steal(_FILL_THE_DISK), "control"),
    Attack("host-unix-udp-and-abstract-sockets", _steal(_HOST_SERVICES), "control"),
    Attack("plant-folders-for-later-sessions", _steal(_PLANT), "control"),
    Attack("process-limit-hog", _HOG, "full"),
    # issue 12, item 8
    Attack("huge-exception-type-name", "raise type('E' * 70_000_000, (Exception,), {})()", "full", "EEEE"),
    Attack("call-result-of-100-mb", _HUGE_RESULT, "control", "more than the 32 MB the grader accepts"),
    Attack("results-adding-up-to-more-than-256-mb", _MANY_RESULTS, "control", "added up to more than 256 MB"),
    Attack("cell-of-70-mb", "# " + "x" * 70_000_000 + "\nimport os", "full", "so it was not run"),
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


def write_batch(folder: Path, services: Services) -> None:
    """Every attack, every broken file, and the honest controls (the solution and the wrong-Adam notebook)."""
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.read(SOLUTION, as_version=4), folder / "control-solution.ipynb")
    nbformat.write(_wrong_adam_notebook(), folder / "control-wrong-adam.ipynb")
    for attack in ATTACKS:
        cell = nbformat.v4.new_code_cell(attack.cell.replace(PORT, str(services.port)))
        if attack.expect == "control":
            nb = _wrong_adam_notebook()
            nb.cells.append(cell)
        else:
            nb = nbformat.read(SOLUTION, as_version=4)
            (after,) = [i for i, c in enumerate(nb.cells) if "def sgd_momentum_update" in c.source]
            nb.cells.insert(len(nb.cells) if attack.last else after + 1, cell)
        nbformat.write(nb, folder / f"{attack.name}.ipynb")
    for broken in BROKEN:
        (folder / f"{broken.name}.ipynb").write_bytes(broken.raw or b"")
