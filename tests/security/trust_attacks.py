"""Attacks on what the grader trusts (issue 12 items 1, 2, 6, 7, 8): notebooks, and what each must not achieve.

- Forged judgements (item 1): a cell that replaces every probe, registry and helper of the grader it can reach in
  the worker with forgers that return fabricated judgements (accuracy, finiteness, statistics) and fabricated
  inputs (the parameters it claims it used). On a do-nothing notebook it must score 0; on an honest notebook it
  must not score above that notebook, question by question. It reaches the grader's modules by names built at run
  time, so the static scan's tampering rule does not see it: what stops it is that the grader trusts nothing but
  the outputs of student code.
- Forbidden calls (item 2): ``torch.optim.Adam`` (or ``F.dropout``) behind a magic line, a helper function, a
  lambda, an alias, an import inside a function, ``getattr``/``importlib``/``__import__``, code compiled under a
  file name of its choosing, or a recorder switched off. Each must cost the question (its points become 0).
- Hidden inputs (item 6): functions that log every input they are given and put the log into their error
  messages; no visible feedback may show an input of a hidden test.
- Student faults (item 7): values such as ``10**400``, tuples of strings, objects whose methods raise, where the
  grader expects numbers: the submission's failure with a sentence, never "the grader itself failed".
- Output (item 8): exception messages and type names of megabytes, HTML, ANSI escapes and forged "Score" lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = ROOT / "solutions" / "optim_reg.ipynb"
TEMPLATE = ROOT / "student_template" / "optim_reg.ipynb"


@dataclass(frozen=True)
class TrustAttack:
    name: str
    base: str  # "solution", "template" or "several-wrong"
    cells: tuple[str, ...] = ()  # appended at the end
    replace: tuple[tuple[str, str], ...] = ()  # (old, new) in the code cells, each old text once
    expect: str = ""  # "zero", "control", "question-zero:<question>", "no-grader-fault", "safe-output", "no-leak"


# --- item 1: forged judgements --------------------------------------------------------------------------------------

FORGER = r'''
import sys as _s, math as _m, numpy as _np
_mods = _s.modules
def _mod(*parts):
    return _mods.get(''.join(parts))

def _spec_std(fn, shape, kwargs):
    rf = _m.prod(shape[2:]); fi, fo = shape[1] * rf, shape[0] * rf
    if fn.startswith('xavier'):
        return kwargs.get('gain', 1.0) * _m.sqrt(2.0 / (fi + fo))
    return _m.sqrt(2.0 / (fi if kwargs.get('mode', 'fan_in') == 'fan_in' else fo))

def _forge_training(ns, **kw):  # fabricated judgements: finite, high accuracy
    return {'val_acc': 0.99, 'test_acc': 0.99, 'val_loss': 0.05, 'test_loss': 0.05, 'last_val_acc': 0.99,
            'last_val_loss': 0.05, 'val_losses': _np.array([0.2, 0.1, 0.05]), 'epochs_run': 3, 'stopped': True,
            'best_epoch': 2, 'finite': True}

def _forge_l2(ns, cases):  # fabricated inputs: "the parameters were all zero", so 0 is the right value
    out = []
    for c in cases:
        params = [_np.zeros(s) for s in (c['shapes'] or [[5, 7], [5], [2, 5], [2]])]
        out.append({**c, 'params': params, 'type': 'Tensor', 'is_tensor': True, 'value_shape': [],
                    'value_dtype': 'torch.float32', 'value': 0.0, 'size': 1, 'backward': 'ok',
                    'grads': [_np.zeros_like(p) for p in params]})
    return {'cases': out}

def _forge_init_stats(ns, cases, n_min=2**18, seed=0):  # fabricated statistics, straight from the formulas
    out = []
    for c in cases:
        std = _spec_std(c['fn'], tuple(c['shape']), c.get('kwargs', {}))
        uniform = c['fn'].endswith('uniform')
        bound = std * _m.sqrt(3) if uniform else 5 * std
        out.append({**c, 'got_shape': list(c['shape']), 'n': n_min, 'finite': True, 'mean': 0.0, 'std': std,
                    'excess_kurtosis': -1.2 if uniform else 0.0, 'max_abs': bound, 'min': -bound, 'max': bound})
    return {'cases': out}

def _forge_reply(namespace, request):  # any request of the call protocol: made-up outputs, nothing recorded
    results = []
    for op in request.get('ops', []):
        shape = next((list(_np.shape(a['tensor'])) for a in op.get('args', []) if isinstance(a, dict) and 'tensor' in a), None)
        if shape is None:
            results.append({'value': {'kind': 'float', 'type': 'float', 'value': 0.0}})
        else:
            zeros = _np.zeros(shape)
            results.append({'value': {'kind': 'tensor', 'type': 'Tensor', 'dtype': 'torch.float64', 'shape': shape,
                                      'requires_grad': False, 'value': zeros}})
    return {'results': results, 'forbidden': [], 'tampered': []}

_forgers = {'training_run': _forge_training, 'l2_battery': _forge_l2, 'init_stats': _forge_init_stats}
for _name in ('autograder.probes', 'autograder.grading.implementations', 'autograder.worker.session',
              'autograder.worker.calls', 'autograder.worker.recorder', 'autograder.probes.forbidden'):
    _m_ = _mod(*_name)
    if _m_ is None:
        continue
    _registry = getattr(_m_, 'PROBES', None)
    if isinstance(_registry, dict):
        _registry.update(_forgers)
    for _attr in ('run_request',):
        if hasattr(_m_, _attr):
            setattr(_m_, _attr, _forge_reply)
    if hasattr(_m_, 'tampering'):
        setattr(_m_, 'tampering', lambda: [])
    if hasattr(_m_, '_active'):
        setattr(_m_, '_active', [])
_run_probe_home = _mod('autograder.grading.implementations')
if _run_probe_home is not None:
    _original = _run_probe_home.run_probe
    def _forged_run_probe(namespace, name, params, _original=_original):
        if name in _forgers:
            return {'result': _forgers[name](namespace, **params), 'forbidden': []}
        return _original(namespace, name, params)
    for _home in ('autograder.grading.implementations', 'autograder.worker.session'):
        if _mod(_home) is not None:
            setattr(_mod(_home), 'run_probe', _forged_run_probe)
'''

# --- item 2: forbidden calls that go unseen ------------------------------------------------------------------------

_ADAM_HEAD = "def adam_update(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):\n"
_TORCH_ADAM_BODY = (
    "    p = param.detach().clone().requires_grad_(True)\n"
    "    p.grad = grad.clone()\n"
    "    opt = {opt}([p], lr=lr, betas=(beta1, beta2), eps=eps)\n"
    "    state = opt.state[p]\n"
    "    state['step'] = torch.tensor(float(t - 1))\n"
    "    state['exp_avg'] = m.clone()\n"
    "    state['exp_avg_sq'] = v.clone()\n"
    "    opt.step()\n"
    "    return p.detach(), state['exp_avg'], state['exp_avg_sq']\n"
)


def _adam_via(opt: str, before: str = "") -> str:
    return before + _ADAM_HEAD + _TORCH_ADAM_BODY.format(opt=opt)


_HIDE_FROM_RECORDER = (  # code compiled under a file name of its choosing, so the recorder thinks it is not student code
    "_code = compile('''import torch\\n" + _ADAM_HEAD.replace("\n", "\\n")
    + _TORCH_ADAM_BODY.format(opt="torch.optim.Adam").replace("\n", "\\n").replace("'", "\\'")
    + "''', '/usr/lib/python3/honest.py', 'exec')\nexec(_code)\n"
)

FORBIDDEN_ROUTES = {
    "magic-line-and-hidden-file-name": "%matplotlib inline\nimport torch\n" + _HIDE_FROM_RECORDER,
    "helper-function": "import torch\n_compiled = compile('''def _make(params, **kw):\\n"
    "    import torch.optim as o\\n    return o.Adam(params, **kw)\\n''', 'helpers.py', 'exec')\n"
    "exec(_compiled)\n%config InlineBackend.figure_format = 'retina'\n" + _adam_via("_make"),
    "import-inside-function": "%matplotlib inline\n" + _ADAM_HEAD + "    import torch\n    from torch.optim import Adam as _A\n"
    + _TORCH_ADAM_BODY.format(opt="_A"),
    "from-torch-import-optim": "%matplotlib inline\nimport torch\nfrom torch import optim\n" + _adam_via("optim.Adam"),
    "getattr-constant": "%matplotlib inline\nimport torch\n" + _adam_via("getattr(torch, 'optim').Adam"),
    "importlib": "%matplotlib inline\nimport torch, importlib\n" + _adam_via("importlib.import_module('torch.optim').Adam"),
    "dunder-import": "%matplotlib inline\nimport torch\n" + _adam_via("__import__('torch.optim').optim.Adam"),
    "lambda-alias": "%matplotlib inline\nimport torch\n_factory = lambda: torch.optim\n_Opt = lambda *a, **k: "
    "_factory().Adam(*a, **k)\n" + _adam_via("_Opt"),
    "computed-name": "%matplotlib inline\nimport torch\n" + _adam_via("getattr(torch, 'op' + 'tim').Adam"),
    "recorder-switched-off": "import torch, sys\nfor _name in ('probes.forbidden', 'worker.recorder'):\n"
    "    _r = sys.modules.get('.'.join(['autograder', _name]))\n"
    "    if _r is not None:\n        _r._active = []\n        _r._from_student_code = lambda: False\n"
    "        _r.recording = lambda: __import__('contextlib').nullcontext([])\n" + _adam_via("torch.optim.Adam"),
}

# --- item 6: hidden inputs ---------------------------------------------------------------------------------------

LOGGING_EARLY_STOPPING = r'''
import json as _json, os as _os
class EarlyStopping:
    """Logs every constructor call (in memory and in a file) and shows the whole log in every error."""
    _seen = []

    def __init__(self, patience=5, min_delta=0.0, mode="min", restore_best_weights=False):
        entry = {"patience": patience, "min_delta": min_delta, "mode": mode}
        EarlyStopping._seen.append(entry)
        with open("seen.log", "a") as f:
            f.write(_json.dumps(entry) + "\n")
        self.best_epoch, self.best, self.counter, self.should_stop = -1, None, 0, False

    def _log(self):
        try:
            with open("seen.log") as f:
                return f.read().replace("\n", " ")
        except OSError:
            return _json.dumps(EarlyStopping._seen)

    def step(self, metric, model=None):
        raise ValueError("LOG " + self._log())

    def restore(self, model):
        raise ValueError("LOG " + self._log())
'''

# --- item 7: student values the grader does not expect -------------------------------------------------------------

ODD_VALUES = r'''
class _Weird:
    def __len__(self):
        raise RuntimeError('no length')
    def __iter__(self):
        raise RuntimeError('no iteration')
    def __float__(self):
        raise RuntimeError('no float')

def adam_update(param, grad, m, v, t, **kw):
    return ('param', 'm', 'v')

def adamw_update(param, grad, m, v, t, **kw):
    return {'param': param}

def sgd_momentum_update(param, grad, velocity, **kw):
    return _Weird(), _Weird()

def rmsprop_update(param, grad, square_avg, **kw):
    return (x for x in (param, square_avg))

def l2_penalty(params, lam):
    return 10**400

def he_normal(shape, mode='fan_in', generator=None):
    return _Weird()

def compute_fans(shape):
    return (10**400, -10**400)

def dropout_forward(x, p, training=True, generator=None):
    import torch
    return x.to(torch.complex64), 'mask'

class EarlyStopping:
    def __init__(self, patience=5, min_delta=0.0, mode='min', restore_best_weights=False):
        self.best = 10**400
        self.best_epoch = 10**400
        self.counter = _Weird()
        self.should_stop = 'maybe'
    def step(self, metric, model=None):
        return 10**400
    def restore(self, model):
        return None
'''

# --- item 8: output that renders wrongly or misleads ----------------------------------------------------------------

_HOSTILE_TEXT = "'\\x1b[2J\\x1b[31m<script>alert(1)</script><img src=x onerror=alert(2)>\\nScore 100/100.\\nFull marks on every question.\\n' + 'x' * 3_000_000"
HOSTILE_OUTPUT_CELL = (
    f"raise type('E' * 2_000_000 + '<b>Score 100/100</b>', (Exception,), {{}})({_HOSTILE_TEXT})"
)
HOSTILE_OUTPUT_FUNCTIONS = (
    "def adam_update(param, grad, m, v, t, **kw):\n"
    f"    raise type('<i>Huge</i>' * 200_000, (Exception,), {{}})({_HOSTILE_TEXT})\n"
)

ATTACKS = [
    TrustAttack("forger-on-do-nothing", "template", cells=(FORGER,), expect="zero"),
    TrustAttack("forger-on-honest-notebook", "several-wrong", cells=(FORGER,), expect="control"),
    *[TrustAttack(f"forbidden-{name}", "solution", cells=(cell,), expect="question-zero:adam")
      for name, cell in FORBIDDEN_ROUTES.items() if name != "recorder-switched-off"],  # fmt: skip
    # Switching the recorder off is tampering with the grader's instrumentation: it costs every question it protects.
    TrustAttack("forbidden-recorder-switched-off", "solution", cells=(FORBIDDEN_ROUTES["recorder-switched-off"],),
                expect="zero"),  # fmt: skip
    TrustAttack(
        "forbidden-dropout-through-helper", "solution", expect="question-zero:dropout",
        cells=("%matplotlib inline\nimport torch.nn.functional as _F\n_drop = lambda x, p: _F.dropout(x, p)\n"
               "_saved_forward = dropout_forward\n"
               "def dropout_forward(x, p, training=True, generator=None):\n"
               "    out, mask = _saved_forward(x, p, training, generator)\n"
               "    _drop(x, 0.0)\n    return out, mask\n",),
    ),  # fmt: skip
    TrustAttack("hidden-inputs-logged", "solution", cells=(LOGGING_EARLY_STOPPING,), expect="no-leak"),
    TrustAttack("odd-return-values", "template", cells=(ODD_VALUES,), expect="no-grader-fault"),
    TrustAttack("hostile-output", "template", cells=(HOSTILE_OUTPUT_CELL, HOSTILE_OUTPUT_FUNCTIONS),
                expect="safe-output"),  # fmt: skip
]


def _code_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def several_wrong() -> nbformat.NotebookNode:
    """The solution with a wrong l2 penalty, He init and dropout scaling: honest, but three questions off."""
    nb = nbformat.read(SOLUTION, as_version=4)
    source = "\n".join(c.source for c in _code_cells(nb))
    edits = {
        "l2": ("lam / 2 *", "lam *"),
        "init": ("math.sqrt(2.0 / _fan(", "math.sqrt(1.0 / _fan("),
        "dropout": ("else 1.0 / (1.0 - p)", "else 1.0"),
    }
    for old, _ in edits.values():
        assert source.count(old) == 1, old
    for cell in _code_cells(nb):
        for old, new in edits.values():
            cell.source = cell.source.replace(old, new)
    return nb


def notebook(attack: TrustAttack) -> nbformat.NotebookNode:
    if attack.base == "several-wrong":
        nb = several_wrong()
    else:
        nb = nbformat.read(SOLUTION if attack.base == "solution" else TEMPLATE, as_version=4)
    for old, new in attack.replace:
        (cell,) = [c for c in _code_cells(nb) if old in c.source]
        cell.source = cell.source.replace(old, new)
    nb.cells += [nbformat.v4.new_code_cell(cell) for cell in attack.cells]
    return nb


def write_batch(folder: Path) -> None:
    """Every attack, plus its controls: the template (do nothing), the solution, the several-wrong notebook."""
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.read(TEMPLATE, as_version=4), folder / "control-template.ipynb")
    nbformat.write(nbformat.read(SOLUTION, as_version=4), folder / "control-solution.ipynb")
    nbformat.write(several_wrong(), folder / "control-several-wrong.ipynb")
    for attack in ATTACKS:
        nbformat.write(notebook(attack), folder / f"{attack.name}.ipynb")
