"""Checks for notebook 02_models_with_memory: simulate_lds, hmm_forward and kalman_step.

Each check isolates one term at a time so a failure names the likely mistake, prints one line on success and
raises AssertionError with a message for the student otherwise::

    from rnnlab.checks import models_with_memory
    models_with_memory.check_hmm_forward(hmm_forward)
"""

from __future__ import annotations

import numpy as np

from rnnlab.checks._common import (
    StudentCallError,
    as_array,
    assert_not_delegating,
    call_student,
    expect_close,
    expect_shape,
    expect_tuple,
    fail,
    is_close,
    passed,
)
from rnnlab.checks._common import references as _references
from rnnlab.models import hmm as _hmm
from rnnlab.models import lds as _lds

# What the grader withholds from the student's kernel and answers outside it, seeing every call
# (rnnlab.grading.withhold): rnnlab's own answers to this notebook's exercises and what computes them too.
WITHHELD_WHILE_GRADING = (_lds.simulate_lds, _hmm.hmm_forward, _lds.kalman_step)

# ---------------------------------------------------------------------------------------------------
# simulate_lds

_A = np.array([[0.9, -0.4], [0.3, 0.8]])  # not symmetric, so A and A.T move a state differently
_Z0 = np.array([1.0, 2.0])
_Q = np.array([[0.5, 0.2], [0.2, 0.3]])
_R = np.array([[0.2, -0.1], [-0.1, 0.6]])  # differs from _Q, so swapped covariances show
_C = np.array([[1.0, 0.5], [-0.5, 1.0]])  # D = Z = 2, so swapped Q and R still run; not symmetric
_ZERO_NOISE_NOTE = (
    "This check first runs without noise, Q = 0 and R = 0, where np.linalg.cholesky fails: draw the noise with "
    "rng.multivariate_normal(np.zeros(Z), Q), which accepts a zero covariance"
)


def check_simulate_lds(simulate_lds) -> None:
    """simulate_lds(A, C, Q, R, z0, T, rng) -> (z (T, Z), x (T, D)), z_t = A z_{t-1} + w_t, x_t = C z_t + v_t."""
    __tracebackhide__ = True
    _check_noiseless(simulate_lds)
    _check_uses_rng(simulate_lds)
    _check_noise(simulate_lds)
    _check_one_sensor(simulate_lds)
    passed("simulate_lds: shapes, dynamics, observations, rng, noise covariances and D = 1 are right")


def _check_noiseless(simulate_lds) -> None:
    """Q = 0 and R = 0: the sequence is exact, so the dynamics and the observations can be checked alone."""
    __tracebackhide__ = True
    T = 6
    args = (_A.copy(), _C.copy(), np.zeros((2, 2)), np.zeros((2, 2)), _Z0.copy(), T)
    result, message = _with_note(
        lambda: assert_not_delegating(simulate_lds, _lds.simulate_lds, *args, rng=np.random.default_rng(0)),
        _ZERO_NOISE_NOTE,
        only=np.linalg.LinAlgError,
    )
    if message is not None:
        fail(message, key="used_cholesky")
    z, x = expect_tuple("simulate_lds(A, C, Q, R, z0, T, rng)", result, ("z", "x"))
    if as_array("z", z).shape == (T + 1, 2):
        fail("`z` has T + 1 rows: return z_1 .. z_T, the T states after z0; z0 itself is not part of the output",
             key="included_z0")
    expect_shape("z", z, (T, 2), hint="one state per step: z has shape (T, Z)")
    expect_shape("x", x, (T, 2), hint="one observation per step: x has shape (T, D)")

    states = _noiseless_states(_A, _Z0, T)  # rows z_1 .. z_T
    previous = np.vstack([_Z0, states[:-1]])  # rows z_0 .. z_{T-1}
    if is_close(z, previous):
        fail("`z` starts with z0: the first row should be z_1 = A z0 + w_1, the state after the first step",
             key="state_before_step")
    if is_close(z, _noiseless_states(_A.T, _Z0, T)):
        fail(
            "with Q = 0 your states follow A.T instead of A: the new state is A @ z_prev (z_prev @ A multiplies "
            "by the transpose)",
            key="a_transposed",
        )
    expect_close("z", z, states, hint="with Q = 0 the states should be z_t = A @ z_{t-1}, starting from z0",
                 key="wrong_z")
    if is_close(x, previous @ _C.T):
        fail("`x` is computed from the previous state: first move the state on, then observe it, x_t = C z_t + v_t",
             key="observed_previous_state")
    if is_close(x, states @ _C):
        fail("with R = 0 your observations are C.T @ z_t: the observation is C @ z_t", key="c_transposed")
    expect_close("x", x, states @ _C.T, hint="with R = 0 the observations should be x_t = C @ z_t", key="wrong_x")


