"""Padded batches: each sequence's last state, its gradient, and errors naming the argument."""

import numpy as np
import pytest

from rnnlab.gradcheck import numerical_gradient, rel_error
from rnnlab.nn import last_state_backward, last_state_forward


def test_last_state_is_read_at_each_sequence_own_end():
    h = np.arange(2 * 4 * 3, dtype=float).reshape(2, 4, 3)
    out, _ = last_state_forward(h, np.array([4, 2]))
    np.testing.assert_array_equal(out, [h[0, 3], h[1, 1]])
    np.testing.assert_array_equal(last_state_forward(h)[0], h[:, -1])


def test_last_state_gradient_matches_numerical():
    rng = np.random.default_rng(0)
    h, lengths = rng.standard_normal((3, 5, 2)), np.array([5, 1, 3])
    out, cache = last_state_forward(h, lengths)
    dout = rng.standard_normal(out.shape)
    numeric = numerical_gradient(lambda v: last_state_forward(v, lengths)[0], h.copy(), dout)
    assert rel_error(last_state_backward(dout, cache), numeric) < 1e-9


def test_errors_name_the_argument():
    h = np.zeros((2, 4, 3))
    with pytest.raises(ValueError, match=r"lengths: expected values in 1 .. T = 4"):
        last_state_forward(h, np.array([5, 1]))
    _, cache = last_state_forward(h, np.array([4, 1]))
    with pytest.raises(ValueError, match=r"dout: expected shape \(N, H\) = \(2, 3\), got \(2, 4\)"):
        last_state_backward(np.zeros((2, 4)), cache)
