"""The notebook-02 checks pass correct answers and name the typical mistakes."""

from __future__ import annotations

import re

import numpy as np
import pytest

from rnnlab.checks import models_with_memory as checks
from rnnlab.checks._common import CheckFailed
from rnnlab.models import hmm_forward as library_hmm_forward
from rnnlab.models import kalman_step as library_kalman_step
from rnnlab.models import simulate_lds as library_simulate_lds

# ---------------------------------------------------------------------------------------------------
# Answers written the way a student would, each with switches for one typical mistake.


def simulate_lds(
    A,
    C,
    Q,
    R,
    z0,
    T,
    rng,
    *,
    transpose_A=False,
    observe_previous=False,
    swap_noise=False,
    process_noise=True,
    observation_noise=True,
    fresh_noise=True,
    include_z0=False,
    transpose_C=False,
):
    Z, D = A.shape[0], C.shape[0]
    z, x = np.zeros((T, Z)), np.zeros((T, D))
    z_prev = z0
    Qn, Rn = (R, Q) if swap_noise else (Q, R)
    w_once = rng.multivariate_normal(np.zeros(Z), Qn)
    for t in range(T):
        w = rng.multivariate_normal(np.zeros(Z), Qn) if fresh_noise else w_once
        z_new = (z_prev @ A if transpose_A else A @ z_prev) + (w if process_noise else 0.0)
        seen = z_prev if observe_previous else z_new
        x[t] = (seen @ C if transpose_C else C @ seen) + (
            rng.multivariate_normal(np.zeros(D), Rn) if observation_noise else 0.0
        )
        z[t] = z_prev if include_z0 else z_new
        z_prev = z_new
    return z, x


def hmm_forward(
    pi,
    A,
    B,
    obs,
    *,
    transpose_A=False,
    emission_first=False,
    transition_at_start=False,
    rows_of_B=False,
    normalise=True,
    log=True,
    skip_first_c=False,
    normalise_at_end=False,
):
    T, K = len(obs), len(pi)
    A_used = A.T if transpose_A else A

    def emission(t):
        return B[obs[t]] if rows_of_B else B[:, obs[t]]

    alpha = np.zeros((T, K))
    cs = []
    for t in range(T):
        if t == 0:
            belief = pi @ A_used if transition_at_start else pi
            joint = belief * emission(0)
        elif emission_first:
            joint = (alpha[t - 1] * emission(t)) @ A_used
        else:
            joint = (alpha[t - 1] @ A_used) * emission(t)
        c = joint.sum()
        cs.append(c)
        alpha[t] = joint / c if normalise and not normalise_at_end else joint
    if normalise_at_end:  # the unnormalised alpha[-1] sums to P(obs)
        return float(np.log(alpha[-1].sum())), alpha / alpha.sum(axis=1, keepdims=True)
    log_cs = np.log(cs)
    if skip_first_c:
        log_cs = log_cs[1:]
    return (float(log_cs.sum()) if log else float(np.exp(log_cs.sum()))), alpha


def unscaled_forward(pi, A, B, obs):
    """Right on short sequences: alpha normalised at the end of every step, but the likelihood as a product."""
    alpha = np.zeros((len(obs), len(pi)))
    likelihood = 1.0
    for t in range(len(obs)):
        joint = (pi if t == 0 else alpha[t - 1] @ A) * B[:, obs[t]]
        likelihood *= joint.sum()
        alpha[t] = joint / joint.sum()
    return float(np.log(likelihood)), alpha


