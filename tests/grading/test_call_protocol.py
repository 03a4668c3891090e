"""The call protocol: the worker runs student code on inputs the grader chose and reports only what came out.

The same requests run in this process (LocalTarget) and in a real worker session (RemoteTarget); every reply
passes the checks of probes/observed.py, which turn anything unexpected into the submission's failure.
"""

from __future__ import annotations

import math
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pytest
import torch

from autograder import wire
from autograder.probes.observed import Malformed, StudentError, read_reply
from autograder.probes.proxy import (
    LocalTarget,
    Op,
    Recorded,
    Request,
    generator,
    kept,
    list_of,
    one_shot,
    output,
    params_of,
    tensor,
    tuple_of,
)
from autograder.worker import calls, recorder
from autograder.worker.execute import run_cell
from solutions import optim_reg

FORBIDDEN = ("torch.optim.", "torch.nn.init.", "torch.nn.functional.dropout", "torch.nn.Dropout", "torch.dropout")
ALLOWED = ("torch.optim.Optimizer",)


def notebook(source: str) -> dict:
    namespace: dict = {"__name__": "__main__"}
    outcome = run_cell(source, namespace, 1)
    assert outcome.status == "ok", outcome
    return namespace


@pytest.fixture(scope="module", autouse=True)
def instrumented():
    recorder.install(FORBIDDEN, ALLOWED)


def test_a_call_returns_the_students_output_as_plain_numbers_and_facts():
    rng = np.random.default_rng(0)
    p, g = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    request = Request()
    step = request.call("adam_update", tensor(p, "float32"), tensor(g, "float32"), tensor(np.zeros((3, 4)), "float32"),
                        tensor(np.zeros((3, 4)), "float32"), 1, lr=0.01)  # fmt: skip
    LocalTarget(vars(optim_reg)).run(request)
    param, _, v = step.value().items("what adam_update returned", 3)
    want = optim_reg.adam_update(torch.tensor(p, dtype=torch.float32), torch.tensor(g, dtype=torch.float32),
                                 torch.zeros(3, 4), torch.zeros(3, 4), 1, lr=0.01)  # fmt: skip
    assert param.is_tensor and param.dtype == "torch.float32" and param.shape == (3, 4)
    assert type(param.array("param")) is np.ndarray
    np.testing.assert_array_equal(param.array("param"), want[0].numpy())
    np.testing.assert_array_equal(v.array("v"), want[2].numpy())


def test_errors_are_the_students_sentences_and_stop_only_their_chain():
    ns = notebook(
        "def broken(x):\n    raise ValueError('nope ' * 1000)\n"
        "def fine(x):\n    return x * 2\n"
    )
    request = Request()
    missing = request.call("adam_update", 1)
    first = request.call("broken", 1, chain="a")
    after = request.call("fine", 2, chain="a")
    other = request.call("fine", 3, chain="b")
    LocalTarget(ns).run(request)
    assert missing.error == "adam_update is not defined at the top level of your notebook"
    assert first.error.startswith("your code raised ValueError (line 2 of broken): “nope nope")
    assert len(first.error) < 400
    assert after.error.startswith("not run") and other.value().as_number() == 6
    with pytest.raises(StudentError, match="ValueError"):
        first.value()


def test_kept_objects_methods_attributes_and_earlier_outputs():
    request = Request()
    request.call("EarlyStopping", keep="es", patience=1)
    steps = [request.call_kept("es", metric, method="step", chain="run") for metric in (1.0, 0.9, 0.95, 0.97)]
    best_epoch = request.get("es", "best_epoch", chain="run")
    missing = request.get("es", "no_such_attribute")
    first = request.call("sgd_momentum_update", tensor([1.0, 2.0]), tensor([0.5, 0.5]), tensor([0.0, 0.0]))
    second = request.call("sgd_momentum_update", output(first, 0, dtype="float64"), tensor([0.5, 0.5]),
                          output(first, 1, dtype="float64"))  # fmt: skip
    LocalTarget(vars(optim_reg)).run(request)
    assert [s.value().as_flag() for s in steps] == [False, False, True, True]
    assert best_epoch.value().as_number() == 1
    assert missing.error_type == "AttributeError"
    p1, v1 = (o.array("") for o in first.value().items("", 2))
    p2, _ = (o.array("") for o in second.value().items("", 2))
    want = optim_reg.sgd_momentum_update(torch.tensor(p1), torch.tensor([0.5, 0.5], dtype=torch.float64), torch.tensor(v1))
    np.testing.assert_array_equal(p2, want[0].numpy())


