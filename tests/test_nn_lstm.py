"""LSTM: a one-unit step worked by hand, the gate order i, f, g, o, gradient checks, errors."""

import math

import numpy as np
import pytest
from nn_helpers import recurrent_inputs, sig

from rnnlab.gradcheck import numerical_gradients, rel_error
from rnnlab.nn import lstm_backward, lstm_forward, lstm_step_backward, lstm_step_forward

N, T, D, H = 2, 4, 3, 3


def params(rng, scale=0.5):
    return recurrent_inputs(rng, 4, N, T, D, H, scale)


def one_unit_step(x, h_prev, c_prev, wx, wh, b):
    """Run lstm_step_forward with D = H = 1; wx, wh, b are the per-gate numbers (i, f, g, o)."""
    return lstm_step_forward(
        np.array([[x]]), np.array([[h_prev]]), np.array([[c_prev]]),
        np.array([wx], dtype=float), np.array([wh], dtype=float), np.array(b, dtype=float),
    )  # fmt: skip


def test_one_unit_step_by_hand():
    """The course's worked numbers: a forget gate at sigmoid(-5) ~ 0.01 and a candidate tanh(2) ~ 0.96."""
    x, h_prev, c_prev = 1.0, 0.5, 2.0
    wx = [1.0, -4.0, 1.5, 2.0]  # i, f, g, o
    wh = [2.0, -2.0, 1.0, 0.0]
    b = [2.0, 0.0, 0.0, 1.0]
    h, c, _ = one_unit_step(x, h_prev, c_prev, wx, wh, b)
    i = sig(1.0 + 1.0 + 2.0)  # sigmoid(4)
    f = sig(-4.0 - 1.0)  # sigmoid(-5) ~ 0.0067
    g = math.tanh(1.5 + 0.5)  # tanh(2) ~ 0.964
    o = sig(2.0 + 1.0)  # sigmoid(3)
    assert abs(f - 0.0067) < 1e-4 and abs(g - 0.964) < 1e-3
    c_expected = f * c_prev + i * g
    h_expected = o * math.tanh(c_expected)
    assert abs(c[0, 0] - c_expected) < 1e-14
    assert abs(h[0, 0] - h_expected) < 1e-14


@pytest.mark.parametrize(
    ("gate", "bias", "expected_c", "expected_h_factor"),
    [
        # baseline with every gate bias 0: i = f = o = 1/2, g = 0 -> c = c_prev / 2
        (None, 0.0, 0.5 * 2.0, 0.5),
        ("i", -30.0, 0.5 * 2.0, 0.5),  # input gate shut: nothing written (g = 0 anyway) -> same as baseline
        ("f", -30.0, 0.0, 0.5),  # forget gate shut: the old cell state is erased
        ("f", 30.0, 2.0, 0.5),  # forget gate open: the old cell state is kept whole
        ("g", 30.0, 0.5 * 2.0 + 0.5 * 1.0, 0.5),  # candidate +1 written at half strength (i = 1/2)
        ("o", -30.0, 0.5 * 2.0, 0.0),  # output gate shut: h = 0 while c is untouched
    ],
)
def test_gate_order_i_f_g_o(gate, bias, expected_c, expected_h_factor):
    """Set one gate block's bias (blocks ordered i, f, g, o) and check that exactly that gate changes."""
    b = [0.0, 0.0, 0.0, 0.0]
    if gate is not None:
        b["ifgo".index(gate)] = bias
    h, c, _ = one_unit_step(x=0.7, h_prev=-0.3, c_prev=2.0, wx=[0, 0, 0, 0], wh=[0, 0, 0, 0], b=b)
    assert abs(c[0, 0] - expected_c) < 1e-12
    assert abs(h[0, 0] - expected_h_factor * math.tanh(expected_c)) < 1e-12


def test_input_gate_controls_writing():
    """With the candidate g = tanh(30) ~ 1, the input gate block decides how much of it is written."""
    b_open = [30.0, -30.0, 30.0, 0.0]  # i = 1, f = 0, g = 1
    b_shut = [-30.0, -30.0, 30.0, 0.0]  # i = 0
    _, c_open, _ = one_unit_step(0.0, 0.0, 5.0, [0, 0, 0, 0], [0, 0, 0, 0], b_open)
    _, c_shut, _ = one_unit_step(0.0, 0.0, 5.0, [0, 0, 0, 0], [0, 0, 0, 0], b_shut)
    assert abs(c_open[0, 0] - 1.0) < 1e-12
    assert abs(c_shut[0, 0]) < 1e-12


def test_step_gradients():
    rng = np.random.default_rng(1)
    x, h_prev, Wx, Wh, b = params(rng)
    c_prev = rng.standard_normal((N, H))
    args = [x[:, 0], h_prev, c_prev, Wx, Wh, b]
    h, c, cache = lstm_step_forward(*args)
    dh, dc = rng.standard_normal(h.shape), rng.standard_normal(c.shape)

    def f(*a):
        h, c, _ = lstm_step_forward(*a)
        return np.stack([h, c])

    grads = lstm_step_backward(dh, dc, cache)
    dx, dh_prev, dc_prev, dWx, dWh, db = grads
    nums = numerical_gradients(f, args, np.stack([dh, dc]))
    for name, g, n in zip(["dx", "dh_prev", "dc_prev", "dWx", "dWh", "db"], grads, nums, strict=True):
        assert g.shape == n.shape, name
        assert rel_error(g, n) < 1e-7, name


