"""Embedding lookup: rows by index, gradients that add up for repeated words, index checks."""

import numpy as np
import pytest

from rnnlab.gradcheck import numerical_gradient, rel_error
from rnnlab.nn import embedding_backward, embedding_forward


def test_forward_picks_rows():
    W = np.arange(12.0).reshape(4, 3)
    x = np.array([[0, 3], [3, 1]])
    out, _ = embedding_forward(x, W)
    assert out.shape == (2, 2, 3)
    np.testing.assert_array_equal(out[0, 1], [9.0, 10.0, 11.0])
    np.testing.assert_array_equal(out[1, 1], [3.0, 4.0, 5.0])


def test_backward_adds_gradients_of_repeated_words():
    W = np.zeros((4, 2))
    x = np.array([[1, 1, 2]])
    _, cache = embedding_forward(x, W)
    dout = np.array([[[1.0, 2.0], [10.0, 20.0], [5.0, 5.0]]])
    dW = embedding_backward(dout, cache)
    np.testing.assert_array_equal(dW, [[0, 0], [11, 22], [5, 5], [0, 0]])


def test_gradient_check():
    rng = np.random.default_rng(0)
    W = rng.standard_normal((5, 3))
    x = rng.integers(0, 5, (2, 4))
    out, cache = embedding_forward(x, W)
    dout = rng.standard_normal(out.shape)
    num = numerical_gradient(lambda w: embedding_forward(x, w)[0], W, dout)
    assert rel_error(embedding_backward(dout, cache), num) < 1e-7


def test_float32_stays_float32():
    W = np.ones((3, 2), dtype=np.float32)
    out, cache = embedding_forward(np.array([[0, 2]]), W)
    assert out.dtype == np.float32
    assert embedding_backward(out, cache).dtype == np.float32


def test_errors():
    W = np.zeros((4, 2))
    with pytest.raises(ValueError, match="x: expected an integer array, got dtype float64"):
        embedding_forward(np.array([[0.0, 1.0]]), W)
    with pytest.raises(ValueError, match=r"x: token indices must lie in \[0, 4\).*got 4"):
        embedding_forward(np.array([[0, 4]]), W)
    with pytest.raises(ValueError, match=r"got -1"):
        embedding_forward(np.array([[-1, 0]]), W)
    with pytest.raises(ValueError, match=r"W: expected 2-d array of shape \(V, D\)"):
        embedding_forward(np.array([[0]]), np.zeros(4))
    _, cache = embedding_forward(np.array([[0, 1]]), W)
    with pytest.raises(ValueError, match=r"dout: expected shape \(1, 2, 2\)"):
        embedding_backward(np.zeros((1, 2, 3)), cache)
