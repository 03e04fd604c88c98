"""numerical_gradient against analytic gradients, and the properties rel_error promises."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from rnnlab.gradcheck import numerical_gradient, rel_error


def test_cubic_with_upstream_gradient_matches_3x_squared():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4))
    dout = rng.standard_normal((3, 4))
    num = numerical_gradient(lambda v: v**3, x, dout)
    assert rel_error(num, 3 * x**2 * dout) < 1e-8


def test_matrix_product_gradient_is_x_transpose_dout():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((5, 3))
    W = rng.standard_normal((3, 2))
    dout = rng.standard_normal((5, 2))
    num = numerical_gradient(lambda w: x @ w, W, dout)
    assert rel_error(num, x.T @ dout) < 1e-8


def test_scalar_function_needs_no_dout_and_x_is_restored():
    x = np.linspace(-2.0, 2.0, 7)
    before = x.copy()
    num = numerical_gradient(lambda v: np.sum(np.sin(v)), x)
    assert rel_error(num, np.cos(x)) < 1e-8
    np.testing.assert_array_equal(x, before)


def test_vector_function_without_dout_raises():
    with pytest.raises(ValueError, match="dout"):
        numerical_gradient(lambda v: v * 2, np.ones(3))


def test_dout_of_wrong_shape_raises():
    with pytest.raises(ValueError, match="dout"):
        numerical_gradient(lambda v: v * 2, np.ones(3), np.ones(4))


def test_integer_x_raises():
    with pytest.raises(ValueError, match="x"):
        numerical_gradient(lambda v: v.sum(), np.arange(3))


def test_rel_error_is_zero_for_equal_and_for_all_zero_arrays():
    a = np.array([1.0, -2.0, 3.0])
    assert rel_error(a, a.copy()) == 0.0
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0


def test_rel_error_is_one_for_opposite_arrays_and_large_for_unrelated_ones():
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal(50), rng.standard_normal(50)
    assert rel_error(a, -a) == pytest.approx(1.0)
    assert 0.3 < rel_error(a, b) <= 1.0


def test_rel_error_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="b"):
        rel_error(np.ones(3), np.ones(4))


finite = st.floats(-1e6, 1e6, allow_nan=False)


@settings(max_examples=50, deadline=None)
@given(arrays(np.float64, 5, elements=finite), arrays(np.float64, 5, elements=finite), st.floats(1e-3, 1e3))
def test_rel_error_is_symmetric_bounded_and_scale_free(a, b, scale):
    r = rel_error(a, b)
    assert r == rel_error(b, a)
    assert 0.0 <= r <= 1.0 + 1e-12
    assume(np.max(np.abs(a) + np.abs(b)) * min(scale, 1.0) > 1e-9)  # away from the tiny floor near zero
    assert rel_error(scale * a, scale * b) == pytest.approx(r, rel=1e-9, abs=1e-12)


def test_numerical_gradients_of_each_argument():
    from rnnlab.gradcheck import numerical_gradients

    rng = np.random.default_rng(3)
    a, b, dout = rng.normal(size=(3, 4)), rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    da, db = numerical_gradients(lambda a, b: a * b + a, [a, b], dout)
    np.testing.assert_allclose(da, dout * (b + 1), rtol=1e-8)
    np.testing.assert_allclose(db, dout * a, rtol=1e-8)
