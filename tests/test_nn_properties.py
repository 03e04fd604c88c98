"""Property-based tests: random small shapes and float32/float64 for every layer (shapes, dtypes, finiteness)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnlab.nn import (
    attention_backward,
    attention_forward,
    bidirectional_backward,
    bidirectional_forward,
    embedding_backward,
    embedding_forward,
    gru_backward,
    gru_forward,
    lstm_backward,
    lstm_forward,
    rnn_backward,
    rnn_forward,
    temporal_softmax_loss,
)

CELLS = {"rnn": (1, rnn_forward, rnn_backward), "lstm": (4, lstm_forward, lstm_backward),
         "gru": (3, gru_forward, gru_backward)}  # fmt: skip
SETTINGS = settings(max_examples=25, deadline=None)
small = st.integers(1, 4)
dtypes = st.sampled_from([np.float32, np.float64])


def make(seed, shapes, dtype, scale=1.0):
    rng = np.random.default_rng(seed)
    return [(scale * rng.standard_normal(s)).astype(dtype) for s in shapes]


@SETTINGS
@given(cell=st.sampled_from(sorted(CELLS)), N=small, T=small, D=small, H=small, dtype=dtypes,
       seed=st.integers(0, 2**16), scale=st.sampled_from([0.1, 1.0, 30.0]))  # fmt: skip
def test_recurrent_shapes_dtypes_finite(cell, N, T, D, H, dtype, seed, scale):
    G, forward, backward = CELLS[cell]
    x, h0, Wx, Wh, b, dh = make(seed, [(N, T, D), (N, H), (D, G * H), (H, G * H), (G * H,), (N, T, H)], dtype, scale)
    h, cache = forward(x, h0, Wx, Wh, b)
    assert h.shape == (N, T, H) and h.dtype == dtype
    assert np.all(np.isfinite(h))
    # tanh keeps RNN and LSTM states in [-1, 1]; a GRU state is a convex mix of h_prev and n in [-1, 1]
    bound = 1.0 if cell != "gru" else max(1.0, float(np.abs(h0).max()))
    assert np.all(np.abs(h) <= bound * (1 + 1e-6))
    grads = backward(dh, cache)
    for g, a in zip(grads, (x, h0, Wx, Wh, b), strict=True):
        assert g.shape == a.shape and g.dtype == dtype
        assert np.all(np.isfinite(g))


@SETTINGS
@given(cell=st.sampled_from(sorted(CELLS)), N=small, T=small, D=small, H=small, seed=st.integers(0, 2**16))
def test_float32_agrees_with_float64(cell, N, T, D, H, seed):
    G, forward, _ = CELLS[cell]
    args = make(seed, [(N, T, D), (N, H), (D, G * H), (H, G * H), (G * H,)], np.float64, 0.5)
    h64, _ = forward(*args)
    h32, _ = forward(*[a.astype(np.float32) for a in args])
    np.testing.assert_allclose(h32, h64, atol=1e-5)


@SETTINGS
@given(cell=st.sampled_from(sorted(CELLS)), N=small, T=small, D=small, H=small, dtype=dtypes,
       seed=st.integers(0, 2**16))  # fmt: skip
def test_bidirectional_shapes(cell, N, T, D, H, dtype, seed):
    G = CELLS[cell][0]
    x, h0, Wx, Wh, b, dh = make(seed, [(N, T, D), (N, H), (D, G * H), (H, G * H), (G * H,), (N, T, 2 * H)], dtype)
    h, cache = bidirectional_forward(x, h0, h0, (Wx, Wh, b), (Wx, Wh, b), cell=cell)
    assert h.shape == (N, T, 2 * H) and h.dtype == dtype
    dx, dh0f, dh0b, dpf, dpb = bidirectional_backward(dh, cache)
    assert dx.shape == x.shape and dx.dtype == dtype and dh0f.shape == dh0b.shape == h0.shape
    assert [g.shape for g in dpf] == [g.shape for g in dpb] == [Wx.shape, Wh.shape, b.shape]


@SETTINGS
@given(N=small, Tq=small, Tk=small, d=small, dv=small, dtype=dtypes, seed=st.integers(0, 2**16),
       p_mask=st.sampled_from([0.0, 0.3, 1.0]))  # fmt: skip
def test_attention_shapes_and_rows(N, Tq, Tk, d, dv, dtype, seed, p_mask):
    q, k, v, dout = make(seed, [(N, Tq, d), (N, Tk, d), (N, Tk, dv), (N, Tq, dv)], dtype, 3.0)
    mask = np.random.default_rng(seed).random((N, Tq, Tk)) >= p_mask
    out, w, cache = attention_forward(q, k, v, mask)
    assert out.shape == (N, Tq, dv) and w.shape == (N, Tq, Tk) and out.dtype == w.dtype == dtype
    assert np.all(w[~mask] == 0)
    row_sums = w.sum(axis=-1)
    has_key = mask.any(axis=-1)
    np.testing.assert_allclose(row_sums[has_key], 1.0, rtol=1e-5)
    assert np.all(row_sums[~has_key] == 0)
    for g, a in zip(attention_backward(dout, cache), (q, k, v), strict=True):
        assert g.shape == a.shape and g.dtype == dtype and np.all(np.isfinite(g))


@SETTINGS
@given(N=small, T=small, V=st.integers(1, 6), D=small, dtype=dtypes, seed=st.integers(0, 2**16))
def test_embedding_and_loss(N, T, V, D, dtype, seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, V, (N, T))
    (W,) = make(seed, [(V, D)], dtype)
    out, cache = embedding_forward(x, W)
    assert out.shape == (N, T, D) and out.dtype == dtype
    assert embedding_backward(out, cache).shape == W.shape
    logits = (10 * rng.standard_normal((N, T, V))).astype(dtype)
    mask = rng.random((N, T)) < 0.7
    loss, dlogits = temporal_softmax_loss(logits, x, mask)
    assert loss >= 0 and np.isfinite(loss)
    assert dlogits.shape == logits.shape and dlogits.dtype == dtype
    np.testing.assert_allclose(dlogits.sum(axis=-1), 0, atol=1e-5)  # softmax minus one-hot sums to 0
