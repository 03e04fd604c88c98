"""Scaled dot-product attention: weights by hand, masks (exact zeros, empty rows), gradient checks, errors."""

import math
import warnings

import numpy as np
import pytest

from rnnlab.gradcheck import numerical_gradient, rel_error
from rnnlab.nn import (
    additive_attention_backward,
    additive_attention_forward,
    attention_backward,
    attention_forward,
)

N, Tq, Tk, d, dv = 2, 3, 4, 5, 2


def qkv(rng):
    return rng.standard_normal((N, Tq, d)), rng.standard_normal((N, Tk, d)), rng.standard_normal((N, Tk, dv))


def test_weights_by_hand():
    """One query, two keys, d = 4: scores q.k / sqrt(4) = [1, 3]/2, weights = softmax of those."""
    q = np.array([[[1.0, 0.0, 0.0, 0.0]]])
    k = np.array([[[1.0, 0.0, 0.0, 0.0], [3.0, 1.0, 0.0, 0.0]]])
    v = np.array([[[10.0], [20.0]]])
    out, w, _ = attention_forward(q, k, v)
    e1, e2 = math.exp(0.5), math.exp(1.5)
    w_expected = [e1 / (e1 + e2), e2 / (e1 + e2)]
    np.testing.assert_allclose(w[0, 0], w_expected, rtol=1e-14)
    assert abs(out[0, 0, 0] - (10 * w_expected[0] + 20 * w_expected[1])) < 1e-12


def test_equal_scores_average_the_values():
    rng = np.random.default_rng(0)
    q = np.zeros((1, 2, 3))
    k = rng.standard_normal((1, 5, 3))
    v = rng.standard_normal((1, 5, 4))
    out, w, _ = attention_forward(q, k, v)
    np.testing.assert_allclose(w, 0.2, rtol=1e-14)
    np.testing.assert_allclose(out[0], np.repeat(v[0].mean(axis=0, keepdims=True), 2, axis=0), atol=1e-14)


def test_weights_sum_to_one_over_allowed_keys_and_are_exactly_zero_elsewhere():
    rng = np.random.default_rng(1)
    q, k, v = qkv(rng)
    mask = rng.random((N, Tq, Tk)) < 0.6
    mask[:, :, 0] = True  # every query may attend to at least one key
    out, w, _ = attention_forward(q, k, v, mask)
    assert np.all(w[~mask] == 0.0)
    assert np.all(w[mask] > 0)
    np.testing.assert_allclose(w.sum(axis=-1), 1.0, rtol=1e-14)
    np.testing.assert_allclose(out, np.einsum("nqk,nkv->nqv", w, v), atol=1e-14)


def test_masked_keys_do_not_matter():
    rng = np.random.default_rng(2)
    q, k, v = qkv(rng)
    mask = np.array([True, True, False, False])[None, None, :]  # (1, 1, Tk): padded keys 2 and 3
    out, _, _ = attention_forward(q, k, v, mask)
    k2, v2 = k.copy(), v.copy()
    k2[:, 2:] = 1e3
    v2[:, 2:] = -7.0
    out2, _, _ = attention_forward(q, k2, v2, mask)
    np.testing.assert_array_equal(out, out2)
    out_short, _, _ = attention_forward(q, k[:, :2], v[:, :2])
    np.testing.assert_allclose(out, out_short, atol=1e-14)


def test_causal_mask_shared_by_the_batch():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((N, 4, d))
    causal = np.tril(np.ones((4, 4), dtype=bool))  # (Tq, Tk) broadcasts over N
    _, w, _ = attention_forward(x, x, x, causal)
    assert np.all(np.triu(w, k=1) == 0)
    np.testing.assert_array_equal(w[:, 0, 0], 1.0)


def test_query_with_no_allowed_key_gives_zeros_without_nan_or_warning():
    rng = np.random.default_rng(4)
    q, k, v = qkv(rng)
    mask = np.ones((N, Tq, Tk), dtype=bool)
    mask[0, 1] = False  # query 1 of sequence 0 may attend to nothing
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out, w, cache = attention_forward(q, k, v, mask)
        dq, dk, dv_ = attention_backward(np.ones_like(out), cache)
    assert np.all(w[0, 1] == 0) and np.all(out[0, 1] == 0)
    assert np.all(dq[0, 1] == 0)
    assert all(np.all(np.isfinite(a)) for a in (out, w, dq, dk, dv_))


def test_large_scores_do_not_overflow():
    rng = np.random.default_rng(5)
    q, k, v = qkv(rng)
    with np.errstate(over="raise", invalid="raise"):
        out, w, _ = attention_forward(1e3 * q, 1e3 * k, v)
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(w.sum(axis=-1), 1.0)


