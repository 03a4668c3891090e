"""The static scan finds forbidden library use by every route the source shows, and nothing in honest notebooks.

Each case is a notebook (a list of cells) whose adam_update, dropout_forward or he_normal reaches a library
implementation some way; the scan must charge exactly the question whose code does it.
"""

from __future__ import annotations

import ast

import nbformat
import pytest

from autograder.assignment import load
from autograder.cell_cache import CACHED_CELL_CHARS
from autograder.grading import static_scan
from autograder.grading.static_scan import EVERY_QUESTION, _read_cell, by_question, scan
from tests.assignments.optim_reg.corpus.variants import BUGS, CORRECT, notebook
from tests.edit import code_cells, solution_cells
from tests.security.attacks import ATTACKS, ROOT

QUESTIONS = {
    "init": ("compute_fans", "xavier_uniform", "xavier_normal", "he_uniform", "he_normal"),
    "adam": ("adam_update",),
    "dropout": ("dropout_forward", "dropout_backward", "Dropout"),
    "early_stopping": ("EarlyStopping",),
}
FORBIDDEN = (
    "torch.optim.", "torch.nn.init.", "torch.nn.functional.dropout", "torch.nn.Dropout", "torch.nn.modules.dropout",
    "torch.dropout", "torch.native_dropout", "torch._VF.",
)  # fmt: skip
ALLOWED = ("torch.optim.Optimizer",)
ADAM = "def adam_update(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):\n"


def found(cells: list[str]) -> dict[str, set[str]]:
    """question -> the kinds of finding charged to it."""
    return {q: {f.kind for f in fs} for q, fs in by_question(scan(cells, QUESTIONS, FORBIDDEN, ALLOWED), QUESTIONS).items()}


ROUTES = {
    "direct": ["import torch\n" + ADAM + "    torch.optim.Adam([param])\n    return param, m, v"],
    "from-import": ["from torch.optim import Adam as A\n" + ADAM + "    A([param])\n    return param, m, v"],
    "from-torch-import-optim": ["from torch import optim\n" + ADAM + "    optim.Adam([param])\n    return param, m, v"],
    "import-inside-function": [ADAM + "    import torch.optim as o\n    o.Adam([param])\n    return param, m, v"],
    "helper-function": ["import torch\ndef _step(p):\n    return torch.optim.Adam([p])\n",
                        ADAM + "    _step(param)\n    return param, m, v"],
    "helper-chain": ["import torch\ndef a(p):\n    return torch.optim.Adam([p])\ndef b(p):\n    return a(p)\n",
                     ADAM + "    b(param)\n    return param, m, v"],
    "lambda-alias": ["import torch\nmake = lambda p: torch.optim.Adam([p])\nhelper = make\n",
                     ADAM + "    helper(param)\n    return param, m, v"],
    "class-method": ["import torch\nclass Helper:\n    def go(self, p):\n        return torch.optim.Adam([p])\n",
                     "h = Helper()\n", ADAM + "    h.go(param)\n    return param, m, v"],
    "base-class": ["import torch\nclass Mine(torch.optim.Adam):\n    pass\n",
                   ADAM + "    Mine([param])\n    return param, m, v"],
    "alias-assignment": ["import torch\nopt = torch.optim\nAdamClass = opt.Adam\n",
                         ADAM + "    AdamClass([param])\n    return param, m, v"],
    "getattr-constant": ["import torch\n" + ADAM + "    getattr(torch, 'optim').Adam([param])\n    return param, m, v"],
    "getattr-chain": ["import torch\n" + ADAM + "    getattr(getattr(torch, 'optim'), 'Adam')([param])\n"
                      "    return param, m, v"],
    "import-module": ["import importlib\n" + ADAM + "    importlib.import_module('torch.optim').Adam([param])\n"
                      "    return param, m, v"],
    "dunder-import": [ADAM + "    __import__('torch.optim').optim.Adam([param])\n    return param, m, v"],
    "sys-modules": ["import sys\n" + ADAM + "    sys.modules['torch.optim'].Adam([param])\n    return param, m, v"],
    "vars-lookup": ["import torch\n" + ADAM + "    vars(torch.optim)['Adam']([param])\n    return param, m, v"],
    "default-argument": ["import torch\n" + ADAM.replace("eps=1e-8", "eps=1e-8, _A=torch.optim.Adam")
                         + "    _A([param])\n    return param, m, v"],
    "magic-line-first": ["%matplotlib inline\nimport torch\n" + ADAM + "    torch.optim.Adam([param])\n"
                         "    return param, m, v"],
    "cell-magic-time": ["%%time\nimport torch\n" + ADAM + "    torch.optim.Adam([param])\n    return param, m, v"],
    "exec-constant": ["exec('import torch\\n" + ADAM.replace("\n", "\\n") + "    torch.optim.Adam([param])\\n"
                      "    return param, m, v')"],
    "decorator": ["import torch\ndef deco(f):\n    return lambda *a, **k: (torch.optim.Adam([a[0]]), f(*a, **k))[1]\n",
                  "@deco\n" + ADAM + "    return param, m, v"],
    "assigned-from-factory": ["import torch\ndef make():\n    def inner(param, grad, m, v, t, **k):\n"
                              "        torch.optim.Adam([param])\n        return param, m, v\n    return inner\n",
                              "adam_update = make()"],
    "functional": ["import torch.optim._functional as Fn\n" + ADAM + "    Fn.adam([param], [grad], [m], [v], [], [])\n"
                   "    return param, m, v"],
}


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_every_route_to_torch_optim_costs_adam_and_only_adam(route):
    result = found(ROUTES[route])
    assert "forbidden" in result.get("adam", set()), result
    assert set(result) == {"adam"}, result