def _check_one_sensor(simulate_lds) -> None:
    """D = 1 sensor for Z = 2 states: x keeps its observation axis and nothing may assume D = Z."""
    __tracebackhide__ = True
    C = np.array([[1.0, -0.5]])
    call = "simulate_lds(A, C, Q, R, z0, T, rng) with D = 1"
    hint = "right with D = Z = 2 but not with one sensor, D = 1: take Z and D from the shapes of A and C"
    args = (_A.copy(), C.copy(), np.zeros((2, 2)), np.zeros((1, 1)), _Z0.copy(), 4)
    result, message = _with_note(lambda: call_student(simulate_lds, call, *args, rng=np.random.default_rng(0)), hint)
    if message is not None:
        fail(message, key="hard_coded_sizes")
    _, x = expect_tuple(call, result, ("z", "x"))
    if as_array("x", x).shape == (4,):
        fail("`x` has shape (T,) but should be (T, D) = (T, 1): keep the observation axis even when D = 1",
             key="dropped_observation_axis")
    expect_close("x", x, _noiseless_states(_A, _Z0, 4) @ C.T, hint=hint, key="hard_coded_sizes")


def _with_note(attempt, note: str, only: type | None = None) -> tuple:
    """Return (attempt(), None); if the student's function raised (only: that exception type), return (None, the
    error's message with ``note`` added), for the caller to fail with the key of the mistake ``note`` names,
    outside the except block, so with no chained traceback."""
    __tracebackhide__ = True
    try:
        return attempt(), None
    except StudentCallError as err:
        if err.raised is NotImplementedError or (only is not None and err.raised is not only):
            raise
        return None, f"{err}\n{note}"


def _noiseless_states(A: np.ndarray, z0: np.ndarray, T: int) -> np.ndarray:
    states = [A @ z0]
    while len(states) < T:
        states.append(A @ states[-1])
    return np.array(states)


def _simulate(simulate_lds, Q, R, T: int, seed: int):
    __tracebackhide__ = True
    call = "simulate_lds(A, C, Q, R, z0, T, rng)"
    args = (_A.copy(), _C.copy(), Q.copy(), R.copy(), _Z0.copy(), T)
    z, x = expect_tuple(call, call_student(simulate_lds, call, *args, rng=np.random.default_rng(seed)), ("z", "x"))
    expect_shape("z", z, (T, 2), hint="one state per step: z has shape (T, Z)")
    expect_shape("x", x, (T, 2), hint="one observation per step: x has shape (T, D)")
    return as_array("z", z), as_array("x", x)


