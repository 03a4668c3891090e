"""Deferred imports: a notebook's ``import matplotlib.pyplot as plt`` costs nothing until graded code uses plt, and
then gives the real module; in a real sandboxed session too.

Each case runs in a fresh interpreter: whether a module is imported is a fact about a whole process.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat

from autograder.assignment import Forbidden
from tests.edit import notebook_with, solution_cells, with_definitions

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("scipy", "pandas", "matplotlib.figure", "matplotlib.backends", "sklearn.utils", "sklearn.base")
INSTALL = (
    "import json, sys\nfrom autograder.worker import deferred\n"
    "deferred.install(['matplotlib.pyplot', 'sklearn.datasets:load_digits'],\n"
    "                 {'matplotlib': lambda m: m.rcParams.__setitem__('backend', 'Agg')})\n"
)


def fresh(code: str, **env: str) -> dict:
    """What the code prints (one JSON object) when run in a new interpreter."""
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT,
                         env={**os.environ, **env})  # fmt: skip
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.splitlines()[-1])


def test_the_notebooks_imports_run_nothing_heavy():
    seen = fresh(
        INSTALL + "import matplotlib.pyplot as plt\nfrom matplotlib import pyplot as plt2\nimport matplotlib\n"
        "from sklearn.datasets import load_digits\nimport sklearn.datasets\n"
        f"heavy = [m for m in sys.modules if m.startswith({HEAVY!r})]\n"
        "print(json.dumps({'heavy': heavy, 'same': plt is plt2 is sys.modules['matplotlib.pyplot'],"
        " 'unrun': [type(sys.modules[m]).__name__ for m in ('matplotlib', 'matplotlib.pyplot', 'sklearn', "
        "'sklearn.datasets')]}))"
    )
    assert seen["heavy"] == [] and seen["same"]
    assert seen["unrun"] == ["_DeferredModule"] * 4


def test_first_use_gives_the_real_module_and_function_with_one_identity():
    seen = fresh(
        INSTALL + "import matplotlib.pyplot as plt\nfrom sklearn.datasets import load_digits\nimport matplotlib\n"
        "line, = plt.plot([1, 2, 3])\ndigits = load_digits()\nimport sklearn.datasets\n"
        "plt.answer = 42\ndel plt.answer\nplt.kept = 7\n"
        "print(json.dumps({'plain': type(plt) is type(sys), 'same': matplotlib.pyplot is plt is "
        "sys.modules['matplotlib.pyplot'], 'backend': matplotlib.get_backend(), 'lines': len(plt.gca().lines),"
        " 'bunch': type(digits).__name__, 'shape': list(digits.data.shape), 'dir': 'subplots' in dir(plt),"
        " 'kept': getattr(plt, 'kept'), 'answer': hasattr(plt, 'answer'),"
        " 'real_function': sklearn.datasets.load_digits.__module__}))",
        MPLBACKEND="svg",  # the backend comes from the deferral's hook, not from the environment
    )
    assert seen["plain"] and seen["same"] and seen["backend"] == "Agg" and seen["lines"] == 1
    assert seen["bunch"] == "Bunch" and seen["shape"] == [1797, 64]
    assert seen["dir"] and seen["kept"] == 7 and not seen["answer"]
    assert seen["real_function"] == "sklearn.datasets._base"


def test_undeclared_submodules_and_names_import_the_real_package_first_and_only_once():
    seen = fresh(
        INSTALL + "import sklearn\nimport matplotlib.pyplot as plt\n"
        "import sklearn.model_selection\nfrom sklearn.linear_model import LinearRegression\nimport sklearn.base\n"
        "import matplotlib.colors as colors\nimport matplotlib\n"
        "try:\n    from sklearn.datasets import no_such_name\n    missing = None\n"
        "except ImportError as exc:\n    missing = type(exc).__name__\n"
        "print(json.dumps({'estimator': issubclass(LinearRegression, sklearn.base.BaseEstimator),"
        " 'base': sys.modules['sklearn.base'] is sklearn.base, 'colors': colors is matplotlib.colors is "
        "sys.modules['matplotlib.colors'], 'plt': plt is sys.modules['matplotlib.pyplot'], 'missing': missing,"
        " 'split': sklearn.model_selection.train_test_split.__name__}))"
    )
    assert seen["estimator"] and seen["base"] and seen["colors"] and seen["plt"]  # one copy of each: none ran twice
    assert seen["missing"] == "ImportError" and seen["split"] == "train_test_split"


def test_what_importing_everything_at_warm_up_made_work_still_works():
    """Submodules reached through their package, and an import made for its side effect (an enabler)."""
    seen = fresh(
        INSTALL + "import matplotlib\nfigure = matplotlib.pyplot.figure()\nimport sklearn\n"
        "digits = sklearn.datasets.load_digits()\nfrom sklearn.experimental import enable_iterative_imputer\n"
        "from sklearn.impute import IterativeImputer\n"
        "print(json.dumps({'figure': type(figure).__name__, 'shape': list(digits.data.shape),"
        " 'imputer': IterativeImputer.__name__, 'same': sys.modules['matplotlib.pyplot'] is matplotlib.pyplot}))"
    )
    assert seen == {"figure": "Figure", "shape": [1797, 64], "imputer": "IterativeImputer", "same": True}


def test_a_stand_in_put_back_on_its_module_calls_the_real_function():
    """``mock.patch`` and hand-made save/restore store the stand-in in the real module, once it has run."""
    seen = fresh(
        INSTALL + "from unittest import mock\nimport sklearn.datasets as ds\nfrom sklearn.datasets import load_digits\n"
        "with mock.patch('sklearn.datasets.load_digits', return_value='fake'):\n    patched = ds.load_digits()\n"
        "orig = ds.load_digits\nds.load_digits = lambda **k: 'fake'\nds.load_digits = orig\n"
        "print(json.dumps({'patched': patched, 'module': list(ds.load_digits().data.shape),"
        " 'alias': list(load_digits(n_class=2).data.shape)}))"
    )
    assert seen == {"patched": "fake", "module": [1797, 64], "alias": [360, 64]}


def test_another_thread_reading_a_module_whose_code_runs_waits_for_it(tmp_path):
    """Thread A's first use runs the module's code, held until thread B has read a name the code defines later."""
    (tmp_path / "gate.py").write_text("import threading\nrunning, proceed = threading.Event(), threading.Event()\n")
    (tmp_path / "slow.py").write_text("import gate\ngate.running.set()\ngate.proceed.wait(30)\nanswer = 42\n")
    seen = fresh(
        "import json, threading, time\nfrom autograder.worker import deferred\ndeferred.install(['slow'])\n"
        "import slow, gate\nread = {}\n\ndef use(who):\n    try:\n        read[who] = slow.answer\n"
        "    except AttributeError as exc:\n        read[who] = str(exc)\n\n"
        "a = threading.Thread(target=use, args=('a',))\na.start()\ngate.running.wait(30)\n"
        "b = threading.Thread(target=use, args=('b',))\nb.start()\ntime.sleep(0.5)\ngate.proceed.set()\n"
        "a.join(30)\nb.join(30)\nprint(json.dumps(read))",
        PYTHONPATH=str(tmp_path),
    )
    assert seen == {"a": 42, "b": 42}


def test_warm_up_defers_only_what_the_forbidden_list_does_not_reach():
    assert Forbidden(names=("sklearn.datasets.load_digits",)).reaches("sklearn.datasets")
    assert Forbidden(names=("sklearn.",)).reaches("sklearn.datasets")
    assert not Forbidden(names=("torch.optim.", "sklearn.linear")).reaches("sklearn.datasets")
    seen = fresh(
        "import json, os, sys\nfrom autograder.assignment import Assignment, Forbidden\n"
        "from autograder.worker import recorder\nfrom autograder.worker.zygote import warm_up\n"
        "warm_up(Assignment('x', {}, deferred=('matplotlib.pyplot', 'sklearn.datasets:load_digits'),"
        " forbidden=Forbidden(names=('sklearn.datasets.load_digits',))))\n"
        "eager = type(sys.modules['sklearn.datasets']).__name__\nfrom sklearn.datasets import load_digits\n"
        "import matplotlib.pyplot as plt\nunrun = type(plt).__name__\n"
        "with recorder.recording() as calls:\n    load_digits()\nfrom mpl_toolkits.mplot3d import Axes3D\n"
        "axes = plt.figure().add_subplot(projection='3d')\n"
        "print(json.dumps({'eager': eager, 'calls': calls, 'unrun': unrun, 'backend': plt.get_backend(),"
        " 'env': os.environ.get('MPLBACKEND'), '3d': type(axes).__name__}))",
        MPLBACKEND="svg",
    )
    assert seen["eager"] == "module" and seen["calls"] == ["sklearn.datasets.load_digits"]
    assert seen["unrun"] == "_DeferredModule"
    assert seen["backend"] == "Agg" and seen["env"] == "svg"  # Agg in this process, nothing in its environment
    assert seen["3d"] == "Axes3D"  # the backend's hook ran no deferred pyplot in the middle of mpl_toolkits' import


_COMPUTE_FANS = '''
def compute_fans(shape):
    """Return (fan_in, fan_out) for a weight of PyTorch layout (out, in, *kernel_size)."""
    {use}
    shape = tuple(int(n) for n in shape)
    if len(shape) < 2:
        raise ValueError(f"compute_fans needs a shape with at least 2 dimensions, got {{shape}}")
    receptive_field = math.prod(shape[2:])
    return shape[1] * receptive_field, shape[0] * receptive_field
'''


def test_graded_code_that_uses_them_grades_in_a_real_sandboxed_session(tmp_path):
    """One notebook uses them at the top level of a graded cell, one through their packages with a side-effect
    import, one only inside a graded function (their first use then happens during a graded call, with the recorder
    on); all get full marks, which they would not if the cell failed (compute_fans would be missing) or the function
    raised."""
    cells = solution_cells("optim_reg")
    top_level = with_definitions(
        cells,
        "_digits = load_digits()\nassert _digits.data.shape == (1797, 64)\n_figure = plt.figure()\n"
        "assert plt.get_backend().lower() == 'agg', plt.get_backend()\n" + _COMPUTE_FANS.format(use="pass"),
    )
    through_packages = with_definitions(
        cells,
        "import matplotlib\nimport sklearn\n_figure = matplotlib.pyplot.figure()\n"
        "assert sklearn.datasets.load_digits().data.shape == (1797, 64)\n"
        "from sklearn.experimental import enable_iterative_imputer\nfrom sklearn.impute import IterativeImputer\n"
        + _COMPUTE_FANS.format(use="pass"),
    )
    inside = with_definitions(
        cells, _COMPUTE_FANS.format(use="assert plt.get_backend().lower() == 'agg'\n    plt.close(plt.figure())")
    )
    batch = tmp_path / "batch"
    batch.mkdir()
    nbformat.write(notebook_with(top_level), batch / "top_level.ipynb")
    nbformat.write(notebook_with(inside), batch / "inside.ipynb")
    nbformat.write(notebook_with(through_packages), batch / "through_packages.ipynb")
    run = subprocess.run(
        [sys.executable, "-m", "autograder.cli", "grade", str(batch), "--out", str(tmp_path / "out"),
         "--assignment", "optim_reg", "--jobs", "1"],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    results = {p.parent.name: json.loads(p.read_text()) for p in (tmp_path / "out").glob("*/results.json")}
    assert {name: r["score"] for name, r in results.items()} == {"top_level": 100, "inside": 100, "through_packages": 100}, results
