"""Hidden Markov models (HMM): sample one, and infer its hidden state with the forward algorithm.

K hidden states, M observation symbols, T steps (0-based: s[0], obs[0] come first)::

    s[0] ~ pi                 pi (K,)     pi[i] = P(s[0] = i)
    s[t] ~ A[s[t-1]]          A (K, K)    A[i, j] = P(s[t] = j | s[t-1] = i), every row sums to 1
    obs[t] ~ B[s[t]]          B (K, M)    B[i, k] = P(obs[t] = k | s[t] = i), every row sums to 1

The forward algorithm keeps the filtered distribution alpha[t, j] = P(s[t] = j | obs[0..t]) and moves it on
with one predict (@ A) and one update (* B[:, obs[t]], normalise) per step: O(T K^2) work instead of the
O(T K^T) of summing over every path, which ``hmm_brute_force`` does for checking on tiny problems.
Smoothing (``hmm_smooth``, forward-backward) and ``viterbi`` use all observations, the future ones too.
"""

from __future__ import annotations

import itertools

import numpy as np

from rnnlab._validate import check_count, check_float, check_int, check_rng, check_shapes

MAX_BRUTE_FORCE_PATHS = 2**20


def casino_hmm(stay_fair: float = 0.95, stay_loaded: float = 0.9):
    """The occasionally dishonest casino: a fair die (state 0) and a loaded one (state 1).

    The loaded die shows a six half of the time (each other face 0.1). The casino keeps its current die with
    probability stay_fair or stay_loaded and otherwise swaps; it starts with either die with probability 1/2.
    Symbols 0 .. 5 stand for the faces 1 .. 6.
    Returns a tuple of pi (2,), A (2, 2), B (2, 6).
    """
    for name, value in (("stay_fair", stay_fair), ("stay_loaded", stay_loaded)):
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{name}: expected a probability in [0, 1], got {value!r}")
    pi = np.array([0.5, 0.5])
    A = np.array([[stay_fair, 1.0 - stay_fair], [1.0 - stay_loaded, stay_loaded]])
    B = np.array([[1 / 6] * 6, [0.1] * 5 + [0.5]])
    return pi, A, B


def sample_hmm(pi, A, B, T: int, *, rng: np.random.Generator):
    """Draw a state path and its observations from the HMM (pi, A, B).

    Inputs: pi (K,), A (K, K), B (K, M) as in the module docstring; T >= 1 steps; rng a numpy Generator.
    Returns a tuple of states (T,) and obs (T,), integer arrays.
    """
    K, M = _check_hmm(pi, A, B)
    check_count("T", T)
    check_rng(rng)
    states = np.empty(T, dtype=np.int64)
    states[0] = rng.choice(K, p=pi)
    for t in range(1, T):
        states[t] = rng.choice(K, p=A[states[t - 1]])
    obs = np.array([rng.choice(M, p=B[s]) for s in states], dtype=np.int64)
    return states, obs


def sample_hmm_batch(pi, A, B, N: int, T: int, *, rng: np.random.Generator):
    """N independent draws of T steps from the HMM (pi, A, B), all sequences at once.

    Returns a tuple of states (N, T) and obs (N, T), integer arrays.
    """
    K, M = _check_hmm(pi, A, B)
    check_count("N", N)
    check_count("T", T)
    check_rng(rng)

    def draw(probs):  # one categorical draw per row of probs (N, K or M), by inverse CDF
        return (rng.random((len(probs), 1)) > np.cumsum(probs, axis=1)[:, :-1]).sum(axis=1)

    states = np.empty((N, T), dtype=np.int64)
    states[:, 0] = draw(np.tile(pi, (N, 1)))
    for t in range(1, T):
        states[:, t] = draw(A[states[:, t - 1]])
    obs = draw(B[states.ravel()]).reshape(N, T)
    return states, obs


def hmm_forward(pi, A, B, obs):
    """Forward algorithm, normalised at every step so that long sequences do not underflow.

    predict:  belief = pi at t = 0, else alpha[t-1] @ A       (sum over the previous state)
    update:   joint = belief * B[:, obs[t]];  c[t] = joint.sum();  alpha[t] = joint / c[t]
    c[t] = P(obs[t] | obs[0..t-1]), so log P(obs) = sum_t log c[t].

    Inputs:
    - pi, A, B: the HMM, of shapes (K,), (K, K), (K, M)
    - obs: observed symbols in 0 .. M-1, integer array of shape (T,)

    Returns a tuple of:
    - log_likelihood: float, log P(obs[0], ..., obs[T-1])
    - alpha: filtered distributions, of shape (T, K); alpha[t, j] = P(s[t] = j | obs[0..t]), rows sum to 1
    """
    K, M = _check_hmm(pi, A, B)
    T = _check_obs(obs, M)
    alpha = np.empty((T, K))
    log_likelihood = 0.0
    belief = pi
    for t in range(T):
        joint = belief * B[:, obs[t]]
        c = joint.sum()
        if c == 0:
            raise ValueError(f"obs: obs[{t}] = {obs[t]} is impossible under the model given the earlier symbols")
        alpha[t] = joint / c
        log_likelihood += np.log(c)
        belief = alpha[t] @ A
    return float(log_likelihood), alpha


