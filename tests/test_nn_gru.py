"""GRU in the seeds' form: hand-worked values, z = 0 keeps h_prev, gradient checks, errors."""

import math

import numpy as np
import pytest
from nn_helpers import recurrent_inputs, sig

from rnnlab.gradcheck import numerical_gradients, rel_error
from rnnlab.nn import gru_backward, gru_forward, gru_step_backward, gru_step_forward

N, T, D, H = 2, 4, 3, 3


def params(rng, scale=0.5):
    return recurrent_inputs(rng, 3, N, T, D, H, scale)


def one_unit_step(x, h_prev, wx, wh, b):
    """gru_step_forward with D = H = 1; wx, wh, b are the per-block numbers (r, z, n)."""
    h, _ = gru_step_forward(
        np.array([[x]]), np.array([[h_prev]]),
        np.array([wx], dtype=float), np.array([wh], dtype=float), np.array(b, dtype=float),
    )  # fmt: skip
    return h[0, 0]


def test_one_unit_step_by_hand():
    x, h_prev = 0.8, -0.6
    wx, wh, b = [0.5, -1.0, 2.0], [1.5, 0.3, -0.7], [0.1, 0.2, -0.3]
    r = sig(0.5 * x + 1.5 * h_prev + 0.1)
    z = sig(-1.0 * x + 0.3 * h_prev + 0.2)
    n = math.tanh(2.0 * x + (r * h_prev) * -0.7 - 0.3)  # reset gate applied before the product
    expected = (1 - z) * h_prev + z * n
    assert abs(one_unit_step(x, h_prev, wx, wh, b) - expected) < 1e-14


def test_update_gate_zero_keeps_previous_state():
    """z = sigmoid(-40) = 0: h_t = h_{t-1} exactly, whatever the input and the other weights."""
    rng = np.random.default_rng(0)
    x, h0, Wx, Wh, b = params(rng, scale=1.0)
    Wx[:, H : 2 * H] = 0
    Wh[:, H : 2 * H] = 0
    b[H : 2 * H] = -40.0
    h, _ = gru_step_forward(x[:, 0], h0, Wx, Wh, b)
    np.testing.assert_allclose(h, h0, rtol=0, atol=1e-15)
    hs, _ = gru_forward(x, h0, Wx, Wh, b)
    np.testing.assert_allclose(hs, np.repeat(h0[:, None], T, axis=1), rtol=0, atol=1e-15)


def test_update_gate_one_takes_candidate_and_reset_gate_zero_ignores_h_prev():
    """z = 1 gives h = n; r = 0 removes h_prev from the candidate: n = tanh(x wx_n + b_n)."""
    x, h_prev = 0.9, 0.75
    h = one_unit_step(x, h_prev, wx=[0.0, 0.0, 1.2], wh=[0.0, 0.0, 5.0], b=[-40.0, 40.0, 0.1])
    assert abs(h - math.tanh(1.2 * x + 0.1)) < 1e-14
    h = one_unit_step(x, h_prev, wx=[0.0, 0.0, 1.2], wh=[0.0, 0.0, 5.0], b=[40.0, 40.0, 0.1])  # r = 1
    assert abs(h - math.tanh(1.2 * x + 5.0 * h_prev + 0.1)) < 1e-14


def test_step_gradients():
    rng = np.random.default_rng(1)
    x, h_prev, Wx, Wh, b = params(rng)
    args = [x[:, 0], h_prev, Wx, Wh, b]
    h, cache = gru_step_forward(*args)
    dh = rng.standard_normal(h.shape)
    grads = gru_step_backward(dh, cache)
    nums = numerical_gradients(lambda *a: gru_step_forward(*a)[0], args, dh)
    for name, g, n in zip(["dx", "dh_prev", "dWx", "dWh", "db"], grads, nums, strict=True):
        assert g.shape == n.shape, name
        assert rel_error(g, n) < 1e-7, name


def test_sequence_gradients():
    rng = np.random.default_rng(2)
    args = list(params(rng))
    h, cache = gru_forward(*args)
    dh = rng.standard_normal(h.shape)
    grads = gru_backward(dh, cache)
    nums = numerical_gradients(lambda *a: gru_forward(*a)[0], args, dh)
    for name, g, n in zip(["dx", "dh0", "dWx", "dWh", "db"], grads, nums, strict=True):
        assert g.shape == n.shape, name
        assert rel_error(g, n) < 1e-7, name


def test_sequence_matches_unrolled_equations():
    rng = np.random.default_rng(3)
    x, h0, Wx, Wh, b = params(rng)
    h, _ = gru_forward(x, h0, Wx, Wh, b)

    def s(a):
        return 1 / (1 + np.exp(-a))

    h_prev = h0
    for t in range(T):
        ax = x[:, t] @ Wx + b
        r = s(ax[:, :H] + h_prev @ Wh[:, :H])
        z = s(ax[:, H : 2 * H] + h_prev @ Wh[:, H : 2 * H])
        n = np.tanh(ax[:, 2 * H :] + (r * h_prev) @ Wh[:, 2 * H :])
        h_prev = (1 - z) * h_prev + z * n
        np.testing.assert_allclose(h[:, t], h_prev, rtol=0, atol=1e-14)


def test_float32_stays_float32():
    rng = np.random.default_rng(4)
    args = [a.astype(np.float32) for a in params(rng)]
    h, cache = gru_forward(*args)
    assert h.dtype == np.float32
    assert all(g.dtype == np.float32 for g in gru_backward(np.ones_like(h), cache))


def test_wrong_shapes_name_argument_and_shapes():
    rng = np.random.default_rng(5)
    x, h0, Wx, Wh, b = params(rng)
    with pytest.raises(ValueError, match=r"Wh: expected shape \(H, 3H\) = \(3, 9\), got \(3, 12\)"):
        gru_forward(x, h0, Wx, np.zeros((3, 12)), b)
    with pytest.raises(ValueError, match=r"h0: expected shape \(N, H\) = \(2, H\), got \(3, 3\)"):
        gru_forward(x, np.zeros((3, 3)), Wx, Wh, b)
    _, cache = gru_step_forward(x[:, 0], h0, Wx, Wh, b)
    with pytest.raises(ValueError, match=r"dh: expected shape \(2, 3\)"):
        gru_step_backward(np.zeros((3, 3)), cache)
