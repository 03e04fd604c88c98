"""The adding problem, the copy task and the windowed parity, against their definitions and hand-worked examples."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlab.data import ADDING_BASELINE_MSE, adding_problem, copy_task, window_parity


def rng(seed=0):
    return np.random.default_rng(seed)


def test_adding_problem_shapes_and_seeding():
    x, y = adding_problem(5, 12, rng=rng(0))
    assert x.shape == (5, 12, 2) and y.shape == (5,)
    assert x.dtype == np.float64 and y.dtype == np.float64
    x2, y2 = adding_problem(5, 12, rng=rng(0))
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    assert not np.allclose(x, adding_problem(5, 12, rng=rng(1))[0])


def test_adding_problem_has_two_markers_one_in_each_half_and_the_target_is_their_sum():
    T = 9  # halves: steps 0..3 and 4..8
    x, y = adding_problem(500, T, rng=rng(2))
    values, markers = x[:, :, 0], x[:, :, 1]
    assert set(np.unique(markers)) == {0.0, 1.0}
    np.testing.assert_array_equal(markers[:, : T // 2].sum(axis=1), 1)
    np.testing.assert_array_equal(markers[:, T // 2 :].sum(axis=1), 1)
    assert values.min() >= 0 and values.max() < 1
    np.testing.assert_allclose(y, (values * markers).sum(axis=1))
    # every position of each half gets a marker in some sequence
    assert np.all(markers.sum(axis=0) > 0)


def test_adding_problem_with_two_steps_marks_both():
    x, y = adding_problem(3, 2, rng=rng(0))
    np.testing.assert_array_equal(x[:, :, 1], 1)
    np.testing.assert_allclose(y, x[:, 0, 0] + x[:, 1, 0])


def test_the_baseline_is_the_variance_of_a_sum_of_two_uniforms():
    assert ADDING_BASELINE_MSE == pytest.approx(2 * (1 / 12))  # Var U(0, 1) = 1/12
    _, y = adding_problem(40_000, 6, rng=rng(3))
    assert y.mean() == pytest.approx(1.0, abs=0.01)
    assert np.mean((y - 1.0) ** 2) == pytest.approx(ADDING_BASELINE_MSE, abs=0.005)


def test_copy_task_hand_worked_example():
    # n_copy 2, delay 3: L = 2 * 2 + 3 = 7, "go" = n_symbols + 1 = 5 at step n_copy + delay - 1 = 4
    x, y = copy_task(4, n_copy=2, delay=3, n_symbols=4, rng=rng(0))
    assert x.shape == y.shape == (4, 7)
    assert np.issubdtype(x.dtype, np.integer) and np.issubdtype(y.dtype, np.integer)
    for n in range(4):
        s1, s2 = x[n, :2]
        assert 1 <= s1 <= 4 and 1 <= s2 <= 4
        assert list(x[n]) == [s1, s2, 0, 0, 5, 0, 0]
        assert list(y[n]) == [0, 0, 0, 0, 0, s1, s2]


def test_copy_task_uses_every_symbol_and_is_seeded():
    x, _ = copy_task(200, n_copy=5, delay=10, n_symbols=8, rng=rng(1))
    assert set(np.unique(x[:, :5])) == set(range(1, 9))
    np.testing.assert_array_equal(x, copy_task(200, n_copy=5, delay=10, n_symbols=8, rng=rng(1))[0])


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: adding_problem(0, 10, rng=rng()), "N"),
        (lambda: adding_problem(4, 1, rng=rng()), "T"),
        (lambda: adding_problem(4, 10.0, rng=rng()), "T"),
        (lambda: adding_problem(4, 10, rng=0), "rng"),
        (lambda: copy_task(4, n_copy=0, rng=rng()), "n_copy"),
        (lambda: copy_task(4, delay=0, rng=rng()), "delay"),
        (lambda: copy_task(4, n_symbols=0, rng=rng()), "n_symbols"),
        (lambda: copy_task(4, rng=None), "rng"),
    ],
)
def test_bad_arguments_raise_value_error_naming_them(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_window_parity_labels_the_parity_of_the_last_k_bits():
    x, y = window_parity(50, 12, 3, rng=np.random.default_rng(0))
    assert x.shape == y.shape == (50, 12) and set(np.unique(x)) == {0, 1}
    for n in range(50):
        for t in range(12):
            assert y[n, t] == x[n, max(0, t - 2) : t + 1].sum() % 2
    assert 0.4 < y.mean() < 0.6