def test_changing_a_library_module_counts_for_every_question():
    cells = ["import torch\ntorch.my_adam = torch.optim.Adam\n", ADAM + "    torch.my_adam([param])\n    return param, m, v"]
    assert found(cells) == {q: {"forbidden"} for q in QUESTIONS}


OPAQUE = {
    "getattr-computed": ["import torch\n" + ADAM + "    getattr(torch, 'op' + 'tim').Adam([param])\n"
                         "    return param, m, v"],
    "import-computed": ["import importlib\n" + ADAM + "    importlib.import_module('torch.' + 'optim')\n"
                        "    return param, m, v"],
    "exec-computed": [ADAM + "    exec(bytes.fromhex('00').decode())\n    return param, m, v"],
    "subclasses": ["import torch\n" + ADAM + "    torch.optim.Optimizer.__subclasses__()[1]([param])\n"
                   "    return param, m, v"],
    "frames": ["import sys\n" + ADAM + "    sys._getframe(1).f_globals\n    return param, m, v"],
    "module-namespace": ["import torch\n" + ADAM + "    [v for k, v in vars(torch.optim).items() if k[0] == 'A']\n"
                         "    return param, m, v"],
    "defined-at-run-time": ["globals()['Hidden'] = 1\n", ADAM + "    Hidden([param])\n    return param, m, v"],
    "pickle": ["import pickle\n" + ADAM + "    pickle.loads(b'x')\n    return param, m, v"],
}


@pytest.mark.parametrize("route", OPAQUE, ids=str)
def test_code_the_grader_cannot_follow_costs_the_question_that_runs_it(route):
    result = found(OPAQUE[route])
    assert result.get("adam", set()) & {"opaque", "forbidden"}, result
    assert set(result) <= {"adam"}, result


TAMPERING = {
    "grader-modules": "import autograder.worker.recorder as r\n",
    "grader-modules-by-name": "import sys\nr = sys.modules['autograder.worker.recorder']\n",
    "unwrap": "import torch\nA = torch.nn.functional.dropout.__wrapped__\n",
    "inspect-unwrap": "import inspect, torch\nA = inspect.unwrap(torch.nn.functional.dropout)\n",
    "closure": "import torch\nA = torch.nn.functional.dropout.__closure__[0].cell_contents\n",
    "gc-sweep": "import gc\nobjects = gc.get_objects()\n",
    "gc-referrers": "import gc\nfrom gc import get_referrers as refs\nx = refs(1)\n",
    "reload": "import importlib, torch.optim.adam\nimportlib.reload(torch.optim.adam)\n",
    "sys-modules-delete": "import sys\ndel sys.modules['torch.optim']\n",
    "sys-modules-pop": "import sys\nsys.modules.pop('torch.optim.adam')\n",
    "settrace": "import sys\nsys.settrace(None)\n",
    "ctypes": "import ctypes\n",
    "code-swap": "def f():\n    pass\nf.__code__ = (lambda: None).__code__\n",
}


@pytest.mark.parametrize("route", TAMPERING, ids=str)
def test_reaching_around_the_instrumentation_costs_every_question(route):
    findings = scan([TAMPERING[route]], QUESTIONS, FORBIDDEN, ALLOWED)
    assert [f for f in findings if f.question == EVERY_QUESTION and f.kind == "tampering"], findings
    assert set(found([TAMPERING[route]])) == set(QUESTIONS)


def test_one_bad_cell_blinds_nothing_and_each_finding_says_where():
    cells = ["def broken(:\n", "!pip install torch\n%time x = 1", "import torch\n" + ADAM + "    torch.optim.Adam([param])\n"
             "    return param, m, v"]  # fmt: skip
    (finding,) = scan(cells, QUESTIONS, FORBIDDEN, ALLOWED)
    assert (finding.question, finding.what, finding.where) == ("adam", "torch.optim.Adam", "code cell 3, line 3")
    assert "torch.optim.Adam" in finding.sentence() and "code cell 3" in finding.sentence()