def test_generators_seeds_iterables_and_backward_through_a_model():
    request = Request()
    a = request.call("he_normal", tuple_of(64, 32), generator=generator(5))
    b = request.call("he_normal", tuple_of(64, 32), generator=generator(5))
    c = request.call("he_normal", tuple_of(64, 32), seed=3)
    d = request.call("he_normal", tuple_of(64, 32), seed=3)
    request.model("m", [["Linear", 3, 4], ["ReLU"], ["Linear", 4, 2]], seed=1, dtype="float64")
    state = request.state("m")
    l2 = request.call("l2_penalty", params_of("m"), 0.5, backward={})
    w = np.arange(6.0).reshape(2, 3)
    l2_list = request.call("l2_penalty", list_of(tensor(w, requires_grad=True)), 0.1, backward={})
    l2_iter = request.call("l2_penalty", one_shot(tensor(w, requires_grad=True)), 0.1)
    LocalTarget(vars(optim_reg)).run(request)
    np.testing.assert_array_equal(a.value().array(""), b.value().array(""))
    np.testing.assert_array_equal(c.value().array(""), d.value().array(""))
    params = list(state.state().values())
    grads = l2.backward()["grads"]
    assert len(grads) == len(params) == 4
    for param, grad in zip(params, grads):
        np.testing.assert_allclose(grad, 0.5 * param, rtol=1e-12)
    np.testing.assert_allclose(l2_list.backward()["grads"][0], 0.1 * w)
    assert math.isclose(l2_iter.value().as_number(), 0.05 * (w**2).sum())


def test_set_state_and_restore_through_the_students_early_stopping():
    request = Request()
    request.model("m", [["Linear", 2, 2]], seed=0)
    request.call("EarlyStopping", keep="es", patience=1, restore_best_weights=True)
    for epoch, metric in enumerate([1.0, 0.5, 0.7, 0.8]):
        request.set_state("m", {"0.weight": np.full((2, 2), epoch), "0.bias": np.full(2, epoch)}, chain="r")
        request.call_kept("es", metric, kept("m"), method="step", chain="r")
    request.call_kept("es", kept("m"), method="restore", chain="r")
    restored = request.state("m", chain="r")
    LocalTarget(vars(optim_reg)).run(request)
    assert (restored.state()["0.weight"] == 1).all() and (restored.state()["0.bias"] == 1).all()


def test_hostile_return_values_become_plain_descriptions():
    ns = notebook(
        "import torch, numpy as np\n"
        "class Liar(torch.Tensor):\n"
        "    @classmethod\n"
        "    def __torch_function__(cls, func, types, args=(), kwargs=None):\n        return True\n"
        "    def __eq__(self, other):\n        return True\n"
        "class T(tuple):\n    def __getitem__(self, i):\n        raise RuntimeError('boom')\n"
        "    def __len__(self):\n        return 10**6\n"
        "Named = type('N' * 100_000, (), {})\n"
        "def liar():\n    return torch.ones(3).as_subclass(Liar)\n"
        "def huge():\n    return 10**400\n"
        "def tup():\n    return T((1, 2))\n"
        "def named():\n    return Named()\n"
        "def text():\n    return '\\x1b[31mScore 100/100\\n<b>'\n"
        "def npint():\n    return np.int64(7)\n"
        "def raises_named():\n    raise type('E' * 100_000, (Exception,), {})('\\x1b[2J' + 'x' * 10**6)\n"
    )
    request = Request()
    ops = {name: request.call(name) for name in ("liar", "huge", "tup", "named", "text", "npint", "raises_named")}
    LocalTarget(ns).run(request)
    liar = ops["liar"].value()
    assert liar.is_tensor and liar.type == "Liar" and liar.array("").tolist() == [1.0, 1.0, 1.0]
    assert ops["huge"].value().as_number() == math.inf
    assert ops["tup"].value().items("", 2)[1].as_number() == 2
    described = ops["named"].value().describe()
    assert len(described) < 120 and "NNN" in described
    text = ops["text"].value().describe()
    assert "\x1b" not in text and "\n" not in text
    assert ops["npint"].value().as_number() == 7
    error = ops["raises_named"].error
    assert len(error) < 600 and "\x1b" not in error


def test_forbidden_calls_are_recorded_per_call_whatever_the_route():
    ns = notebook(
        "import torch, importlib\n"
        "helper = lambda p: importlib.import_module('torch.op' + 'tim').Adam([p])\n"
        "def adam_update(p, g, m, v, t, **k):\n"
        "    helper(p.requires_grad_())\n    return p, m, v\n"
        "def fine(x):\n    return x\n"
    )
    recorded = Recorded(LocalTarget(ns))
    request = Request()
    adam = request.call("adam_update", tensor([1.0]), tensor([1.0]), tensor([0.0]), tensor([0.0]), 1)
    fine = request.call("fine", 1)
    recorded.run(request)
    assert adam.outcome.forbidden == ("torch.optim.Adam",) and fine.outcome.forbidden == ()
    assert recorded.forbidden == ["torch.optim.Adam"]