def kalman_step(
    mu,
    P,
    x,
    A,
    C,
    Q,
    R,
    *,
    predict_mean=True,
    transpose_A_mean=False,
    add_Q=True,
    propagate_P=True,
    P_transposes="A P A.T",
    innovation_sign=1.0,
    gain="right",
    shrink="I - K C",
    old_P_in_gain=False,
    innovation_from_mu=False,
    update_first=False,
):
    def predict(m, V):
        m_pred = (A.T @ m if transpose_A_mean else A @ m) if predict_mean else m
        if not propagate_P:
            V_pred = V
        else:
            V_pred = {"A P A.T": A @ V @ A.T, "A P A": A @ V @ A, "A.T P A": A.T @ V @ A}[P_transposes]
        return m_pred, V_pred + (Q if add_Q else 0.0)

    def update(m_pred, V_pred, m_old, V_old):
        V_gain = V_old if old_P_in_gain else V_pred
        S = C @ V_gain @ C.T + R
        K = {
            "right": lambda: V_gain @ C.T @ np.linalg.inv(S),
            "transposed": lambda: (V_gain @ C.T @ np.linalg.inv(S)).T,
            "no inv": lambda: V_gain @ C.T,
            "no R": lambda: V_gain @ C.T @ np.linalg.pinv(C @ V_gain @ C.T),
            "C untransposed": lambda: V_gain @ C @ np.linalg.inv(S),
            "inv left": lambda: np.linalg.inv(S) @ V_gain @ C.T,
        }[gain]()
        innovation = x - C @ (m_old if innovation_from_mu else m_pred)
        m_new = m_pred + innovation_sign * K @ innovation
        eye = np.eye(len(m_pred))
        V_new = {
            "I - K C": (eye - K @ C) @ V_pred,
            "none": V_pred,
            "I + K C": (eye + K @ C) @ V_pred,
            "I - C K": (eye - C @ K) @ V_pred,
            "old P": (eye - K @ C) @ V_old,
        }[shrink]
        return m_new, V_new

    if update_first:
        m_u, V_u = update(mu, P, mu, P)
        return predict(m_u, V_u)
    m_pred, V_pred = predict(mu, P)
    return update(m_pred, V_pred, mu, P)


def kalman_step_joseph(mu, P, x, A, C, Q, R):
    """Right too: np.linalg.solve instead of inv, and Joseph's form of the covariance update."""
    mu_pred, P_pred = A @ mu, A @ P @ A.T + Q
    K = np.linalg.solve(C @ P_pred @ C.T + R, C @ P_pred).T
    I_KC = np.eye(len(mu)) - K @ C
    return mu_pred + K @ (x - C @ mu_pred), I_KC @ P_pred @ I_KC.T + K @ R @ K.T


def returns_none(*args, **kwargs):
    return None


def raises(*args, **kwargs):
    raise KeyError("W3")


def unanswered(*args, **kwargs):
    raise NotImplementedError()


def bug(fn, **switches):
    return lambda *args, **kwargs: fn(*args, **kwargs, **switches)


# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("check", "student"),
    [
        (checks.check_simulate_lds, simulate_lds),
        (checks.check_hmm_forward, hmm_forward),
        (checks.check_kalman_step, kalman_step),
        (checks.check_kalman_step, kalman_step_joseph),
    ],
)
def test_correct_answers_pass_with_one_success_line(check, student, capsys):
    check(student)
    out = capsys.readouterr().out
    assert out.startswith("✔") and out.count("\n") == 1


def test_a_log_space_forward_algorithm_passes(capsys):
    def log_space(pi, A, B, obs):
        log_alpha = np.log(pi) + np.log(B[:, obs[0]])
        rows = [log_alpha]
        for o in obs[1:]:
            top = log_alpha.max()
            log_alpha = np.log(np.exp(log_alpha - top) @ A) + top + np.log(B[:, o])
            rows.append(log_alpha)
        rows = np.array(rows)
        log_norm = np.log(np.exp(rows - rows.max(axis=1, keepdims=True)).sum(axis=1)) + rows.max(axis=1)
        return float(log_norm[-1]), np.exp(rows - log_norm[:, None])

    checks.check_hmm_forward(log_space)
    assert capsys.readouterr().out.startswith("✔")


def test_a_simulation_drawing_all_noise_at_once_passes(capsys):
    checks.check_simulate_lds(_batched)
    assert capsys.readouterr().out.startswith("✔")


def _batched(A, C, Q, R, z0, T, rng):
    eps = rng.standard_normal((T, A.shape[0] + C.shape[0]))
    w = eps[:, : A.shape[0]] @ _sqrt(Q).T
    v = eps[:, A.shape[0] :] @ _sqrt(R).T
    z = np.zeros((T, A.shape[0]))
    z_prev = z0
    for t in range(T):
        z[t] = z_prev = A @ z_prev + w[t]
    return z, z @ C.T + v


def _sqrt(cov):
    values, vectors = np.linalg.eigh(cov)
    return vectors * np.sqrt(np.clip(values, 0, None))


