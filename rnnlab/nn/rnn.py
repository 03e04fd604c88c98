"""Vanilla RNN: h_t = tanh(x_t @ Wx + h_{t-1} @ Wh + b) (or ReLU), forward and backward.

Shapes are batch first: a step takes x (N, D), h_prev (N, H); a sequence takes x (N, T, D), h0 (N, H)
and returns every hidden state h (N, T, H). Weights: Wx (D, H), Wh (H, H), b (H,).

The sequence functions compute the input projection x @ Wx + b for all time steps in one matrix product
before the time loop; only h_prev @ Wh has to wait for the previous step. The backward pass collects the
pre-activation gradients of all steps and forms dx, dWx, dWh and db with one matrix product each.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from rnnlab.nn._common import check_recurrent, check_upstream, result_dtype, shifted_states

ACTIVATIONS = ("tanh", "relu")


class RNNStepCache(NamedTuple):
    x: np.ndarray  # (N, D) input of this step
    h_prev: np.ndarray  # (N, H) previous hidden state
    Wx: np.ndarray  # (D, H)
    Wh: np.ndarray  # (H, H)
    h: np.ndarray  # (N, H) new hidden state (the activation's output is all its derivative needs)
    activation: str


class RNNCache(NamedTuple):
    x: np.ndarray  # (N, T, D) inputs
    h0: np.ndarray  # (N, H) initial hidden state
    Wx: np.ndarray
    Wh: np.ndarray
    h: np.ndarray  # (N, T, H) all hidden states
    activation: str


# ---------------------------------------------------------------------------------------------------
# The two equations, written once and used by both the step and the sequence functions.


def _rnn_cell(a: np.ndarray, h_prev: np.ndarray, Wh: np.ndarray, activation: str) -> np.ndarray:
    """One step, in place: on entry a (N, H) holds x @ Wx + b; on return it holds
    h = activation(x @ Wx + h_prev @ Wh + b). Returns a."""
    a += h_prev @ Wh
    if activation == "tanh":
        return np.tanh(a, out=a)
    return np.maximum(a, 0, out=a)


def _rnn_cell_backward(dh: np.ndarray, h: np.ndarray, activation: str, out=None) -> np.ndarray:
    """Gradient on the pre-activation a from the gradient on h = activation(a)."""
    if activation == "tanh":
        return np.multiply(dh, 1 - h * h, out=out)  # tanh'(a) = 1 - tanh(a)^2
    return np.multiply(dh, h > 0, out=out)  # relu'(a) = 1 where a > 0


def _check_activation(activation: str) -> None:
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation: expected one of {ACTIVATIONS}, got {activation!r}")


# ---------------------------------------------------------------------------------------------------
# One time step.


def rnn_step_forward(x, h_prev, Wx, Wh, b, activation="tanh"):
    """Run one time step of a vanilla RNN: h = tanh(x @ Wx + h_prev @ Wh + b) (or ReLU instead of tanh).

    Inputs:
    - x: input data for this time step, of shape (N, D)
    - h_prev: hidden state from the previous time step, of shape (N, H)
    - Wx: weight matrix for input-to-hidden connections, of shape (D, H)
    - Wh: weight matrix for hidden-to-hidden connections, of shape (H, H)
    - b: biases, of shape (H,)
    - activation: "tanh" (default) or "relu"

    Returns a tuple of:
    - h: next hidden state, of shape (N, H)
    - cache: RNNStepCache needed by rnn_step_backward
    """
    check_recurrent(x, h_prev, Wx, Wh, b, 1, sequence=False, h_name="h_prev")
    _check_activation(activation)
    h = _rnn_cell((x @ Wx + b).astype(result_dtype(x, h_prev, Wx, Wh, b), copy=False), h_prev, Wh, activation)
    return h, RNNStepCache(x, h_prev, Wx, Wh, h, activation)


def rnn_step_backward(dh, cache):
    """Backward pass for a single time step of a vanilla RNN.

    Inputs:
    - dh: upstream gradient on the next hidden state h, of shape (N, H)
    - cache: RNNStepCache from rnn_step_forward

    Returns a tuple of:
    - dx: gradient of the input, of shape (N, D)
    - dh_prev: gradient of the previous hidden state, of shape (N, H)
    - dWx: gradient of the input-to-hidden weights, of shape (D, H)
    - dWh: gradient of the hidden-to-hidden weights, of shape (H, H)
    - db: gradient of the biases, of shape (H,)
    """
    x, h_prev, Wx, Wh, h, activation = cache
    check_upstream("dh", dh, h)
    da = _rnn_cell_backward(dh, h, activation)
    return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)


# ---------------------------------------------------------------------------------------------------
# A whole sequence.


def rnn_forward(x, h0, Wx, Wh, b, activation="tanh"):
    """Run a vanilla RNN over a whole sequence of T steps.

    Inputs:
    - x: input data for the entire time series, of shape (N, T, D)
    - h0: initial hidden state, of shape (N, H)
    - Wx: weight matrix for input-to-hidden connections, of shape (D, H)
    - Wh: weight matrix for hidden-to-hidden connections, of shape (H, H)
    - b: biases, of shape (H,)
    - activation: "tanh" (default) or "relu"

    Returns a tuple of:
    - h: hidden states for the entire time series, of shape (N, T, H)
    - cache: RNNCache needed by rnn_backward
    """
    dims = check_recurrent(x, h0, Wx, Wh, b, 1, sequence=True)
    _check_activation(activation)
    N, T, D, H = dims["N"], dims["T"], dims["D"], dims["H"]

    # The input projection of every step at once; step t turns h[:, t] into the hidden state.
    h = (x.reshape(N * T, D) @ Wx + b).reshape(N, T, H).astype(result_dtype(x, h0, Wx, Wh, b), copy=False)
    h_prev = h0
    for t in range(T):
        h_prev = _rnn_cell(h[:, t], h_prev, Wh, activation)
    return h, RNNCache(x, h0, Wx, Wh, h, activation)


def rnn_backward(dh, cache):
    """Backward pass (backpropagation through time) for a vanilla RNN over a whole sequence.

    Inputs:
    - dh: upstream gradients of ALL hidden states, of shape (N, T, H)
      (zero where a hidden state does not feed the loss)
    - cache: RNNCache from rnn_forward

    Returns a tuple of:
    - dx: gradient of the inputs, of shape (N, T, D)
    - dh0: gradient of the initial hidden state, of shape (N, H)
    - dWx: gradient of the input-to-hidden weights, of shape (D, H)
    - dWh: gradient of the hidden-to-hidden weights, of shape (H, H)
    - db: gradient of the biases, of shape (H,)
    """
    x, h0, Wx, Wh, h, activation = cache
    check_upstream("dh", dh, h)
    N, T, D = x.shape
    H = h0.shape[1]

    da = np.empty((N, T, H), dtype=np.result_type(dh, h))  # gradient on every pre-activation
    dh_next = np.zeros((N, H), dtype=da.dtype)  # gradient flowing back from step t + 1
    Wh_T = np.ascontiguousarray(Wh.T)  # row-major copy: the per-step products run faster on it
    for t in reversed(range(T)):
        _rnn_cell_backward(dh[:, t] + dh_next, h[:, t], activation, out=da[:, t])
        dh_next = da[:, t] @ Wh_T

    da2 = da.reshape(N * T, H)
    dx = (da2 @ Wx.T).reshape(N, T, D)
    dWx = x.reshape(N * T, D).T @ da2
    dWh = shifted_states(h0, h).reshape(N * T, H).T @ da2
    db = da2.sum(axis=0)
    return dx, dh_next, dWx, dWh, db