def test_dropout_and_init_routes_cost_their_own_questions():
    cells = [
        "import torch, torch.nn.functional as F\nfrom torch import nn\n",
        "def dropout_forward(x, p, training=True, generator=None):\n    return F.dropout(x, p), None\n",
        "class Dropout(nn.Module):\n    def forward(self, x):\n        return torch.native_dropout(x, 0.5, True)[0]\n",
        "def he_normal(shape, mode='fan_in', generator=None):\n    w = torch.empty(shape)\n"
        "    nn.init.kaiming_normal_(w)\n    return w\n",
    ]
    result = scan(cells, QUESTIONS, FORBIDDEN, ALLOWED)
    assert {(f.question, f.what) for f in result} == {
        ("dropout", "torch.nn.functional.dropout"), ("dropout", "torch.native_dropout"),
        ("init", "torch.nn.init.kaiming_normal_"),
    }  # fmt: skip


def test_honest_uses_are_not_flagged():
    cells = [
        "import torch, numpy as np\nfrom torch import optim\nimport torch.nn as nn\n",
        "class Mine(torch.optim.Optimizer):\n    def __init__(self, params):\n        super().__init__(params, {})\n",
        "class EarlyStopping:\n    def __init__(self, patience=5):\n        self.patience = patience\n"
        "        self.model_cls = getattr(self, 'x', None)\n        getattr(self, 'pat' + 'ience')\n",
        ADAM + '    """Matches torch.optim.Adam with no weight decay."""\n    return param, m, v\n',
        "# Experiment (not graded): the autograder runs only the imports and definitions in this cell.\n"
        "ref = torch.optim.Adam([torch.zeros(1, requires_grad=True)])\nmine = adam_update(1, 2, 3, 4, 1)\n",
        "opt = optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)\nresult = adam_update(0, 0, 0, 0, 1)\n",
        "import sys\nif 'google.colab' in sys.modules:\n    pass\nprint([m for m in sys.modules if 'autograder' in m])\n",
        "torch.backends.cudnn.deterministic = True\n",
    ]
    assert scan(cells, QUESTIONS, FORBIDDEN, ALLOWED) == []


def test_the_solution_the_template_the_corpus_and_the_disruptive_attacks_are_clean():
    template = nbformat.read(ROOT / "student_template" / "optim_reg.ipynb", as_version=4)
    notebooks = [list(solution_cells()), list(code_cells(template))]
    notebooks += [list(code_cells(notebook(v))) for v in BUGS + CORRECT]
    notebooks += [[a.cell] for a in ATTACKS if a.expect == "full"]
    for cells in notebooks:
        assert scan(cells, QUESTIONS, FORBIDDEN, ALLOWED) == [], cells[:1]


def test_the_assignments_own_list_resolves_aliases_per_question():
    optim_reg = load("optim_reg")
    source = (
        "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\nfrom torch.optim import Adam\n"
        "from torch.nn import init\n"
        "def adam_update(p, g, m, v, t):\n    return Adam([p]), m, v\n"
        "def dropout_forward(x, p, training=True, generator=None):\n    return F.dropout(x, p), None\n"
        "class Dropout(nn.Module):\n    def forward(self, x):\n        return nn.Dropout(0.5)(x)\n"
        "def he_normal(shape, mode='fan_in', generator=None):\n    return init.kaiming_normal_(torch.empty(shape))\n"
        "def sgd_momentum_update(p, g, v, lr=0.01, beta=0.9):\n    return p - lr * v, torch.bernoulli(v)\n"
        "def helper():\n    return torch.optim.SGD\n"
    )
    found = scan([source], optim_reg.questions, optim_reg.forbidden.names, optim_reg.forbidden.allowed)
    assert {(f.question, f.what) for f in found} == {
        ("adam", "torch.optim.Adam"),
        ("dropout", "torch.nn.functional.dropout"),
        ("dropout", "torch.nn.Dropout"),
        ("init", "torch.nn.init.kaiming_normal_"),
    }


def test_a_cell_read_before_in_another_notebook_is_judged_by_this_notebook():
    """Cells are parsed once per process (the same public-checks cell is in every notebook); what they mean depends
    on the rest of the notebook, and is the same whether the cell was seen before or not."""
    shared = ADAM + "    opt.Adam([param])\n    m.f_back\n    return param, m, v"
    notebooks = [["import torch.optim as opt\n", shared], [shared, "opt = 1\n"], ["import sys as opt\n", "x = 2\n", shared]]
    fresh = []
    for cells in notebooks:
        _read_cell.cache_clear()
        fresh.append(sorted(map(repr, scan(cells, QUESTIONS, FORBIDDEN, ALLOWED))))
    for cells, expected in zip(notebooks + notebooks[::-1], fresh + fresh[::-1]):
        assert sorted(map(repr, scan(cells, QUESTIONS, FORBIDDEN, ALLOWED))) == expected
    assert len(set(map(tuple, fresh))) == 3, "the shared cell's findings differ from notebook to notebook"