def simulate_bugs():
    def global_random(A, C, Q, R, z0, T, rng):
        return simulate_lds(A, C, Q, R, z0, T, np.random.default_rng())  # fresh entropy at every call

    def own_generator(A, C, Q, R, z0, T, rng):
        return simulate_lds(A, C, Q, R, z0, T, np.random.default_rng(0))

    def cholesky(A, C, Q, R, z0, T, rng):
        np.linalg.cholesky(Q)
        return simulate_lds(A, C, Q, R, z0, T, rng)

    def standard_deviation(A, C, Q, R, z0, T, rng):
        return simulate_lds(A, C, Q @ Q, R @ R, z0, T, rng)

    def flat_x(A, C, Q, R, z0, T, rng):
        z, x = simulate_lds(A, C, Q, R, z0, T, rng)
        return z, np.squeeze(x)

    def stores_z0(A, C, Q, R, z0, T, rng):
        z, x = simulate_lds(A, C, Q, R, z0, T, rng)
        return np.vstack([z0, z]), x

    def doubled_z(A, C, Q, R, z0, T, rng):
        z, x = simulate_lds(A, C, Q, R, z0, T, rng)
        return 2 * z, x

    def doubled_x(A, C, Q, R, z0, T, rng):
        z, x = simulate_lds(A, C, Q, R, z0, T, rng)
        return z, 2 * x

    def one_sensor_per_state(A, C, Q, R, z0, T, rng):  # assumes D = Z
        z, _ = simulate_lds(A, C, Q, R, z0, T, rng)
        return z, z @ C.T + rng.multivariate_normal(np.zeros(len(z0)), R, size=T)

    return [
        (bug(simulate_lds, transpose_A=True), "your states follow A.T instead of A", "a_transposed"),
        (bug(simulate_lds, include_z0=True), "`z` starts with z0", "state_before_step"),
        (
            bug(simulate_lds, observe_previous=True),
            "`x` is computed from the previous state",
            "observed_previous_state",
        ),
        (bug(simulate_lds, transpose_C=True), "your observations are C.T @ z_t", "c_transposed"),
        (bug(simulate_lds, swap_noise=True), "you swapped Q and R", "q_r_swapped"),
        (bug(simulate_lds, process_noise=False), "your simulation has no process noise", "forgot_process_noise"),
        (
            bug(simulate_lds, observation_noise=False),
            "your simulation has no observation noise",
            "forgot_observation_noise",
        ),
        (bug(simulate_lds, fresh_noise=False), "your process noise is the same at every step", "noise_drawn_once"),
        (global_random, "draw every random number from the `rng` argument", "used_global_random"),
        (own_generator, "not from a generator of your own", "used_own_generator"),
        (cholesky, "np.linalg.cholesky fails", "used_cholesky"),
        (standard_deviation, "the process noise should be w_t ~ N(0, Q)", "wrong_noise_covariance"),
        (flat_x, "keep the observation axis even when D = 1", "dropped_observation_axis"),
        (stores_z0, "`z` has T + 1 rows", "included_z0"),
        (doubled_z, "the states should be z_t = A @ z_{t-1}", "wrong_z"),
        (doubled_x, "the observations should be x_t = C @ z_t", "wrong_x"),
        (one_sensor_per_state, "not with one sensor, D = 1", "hard_coded_sizes"),
        (library_simulate_lds, "calls rnnlab's own `simulate_lds`", "delegates"),
        (returns_none, "returned None", "returned_none"),
        (raises, "raised KeyError: 'W3'", "raised:KeyError"),
    ]