def test_sequence_gradients():
    rng = np.random.default_rng(2)
    args = list(params(rng))
    h, cache = lstm_forward(*args)
    dh = rng.standard_normal(h.shape)
    grads = lstm_backward(dh, cache)
    assert len(grads) == 5
    nums = numerical_gradients(lambda *a: lstm_forward(*a)[0], args, dh)
    for name, g, n in zip(["dx", "dh0", "dWx", "dWh", "db"], grads, nums, strict=True):
        assert g.shape == n.shape, name
        assert rel_error(g, n) < 1e-7, name


def test_sequence_gradients_with_initial_and_final_cell_state():
    """c0 given, an upstream gradient on c_T (dcT), and the gradient of c0 (return_dc0=True)."""
    rng = np.random.default_rng(3)
    x, h0, Wx, Wh, b = params(rng)
    c0 = rng.standard_normal((N, H))
    args = [x, h0, Wx, Wh, b, c0]

    def f(x, h0, Wx, Wh, b, c0):
        h, cache = lstm_forward(x, h0, Wx, Wh, b, c0=c0)
        return np.concatenate([h, cache.c[:, -1:]], axis=1)  # every h and the last c

    out = f(*args)
    dout = rng.standard_normal(out.shape)
    _, cache = lstm_forward(x, h0, Wx, Wh, b, c0=c0)
    grads = lstm_backward(dout[:, :T], cache, dcT=dout[:, T], return_dc0=True)
    nums = numerical_gradients(f, args, dout)
    for name, g, n in zip(["dx", "dh0", "dWx", "dWh", "db", "dc0"], grads, nums, strict=True):
        assert rel_error(g, n) < 1e-7, name


def test_zero_initial_cell_state_and_chunking():
    """c0 defaults to 0, and running two halves with the carried (h, c) equals one run over the whole."""
    rng = np.random.default_rng(4)
    x, h0, Wx, Wh, b = params(rng)
    h, cache = lstm_forward(x, h0, Wx, Wh, b)
    h_z, _ = lstm_forward(x, h0, Wx, Wh, b, c0=np.zeros((N, H)))
    np.testing.assert_array_equal(h, h_z)
    h1, cache1 = lstm_forward(x[:, :2], h0, Wx, Wh, b)
    h2, _ = lstm_forward(x[:, 2:], h1[:, -1], Wx, Wh, b, c0=cache1.c[:, -1])
    np.testing.assert_allclose(np.concatenate([h1, h2], axis=1), h, rtol=0, atol=1e-14)


def test_sequence_matches_unrolled_equations():
    rng = np.random.default_rng(5)
    x, h0, Wx, Wh, b = params(rng)
    h, _ = lstm_forward(x, h0, Wx, Wh, b)

    def s(a):
        return 1 / (1 + np.exp(-a))

    h_prev, c_prev = h0, np.zeros((N, H))
    for t in range(T):
        a = x[:, t] @ Wx + h_prev @ Wh + b
        i, f, g, o = s(a[:, :H]), s(a[:, H : 2 * H]), np.tanh(a[:, 2 * H : 3 * H]), s(a[:, 3 * H :])
        c_prev = f * c_prev + i * g
        h_prev = o * np.tanh(c_prev)
        np.testing.assert_allclose(h[:, t], h_prev, rtol=0, atol=1e-14)


def test_saturated_gates_do_not_overflow():
    rng = np.random.default_rng(6)
    x, h0, Wx, Wh, b = params(rng)
    with np.errstate(all="raise"):
        h, cache = lstm_forward(1e3 * x, h0, 1e3 * Wx, Wh, b)
        lstm_backward(np.ones_like(h), cache)
    assert np.all(np.isfinite(h))


def test_float32_stays_float32():
    rng = np.random.default_rng(7)
    args = [a.astype(np.float32) for a in params(rng)]
    h, cache = lstm_forward(*args)
    assert h.dtype == np.float32 and cache.c.dtype == np.float32
    assert all(g.dtype == np.float32 for g in lstm_backward(np.ones_like(h), cache))


def test_wrong_shapes_name_argument_and_shapes():
    rng = np.random.default_rng(8)
    x, h0, Wx, Wh, b = params(rng)
    with pytest.raises(ValueError, match=r"Wx: expected shape \(D, 4H\) = \(3, 12\), got \(3, 9\)"):
        lstm_forward(x, h0, Wx[:, :9], Wh, b)
    with pytest.raises(ValueError, match=r"c_prev: expected shape \(N, H\) = \(2, 3\), got \(2, 4\)"):
        lstm_step_forward(x[:, 0], h0, np.zeros((2, 4)), Wx, Wh, b)
    with pytest.raises(ValueError, match=r"c0"):
        lstm_forward(x, h0, Wx, Wh, b, c0=np.zeros((3, 3)))
    _, cache = lstm_forward(x, h0, Wx, Wh, b)
    with pytest.raises(ValueError, match=r"dcT: expected shape \(2, 3\)"):
        lstm_backward(np.zeros((N, T, H)), cache, dcT=np.zeros((2, 2)))
