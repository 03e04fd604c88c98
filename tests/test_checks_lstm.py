"""The notebook-06 checks pass correct answers and name the typical mistakes."""

from __future__ import annotations

import re

import numpy as np
import pytest

from rnnlab.checks import lstm as checks
from rnnlab.checks._common import CheckFailed
from rnnlab.nn import lstm_backward as library_lstm_backward
from rnnlab.nn import lstm_step_forward as library_step_forward
from rnnlab.nn.lstm import LSTMStepCache

# ---------------------------------------------------------------------------------------------------
# Correct answers, written independently of rnnlab's implementations, with switches for the classic bugs.


def sigmoid(a):
    return 0.5 * (1 + np.tanh(a / 2))


def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b, *, order="ifgo", keep=True, out_tanh=True, inputs=True,
                      candidate="tanh", recurrent=True, write=True, tanh_outside=False, in_place=False):
    H = h_prev.shape[1]
    a = (x @ Wx if inputs else 0) + (h_prev @ Wh if recurrent else 0) + b
    blocks = [a[:, k * H:(k + 1) * H] for k in range(4)]
    pos = {name: order.index(name) for name in "ifgo"}
    i, f, o = (sigmoid(blocks[pos[n]]) for n in "ifo")
    g = np.tanh(blocks[pos["g"]]) if candidate == "tanh" else sigmoid(blocks[pos["g"]])
    c = (f * c_prev if keep else 0) + (i * g if write else 0)
    tanh_c = np.tanh(c)
    h = o * tanh_c if out_tanh else o * c
    if tanh_outside:
        h = np.tanh(o * c)
    if in_place:
        x[0, 0] += 1.0
    ifgo = np.concatenate([i, f, g, o], axis=1)
    return h, c, LSTMStepCache(x, h_prev, c_prev, Wx, Wh, ifgo, c, tanh_c, h)


def lstm_step_backward(dh, dc, cache, *, through_h=True, forget=True):
    x, h_prev, c_prev, Wx, Wh, ifgo, c, tanh_c, h = cache
    H = dh.shape[1]
    i, f, g, o = (ifgo[:, k * H:(k + 1) * H] for k in range(4))
    dc_total = dc + (dh * o * (1 - tanh_c**2) if through_h else 0)
    da = np.concatenate([dc_total * g * i * (1 - i), dc_total * c_prev * f * (1 - f), dc_total * i * (1 - g**2),
                         dh * tanh_c * o * (1 - o)], axis=1)
    dc_prev = dc_total * f if forget else dc_total
    return da @ Wx.T, da @ Wh.T, dc_prev, x.T @ da, h_prev.T @ da, da.sum(axis=0)


def lstm_backward(dh, cache, *, carry_dc=True, each_step=True):
    N, T, H = dh.shape
    dx = np.zeros_like(cache.x)
    dWx, dWh, db = np.zeros_like(cache.Wx), np.zeros_like(cache.Wh), np.zeros(4 * H)
    dh_next, dc_next = np.zeros((N, H)), np.zeros((N, H))
    for t in reversed(range(T)):
        upstream = dh[:, t] if each_step or t == T - 1 else 0
        step = _step(cache, t)
        dx[:, t], dh_next, dc_prev, dWx_t, dWh_t, db_t = lstm_step_backward(upstream + dh_next, dc_next, step)
        dc_next = dc_prev if carry_dc else np.zeros((N, H))
        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
    return dx, dh_next, dWx, dWh, db


def _step(cache, t):
    h_prev = cache.h0 if t == 0 else cache.h[:, t - 1]
    c_prev = cache.c0 if t == 0 else cache.c[:, t - 1]
    return LSTMStepCache(cache.x[:, t], h_prev, c_prev, cache.Wx, cache.Wh, cache.ifgo[:, t], cache.c[:, t],
                         cache.tanh_c[:, t], cache.h[:, t])


def _with(fn, **switches):
    def student(*args):
        return fn(*args, **switches)

    return student


# ---------------------------------------------------------------------------------------------------


def test_correct_answers_pass(capsys):
    checks.check_lstm_step_forward(lstm_step_forward)
    checks.check_lstm_step_backward(lstm_step_backward)
    checks.check_lstm_backward(lstm_backward)
    out = capsys.readouterr().out
    assert out.count("✔") == 3


@pytest.mark.parametrize(("switches", "phrase", "key"), [
    ({"order": "ifog"}, "gate order i, f, o, g", "wrong_gate_order"),
    ({"order": "fig" + "o"}, "swapped the input and forget gates", "gates_swapped"),
    ({"keep": False}, "keeps f * c_prev", "cell_state_not_carried"),
    ({"write": False}, "c never writes anything new", "forgot_candidate"),
    ({"out_tanh": False}, "missing the tanh", "forgot_tanh_c"),
    ({"tanh_outside": True}, "you took tanh(o * c)", "tanh_outside_gate"),
    ({"inputs": False}, "ignores the input", "ignored_input"),
    ({"recurrent": False}, "ignores h_prev", "ignored_h_prev"),
    ({"candidate": "sigmoid"}, "takes a tanh, not a sigmoid", "sigmoid_candidate"),
    ({"in_place": True}, "changed its input `x` in place", "mutated_input"),
])
def test_step_forward_names_the_mistake(switches, phrase, key):
    with pytest.raises(CheckFailed, match=re.escape(phrase)) as info:
        checks.check_lstm_step_forward(_with(lstm_step_forward, **switches))
    assert info.value.key == key


def test_step_forward_catches_delegation():
    with pytest.raises(CheckFailed, match="calls rnnlab's own `lstm_step_forward`") as info:
        checks.check_lstm_step_forward(library_step_forward)
    assert info.value.key == "delegates"


@pytest.mark.parametrize(("switches", "phrase", "key"), [
    ({"through_h": False}, "dh reaches the cell state through h = o * tanh(c)", "missing_dh_to_dc"),
    ({"forget": False}, "dc_prev should be dc * f", "dc_prev_missing_f"),
])
def test_step_backward_names_the_mistake(switches, phrase, key):
    with pytest.raises(CheckFailed, match=re.escape(phrase)) as info:
        checks.check_lstm_step_backward(_with(lstm_step_backward, **switches))
    assert info.value.key == key


@pytest.mark.parametrize(("switches", "phrase", "key"), [
    ({"carry_dc": False}, "did not carry the cell-state gradient back", "missing_cell_grad"),
    ({"each_step": False}, "add the upstream dh[:, t] at every step", "missing_upstream_grad"),
])
def test_backward_names_the_mistake(switches, phrase, key):
    with pytest.raises(CheckFailed, match=re.escape(phrase)) as info:
        checks.check_lstm_backward(_with(lstm_backward, **switches))
    assert info.value.key == key


def test_backward_catches_delegation():
    with pytest.raises(CheckFailed, match="calls rnnlab's own `lstm_backward`") as info:
        checks.check_lstm_backward(library_lstm_backward)
    assert info.value.key == "delegates"