def forward_bugs():
    def alpha_transposed(pi, A, B, obs):
        log_likelihood, alpha = hmm_forward(pi, A, B, obs)
        return log_likelihood, alpha.T

    def stores_pi(pi, A, B, obs):
        log_likelihood, alpha = hmm_forward(pi, A, B, obs)
        return log_likelihood, np.vstack([pi, alpha])

    def log_likelihood_array(pi, A, B, obs):
        log_likelihood, alpha = hmm_forward(pi, A, B, obs)
        return np.array([log_likelihood]), alpha

    def log_likelihood_zero(pi, A, B, obs):
        return 0.0, hmm_forward(pi, A, B, obs)[1]

    def ignores_pi(pi, A, B, obs):
        return hmm_forward(np.full_like(pi, 1 / len(pi)), A, B, obs)

    def two_transitions_per_step(pi, A, B, obs):
        return hmm_forward(pi, A @ A, B, obs)

    def doubled_log_likelihood(pi, A, B, obs):
        log_likelihood, alpha = hmm_forward(pi, A, B, obs)
        return 2 * log_likelihood, alpha

    def floored_likelihood(pi, A, B, obs):  # finite on 500 steps, but the floor is not the likelihood
        log_likelihood, alpha = unscaled_forward(pi, A, B, obs)
        return max(log_likelihood, float(np.log(1e-300))), alpha

    def log_of_last_c(pi, A, B, obs):
        alpha = hmm_forward(pi, A, B, obs)[1]
        belief = alpha[-2] @ A if len(obs) > 1 else pi
        return float(np.log((belief * B[:, obs[-1]]).sum())), alpha

    return [
        (alpha_transposed, "`alpha` has shape (K, T) but should be (T, K)", "alpha_transposed"),
        (stores_pi, "`alpha` has T + 1 rows", "included_pi"),
        (log_likelihood_array, "`log_likelihood` should be a single number", "log_likelihood_not_scalar"),
        (bug(hmm_forward, normalise=False), "alpha[0] is not normalised", "alpha_not_normalised"),
        (bug(hmm_forward, transition_at_start=True), "the first step has no transition", "transition_at_first_step"),
        (bug(hmm_forward, rows_of_B=True), "the column B[:, obs[t]]", "b_rows_not_columns"),
        (bug(hmm_forward, log=False), "is the likelihood itself: return its logarithm", "likelihood_not_log"),
        (bug(hmm_forward, transpose_A=True), "you used A transposed", "a_transposed"),
        (
            bug(hmm_forward, emission_first=True),
            "you applied the emission before the transition",
            "emission_before_transition",
        ),
        (bug(hmm_forward, normalise_at_end=True), "underflows to 0 in float64", "underflow"),
        (unscaled_forward, "underflows to 0 in float64", "underflow"),
        (log_likelihood_zero, "`log_likelihood` is 0", "log_likelihood_not_accumulated"),
        (bug(hmm_forward, skip_first_c=True), "misses some steps", "log_likelihood_misses_steps"),
        (log_of_last_c, "misses some steps", "log_likelihood_misses_steps"),
        (ignores_pi, "for one observation alpha[0] ∝ pi * B[:, obs[0]]", "wrong_first_alpha"),
        (two_transitions_per_step, "alpha[0] is right but a later step is not", "wrong_alpha"),
        (doubled_log_likelihood, "alpha is right but the log-likelihood is not", "wrong_log_likelihood"),
        (floored_likelihood, "right on 5 steps but not on 500", "wrong_on_long_sequence"),
        (library_hmm_forward, "calls rnnlab's own `hmm_forward`", "delegates"),
        (returns_none, "returned None", "returned_none"),
        (raises, "raised KeyError", "raised:KeyError"),
    ]