@pytest.mark.parametrize("masked", [False, True])
def test_gradients(masked):
    rng = np.random.default_rng(6)
    q, k, v = qkv(rng)
    mask = None
    if masked:
        mask = rng.random((N, Tq, Tk)) < 0.5
        mask[0, 0] = False  # include a query with no allowed key
        mask[1, :, 1] = True
    out, _, cache = attention_forward(q, k, v, mask)
    dout = rng.standard_normal(out.shape)
    grads = attention_backward(dout, cache)
    args = [q, k, v]
    for name, a, g in zip(["dq", "dk", "dv"], args, grads, strict=True):
        num = numerical_gradient(lambda _: attention_forward(*args, mask)[0], a, dout)
        assert g.shape == a.shape
        assert rel_error(g, num) < 1e-7, name


def test_float32_stays_float32():
    rng = np.random.default_rng(7)
    q, k, v = (a.astype(np.float32) for a in qkv(rng))
    out, w, cache = attention_forward(q, k, v, np.ones((Tq, Tk), dtype=bool))
    assert out.dtype == w.dtype == np.float32
    assert all(g.dtype == np.float32 for g in attention_backward(np.ones_like(out), cache))


def test_errors():
    rng = np.random.default_rng(8)
    q, k, v = qkv(rng)
    with pytest.raises(ValueError, match=r"k: expected shape \(N, Tk, d\) = \(2, 4, 5\), got \(2, 4, 3\)"):
        attention_forward(q, k[:, :, :3], v)
    with pytest.raises(ValueError, match=r"v: expected shape \(N, Tk, dv\)"):
        attention_forward(q, k, v[:, :3])
    with pytest.raises(ValueError, match="mask: expected a boolean numpy array"):
        attention_forward(q, k, v, np.ones((Tq, Tk)))
    with pytest.raises(ValueError, match=r"mask: expected a shape that broadcasts to \(N, Tq, Tk\) = \(2, 3, 4\)"):
        attention_forward(q, k, v, np.ones((Tk, Tq), dtype=bool))
    _, _, cache = attention_forward(q, k, v)
    with pytest.raises(ValueError, match=r"dout: expected shape \(2, 3, 2\)"):
        attention_backward(np.ones((N, Tq, 3)), cache)


# ------------------------------------------------------------------------------------ additive attention


def additive_args(rng, A=3, dq=2, dk=4):
    return [rng.standard_normal(s) for s in [(N, Tq, dq), (N, Tk, dk), (N, Tk, dv), (dq, A), (dk, A), (A,)]]


def test_additive_scores_by_hand():
    """A = 1, Wq = Wk = [[1]], w = [2]: score_j = 2 tanh(q + k_j)."""
    q = np.array([[[0.3]]])
    k = np.array([[[0.1], [-0.5]]])
    v = np.array([[[1.0], [-1.0]]])
    out, weights, _ = additive_attention_forward(q, k, v, np.ones((1, 1)), np.ones((1, 1)), np.array([2.0]))
    s1, s2 = 2 * math.tanh(0.4), 2 * math.tanh(-0.2)
    w1 = math.exp(s1) / (math.exp(s1) + math.exp(s2))
    np.testing.assert_allclose(weights[0, 0], [w1, 1 - w1], rtol=1e-14)
    assert abs(out[0, 0, 0] - (w1 - (1 - w1))) < 1e-14


@pytest.mark.parametrize("masked", [False, True])
def test_additive_gradients_and_mask(masked):
    rng = np.random.default_rng(9)
    args = additive_args(rng)
    mask = None
    if masked:
        mask = rng.random((N, Tq, Tk)) < 0.5
        mask[:, :, 2] = True
        mask[0, 1] = False  # one query with no allowed key
    out, w, cache = additive_attention_forward(*args, mask)
    if masked:
        assert np.all(w[~mask] == 0) and np.all(out[0, 1] == 0)
    dout = rng.standard_normal(out.shape)
    grads = additive_attention_backward(dout, cache)
    for name, a, g in zip(["dq", "dk", "dv", "dWq", "dWk", "dw"], args, grads, strict=True):
        num = numerical_gradient(lambda _: additive_attention_forward(*args, mask)[0], a, dout)
        assert g.shape == a.shape
        assert rel_error(g, num) < 1e-7, name


def test_additive_errors():
    rng = np.random.default_rng(10)
    q, k, v, Wq, Wk, w = additive_args(rng)
    with pytest.raises(ValueError, match=r"Wk: expected shape \(dk, A\) = \(4, 3\), got \(2, 3\)"):
        additive_attention_forward(q, k, v, Wq, Wk[:2], w)
    with pytest.raises(ValueError, match=r"w: expected shape \(A\) = \(3\), got \(4,\)"):
        additive_attention_forward(q, k, v, Wq, Wk, np.zeros(4))
