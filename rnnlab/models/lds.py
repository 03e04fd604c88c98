"""Linear dynamical systems (LDS): simulate one, and infer its hidden state with the Kalman filter.

The model, with a hidden state z_t (Z,) and an observation x_t (D,) at every step t = 1 .. T::

    z_t = A z_{t-1} + w_t,   w_t ~ N(0, Q)      A (Z, Z), Q (Z, Z)   the state moves on
    x_t = C z_t + v_t,       v_t ~ N(0, R)      C (D, Z), R (D, D)   we see it through noise

States are 1-d vectors and the products follow the textbook, ``A @ z`` (not the row-vector ``x @ W`` of the
RNN layers). The Kalman filter keeps a Gaussian belief N(mu, P) about the current state and, for every new
observation, predicts (apply the dynamics) and then updates (weigh the prediction against the observation)::

    mu, P = kalman_filter(x, A, C, Q, R, mu0, P0)   # mu (T, Z), P (T, Z, Z): belief about z_t given x_1..x_t
"""

from __future__ import annotations

import numpy as np

from rnnlab._validate import check_count, check_float, check_rng, check_shapes


def simulate_lds(A, C, Q, R, z0, T: int, *, rng: np.random.Generator):
    """Draw T steps of the LDS z_t = A z_{t-1} + w_t, x_t = C z_t + v_t, starting from the given state z0.

    Inputs:
    - A: transition matrix, of shape (Z, Z)
    - C: observation matrix, of shape (D, Z)
    - Q: process-noise covariance, of shape (Z, Z)
    - R: observation-noise covariance, of shape (D, D)
    - z0: the state before the first step, of shape (Z,)
    - T: number of steps
    - rng: numpy.random.Generator; all process noise is drawn first, then all observation noise

    Returns a tuple of:
    - z: hidden states z_1 .. z_T, of shape (T, Z)
    - x: observations x_1 .. x_T, of shape (T, D)
    """
    dims = _check_model(A, C, Q, R)
    check_shapes(dims, z0=(z0, "Z"))
    check_float(z0=z0)
    check_count("T", T)
    check_rng(rng)
    Z, D = dims["Z"], dims["D"]
    w = rng.multivariate_normal(np.zeros(Z), Q, size=T)
    v = rng.multivariate_normal(np.zeros(D), R, size=T)
    z = np.empty((T, Z))
    z_prev = z0
    for t in range(T):
        z[t] = z_prev = A @ z_prev + w[t]
    return z, z @ C.T + v


def kalman_step(mu, P, x, A, C, Q, R):
    """One step of the Kalman filter: predict with the dynamics, then update with the observation x.

    predict:  mu_pred = A mu,                 P_pred = A P A^T + Q
    update:   S = C P_pred C^T + R,           K = P_pred C^T S^-1
              mu_new = mu_pred + K (x - C mu_pred),   P_new = (I - K C) P_pred

    Inputs:
    - mu, P: belief N(mu, P) about the previous state, of shapes (Z,) and (Z, Z)
    - x: the new observation, of shape (D,)
    - A, C, Q, R: the model, of shapes (Z, Z), (D, Z), (Z, Z), (D, D)

    Returns a tuple of:
    - mu_new: mean of the belief about the new state, of shape (Z,)
    - P_new: its covariance, of shape (Z, Z)
    """
    dims = _check_model(A, C, Q, R)
    check_shapes(dims, mu=(mu, "Z"), P=(P, "Z Z"), x=(x, "D"))
    check_float(mu=mu, P=P, x=x)
    mu_pred = A @ mu
    P_pred = A @ P @ A.T + Q
    S = C @ P_pred @ C.T + R
    K = np.linalg.solve(S, C @ P_pred).T  # = P_pred C^T S^-1, as P_pred and S are symmetric
    mu_new = mu_pred + K @ (x - C @ mu_pred)
    P_new = (np.eye(mu.size) - K @ C) @ P_pred
    return mu_new, (P_new + P_new.T) / 2  # symmetric up to rounding; keep it exactly symmetric


def kalman_filter(x, A, C, Q, R, mu0, P0):
    """Run the Kalman filter over observations x_1 .. x_T from the prior belief N(mu0, P0) about z_0.

    Inputs:
    - x: observations, of shape (T, D)
    - A, C, Q, R: the model, of shapes (Z, Z), (D, Z), (Z, Z), (D, D)
    - mu0, P0: belief about the state before the first step, of shapes (Z,) and (Z, Z)

    Returns a tuple of:
    - mu: filtered means, of shape (T, Z); mu[t] is the mean of the belief about the state that produced
      x[t], given x[0] .. x[t]
    - P: the matching covariances, of shape (T, Z, Z)
    """
    dims = _check_model(A, C, Q, R)
    check_shapes(dims, x=(x, "T D"), mu0=(mu0, "Z"), P0=(P0, "Z Z"))
    T, Z = dims["T"], dims["Z"]
    mu, P = np.empty((T, Z)), np.empty((T, Z, Z))
    belief = (mu0, P0)
    for t in range(T):
        mu[t], P[t] = belief = kalman_step(*belief, x[t], A, C, Q, R)
    return mu, P


def _check_model(A, C, Q, R) -> dict[str, int]:
    dims = check_shapes(A=(A, "Z Z"), C=(C, "D Z"), Q=(Q, "Z Z"), R=(R, "D D"))
    check_float(A=A, C=C, Q=Q, R=R)
    return dims
