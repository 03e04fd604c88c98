"""Weight initialisers. Every one that draws takes ``rng`` (a numpy.random.Generator); no global state.

- xavier_uniform / xavier_normal (Glorot): variance 2 / (fan_in + fan_out), keeps activations and
  gradients at a similar scale through a tanh layer
- orthogonal: all singular values 1 (spectral radius 1), so repeated products neither shrink nor blow up
- identity: the IRNN initialisation (Le et al. 2015) for ReLU RNNs, Wh = scale * I
- lstm_forget_bias: start the forget gate open, f = sigmoid(1) ~ 0.73, so gradients survive early training
- recurrent_weights: (Wx, Wh, b) for an "rnn", "lstm" or "gru" with one of the above per gate block
"""

from __future__ import annotations

import numpy as np

from rnnlab._validate import check_rng

GATES = {"rnn": 1, "lstm": 4, "gru": 3}


def xavier_uniform(fan_in: int, fan_out: int, *, rng, gain: float = 1.0, dtype=np.float64) -> np.ndarray:
    """Glorot/Xavier uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)). Shape (fan_in, fan_out)."""
    check_rng(rng)
    a = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=(fan_in, fan_out)).astype(dtype)


def xavier_normal(fan_in: int, fan_out: int, *, rng, gain: float = 1.0, dtype=np.float64) -> np.ndarray:
    """Glorot/Xavier normal: N(0, s^2) with s = gain * sqrt(2 / (fan_in + fan_out)). Shape (fan_in, fan_out)."""
    check_rng(rng)
    s = gain * np.sqrt(2.0 / (fan_in + fan_out))
    return (s * rng.standard_normal((fan_in, fan_out))).astype(dtype)


glorot_uniform = xavier_uniform
glorot_normal = xavier_normal


def orthogonal(n_rows: int, n_cols: int, *, rng, gain: float = 1.0, dtype=np.float64) -> np.ndarray:
    """A (semi-)orthogonal matrix of shape (n_rows, n_cols) times ``gain``, from the QR decomposition of a
    Gaussian matrix (sign-corrected so that it is uniformly distributed). Orthonormal rows or columns,
    whichever are fewer; square matrices have every singular value (and |eigenvalue|) equal to gain."""
    check_rng(rng)
    a = rng.standard_normal((max(n_rows, n_cols), min(n_rows, n_cols)))
    q, r = np.linalg.qr(a)
    q *= np.sign(np.diag(r))  # make the decomposition unique, hence the distribution uniform
    if n_rows < n_cols:
        q = q.T
    return (gain * q).astype(dtype)


def identity(n: int, *, scale: float = 1.0, dtype=np.float64) -> np.ndarray:
    """scale * I of shape (n, n): the IRNN recurrent initialisation (use with activation="relu")."""
    return scale * np.eye(n, dtype=dtype)


def lstm_forget_bias(b: np.ndarray, value: float = 1.0) -> np.ndarray:
    """Set the forget-gate block b[H:2H] of an LSTM bias (4H,) (order i, f, g, o) to ``value``, in place.
    Returns b."""
    if not isinstance(b, np.ndarray) or b.ndim != 1 or b.shape[0] % 4:
        got = b.shape if isinstance(b, np.ndarray) else type(b).__name__
        raise ValueError(f"b: expected an LSTM bias of shape (4H,), got {got}")
    H = b.shape[0] // 4
    b[H : 2 * H] = value
    return b


def recurrent_weights(
    D: int,
    H: int,
    cell: str = "lstm",
    *,
    rng,
    recurrent: str = "orthogonal",
    scale: float = 1.0,
    forget_bias: float = 1.0,
    dtype=np.float64,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parameters (Wx, Wh, b) for rnnlab.nn's rnn/lstm/gru layers, initialised block by block.

    Inputs:
    - D, H: input and hidden sizes; cell: "rnn", "lstm" or "gru" (G = 1, 4 or 3 gate blocks)
    - rng: numpy.random.Generator
    - recurrent: initialiser of each (H, H) block of Wh: "orthogonal", "identity" (IRNN) or "xavier"
    - scale: gain of the recurrent blocks (the spectral radius for "orthogonal" and "identity")
    - forget_bias: value of the LSTM forget-gate bias (ignored for rnn and gru)

    Returns a tuple of:
    - Wx: (D, G H), Xavier-uniform per block
    - Wh: (H, G H)
    - b: (G H,), zeros except the LSTM forget block
    """
    if cell not in GATES:
        raise ValueError(f"cell: expected one of {tuple(GATES)}, got {cell!r}")
    makers = {
        "orthogonal": lambda: orthogonal(H, H, rng=rng, gain=scale),
        "identity": lambda: identity(H, scale=scale),
        "xavier": lambda: xavier_uniform(H, H, rng=rng, gain=scale),
    }
    if recurrent not in makers:
        raise ValueError(f"recurrent: expected one of {tuple(makers)}, got {recurrent!r}")
    check_rng(rng)
    G = GATES[cell]
    Wx = np.concatenate([xavier_uniform(D, H, rng=rng) for _ in range(G)], axis=1).astype(dtype)
    Wh = np.concatenate([makers[recurrent]() for _ in range(G)], axis=1).astype(dtype)
    b = np.zeros(G * H, dtype)
    if cell == "lstm":
        lstm_forget_bias(b, forget_bias)
    return Wx, Wh, b
