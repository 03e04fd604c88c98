"""check_shapes / check_float / check_int: errors name the argument, the expected and the received shape."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlab._validate import check_float, check_int, check_shapes


def test_check_shapes_returns_symbol_sizes():
    dims = check_shapes(x=(np.zeros((2, 3)), "N D"), W=(np.zeros((3, 5)), "D H"), b=(np.zeros(5), "H"))
    assert dims == {"N": 2, "D": 3, "H": 5}


def test_symbol_mismatch_names_argument_expected_and_received_shape():
    with pytest.raises(ValueError, match=r"W: expected shape \(D, H\) = \(3, H\), got \(4, 5\)"):
        check_shapes(x=(np.zeros((2, 3)), "N D"), W=(np.zeros((4, 5)), "D H"))


def test_wrong_number_of_axes():
    with pytest.raises(ValueError, match=r"b: expected 1-d array of shape \(H\), got shape \(1, 5\)"):
        check_shapes(b=(np.zeros((1, 5)), "H"))


def test_non_array_is_rejected_by_name():
    with pytest.raises(ValueError, match="x: expected a numpy array of shape .* got list"):
        check_shapes(x=([1.0, 2.0], "T"))


def test_literal_sizes_and_wildcards():
    check_shapes(W2=(np.zeros((4, 1)), "H 1"), any=(np.zeros((7, 2)), "* 2"))
    with pytest.raises(ValueError, match="W2: .*axis 1 should be 1"):
        check_shapes(W2=(np.zeros((4, 2)), "H 1"))


def test_dims_passed_in_are_enforced():
    with pytest.raises(ValueError, match="h0"):
        check_shapes({"H": 3}, h0=(np.zeros((2, 4)), "N H"))


def test_check_float_accepts_float32_and_float64_only():
    check_float(a=np.zeros(2, np.float32), b=np.zeros(2))
    with pytest.raises(ValueError, match="idx: expected a float32 or float64 array, got dtype int64"):
        check_float(idx=np.arange(2, dtype=np.int64))


def test_check_int_rejects_floats():
    check_int(tokens=np.arange(3))
    with pytest.raises(ValueError, match="tokens: expected an integer array"):
        check_int(tokens=np.zeros(3))
