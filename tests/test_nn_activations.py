"""Sigmoid, softmax and log-softmax: correct values, and no overflow warnings at |x| = 1e3."""

import math
import warnings

import numpy as np
import pytest

from rnnlab.nn import log_softmax, sigmoid, softmax

EXTREME = np.array([-1e3, -40.0, -5.0, 0.0, 2.0, 40.0, 1e3])


def test_sigmoid_matches_the_formula_and_worked_numbers():
    x = np.linspace(-30, 30, 61)
    expected = np.array([1 / (1 + math.exp(-v)) for v in x])
    np.testing.assert_allclose(sigmoid(x), expected, rtol=0, atol=1e-15)
    assert sigmoid(np.array(-5.0)) == pytest.approx(0.0066929, abs=1e-7)  # the LSTM notebook's "about 0.01"


def test_sigmoid_in_place_and_float32():
    x = np.array([-2.0, 0.0, 3.0], dtype=np.float32)
    expected = 1 / (1 + np.exp(-x.astype(np.float64)))
    out = sigmoid(x, out=x)
    assert out is x and x.dtype == np.float32
    np.testing.assert_allclose(x, expected, rtol=1e-6)


def test_softmax_sums_to_one_and_ignores_shifts():
    x = np.random.default_rng(0).normal(size=(4, 5))
    p = softmax(x)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, atol=1e-15)
    np.testing.assert_allclose(softmax(x + 100.0), p, atol=1e-15)
    expected = np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True)
    np.testing.assert_allclose(p, expected, rtol=1e-13)
    np.testing.assert_allclose(log_softmax(x), np.log(expected), rtol=1e-13)
    np.testing.assert_allclose(softmax(x, axis=0).sum(axis=0), 1.0, atol=1e-15)


def test_no_overflow_at_extreme_inputs():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = sigmoid(EXTREME)
        p = softmax(EXTREME)
        lp = log_softmax(EXTREME)
    assert s[0] == 0.0 and s[-1] == 1.0 and np.all((s >= 0) & (s <= 1))
    assert p[-1] == 1.0 and np.all(np.isfinite(p))
    assert lp[-1] == 0.0 and lp[0] == -2e3 and np.all(np.isfinite(lp))