def _check_uses_rng(simulate_lds) -> None:
    __tracebackhide__ = True
    first = _simulate(simulate_lds, _Q, _R, 20, seed=5)
    again = _simulate(simulate_lds, _Q, _R, 20, seed=5)
    other = _simulate(simulate_lds, _Q, _R, 20, seed=6)
    if not (is_close(first[0], again[0]) and is_close(first[1], again[1])):
        fail(
            "two calls with np.random.default_rng(5) gave different sequences: draw every random number from "
            "the `rng` argument (e.g. rng.multivariate_normal), never from np.random",
            key="used_global_random",
        )
    if is_close(first[0], other[0]) and is_close(first[1], other[1]):
        fail(
            "rng = np.random.default_rng(5) and default_rng(6) gave the same sequence: draw the noise from the "
            "`rng` you are given, not from a generator of your own",
            key="used_own_generator",
        )


def _check_noise(simulate_lds) -> None:
    """With T = 3000 steps the sample covariances of the noise terms must be close to Q and R."""
    __tracebackhide__ = True
    z, x = _simulate(simulate_lds, _Q, _R, 3000, seed=7)
    w = z - np.vstack([_Z0, z[:-1]]) @ _A.T  # w_t = z_t - A z_{t-1}
    v = x - z @ _C.T  # v_t = x_t - C z_t
    for name, noise, cov, symbol in (("process", w, _Q, "w_t ~ N(0, Q)"), ("observation", v, _R, "v_t ~ N(0, R)")):
        if np.allclose(noise, 0.0):
            message = f"your simulation has no {name} noise: add {symbol}, e.g. rng.multivariate_normal(zeros, cov)"
            if cov is _Q:
                fail(message, key="forgot_process_noise")
            fail(message, key="forgot_observation_noise")
        if np.allclose(noise[1:], noise[0]):
            fail(f"your {name} noise is the same at every step: draw a fresh {symbol} at each step",
                 key="noise_drawn_once")
        sample_cov = noise.T @ noise / len(noise)
        other = _R if cov is _Q else _Q
        if np.allclose(sample_cov, other, atol=0.06) and not np.allclose(sample_cov, cov, atol=0.06):
            fail("you swapped Q and R: Q is the covariance of the process noise w_t, R of the observation noise v_t",
                 key="q_r_swapped")
        if not np.allclose(noise.mean(axis=0), 0.0, atol=0.06) or not np.allclose(sample_cov, cov, atol=0.06):
            fail(
                f"the {name} noise should be {symbol}, but over 3000 steps its mean is "
                f"{np.round(noise.mean(axis=0), 2)} and its covariance {np.round(sample_cov, 2).tolist()}: pass "
                "a zero mean and the covariance matrix itself (not its square root) to rng.multivariate_normal",
                key="wrong_noise_covariance",
            )


# ---------------------------------------------------------------------------------------------------
# hmm_forward

_PI = np.array([0.6, 0.3, 0.1])
_TRANS = np.array([[0.8, 0.15, 0.05], [0.1, 0.6, 0.3], [0.3, 0.2, 0.5]])  # rows sum to 1, columns do not
_EMIT = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.25, 0.5, 0.25]])  # K = M = 3, so B[obs] still runs
_OBS = np.array([2, 0, 0, 1, 2])
_FORWARD_HINT = "predict with belief = alpha[t-1] @ A, multiply by the emission column B[:, obs[t]], then normalise"


def check_hmm_forward(hmm_forward) -> None:
    """hmm_forward(pi, A, B, obs) -> (log_likelihood, alpha (T, K)), alpha normalised at every step."""
    __tracebackhide__ = True
    T, K = _OBS.size, _PI.size
    result = assert_not_delegating(hmm_forward, _hmm.hmm_forward, *_hmm_args(_OBS))
    log_likelihood, alpha = _forward_result(result)
    if as_array("alpha", alpha).shape == (K, T):
        fail("`alpha` has shape (K, T) but should be (T, K): one row per time step, one column per state",
             key="alpha_transposed")
    if as_array("alpha", alpha).shape == (T + 1, K):
        fail("`alpha` has T + 1 rows: alpha[0] is already the distribution after seeing obs[0]; don't store pi",
             key="included_pi")
    expect_shape("alpha", alpha, (T, K), hint="one row per observation, one column per hidden state: (T, K)")

    _check_first_step(hmm_forward)
    _check_recursion(as_array("alpha", alpha))
    _check_log_likelihood(log_likelihood)
    _check_long_sequence(hmm_forward)
    passed("hmm_forward: first step, recursion, normalisation, log-likelihood and a 500-step sequence are right")


