"""Hidden Markov models: sampling, the forward algorithm, brute force and Viterbi against independent truths."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from rnnlab.models import casino_hmm, hmm_brute_force, hmm_forward, hmm_smooth, sample_hmm, sample_hmm_batch, viterbi

PI = np.array([0.5, 0.5])
A = np.array([[0.9, 0.1], [0.2, 0.8]])
B = np.array([[0.5, 0.5], [0.1, 0.9]])


def random_hmm(rng, K, M):
    return rng.dirichlet(np.ones(K)), rng.dirichlet(np.ones(K), size=K), rng.dirichlet(np.ones(M), size=K)


def test_forward_two_steps_by_hand():
    # t = 0: pi * B[:, 1] = (0.25, 0.45), c_0 = 0.7, alpha_0 = (5/14, 9/14)
    # t = 1: alpha_0 @ A = (6.3/14, 7.7/14); times B[:, 0] = (3.15/14, 0.77/14), c_1 = 0.28
    log_likelihood, alpha = hmm_forward(PI, A, B, np.array([1, 0]))
    np.testing.assert_allclose(alpha, [[5 / 14, 9 / 14], [3.15 / 3.92, 0.77 / 3.92]])
    np.testing.assert_allclose(log_likelihood, np.log(0.7 * 0.28))


def test_casino_two_sixes_worked_example():
    log_likelihood, alpha = hmm_forward(*casino_hmm(), np.array([5, 5]))
    np.testing.assert_allclose(alpha[0], [0.25, 0.75])
    # predict (0.3125, 0.6875), times (1/6, 1/2): (0.3125/6, 0.34375), c_1 = 0.3125/6 + 0.34375
    c1 = 0.3125 / 6 + 0.34375
    np.testing.assert_allclose(alpha[1], [0.3125 / 6 / c1, 0.34375 / c1])
    np.testing.assert_allclose(log_likelihood, np.log(1 / 3) + np.log(c1))


@pytest.mark.parametrize(("K", "M", "T", "seed"), [(2, 3, 6, 0), (3, 2, 5, 1), (4, 4, 4, 2), (3, 5, 1, 3)])
def test_forward_matches_brute_force_enumeration(K, M, T, seed):
    rng = np.random.default_rng(seed)
    pi, A_, B_ = random_hmm(rng, K, M)
    obs = rng.integers(0, M, size=T)
    log_fw, alpha_fw = hmm_forward(pi, A_, B_, obs)
    log_bf, alpha_bf = hmm_brute_force(pi, A_, B_, obs)
    np.testing.assert_allclose(alpha_fw, alpha_bf, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(log_fw, log_bf, rtol=1e-12)


def test_brute_force_single_step_is_bayes_rule():
    _, alpha = hmm_brute_force(PI, A, B, np.array([1]))
    np.testing.assert_allclose(alpha, [[0.25 / 0.7, 0.45 / 0.7]])


def test_forward_on_a_long_sequence_with_identical_states_is_a_sum_of_logs():
    # When every state emits with the same probabilities the states are irrelevant: log P = sum log B[0, obs]
    B_same = np.array([[0.1, 0.2, 0.7], [0.1, 0.2, 0.7]])
    obs = np.random.default_rng(4).integers(0, 3, size=3000)
    log_likelihood, alpha = hmm_forward(PI, A, B_same, obs)
    assert np.isfinite(log_likelihood) and log_likelihood < -745  # P(obs) itself would underflow to 0
    np.testing.assert_allclose(log_likelihood, np.log(B_same[0, obs]).sum(), rtol=1e-12)
    np.testing.assert_allclose(alpha.sum(axis=1), 1.0)


def test_forward_on_a_deterministic_chain_knows_the_state():
    # A cycles 0 -> 1 -> 2 -> 0 and each state emits its own symbol: alpha is one-hot and P(obs) = 1/3
    A_cycle = np.roll(np.eye(3), 1, axis=1)
    log_likelihood, alpha = hmm_forward(np.ones(3) / 3, A_cycle, np.eye(3), np.array([1, 2, 0, 1]))
    np.testing.assert_allclose(alpha, np.eye(3)[[1, 2, 0, 1]])
    np.testing.assert_allclose(log_likelihood, np.log(1 / 3))


def test_viterbi_finds_the_most_probable_path():
    rng = np.random.default_rng(7)
    pi, A_, B_ = random_hmm(rng, 3, 4)
    obs = rng.integers(0, 4, size=6)
    paths = list(itertools.product(range(3), repeat=6))

    def joint(path):
        p = pi[path[0]] * B_[path[0], obs[0]]
        for t in range(1, 6):
            p *= A_[path[t - 1], path[t]] * B_[path[t], obs[t]]
        return p

    best = max(paths, key=joint)
    np.testing.assert_array_equal(viterbi(pi, A_, B_, obs), best)


def test_viterbi_handles_impossible_transitions():
    A_cycle = np.roll(np.eye(3), 1, axis=1)
    B_noisy = np.full((3, 3), 0.1) + 0.7 * np.eye(3)
    path = viterbi(np.array([1.0, 0, 0]), A_cycle, B_noisy, np.array([2, 2, 2, 2]))
    np.testing.assert_array_equal(path, [0, 1, 2, 0])  # the only possible path, whatever the symbols say


def test_sample_hmm_frequencies_match_the_model():
    pi, A_, B_ = casino_hmm()
    states, obs = sample_hmm(pi, A_, B_, 8000, rng=np.random.default_rng(8))
    assert states.shape == obs.shape == (8000,)
    assert np.issubdtype(states.dtype, np.integer) and np.issubdtype(obs.dtype, np.integer)
    stays = [np.mean(states[1:][states[:-1] == i] == i) for i in (0, 1)]
    np.testing.assert_allclose(stays, [0.95, 0.9], atol=0.02)  # about 3 standard errors
    np.testing.assert_allclose(np.mean(obs[states == 1] == 5), 0.5, atol=0.03)
    np.testing.assert_allclose(np.mean(obs[states == 0] == 5), 1 / 6, atol=0.015)


def test_sample_hmm_is_reproducible_from_the_seed():
    first = sample_hmm(*casino_hmm(), 50, rng=np.random.default_rng(9))
    again = sample_hmm(*casino_hmm(), 50, rng=np.random.default_rng(9))
    np.testing.assert_array_equal(first[1], again[1])


def test_casino_model_is_as_documented():
    pi, A_, B_ = casino_hmm(0.8, 0.7)
    np.testing.assert_allclose(A_, [[0.8, 0.2], [0.3, 0.7]])
    np.testing.assert_allclose(B_[1], [0.1, 0.1, 0.1, 0.1, 0.1, 0.5])
    np.testing.assert_allclose(B_.sum(axis=1), 1.0)
    np.testing.assert_allclose(pi, [0.5, 0.5])


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: hmm_forward(PI, np.array([[0.9, 0.2], [0.2, 0.8]]), B, np.array([0])), "A"),
        (lambda: hmm_forward(np.array([0.5, 0.6]), A, B, np.array([0])), "pi"),
        (lambda: hmm_forward(PI, A, np.ones((3, 2)) / 2, np.array([0])), "B"),
        (lambda: hmm_forward(PI, A, B, np.array([0, 2])), "obs"),
        (lambda: hmm_forward(PI, A, B, np.array([0.0, 1.0])), "obs"),
        (lambda: hmm_forward(PI, A, B, np.zeros(0, dtype=int)), "obs"),
        (lambda: hmm_forward(np.array([1.0, 0.0]), np.eye(2), np.eye(2), np.array([1])), "impossible"),
        (lambda: hmm_brute_force(PI, A, B, np.zeros(30, dtype=int)), "brute force"),
        (lambda: sample_hmm(PI, A, B, 0, rng=np.random.default_rng(0)), "T"),
        (lambda: sample_hmm(PI, A, B, 5, rng=None), "rng"),
        (lambda: casino_hmm(1.2), "stay_fair"),
    ],
)
def test_bad_input_raises_value_error_naming_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize(("K", "M", "T", "seed"), [(2, 2, 5, 0), (3, 4, 6, 1)])
def test_smoothing_matches_enumeration_of_every_path(K, M, T, seed):
    """P(s[t] = j | all observations), summed over every state path by brute force."""
    rng = np.random.default_rng(seed)
    pi, A_, B_ = random_hmm(rng, K, M)
    obs = rng.integers(0, M, T)
    paths = np.array(list(itertools.product(range(K), repeat=T)))
    joint = pi[paths[:, 0]] * np.prod(A_[paths[:, :-1], paths[:, 1:]], axis=1) * np.prod(B_[paths, obs], axis=1)
    expected = np.stack([np.bincount(paths[:, t], weights=joint, minlength=K) for t in range(T)]) / joint.sum()
    np.testing.assert_allclose(hmm_smooth(pi, A_, B_, obs), expected, rtol=1e-10)


def test_smoothing_at_the_last_step_is_filtering():
    obs = np.array([5, 5, 0, 5, 2, 5])
    _, alpha = hmm_forward(*casino_hmm(), obs)
    np.testing.assert_allclose(hmm_smooth(*casino_hmm(), obs)[-1], alpha[-1])


def test_sample_hmm_batch_frequencies_match_the_model():
    states, obs = sample_hmm_batch(PI, A, B, 400, 250, rng=np.random.default_rng(3))
    assert states.shape == obs.shape == (400, 250)
    stay = np.mean(states[:, 1:][states[:, :-1] == 0] == 0)
    assert abs(stay - A[0, 0]) < 0.01
    assert abs(np.mean(obs[states == 1] == 1) - B[1, 1]) < 0.01
    assert abs(np.mean(states[:, 0] == 0) - PI[0]) < 0.05