def kalman_bugs():
    def shape_column(*args):
        mu_new, P_new = kalman_step(*args)
        return mu_new[:, None], P_new

    def shifted_mean(mu, P, x, A, C, Q, R):
        return kalman_step(mu + 1, P, x, A, C, Q, R)

    def doubled_Q(mu, P, x, A, C, Q, R):
        return kalman_step(mu, P, x, A, C, 2 * Q, R)

    def doubled_R(mu, P, x, A, C, Q, R):
        return kalman_step(mu, P, x, A, C, Q, 2 * R)

    def covariance_with_doubled_R(mu, P, x, A, C, Q, R):
        return kalman_step(mu, P, x, A, C, Q, R)[0], kalman_step(mu, P, x, A, C, Q, 2 * R)[1]

    def fixed_size(mu, P, x, A, C, Q, R):
        mu_pred, P_pred = A @ mu, A @ P @ A.T + Q
        K = P_pred @ C.T @ np.linalg.inv(C @ P_pred @ C.T + R)
        return mu_pred + K @ (x - C @ mu_pred), (np.eye(2) - K @ C) @ P_pred

    return [
        (shape_column, "`mu_new` has shape (2, 1) but should be (2,)", "wrong_shape"),
        (bug(kalman_step, predict_mean=False), "your mean did not move: predict first", "forgot_mean_prediction"),
        (bug(kalman_step, transpose_A_mean=True), "your mean moved with A.T", "a_transposed"),
        (bug(kalman_step, add_Q=False), "you forgot the process noise Q", "forgot_process_noise"),
        (
            bug(kalman_step, propagate_P=False, add_Q=False),
            "your covariance is still the old P",
            "forgot_covariance_prediction",
        ),
        (bug(kalman_step, P_transposes="A P A"), "the transposes go like this", "p_pred_transposes"),
        (bug(kalman_step, P_transposes="A.T P A"), "the transposes go like this", "p_pred_transposes"),
        (bug(kalman_step, innovation_sign=-1.0), "the correction has the wrong sign", "correction_sign_flipped"),
        (bug(kalman_step, innovation_sign=0.0), "your mean ignores the observation", "forgot_correction"),
        (bug(kalman_step, gain="transposed"), "the gain is transposed", "gain_transposed"),
        (bug(kalman_step, gain="no inv"), "you forgot inv(S)", "forgot_inv_s"),
        (bug(kalman_step, gain="no R"), "you left out the observation noise R", "forgot_observation_noise"),
        (bug(kalman_step, gain="C untransposed"), "C is transposed in the gain", "c_transposed"),
        (bug(kalman_step, gain="inv left"), "inv(S) goes on the right", "inv_s_on_left"),
        (bug(kalman_step, shrink="none"), "your covariance did not shrink", "forgot_covariance_update"),
        (bug(kalman_step, shrink="I + K C"), "with a minus", "covariance_update_sign_flipped"),
        (bug(kalman_step, shrink="I - C K"), "K @ C, not C @ K", "ck_instead_of_kc"),
        (bug(kalman_step, update_first=True), "you updated before predicting", "update_before_predict"),
        (bug(kalman_step, old_P_in_gain=True), "the gain uses the old covariance P", "gain_from_old_p"),
        (
            bug(kalman_step, innovation_from_mu=True),
            "compare it with the prediction, x - C @ mu_pred",
            "innovation_from_old_mu",
        ),
        (bug(kalman_step, shrink="old P"), "the update shrinks P_pred, not P", "forgot_covariance_prediction"),
        (bug(kalman_step, propagate_P=False, add_Q=True), "P_pred = A @ P @ A.T + Q", "covariance_without_dynamics"),
        (fixed_size, "right for Z = D = 2 but not for Z = 3, D = 1", "hard_coded_sizes"),
        (shifted_mean, "mu_new should be mu_pred = A @ mu", "wrong_mu_pred"),
        (doubled_Q, "P_new should be P_pred = A @ P @ A.T + Q", "wrong_p_pred"),
        (doubled_R, "this tests the update alone: S = C @ P_pred @ C.T + R, K =", "wrong_mu_update"),
        (covariance_with_doubled_R, "this tests the update alone: P_new = (I - K @ C) @ P_pred", "wrong_p_update"),
        (library_kalman_step, "calls rnnlab's own `kalman_step`", "delegates"),
        (returns_none, "returned None", "returned_none"),
        (raises, "raised KeyError", "raised:KeyError"),
    ]


@pytest.mark.parametrize(("student", "phrase", "key"), simulate_bugs())
def test_simulate_lds_bugs_are_named(student, phrase, key):
    with pytest.raises(CheckFailed, match=re.escape(phrase)) as info:
        checks.check_simulate_lds(student)
    assert info.value.key == key


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning", "ignore:invalid value:RuntimeWarning")
@pytest.mark.parametrize(("student", "phrase", "key"), forward_bugs())
def test_hmm_forward_bugs_are_named(student, phrase, key):
    with pytest.raises(CheckFailed, match=re.escape(phrase)) as info:
        checks.check_hmm_forward(student)
    assert info.value.key == key


@pytest.mark.parametrize(("student", "phrase", "key"), kalman_bugs())
def test_kalman_step_bugs_are_named(student, phrase, key):
    with pytest.raises(CheckFailed, match=re.escape(phrase)) as info:
        checks.check_kalman_step(student)
    assert info.value.key == key


@pytest.mark.parametrize("check", [checks.check_simulate_lds, checks.check_hmm_forward, checks.check_kalman_step])
def test_unanswered_exercise_says_so(check):
    with pytest.raises(CheckFailed) as info:
        check(unanswered)
    message = str(info.value)
    assert "is not implemented yet: replace `raise NotImplementedError()`" in message
    assert "cholesky" not in message  # the note on zero covariances would only confuse here
    assert info.value.__cause__ is None and info.value.__context__ is None
    assert info.value.key == "not_implemented"