def _hmm_args(obs: np.ndarray) -> tuple:
    return _PI.copy(), _TRANS.copy(), _EMIT.copy(), obs.copy()


def _forward_result(result) -> tuple[float, np.ndarray]:
    __tracebackhide__ = True
    log_likelihood, alpha = expect_tuple("hmm_forward(pi, A, B, obs)", result, ("log_likelihood", "alpha"))
    if np.ndim(as_array("log_likelihood", log_likelihood)) != 0:
        fail(f"`log_likelihood` should be a single number, got shape {np.shape(log_likelihood)}",
             key="log_likelihood_not_scalar")
    return float(as_array("log_likelihood", log_likelihood)), alpha


def _call_forward(hmm_forward, obs: np.ndarray) -> tuple[float, np.ndarray]:
    __tracebackhide__ = True
    result = call_student(hmm_forward, "hmm_forward(pi, A, B, obs)", *_hmm_args(obs))
    log_likelihood, alpha = _forward_result(result)
    expect_shape("alpha", alpha, (obs.size, _PI.size), hint="one row per observation: (T, K)")
    return log_likelihood, as_array("alpha", alpha)


def _normalise(p: np.ndarray) -> np.ndarray:
    return p / p.sum(axis=-1, keepdims=True)


def _check_first_step(hmm_forward) -> None:
    __tracebackhide__ = True
    obs = _OBS[:1]
    _, alpha = _call_forward(hmm_forward, obs)
    joint = _PI * _EMIT[:, obs[0]]
    if is_close(alpha[0], joint):
        fail("alpha[0] is not normalised: divide pi * B[:, obs[0]] by its sum so that alpha[0] sums to 1",
             key="alpha_not_normalised")
    if is_close(alpha[0], _normalise(_PI @ _TRANS * _EMIT[:, obs[0]])):
        fail("the first step has no transition: pi is already the distribution of s[0], alpha[0] ∝ pi * B[:, obs[0]]",
             key="transition_at_first_step")
    if is_close(alpha[0], _normalise(_PI * _EMIT[obs[0]])):
        fail("you used the row B[obs[t]]; the likelihood of symbol obs[t] under each state is the column B[:, obs[t]]",
             key="b_rows_not_columns")
    expect_close("alpha", alpha, _normalise(joint)[None], hint="for one observation alpha[0] ∝ pi * B[:, obs[0]]",
                 key="wrong_first_alpha")


def _variants(obs: np.ndarray) -> dict[str, np.ndarray]:
    """alpha (T, K) of the typical mistakes on the check's HMM."""

    def run(step, emission=_EMIT[:, obs].T):  # emission[t] = B[:, obs[t]], the likelihood under each state
        alpha = [_normalise(_PI * emission[0])]
        for e in emission[1:]:
            alpha.append(_normalise(step(alpha[-1], e)))
        return np.array(alpha)

    return {
        "A transposed": run(lambda a, e: (a @ _TRANS.T) * e),
        "emission first": run(lambda a, e: (a * e) @ _TRANS),
        "B rows": run(lambda a, e: (a @ _TRANS) * e, emission=_EMIT[obs]),
    }