def hmm_smooth(pi, A, B, obs):
    """Smoothing (the forward-backward algorithm): the distribution of every state given ALL observations.

    The forward pass gives alpha[t] = P(s[t] | obs[0..t]); a backward pass from the end carries
    beta[t, i] proportional to P(obs[t+1..T-1] | s[t] = i), with beta[T-1] = 1 and
    beta[t] = A @ (B[:, obs[t+1]] * beta[t+1]), normalised at every step; gamma[t] is alpha[t] * beta[t], normalised.

    Inputs as in ``hmm_forward``.
    Returns gamma, of shape (T, K); gamma[t, j] = P(s[t] = j | obs[0..T-1]), rows sum to 1.
    """
    _, alpha = hmm_forward(pi, A, B, obs)
    T, K = alpha.shape
    beta = np.ones((T, K))
    for t in range(T - 2, -1, -1):
        b = A @ (B[:, obs[t + 1]] * beta[t + 1])
        beta[t] = b / b.sum()
    gamma = alpha * beta
    return gamma / gamma.sum(axis=1, keepdims=True)


def hmm_brute_force(pi, A, B, obs):
    """The forward algorithm's results by enumerating every state path: K^(t+1) paths for each step t.

    For checking on tiny problems only (K^T paths at the last step, at most MAX_BRUTE_FORCE_PATHS).
    Inputs and returns as in ``hmm_forward``.
    """
    K, M = _check_hmm(pi, A, B)
    T = _check_obs(obs, M)
    if K**T > MAX_BRUTE_FORCE_PATHS:
        raise ValueError(f"obs: brute force needs K**T paths, at most {MAX_BRUTE_FORCE_PATHS}; got K={K}, T={T}")
    alpha = np.empty((T, K))
    for t in range(T):
        paths = np.array(list(itertools.product(range(K), repeat=t + 1)))  # (K^(t+1), t+1), one path a row
        transitions = np.prod(A[paths[:, :-1], paths[:, 1:]], axis=1)
        emissions = np.prod(B[paths, obs[: t + 1]], axis=1)
        joint = pi[paths[:, 0]] * transitions * emissions  # P(path, obs[0..t]) for every path
        alpha[t] = np.bincount(paths[:, -1], weights=joint, minlength=K) / joint.sum()
    return float(np.log(joint.sum())), alpha


def viterbi(pi, A, B, obs):
    """The single most probable state path given all observations, by dynamic programming in log space.

    Inputs as in ``hmm_forward``. Returns states, an integer array of shape (T,).
    """
    K, M = _check_hmm(pi, A, B)
    T = _check_obs(obs, M)
    with np.errstate(divide="ignore"):  # log(0) = -inf marks an impossible transition or emission
        log_pi, log_A, log_B = np.log(pi), np.log(A), np.log(B)
    best = log_pi + log_B[:, obs[0]]  # best[j]: log-probability of the best path ending in state j
    came_from = np.empty((T, K), dtype=np.int64)
    for t in range(1, T):
        scores = best[:, None] + log_A  # scores[i, j]: best path to i, then i -> j
        came_from[t] = scores.argmax(axis=0)
        best = scores.max(axis=0) + log_B[:, obs[t]]
    states = np.empty(T, dtype=np.int64)
    states[-1] = best.argmax()
    for t in range(T - 1, 0, -1):
        states[t - 1] = came_from[t, states[t]]
    return states


def _check_hmm(pi, A, B) -> tuple[int, int]:
    dims = check_shapes(pi=(pi, "K"), A=(A, "K K"), B=(B, "K M"))
    check_float(pi=pi, A=A, B=B)
    for name, probs in (("pi", pi), ("A", A), ("B", B)):
        if np.any(probs < 0) or not np.allclose(probs.sum(axis=-1), 1.0):
            raise ValueError(f"{name}: expected non-negative probabilities summing to 1 along the last axis")
    return dims["K"], dims["M"]


def _check_obs(obs, M: int) -> int:
    check_shapes(obs=(obs, "T"))
    check_int(obs=obs)
    if obs.size == 0 or obs.min() < 0 or obs.max() >= M:
        raise ValueError(f"obs: expected at least one symbol, each in 0 .. {M - 1}, got shape {obs.shape}")
    return obs.size