def test_identical_cells_each_count_and_the_last_one_is_named():
    """Identical cells share their parsed trees; the later one holds the definition graded, so it is named too."""
    cell = "import torch\n" + ADAM + "    torch.optim.Adam([param])\n    return param, m, v"
    where = {f.where for f in scan([cell, "x = 1\n", cell], QUESTIONS, FORBIDDEN, ALLOWED) if f.question == "adam"}
    assert where == {"code cell 1, line 3", "code cell 3, line 3"}


def test_only_cells_of_ordinary_size_are_kept_between_notebooks():
    """A kept cell's syntax tree costs ~30-140 bytes per byte of code, and a cell may have 8 MB."""
    large = "import torch\n" + ADAM + "    torch.optim.Adam([param])\n" + "    m = m\n" * (CACHED_CELL_CHARS // 10)
    small = "import torch\n" + ADAM + "    torch.optim.Adam([param])\n    return param, m, v"
    _read_cell.cache_clear()
    for cells in ([large], [large], [small]):
        assert {f.where for f in scan(cells, QUESTIONS, FORBIDDEN, ALLOWED)} == {"code cell 1, line 3"}
    assert _read_cell.cache_info().currsize == 1 and _read_cell.cache_info().hits == 0


@pytest.mark.parametrize("cell", ["-" * 10000 + "1", "a" + ".a" * 10000], ids=["MemoryError", "RecursionError"])
def test_a_cell_too_deeply_nested_to_parse_is_skipped_not_a_grader_fault(cell):
    with pytest.raises((MemoryError, RecursionError)):
        ast.parse(cell)
    honest = ADAM + "    return param, m, v"
    assert scan([cell, honest], QUESTIONS, FORBIDDEN, ALLOWED) == []


def test_a_cell_ipython_gives_up_on_is_skipped_not_a_grader_fault():
    """IPython's transformer rewrites one magic line per pass and raises RuntimeError after 500 passes."""
    honest = ADAM + "    return param, m, v"
    assert scan(["%time x = 1\n" * 501 + "def f(:", honest], QUESTIONS, FORBIDDEN, ALLOWED) == []


def _every_notebook() -> list[list[str]]:
    """Every notebook these tests scan, the attacks of tests/security and the corpus, each cell also doubled."""
    cells = [*ROUTES.values(), *OPAQUE.values(), *([c] for c in TAMPERING.values())]
    template = nbformat.read(ROOT / "student_template" / "optim_reg.ipynb", as_version=4)
    cells += [list(solution_cells()), list(code_cells(template)), [a.cell for a in ATTACKS]]
    cells += [list(code_cells(notebook(v))) for v in BUGS[::10] + CORRECT[::10]]
    body = ["torch.optim.__dict__.items()", "sys._getframe(1).f_back.f_globals['x']", "torch.optim.__subclasses__.x",
            "vars(torch.optim).__len__()", "getattr(torch.optim, name).x", "sys.modules.get(name).x"]  # fmt: skip
    cells += [["import sys, torch\nname = 'Adam'\n", ADAM + f"    {line}\n    return param, m, v"] for line in body]
    cells += [["import sys\nsys.modules.pop.__call__('torch')\n"], ["import sys as s\ndel s.modules['x'].y\n"],
              ["import sys\nm = sys.modules\nm.update.__self__['x'] = 1\nm['y'] += 1\nm['z']: int = 2\n"]]  # fmt: skip
    return cells + [[*c, *c] for c in cells[:20]]


def test_only_the_nodes_a_check_can_find_something_in_are_checked(monkeypatch):
    """Each statement's tampering and judging nodes are chosen once per distinct cell (_may_tamper, _may_judge), by
    what the node is, whatever the notebook: scanning every node instead finds exactly the same, in the same order,
    naming the same cells (identical cells included)."""
    optim_reg = load("optim_reg")
    rules = [(QUESTIONS, FORBIDDEN, ALLOWED), (optim_reg.questions, optim_reg.forbidden.names, optim_reg.forbidden.allowed)]
    notebooks = _every_notebook()
    _read_cell.cache_clear()
    chosen = [[scan(cells, *rule) for rule in rules] for cells in notebooks]
    monkeypatch.setattr(static_scan, "_may_tamper", lambda node: True)
    monkeypatch.setattr(static_scan, "_may_judge", lambda node: True)
    _read_cell.cache_clear()
    every = [[scan(cells, *rule) for rule in rules] for cells in notebooks]
    _read_cell.cache_clear()
    assert chosen == every
    assert sum(len(f) for found in every for f in found) > 150, "too few findings to compare"