def _check_recursion(alpha: np.ndarray) -> None:
    __tracebackhide__ = True
    if not np.allclose(alpha.sum(axis=1), 1.0):
        fail(
            f"the rows of alpha sum to {np.round(alpha.sum(axis=1), 4)}, not 1: alpha[t] is a probability "
            "distribution over states, so divide each step's product by its sum c_t",
            key="alpha_not_normalised",
        )
    variants = _variants(_OBS)
    if is_close(alpha, variants["A transposed"]):
        fail(
            "you used A transposed: A[i, j] = P(s[t] = j | s[t-1] = i), so the prediction sums over the "
            "previous state i, alpha[t-1] @ A (not A @ alpha[t-1])",
            key="a_transposed",
        )
    if is_close(alpha, variants["emission first"]):
        fail(
            "you applied the emission before the transition: first move the belief on, alpha[t-1] @ A, then "
            "multiply by B[:, obs[t]], the likelihood of the new symbol under the new state",
            key="emission_before_transition",
        )
    if is_close(alpha, variants["B rows"]):
        fail("you used the row B[obs[t]]; the likelihood of symbol obs[t] under each state is the column B[:, obs[t]]",
             key="b_rows_not_columns")
    expected = _hmm.hmm_forward(*_hmm_args(_OBS))[1]
    expect_close("alpha", alpha, expected, hint=f"alpha[0] is right but a later step is not: {_FORWARD_HINT}",
                 key="wrong_alpha")


def _check_log_likelihood(log_likelihood: float) -> None:
    __tracebackhide__ = True
    log_c = np.log(_scales(_OBS))
    if np.isclose(log_likelihood, 0.0):
        fail("`log_likelihood` is 0: add up log(c_t), the log of each step's sum before you normalise",
             key="log_likelihood_not_accumulated")
    if np.isclose(log_likelihood, log_c[1:].sum()) or np.isclose(log_likelihood, log_c[-1]):
        fail("`log_likelihood` misses some steps: add log(c_t) for every t, including t = 0",
             key="log_likelihood_misses_steps")
    if np.isclose(log_likelihood, np.exp(log_c.sum())):
        fail("`log_likelihood` is the likelihood itself: return its logarithm, the sum of log(c_t)",
             key="likelihood_not_log")
    expect_close(
        "log_likelihood",
        log_likelihood,
        log_c.sum(),
        hint="alpha is right but the log-likelihood is not: it is the sum over t of log(c_t), c_t = sum of the "
        "unnormalised alpha[t]",
        key="wrong_log_likelihood",
    )


def _scales(obs: np.ndarray) -> np.ndarray:
    """c_t = P(obs[t] | obs[:t]) for the check's HMM."""
    alpha = _hmm.hmm_forward(*_hmm_args(obs))[1]
    beliefs = np.vstack([_PI, alpha[:-1] @ _TRANS])
    return (beliefs * _EMIT[:, obs].T).sum(axis=1)


def _finite(value) -> bool:
    """False if ``value`` holds NaN or inf; True otherwise, also when it is no array (as_array explains that)."""
    try:
        return bool(np.all(np.isfinite(np.asarray(value, dtype=np.float64))))
    except (TypeError, ValueError):
        return True


def _check_long_sequence(hmm_forward) -> None:
    """500 rolls of the casino: their probability, about 1e-380, is below the smallest float64."""
    __tracebackhide__ = True
    casino = _hmm.casino_hmm()
    obs = _hmm.sample_hmm(*casino, 500, rng=np.random.default_rng(8))[1]
    args = (*(p.copy() for p in casino), obs.copy())
    result = call_student(hmm_forward, "hmm_forward(pi, A, B, obs) with T = 500", *args)
    log_likelihood, alpha = expect_tuple("hmm_forward(pi, A, B, obs)", result, ("log_likelihood", "alpha"))
    if not (_finite(alpha) and _finite(log_likelihood)):
        fail(
            "on 500 rolls of the casino your results contain NaN or inf: the probability of 500 rolls (around "
            "1e-380) underflows to 0 in float64. Normalise alpha at every step and add up the logs of the "
            "normalisers c_t instead of multiplying probabilities",
            key="underflow",
        )
    log_ref, alpha_ref = _hmm.hmm_forward(*casino, obs)
    hint = f"right on 5 steps but not on 500: {_FORWARD_HINT}, at every step"
    expect_close("alpha", alpha, alpha_ref, hint=hint, key="wrong_on_long_sequence")
    expect_close("log_likelihood", log_likelihood, log_ref, hint=hint, key="wrong_on_long_sequence")


