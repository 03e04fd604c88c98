"""Synthetic tasks: the adding problem and the copy task (long memory), the windowed parity (depth).

Both are classic tests of how far back a recurrent network can carry information (Hochreiter & Schmidhuber
1997; Le et al. 2015; Arjovsky et al. 2016). The answer depends on inputs seen many steps before the end, and
nothing in between helps, so a network that cannot keep a gradient alive over those steps cannot learn them::

    x, y = adding_problem(64, T=50, rng=np.random.default_rng(0))   # x (64, 50, 2), y (64,)
    x, y = copy_task(64, n_copy=5, delay=20, rng=np.random.default_rng(0))  # x, y (64, 30) integers

The windowed parity needs little memory but a deep function of it: the label of every step is the parity of the
last k bits, a function a single non-linear layer learns badly and a stack of two learns well (notebook 08)::

    x, y = window_parity(64, T=40, k=8, rng=np.random.default_rng(0))  # x, y (64, 40) in {0, 1}
"""

from __future__ import annotations

import numpy as np

from rnnlab._validate import check_count, check_rng

ADDING_BASELINE_MSE = 1.0 / 6.0
"""Mean squared error of always predicting the mean target 1: the variance of the sum of two independent
U(0, 1) values, 1/12 + 1/12. A model that has learned nothing scores this."""


def adding_problem(N: int, T: int, *, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """N sequences of the adding problem, each T steps long.

    Channel 0 of every step holds a value drawn uniformly from [0, 1]; channel 1 is a marker, 1 at exactly two
    steps and 0 elsewhere. The first marker lies in the first half (t < T // 2), the second in the second half,
    so at least one of the two numbers is more than T / 2 steps old at the end. The target is the sum of the
    two marked values.

    Inputs: N sequences, T >= 2 steps, rng (numpy.random.Generator).
    Returns a tuple of:
    - x: array of shape (N, T, 2), float64: [:, :, 0] values, [:, :, 1] markers
    - y: array of shape (N,), the sum of the two marked values
    """
    check_count("N", N)
    check_count("T", T, minimum=2)
    check_rng(rng)
    half = T // 2
    x = np.zeros((N, T, 2))
    x[:, :, 0] = rng.random((N, T))
    rows = np.arange(N)
    first = rng.integers(0, half, size=N)
    second = rng.integers(half, T, size=N)
    x[rows, first, 1] = 1.0
    x[rows, second, 1] = 1.0
    y = x[rows, first, 0] + x[rows, second, 0]
    return x, y


def copy_task(
    N: int, *, n_copy: int = 10, delay: int = 50, n_symbols: int = 8, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """N sequences of the copy task: read n_copy symbols, wait, then repeat them after a "go" signal.

    Tokens: 0 is blank, 1 .. n_symbols are symbols, n_symbols + 1 is the "go" signal (vocabulary size
    n_symbols + 2). With K = n_copy and length L = 2 K + delay, the input is the K symbols, delay - 1 blanks,
    "go", then K blanks; the target is blank for the first K + delay steps, then the K symbols in order.
    Guessing blank and then random symbols gives a cross-entropy of K log(n_symbols) / L per step.

    Inputs: N sequences, n_copy K >= 1, delay >= 1, n_symbols >= 1, rng (numpy.random.Generator).
    Returns a tuple of:
    - x: integer array of shape (N, L), the input tokens
    - y: integer array of shape (N, L), the target token at every step
    """
    check_count("N", N)
    check_count("n_copy", n_copy)
    check_count("delay", delay)
    check_count("n_symbols", n_symbols)
    check_rng(rng)
    K, L = n_copy, 2 * n_copy + delay
    symbols = rng.integers(1, n_symbols + 1, size=(N, K))
    x = np.zeros((N, L), dtype=np.int64)
    y = np.zeros((N, L), dtype=np.int64)
    x[:, :K] = symbols
    x[:, K + delay - 1] = n_symbols + 1
    y[:, K + delay :] = symbols
    return x, y


def window_parity(N: int, T: int, k: int, *, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """N sequences of T random bits; the label of step t is the parity of the last k bits, x[t-k+1 .. t]
    (of the t + 1 bits so far while t < k - 1).

    Returns a tuple of x (N, T) and y (N, T), integer arrays of 0 and 1.
    """
    check_count("N", N)
    check_count("T", T)
    check_count("k", k)
    check_rng(rng)
    x = rng.integers(0, 2, size=(N, T))
    c = np.cumsum(np.pad(x, ((0, 0), (k, 0))), axis=1)  # c[:, j] = number of ones among the first j - k bits
    return x, (c[:, k:] - c[:, :-k]) % 2
