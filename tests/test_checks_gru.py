"""The notebook-07 checks pass correct answers and name the typical mistakes."""

from __future__ import annotations

import re

import numpy as np
import pytest

from rnnlab.checks import gru as checks
from rnnlab.checks._common import CheckFailed
from rnnlab.nn import gru_backward as library_gru_backward
from rnnlab.nn import gru_step_forward as library_step_forward
from rnnlab.nn.gru import GRUStepCache

# ---------------------------------------------------------------------------------------------------
# Correct answers, written independently of rnnlab's implementations, with switches for the classic bugs.


def sigmoid(a):
    return 0.5 * (1 + np.tanh(a / 2))


def gru_step_forward(x, h_prev, Wx, Wh, b, *, update="seeds", reset="before", order="rzn", inputs=True,
                     in_place=False):
    H = h_prev.shape[1]
    a = (x @ Wx if inputs else np.zeros((len(x), Wx.shape[1]))) + b
    first, second = (slice(0, H), slice(H, 2 * H)) if order == "rzn" else (slice(H, 2 * H), slice(0, H))
    r = sigmoid(a[:, first] + h_prev @ Wh[:, first])
    z = sigmoid(a[:, second] + h_prev @ Wh[:, second])
    if reset == "before":
        rh = r * h_prev
        n = np.tanh(a[:, 2 * H:] + rh @ Wh[:, 2 * H:])
    elif reset == "after":
        rh = r * h_prev
        n = np.tanh(a[:, 2 * H:] + r * (h_prev @ Wh[:, 2 * H:]))
    else:
        rh = h_prev
        n = np.tanh(a[:, 2 * H:] + h_prev @ Wh[:, 2 * H:])
    h = {"seeds": (1 - z) * h_prev + z * n, "pytorch": z * h_prev + (1 - z) * n, "candidate": n}[update]
    if in_place:
        h_prev[0, 0] += 1.0
    return h, GRUStepCache(x, h_prev, Wx, Wh, np.concatenate([r, z, n], axis=1), rh, h)


def gru_step_backward(dh, cache, *, direct=True):
    x, h_prev, Wx, Wh, rzn, rh, h = cache
    H = dh.shape[1]
    r, z, n = rzn[:, :H], rzn[:, H:2 * H], rzn[:, 2 * H:]
    da_n = dh * z * (1 - n**2)
    da_z = dh * (n - h_prev) * z * (1 - z)
    drh = da_n @ Wh[:, 2 * H:].T
    da_r = drh * h_prev * r * (1 - r)
    da = np.concatenate([da_r, da_z, da_n], axis=1)
    dh_prev = (dh * (1 - z) if direct else 0) + drh * r + da[:, :2 * H] @ Wh[:, :2 * H].T
    dWh = np.concatenate([h_prev.T @ da[:, :2 * H], rh.T @ da_n], axis=1)
    return da @ Wx.T, dh_prev, x.T @ da, dWh, da.sum(axis=0)


def gru_backward(dh, cache, *, carry=True, each_step=True):
    N, T, H = dh.shape
    dx = np.zeros_like(cache.x)
    dWx, dWh, db = np.zeros_like(cache.Wx), np.zeros_like(cache.Wh), np.zeros(3 * H)
    dh_next = np.zeros((N, H))
    for t in reversed(range(T)):
        upstream = dh[:, t] if each_step or t == T - 1 else 0
        h_prev = cache.h0 if t == 0 else cache.h[:, t - 1]
        step = GRUStepCache(cache.x[:, t], h_prev, cache.Wx, cache.Wh, cache.rzn[:, t], cache.rh[:, t], cache.h[:, t])
        dx[:, t], dh_prev, dWx_t, dWh_t, db_t = gru_step_backward(upstream + dh_next, step)
        dh_next = dh_prev if carry else np.zeros((N, H))
        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
    return dx, dh_next, dWx, dWh, db


def _with(fn, **switches):
    def student(*args):
        return fn(*args, **switches)

    return student


def test_correct_answers_pass(capsys):
    checks.check_gru_step_forward(gru_step_forward)
    checks.check_gru_step_backward(gru_step_backward)
    checks.check_gru_backward(gru_backward)
    assert capsys.readouterr().out.count("✔") == 3


@pytest.mark.parametrize(("switches", "phrase", "key"), [
    ({"update": "pytorch"}, "PyTorch's update rule", "pytorch_update_rule"),
    ({"update": "candidate"}, "h is only the candidate n", "forgot_old_state"),
    ({"order": "zrn"}, "update gate from the first block", "gates_swapped"),
    ({"reset": "after"}, "reset gate after the product", "reset_after_product"),
    ({"reset": "none"}, "reset gate does nothing", "ignored_reset_gate"),
    ({"inputs": False}, "ignores the input", "ignored_input"),
    ({"in_place": True}, "changed its input `h_prev` in place", "mutated_input"),
])
def test_step_forward_names_the_mistake(switches, phrase, key):
    with pytest.raises(CheckFailed, match=re.escape(phrase)) as info:
        checks.check_gru_step_forward(_with(gru_step_forward, **switches))
    assert info.value.key == key


def test_step_forward_catches_delegation():
    with pytest.raises(CheckFailed, match="calls rnnlab's own `gru_step_forward`") as info:
        checks.check_gru_step_forward(library_step_forward)
    assert info.value.key == "delegates"


def test_step_backward_names_a_missing_direct_path():
    with pytest.raises(CheckFailed, match="misses the direct path") as info:
        checks.check_gru_step_backward(_with(gru_step_backward, direct=False))
    assert info.value.key == "missing_direct_path"


@pytest.mark.parametrize(("switches", "phrase", "key"), [
    ({"each_step": False}, "add the upstream dh[:, t] at every step", "missing_upstream_grad"),
    ({"carry": False}, "carry dh_prev from each step", "missing_recurrent_grad"),
])
def test_backward_names_the_mistake(switches, phrase, key):
    with pytest.raises(CheckFailed, match=re.escape(phrase)) as info:
        checks.check_gru_backward(_with(gru_backward, **switches))
    assert info.value.key == key


def test_backward_catches_delegation():
    with pytest.raises(CheckFailed, match="calls rnnlab's own `gru_backward`") as info:
        checks.check_gru_backward(library_gru_backward)
    assert info.value.key == "delegates"