# ---------------------------------------------------------------------------------------------------
# kalman_step

_KF_A = np.array([[1.0, 0.5], [-0.2, 0.9]])
_KF_Q = np.array([[0.3, 0.1], [0.1, 0.2]])
_KF_C = np.array([[1.0, 0.4], [-0.3, 2.0]])  # D = Z = 2 and not symmetric, so a transposed gain still runs
_KF_R = np.array([[0.5, 0.1], [0.1, 0.8]])
_KF_MU = np.array([0.5, -1.0])
_KF_P = np.array([[1.0, 0.3], [0.3, 0.5]])
_KF_X = np.array([2.0, 1.0])
_UPDATE_HINT = "S = C @ P_pred @ C.T + R, K = P_pred @ C.T @ inv(S), mu_new = mu_pred + K @ (x - C @ mu_pred)"


def check_kalman_step(kalman_step) -> None:
    """kalman_step(mu, P, x, A, C, Q, R) -> (mu_new (Z,), P_new (Z, Z)): predict, then update."""
    __tracebackhide__ = True
    model = (_KF_A, _KF_C, _KF_Q, _KF_R)
    result = assert_not_delegating(kalman_step, _lds.kalman_step, *_copies(_KF_MU, _KF_P, _KF_X, *model))
    mu_new, P_new = expect_tuple("kalman_step(mu, P, x, A, C, Q, R)", result, ("mu_new", "P_new"))
    expect_shape("mu_new", mu_new, (2,), hint="the new mean has one entry per state dimension: shape (Z,)")
    expect_shape("P_new", P_new, (2, 2), hint="the new covariance is a matrix of shape (Z, Z)")

    _check_predict(kalman_step)
    _check_update(kalman_step)
    _check_both(kalman_step)
    _check_other_sizes(kalman_step)
    passed("kalman_step: prediction, gain, mean and covariance updates and their order are right")


def _copies(*arrays) -> tuple:
    return tuple(np.array(a, dtype=np.float64) for a in arrays)


def _call_step(kalman_step, mu, P, x, A, C, Q, R) -> tuple[np.ndarray, np.ndarray]:
    __tracebackhide__ = True
    call = "kalman_step(mu, P, x, A, C, Q, R)"
    result = call_student(kalman_step, call, *_copies(mu, P, x, A, C, Q, R))
    mu_new, P_new = expect_tuple(call, result, ("mu_new", "P_new"))
    expect_shape("mu_new", mu_new, mu.shape, hint="the new mean has one entry per state dimension: shape (Z,)")
    expect_shape("P_new", P_new, P.shape, hint="the new covariance is a matrix of shape (Z, Z)")
    return as_array("mu_new", mu_new), as_array("P_new", P_new)


def _update(mu_pred, P_pred, x, C, R) -> tuple[np.ndarray, np.ndarray]:
    """The correct update step, as a reference for building the typical mistakes."""
    K = P_pred @ C.T @ np.linalg.inv(C @ P_pred @ C.T + R)
    return mu_pred + K @ (x - C @ mu_pred), (np.eye(len(mu_pred)) - K @ C) @ P_pred


