"""Linear dynamical systems: simulation and the Kalman filter against hand-worked values and closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlab.models import kalman_filter, kalman_step, simulate_lds

ROTATE = np.array([[0.0, -1.0], [1.0, 0.0]])  # a quarter turn: (1, 0) -> (0, 1) -> (-1, 0) -> (0, -1)


def test_simulate_without_noise_follows_the_dynamics_exactly():
    C = np.array([[2.0, 1.0]])
    no_noise = (np.zeros((2, 2)), np.zeros((1, 1)))
    z, x = simulate_lds(ROTATE, C, *no_noise, np.array([1.0, 0.0]), 4, rng=np.random.default_rng(0))
    np.testing.assert_allclose(z, [[0, 1], [-1, 0], [0, -1], [1, 0]], atol=1e-15)
    np.testing.assert_allclose(x, [[1], [-2], [-1], [2]], atol=1e-15)


def test_simulated_noise_has_the_requested_covariances():
    Q = np.array([[0.5, 0.2], [0.2, 0.3]])
    R = np.array([[0.4]])
    A = np.array([[0.9, 0.1], [0.0, 0.7]])
    C = np.array([[1.0, -1.0]])
    z, x = simulate_lds(A, C, Q, R, np.zeros(2), 20000, rng=np.random.default_rng(1))
    w = z - np.vstack([np.zeros(2), z[:-1]]) @ A.T
    v = x - z @ C.T
    np.testing.assert_allclose(w.T @ w / len(w), Q, atol=0.02)
    np.testing.assert_allclose(v.T @ v / len(v), R, atol=0.02)
    np.testing.assert_allclose(w.mean(axis=0), 0.0, atol=0.02)


def test_simulation_is_reproducible_from_the_seed():
    args = (np.eye(1), np.eye(1), np.eye(1), np.eye(1), np.zeros(1), 10)
    first = simulate_lds(*args, rng=np.random.default_rng(3))
    again = simulate_lds(*args, rng=np.random.default_rng(3))
    other = simulate_lds(*args, rng=np.random.default_rng(4))
    np.testing.assert_array_equal(first[0], again[0])
    assert not np.allclose(first[0], other[0])


def test_kalman_step_scalar_worked_example():
    # mu = 0, P = 1, A = Q = C = 1, R = 2, x = 4: P_pred = 2, S = 4, K = 1/2, mu_new = 2, P_new = 1
    one = np.ones((1, 1))
    mu_new, P_new = kalman_step(np.zeros(1), one, np.array([4.0]), one, one, one, 2 * one)
    np.testing.assert_allclose(mu_new, [2.0])
    np.testing.assert_allclose(P_new, [[1.0]])


def test_kalman_step_averages_two_equally_sure_sources():
    # A = C = I, Q = 0, P = R = I: prediction and observation are equally uncertain, so K = I/2
    mu_new, P_new = kalman_step(
        np.array([1.0, -1.0]), np.eye(2), np.array([3.0, 5.0]), np.eye(2), np.eye(2), np.zeros((2, 2)), np.eye(2)
    )
    np.testing.assert_allclose(mu_new, [2.0, 2.0])
    np.testing.assert_allclose(P_new, 0.5 * np.eye(2))


def test_kalman_step_with_an_uninformative_observation_only_predicts():
    A = np.array([[1.0, 1.0], [0.0, 1.0]])
    P = np.array([[2.0, 0.5], [0.5, 1.0]])
    Q = np.diag([0.1, 0.2])
    mu_new, P_new = kalman_step(np.array([1.0, 2.0]), P, np.array([7.0]), A, np.zeros((1, 2)), Q, np.eye(1))
    np.testing.assert_allclose(mu_new, [3.0, 2.0])
    # A P A^T by hand: [[2 + 0.5 + 0.5 + 1, 0.5 + 1], [0.5 + 1, 1]] = [[4, 1.5], [1.5, 1]]
    np.testing.assert_allclose(P_new, [[4.1, 1.5], [1.5, 1.2]])


def test_kalman_filter_reaches_the_steady_state_of_a_random_walk():
    # Local level model: the Riccati fixed point is P_pred = (q + sqrt(q^2 + 4 q r)) / 2, P = P_pred r / (P_pred + r)
    q, r = 0.3, 2.0
    one = np.ones((1, 1))
    x = np.random.default_rng(5).standard_normal((200, 1))
    _, P = kalman_filter(x, one, one, q * one, r * one, np.zeros(1), 10 * one)
    P_pred = (q + np.sqrt(q**2 + 4 * q * r)) / 2
    np.testing.assert_allclose(P[-1, 0, 0], P_pred * r / (P_pred + r), rtol=1e-10)


def test_kalman_filter_equals_conditioning_the_joint_gaussian():
    """Brute force: stack z_0, w_1..w_T, v_1..v_T into one Gaussian vector, write every z_t and x_t as a linear map
    of it, and condition on x_1..x_t with the textbook formula for each t."""
    rng = np.random.default_rng(6)
    Zs, D, T = 2, 1, 4
    A = np.array([[0.9, 0.3], [-0.2, 0.8]])
    C = np.array([[1.0, 0.5]])
    Q = np.array([[0.3, 0.1], [0.1, 0.2]])
    R = np.array([[0.5]])
    mu0 = np.array([1.0, -1.0])
    P0 = np.array([[1.0, 0.2], [0.2, 0.5]])
    x = rng.standard_normal((T, D))

    n = Zs + T * Zs + T * D  # the stacked vector e = (z_0, w_1..w_T, v_1..v_T)
    mean_e = np.concatenate([mu0, np.zeros(n - Zs)])
    cov_e = np.zeros((n, n))
    cov_e[:Zs, :Zs] = P0
    for t in range(T):
        cov_e[Zs + t * Zs : Zs + (t + 1) * Zs, Zs + t * Zs : Zs + (t + 1) * Zs] = Q
        cov_e[Zs + T * Zs + t * D : Zs + T * Zs + (t + 1) * D, Zs + T * Zs + t * D : Zs + T * Zs + (t + 1) * D] = R
    z_maps, x_maps = [], []
    z_map = np.zeros((Zs, n))
    z_map[:, :Zs] = np.eye(Zs)
    for t in range(T):
        z_map = A @ z_map
        z_map[:, Zs + t * Zs : Zs + (t + 1) * Zs] += np.eye(Zs)
        x_map = C @ z_map
        x_map[:, Zs + T * Zs + t * D : Zs + T * Zs + (t + 1) * D] += np.eye(D)
        z_maps.append(z_map.copy())
        x_maps.append(x_map)

    mu, P = kalman_filter(x, A, C, Q, R, mu0, P0)
    for t in range(T):
        Mz, Mx = z_maps[t], np.vstack(x_maps[: t + 1])
        cov_xx = Mx @ cov_e @ Mx.T
        cov_zx = Mz @ cov_e @ Mx.T
        gain = cov_zx @ np.linalg.inv(cov_xx)
        mean_post = Mz @ mean_e + gain @ (x[: t + 1].ravel() - Mx @ mean_e)
        cov_post = Mz @ cov_e @ Mz.T - gain @ cov_zx.T
        np.testing.assert_allclose(mu[t], mean_post, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(P[t], cov_post, rtol=1e-10, atol=1e-12)


def test_kalman_filter_shapes_and_float32():
    A = np.eye(3, dtype=np.float32)
    C = np.ones((2, 3), dtype=np.float32)
    mu, P = kalman_filter(
        np.zeros((5, 2), dtype=np.float32), A, C, A, np.eye(2, dtype=np.float32), np.zeros(3, np.float32), A
    )
    assert mu.shape == (5, 3) and P.shape == (5, 3, 3)
    assert np.allclose(P[-1], P[-1].T)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda m: simulate_lds(np.ones((2, 3)), *m[1:], np.zeros(2), 5, rng=np.random.default_rng(0)), "A"),
        (lambda m: simulate_lds(m[0], np.ones((1, 3)), *m[2:], np.zeros(2), 5, rng=np.random.default_rng(0)), "C"),
        (lambda m: simulate_lds(*m, np.zeros(3), 5, rng=np.random.default_rng(0)), "z0"),
        (lambda m: simulate_lds(*m, np.zeros(2), 0, rng=np.random.default_rng(0)), "T"),
        (lambda m: simulate_lds(*m, np.zeros(2), 5, rng=0), "rng"),
        (lambda m: kalman_step(np.zeros(2), np.eye(3), np.zeros(1), *m), "P"),
        (lambda m: kalman_step(np.zeros(2), np.eye(2), np.zeros(2), *m), "x"),
        (lambda m: kalman_filter(np.zeros(4), *m, np.zeros(2), np.eye(2)), "x"),
        (lambda m: kalman_step(np.zeros(2, dtype=int), np.eye(2), np.zeros(1), *m), "mu"),
    ],
)
def test_bad_input_raises_value_error_naming_the_argument(call, match):
    model = (np.eye(2), np.ones((1, 2)), np.eye(2), np.eye(1))
    with pytest.raises(ValueError, match=match):
        call(model)