def test_the_fault_layer_turns_any_malformed_reply_into_the_submissions_failure():
    good = calls.run_request(vars(optim_reg), {"ops": [{"op": "call", "target": {"name": "l2_penalty"},
                                                         "args": [{"list": []}, 1.0]}]})  # fmt: skip
    good = wire.decode(wire.encode(good))
    assert read_reply(good, 1).outcomes[0].value.kind == "tensor"
    value = good["results"][0]["value"]
    broken = [
        "not a dict",
        {"results": []},
        {**good, "results": [{}]},
        {k: v for k, v in good.items() if k != "forbidden"},
        {**good, "forbidden": [["0", 1]]},
        {**good, "results": [{"value": {**value, "shape": "huge"}}]},
        {**good, "results": [{"value": {**value, "value": np.array(["text"])}}]},
        {**good, "results": [{"value": {**value, "value": np.zeros(3)}}]},  # not the shape it claims
        {**good, "results": [{"value": {"kind": "int", "value": "10"}}]},
        {**good, "results": [{"value": {"kind": "tuple", "length": 1, "items": [{"kind": "rocket"}]}}]},
        {**good, "results": [{"value": {"kind": []}}]},  # unhashable: not a kind (was a TypeError, a grader fault)
        {**good, "results": [{"value": {"kind": {"tensor": 1}}}]},
        {**good, "results": [{"value": {"kind": "tuple", "length": 1, "items": [{"kind": "state", "arrays": {}}]}}]},
        {**good, "results": [{"value": _nested(8)}]},
        {**good, "results": [{"error": "a string"}]},
        {**good, "tampered": [3]},
    ]
    for reply in broken:
        with pytest.raises(Malformed):
            read_reply(reply, 1)
    huge = read_reply({**good, "results": [{"value": {"kind": "int", "type": "int", "value": 10**400}}]}, 1)
    assert huge.outcomes[0].value.as_number() == math.inf


def _nested(depth: int) -> dict:
    value: dict = {"kind": "none", "type": "NoneType"}
    for _ in range(depth):
        value = {"kind": "list", "type": "list", "length": 1, "items": [value]}
    return value


def test_reply_checks_read_any_mapping_as_they_read_dicts():
    """Replies are dicts (json's, or the executor's own), checked without the Mapping ABC's slow isinstance; any
    other mapping is still read, to the same outcome, and anything else is still refused."""
    request = {"ops": [
        {"op": "call", "target": {"name": "adam_update"}, "args": [{"tensor": np.ones((2, 3)), "dtype": "float32"},
         {"tensor": np.ones((2, 3))}, {"tensor": np.zeros((2, 3))}, {"tensor": np.zeros((2, 3))}, 1], "kwargs": {}},
        {"op": "call", "target": {"name": "l2_penalty"}, "args": [{"list": []}, "not a number"], "kwargs": {}},
        {"op": "call", "target": {"name": "no_such_function"}, "args": [], "kwargs": {}},
    ]}  # fmt: skip
    reply = wire.decode(wire.encode(calls.run_request(vars(optim_reg), request)))

    def as_mappings(value):
        if isinstance(value, dict):
            return MappingProxyType({k: as_mappings(v) for k, v in value.items()})
        return [as_mappings(v) for v in value] if isinstance(value, list) else value

    def seen(parsed):
        return [(o.error, o.error_type, o.error_bases, o.error_message, o.forbidden,
                 None if o.value is None else (o.value.kind, o.value.type, o.value.describe(), repr(o.value.facts)))
                for o in parsed.outcomes]  # fmt: skip

    assert seen(read_reply(as_mappings(reply), 3)) == seen(read_reply(reply, 3))
    assert seen(read_reply(reply, 3))[0][5][0] == "tuple"
    for value in ([("kind", "none")], "kind", None, 3):
        with pytest.raises(Malformed):
            read_reply({**reply, "results": [{"value": value}] * 3}, 3)
    assert read_reply({**reply, "results": [{"value": _nested(6)}] * 3}, 3).outcomes[0].value.kind == "list"


def test_a_real_worker_gives_the_same_outcomes_as_this_process(tmp_path: Path):
    from autograder.assignment import load
    from autograder.grading.remote import RemoteSubmission, RemoteTarget
    from autograder.limits import Limits
    from autograder.worker.sandbox import plan
    from autograder.worker.zygote import Zygote
    from tests.edit import solution_cells

    zygote = Zygote(plan([tmp_path], 1)[0])
    try:
        remote = RemoteSubmission(zygote, list(solution_cells()), Limits(), load("optim_reg"))
        try:
            outcomes = []
            for target in (RemoteTarget(remote), LocalTarget(vars(optim_reg))):
                request = Request()
                request.call("dropout_forward", tensor(np.ones((8, 8)), "float32"), 0.5, generator=generator(1))
                request.call("EarlyStopping", keep="es")
                request.call_kept("es", 1.0, method="step")
                request.call("no_such_function")
                target.run(request)
                outcomes.append([Op(request, i).outcome for i in range(4)])
            remote_out, local_out = outcomes
            out_r, _ = remote_out[0].value.items("", 2)
            out_l, _ = local_out[0].value.items("", 2)
            np.testing.assert_array_equal(out_r.array(""), out_l.array(""))
            assert remote_out[2].value.as_flag() is False and remote_out[3].error == local_out[3].error
        finally:
            remote.close()
    finally:
        zygote.close()