def _check_predict(kalman_step) -> None:
    """C = 0: the observation says nothing about the state, so the gain is 0 and only the prediction is left."""
    __tracebackhide__ = True
    A, Q, mu, P = _KF_A, _KF_Q, _KF_MU, _KF_P
    mu_new, P_new = _call_step(kalman_step, mu, P, _KF_X, A, np.zeros((2, 2)), Q, _KF_R)
    where = "with C = 0 the observation carries no information and only the prediction is left"
    if is_close(mu_new, mu):
        fail(f"{where}, but your mean did not move: predict first, mu_pred = A @ mu", key="forgot_mean_prediction")
    if is_close(mu_new, A.T @ mu):
        fail(f"{where}, but your mean moved with A.T: mu_pred = A @ mu (mu @ A multiplies by the transpose)",
             key="a_transposed")
    expect_close("mu_new", mu_new, A @ mu, hint=f"{where}: mu_new should be mu_pred = A @ mu", key="wrong_mu_pred")
    if is_close(P_new, A @ P @ A.T):
        fail(f"{where}: P_new should be A @ P @ A.T + Q; you forgot the process noise Q", key="forgot_process_noise")
    if is_close(P_new, P):
        fail(
            f"{where}, but your covariance is still the old P: the covariance moves with the dynamics too, "
            "P_pred = A @ P @ A.T + Q, and the update shrinks P_pred, not P",
            key="forgot_covariance_prediction",
        )
    if is_close(P_new, P + Q):
        fail(f"{where}: the covariance must move with the dynamics too, P_pred = A @ P @ A.T + Q",
             key="covariance_without_dynamics")
    if is_close(P_new, A @ P @ A + Q) or is_close(P_new, A.T @ P @ A + Q):
        fail(f"{where}: the transposes go like this, P_pred = A @ P @ A.T + Q", key="p_pred_transposes")
    expect_close("P_new", P_new, A @ P @ A.T + Q, hint=f"{where}: P_new should be P_pred = A @ P @ A.T + Q",
                 key="wrong_p_pred")


def _check_update(kalman_step) -> None:
    """A = I, Q = 0: the prediction leaves the belief as it is, so only the update is left."""
    __tracebackhide__ = True
    C, R, mu, P, x = _KF_C, _KF_R, _KF_MU, _KF_P, _KF_X
    mu_new, P_new = _call_step(kalman_step, mu, P, x, np.eye(2), C, np.zeros((2, 2)), R)
    where = "with A = I and Q = 0 the prediction changes nothing, so this tests the update alone"
    S = C @ P @ C.T + R
    K = P @ C.T @ np.linalg.inv(S)
    innovation = x - C @ mu
    if is_close(mu_new, mu):
        fail(f"{where}: your mean ignores the observation; add the correction K @ (x - C @ mu_pred)",
             key="forgot_correction")
    if is_close(mu_new, mu - K @ innovation):
        fail(f"{where}: the correction has the wrong sign; it is + K @ (x - C @ mu_pred), towards the observation",
             key="correction_sign_flipped")
    def gain_is(gain) -> bool:
        return is_close(mu_new, mu + gain @ innovation)

    if gain_is(K.T):
        fail(f"{where}: the gain is transposed: K = P_pred @ C.T @ inv(S) has shape (Z, D)", key="gain_transposed")
    if gain_is(P @ C.T):
        fail(f"{where}: you forgot inv(S): K = P_pred @ C.T @ inv(S)", key="forgot_inv_s")
    if gain_is(P @ C.T @ np.linalg.inv(C @ P @ C.T)):
        fail(f"{where}: S = C @ P_pred @ C.T + R; you left out the observation noise R", key="forgot_observation_noise")
    if gain_is(P @ C @ np.linalg.inv(S)):
        fail(f"{where}: C is transposed in the gain: K = P_pred @ C.T @ inv(S)", key="c_transposed")
    if gain_is(np.linalg.inv(S) @ P @ C.T):
        fail(f"{where}: inv(S) goes on the right: K = P_pred @ C.T @ inv(S)", key="inv_s_on_left")
    expect_close("mu_new", mu_new, mu + K @ innovation, hint=f"{where}: {_UPDATE_HINT}", key="wrong_mu_update")
    if is_close(P_new, P):
        fail(f"{where}: your covariance did not shrink; an observation makes us surer, P_new = (I - K @ C) @ P_pred",
             key="forgot_covariance_update")
    if is_close(P_new, (np.eye(2) + K @ C) @ P):
        fail(f"{where}: the covariance should shrink, P_new = (I - K @ C) @ P_pred, with a minus",
             key="covariance_update_sign_flipped")
    if is_close(P_new, (np.eye(2) - C @ K) @ P):
        fail(f"{where}: the order matters, P_new = (I - K @ C) @ P_pred (K @ C, not C @ K)", key="ck_instead_of_kc")
    expect_close("P_new", P_new, (np.eye(2) - K @ C) @ P, hint=f"{where}: P_new = (I - K @ C) @ P_pred",
                 key="wrong_p_update")


