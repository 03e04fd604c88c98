"""Softmax cross-entropy and the temporal softmax loss with a mask: values by hand, gradients, errors."""

import math

import numpy as np
import pytest

from rnnlab.gradcheck import numerical_gradient, rel_error
from rnnlab.nn import softmax_cross_entropy, temporal_softmax_loss


def test_cross_entropy_by_hand():
    logits = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    y = np.array([2, 0])
    loss, dlogits = softmax_cross_entropy(logits, y)
    z = math.exp(1) + math.exp(2) + math.exp(3)
    expected = (-math.log(math.exp(3) / z) + math.log(3)) / 2
    assert abs(loss - expected) < 1e-14
    np.testing.assert_allclose(dlogits[1], np.array([1 / 3 - 1, 1 / 3, 1 / 3]) / 2, atol=1e-15)


def test_cross_entropy_gradient_and_large_logits():
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((4, 5))
    y = rng.integers(0, 5, 4)
    _, dlogits = softmax_cross_entropy(logits, y)
    num = numerical_gradient(lambda x: softmax_cross_entropy(x, y)[0], logits)
    assert rel_error(dlogits, num) < 1e-7
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss, d = softmax_cross_entropy(1e3 * logits, y)
    assert math.isfinite(loss) and np.all(np.isfinite(d))


def test_temporal_loss_sums_over_time_and_averages_over_sequences():
    """N = 2, T = 3, V = 2; mask drops step 2 of sequence 1. loss = (sum of kept step losses) / N."""
    logits = np.array([[[0.0, 1.0], [2.0, 0.0], [0.5, 0.5]], [[1.0, 1.0], [0.0, 3.0], [9.0, -9.0]]])
    y = np.array([[1, 0, 0], [1, 1, 1]])
    mask = np.array([[True, True, True], [True, True, False]])

    def ce(a, b, target):
        la, lb = math.exp(a), math.exp(b)
        return -math.log((la if target == 0 else lb) / (la + lb))

    kept = [ce(0, 1, 1), ce(2, 0, 0), ce(0.5, 0.5, 0), ce(1, 1, 1), ce(0, 3, 1)]
    loss, dlogits = temporal_softmax_loss(logits, y, mask)
    assert abs(loss - sum(kept) / 2) < 1e-14
    assert np.all(dlogits[1, 2] == 0)


def test_temporal_loss_default_mask_counts_every_step():
    rng = np.random.default_rng(1)
    logits = rng.standard_normal((2, 3, 4))
    y = rng.integers(0, 4, (2, 3))
    a = temporal_softmax_loss(logits, y)
    b = temporal_softmax_loss(logits, y, np.ones((2, 3), dtype=bool))
    assert a[0] == b[0]
    np.testing.assert_array_equal(a[1], b[1])


@pytest.mark.parametrize("use_mask", [False, True])
def test_temporal_loss_gradient(use_mask):
    rng = np.random.default_rng(2)
    logits = rng.standard_normal((3, 4, 5))
    y = rng.integers(0, 5, (3, 4))
    mask = (rng.random((3, 4)) < 0.6) if use_mask else None
    _, dlogits = temporal_softmax_loss(logits, y, mask)
    num = numerical_gradient(lambda x: temporal_softmax_loss(x, y, mask)[0], logits)
    assert rel_error(dlogits, num) < 1e-7


def test_masked_steps_do_not_change_the_loss():
    rng = np.random.default_rng(3)
    logits = rng.standard_normal((2, 3, 4))
    y = rng.integers(0, 4, (2, 3))
    mask = np.array([[True, False, True], [False, False, True]])
    loss, _ = temporal_softmax_loss(logits, y, mask)
    logits[~mask] = 100.0
    assert temporal_softmax_loss(logits, y, mask)[0] == loss


def test_float32_gradient_stays_float32():
    logits = np.zeros((2, 3, 4), dtype=np.float32)
    _, d = temporal_softmax_loss(logits, np.zeros((2, 3), dtype=np.int64), np.ones((2, 3), dtype=bool))
    assert d.dtype == np.float32
    assert softmax_cross_entropy(logits[:, 0], np.zeros(2, dtype=np.int64))[1].dtype == np.float32


def test_errors():
    logits = np.zeros((2, 3, 4))
    y = np.zeros((2, 3), dtype=np.int64)
    with pytest.raises(ValueError, match=r"mask: expected a boolean array of shape \(2, 3\), got float64"):
        temporal_softmax_loss(logits, y, np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"mask: expected shape \(N, T\) = \(2, 3\), got \(3, 2\)"):
        temporal_softmax_loss(logits, y, np.ones((3, 2), dtype=bool))
    with pytest.raises(ValueError, match=r"y: expected an integer array of shape \(2, 3\), got \(2, 4\)"):
        temporal_softmax_loss(logits, np.zeros((2, 4), dtype=np.int64))
    with pytest.raises(ValueError, match=r"y: class indices must lie in \[0, 4\)"):
        temporal_softmax_loss(logits, y + 4)
    with pytest.raises(ValueError, match="y: expected an integer array"):
        softmax_cross_entropy(np.zeros((2, 4)), np.zeros(2))
    with pytest.raises(ValueError, match=r"logits: expected 2-d array of shape \(N, C\)"):
        softmax_cross_entropy(logits, y)