def _check_both(kalman_step) -> None:
    __tracebackhide__ = True
    A, C, Q, R, mu, P, x = _KF_A, _KF_C, _KF_Q, _KF_R, _KF_MU, _KF_P, _KF_X
    mu_new, P_new = _call_step(kalman_step, mu, P, x, A, C, Q, R)
    mu_pred, P_pred = A @ mu, A @ P @ A.T + Q
    mu_first, P_first = _update(mu, P, x, C, R)
    if is_close(mu_new, A @ mu_first) and is_close(P_new, A @ P_first @ A.T + Q):
        fail("you updated before predicting: first predict with A and Q, then correct the prediction with x",
             key="update_before_predict")
    K_old = P @ C.T @ np.linalg.inv(C @ P @ C.T + R)
    if is_close(mu_new, mu_pred + K_old @ (x - C @ mu_pred)):
        fail("the gain uses the old covariance P: compute S and K from the predicted covariance P_pred",
             key="gain_from_old_p")
    K = P_pred @ C.T @ np.linalg.inv(C @ P_pred @ C.T + R)
    if is_close(mu_new, mu_pred + K @ (x - C @ mu)):
        fail("the innovation compares x with C @ mu; compare it with the prediction, x - C @ mu_pred",
             key="innovation_from_old_mu")
    mu_ref, P_ref = _update(mu_pred, P_pred, x, C, R)
    hint = "prediction and update are right on their own but not together: the update starts from mu_pred, P_pred"
    expect_close("mu_new", mu_new, mu_ref, hint=hint, key="update_not_from_prediction")
    expect_close("P_new", P_new, P_ref, hint=hint, key="update_not_from_prediction")


def _check_other_sizes(kalman_step) -> None:
    """Z = 3 states seen through D = 1 observation: nothing may assume Z = D = 2."""
    __tracebackhide__ = True
    rng = np.random.default_rng(9)
    A = 0.5 * rng.standard_normal((3, 3))
    C = rng.standard_normal((1, 3))
    L = rng.standard_normal((3, 3))
    Q, R, P = 0.1 * np.eye(3), np.array([[0.4]]), L @ L.T + np.eye(3)
    mu, x = rng.standard_normal(3), np.array([0.7])
    hint = "right for Z = D = 2 but not for Z = 3, D = 1: take sizes from the arrays (np.eye(len(mu)))"
    result, message = _with_note(lambda: _call_step(kalman_step, mu, P, x, A, C, Q, R), hint)
    if message is not None:
        fail(message, key="hard_coded_sizes")
    mu_new, P_new = result
    mu_ref, P_ref = _lds.kalman_step(mu, P, x, A, C, Q, R)
    expect_close("mu_new", mu_new, mu_ref, hint=hint, key="hard_coded_sizes")
    expect_close("P_new", P_new, P_ref, hint=hint, key="hard_coded_sizes")


def references():
    """The trusted references of notebook 02's hidden tests (see ``_common.references``)."""
    return _references(
        simulate_lds=_lds.simulate_lds, kalman_step=_lds.kalman_step, kalman_filter=_lds.kalman_filter,
        sample_hmm=_hmm.sample_hmm, hmm_forward=_hmm.hmm_forward, hmm_brute_force=_hmm.hmm_brute_force,
    )
