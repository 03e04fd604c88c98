"""Gated recurrent unit (GRU) in the seeds' form, forward and backward, gate blocks in the order r, z, n.

    r = sigmoid(x @ Wx_r + h_prev @ Wh_r + b_r)            reset gate
    z = sigmoid(x @ Wx_z + h_prev @ Wh_z + b_z)            update gate
    n = tanh(x @ Wx_n + (r * h_prev) @ Wh_n + b_n)         candidate state
    h = (1 - z) * h_prev + z * n

Weights: Wx (D, 3H), Wh (H, 3H), b (3H,), each split into blocks of H columns r | z | n.
PyTorch differs in two ways: it applies the reset gate after the product, n = tanh(x Wx_n + b_in +
r * (h_prev Wh_n + b_hn)), and its update gate is flipped, h = z * h_prev + (1 - z) * n.

The sequence functions compute x @ Wx + b for all time steps in one matrix product before the time loop;
each step then needs one fused product h_prev @ Wh_rz for both gates and one (r * h_prev) @ Wh_n for the
candidate (it has to wait for r). The backward pass forms dx, dWx, dWh and db after the loop.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from rnnlab.nn._common import check_recurrent, check_upstream, result_dtype, shifted_states
from rnnlab.nn.activations import sigmoid


class GRUStepCache(NamedTuple):
    x: np.ndarray  # (N, D)
    h_prev: np.ndarray  # (N, H)
    Wx: np.ndarray  # (D, 3H)
    Wh: np.ndarray  # (H, 3H)
    rzn: np.ndarray  # (N, 3H) gate values r, z and candidate n
    rh: np.ndarray  # (N, H) r * h_prev
    h: np.ndarray  # (N, H) new hidden state


class GRUCache(NamedTuple):
    x: np.ndarray  # (N, T, D)
    h0: np.ndarray  # (N, H)
    Wx: np.ndarray
    Wh: np.ndarray
    rzn: np.ndarray  # (N, T, 3H)
    rh: np.ndarray  # (N, T, H)
    h: np.ndarray  # (N, T, H)


def _blocks(a: np.ndarray, H: int):
    """Views of the three blocks r, z, n of an array whose last axis has 3H entries."""
    return a[..., :H], a[..., H : 2 * H], a[..., 2 * H :]


# ---------------------------------------------------------------------------------------------------
# The equations, written once and used by both the step and the sequence functions.


def _gru_cell(a, h_prev, Wh, rh, h):
    """One GRU step. On entry a (N, 3H) holds x @ Wx + b; on return it holds r, z and the candidate n.
    Writes r * h_prev into rh and the new hidden state into h (each (N, H))."""
    H = h.shape[-1]
    r, z, n = _blocks(a, H)
    rz = a[:, : 2 * H]
    rz += h_prev @ Wh[:, : 2 * H]  # one product for both gates
    sigmoid(rz, out=rz)  # r = sigmoid(x @ Wx_r + h_prev @ Wh_r + b_r), z likewise
    np.multiply(r, h_prev, out=rh)  # the reset gate scales h_prev before the product
    n += rh @ Wh[:, 2 * H :]
    np.tanh(n, out=n)  # n = tanh(x @ Wx_n + (r * h_prev) @ Wh_n + b_n)
    np.multiply(1 - z, h_prev, out=h)
    h += z * n  # h = (1 - z) * h_prev + z * n


def _gru_cell_backward(dh, h_prev, rzn, Wh_T, da):
    """Backward through one step: from the gradient on h (upstream plus what flows back from step t + 1),
    write the gradient on the pre-activations of r, z, n into da (N, 3H) and return the gradient on h_prev.
    Wh_T is Wh.T as a row-major (3H, H) array (its row blocks are the transposed gate blocks)."""
    H = h_prev.shape[-1]
    r, z, n = _blocks(rzn, H)
    da_r, da_z, da_n = _blocks(da, H)
    np.multiply(dh * z, 1 - n * n, out=da_n)  # dn = dh * z; tanh' = 1 - n^2
    np.multiply(dh * (n - h_prev), z * (1 - z), out=da_z)  # dz = dh * (n - h_prev); sigmoid' = z (1 - z)
    drh = da_n @ Wh_T[2 * H :]  # gradient on r * h_prev (through (r * h_prev) @ Wh_n)
    np.multiply(drh * h_prev, r * (1 - r), out=da_r)  # dr = drh * h_prev
    # h_prev reaches h directly, through r * h_prev, and through the gate products h_prev @ Wh_rz:
    return dh * (1 - z) + drh * r + da[:, : 2 * H] @ Wh_T[: 2 * H]


def _gru_weight_grads(h_prev, rh, da, H):
    """dWh (H, 3H) from the previous states h_prev, r * h_prev and the gate gradients da, all (M, .)."""
    dWh = np.empty((H, 3 * H), dtype=da.dtype)
    dWh[:, : 2 * H] = h_prev.T @ da[:, : 2 * H]  # r and z see h_prev
    dWh[:, 2 * H :] = rh.T @ da[:, 2 * H :]  # n sees r * h_prev
    return dWh


# ---------------------------------------------------------------------------------------------------
# One time step.


def gru_step_forward(x, h_prev, Wx, Wh, b):
    """Forward pass for a single time step of a GRU (seeds' form, blocks r, z, n).

    Inputs:
    - x: input data, of shape (N, D)
    - h_prev: previous hidden state, of shape (N, H)
    - Wx: input-to-hidden weights, of shape (D, 3H)
    - Wh: hidden-to-hidden weights, of shape (H, 3H)
    - b: biases, of shape (3H,)

    Returns a tuple of:
    - h: next hidden state, of shape (N, H)
    - cache: GRUStepCache needed by gru_step_backward
    """
    dims = check_recurrent(x, h_prev, Wx, Wh, b, 3, sequence=False, h_name="h_prev")
    N, H = dims["N"], dims["H"]
    dtype = result_dtype(x, h_prev, Wx, Wh, b)
    rzn = (x @ Wx + b).astype(dtype, copy=False)  # becomes r, z, n in _gru_cell
    rh, h = np.empty((N, H), dtype), np.empty((N, H), dtype)
    _gru_cell(rzn, h_prev, Wh, rh, h)
    return h, GRUStepCache(x, h_prev, Wx, Wh, rzn, rh, h)


def gru_step_backward(dh, cache):
    """Backward pass for a single time step of a GRU.

    Inputs:
    - dh: upstream gradient on the next hidden state, of shape (N, H)
    - cache: GRUStepCache from gru_step_forward

    Returns a tuple of:
    - dx: gradient of the input data, of shape (N, D)
    - dh_prev: gradient of the previous hidden state, of shape (N, H)
    - dWx: gradient of the input-to-hidden weights, of shape (D, 3H)
    - dWh: gradient of the hidden-to-hidden weights, of shape (H, 3H)
    - db: gradient of the biases, of shape (3H,)
    """
    x, h_prev, Wx, Wh, rzn, rh, h = cache
    check_upstream("dh", dh, h)
    da = np.empty(rzn.shape, dtype=np.result_type(dh, rzn))
    dh_prev = _gru_cell_backward(dh, h_prev, rzn, np.ascontiguousarray(Wh.T), da)
    dWh = _gru_weight_grads(h_prev, rh, da, h.shape[-1])
    return da @ Wx.T, dh_prev, x.T @ da, dWh, da.sum(axis=0)


# ---------------------------------------------------------------------------------------------------
# A whole sequence.


def gru_step_cache(cache: GRUCache, t: int) -> GRUStepCache:
    """The cache of step t (what gru_step_forward would have returned) cut from gru_forward's cache, for a
    backward pass that loops over the steps with gru_step_backward."""
    h_prev = cache.h0 if t == 0 else cache.h[:, t - 1]
    return GRUStepCache(cache.x[:, t], h_prev, cache.Wx, cache.Wh, cache.rzn[:, t], cache.rh[:, t], cache.h[:, t])


def gru_forward(x, h0, Wx, Wh, b):
    """Forward pass for a GRU over an entire sequence of T steps.

    Inputs:
    - x: input data, of shape (N, T, D)
    - h0: initial hidden state, of shape (N, H)
    - Wx: input-to-hidden weights, of shape (D, 3H)
    - Wh: hidden-to-hidden weights, of shape (H, 3H)
    - b: biases, of shape (3H,)

    Returns a tuple of:
    - h: hidden states for all time steps, of shape (N, T, H)
    - cache: GRUCache needed by gru_backward
    """
    dims = check_recurrent(x, h0, Wx, Wh, b, 3, sequence=True)
    N, T, D, H = dims["N"], dims["T"], dims["D"], dims["H"]
    dtype = result_dtype(x, h0, Wx, Wh, b)

    # The input projection of every step at once; step t turns rzn[:, t] into its r, z, n.
    rzn = (x.reshape(N * T, D) @ Wx + b).reshape(N, T, 3 * H).astype(dtype, copy=False)
    rh, h = np.empty((N, T, H), dtype), np.empty((N, T, H), dtype)
    h_prev = h0
    for t in range(T):
        _gru_cell(rzn[:, t], h_prev, Wh, rh[:, t], h[:, t])
        h_prev = h[:, t]
    return h, GRUCache(x, h0, Wx, Wh, rzn, rh, h)


def gru_backward(dh, cache):
    """Backward pass (backpropagation through time) for a GRU over an entire sequence.

    Inputs:
    - dh: upstream gradients of ALL hidden states, of shape (N, T, H)
    - cache: GRUCache from gru_forward

    Returns a tuple of:
    - dx: gradient of the input data, of shape (N, T, D)
    - dh0: gradient of the initial hidden state, of shape (N, H)
    - dWx: gradient of the input-to-hidden weights, of shape (D, 3H)
    - dWh: gradient of the hidden-to-hidden weights, of shape (H, 3H)
    - db: gradient of the biases, of shape (3H,)
    """
    x, h0, Wx, Wh, rzn, rh, h = cache
    check_upstream("dh", dh, h)
    N, T, D = x.shape
    H = h0.shape[1]
    dtype = np.result_type(dh, h)

    da = np.empty((N, T, 3 * H), dtype)  # gradient on the pre-activations of every step
    dh_next = np.zeros((N, H), dtype)  # gradient flowing back from step t + 1
    Wh_T = np.ascontiguousarray(Wh.T)  # row-major copy: the per-step products run faster on it
    for t in reversed(range(T)):
        h_prev = h[:, t - 1] if t > 0 else h0
        dh_next = _gru_cell_backward(dh[:, t] + dh_next, h_prev, rzn[:, t], Wh_T, da[:, t])

    da2 = da.reshape(N * T, 3 * H)
    dx = (da2 @ Wx.T).reshape(N, T, D)
    dWx = x.reshape(N * T, D).T @ da2
    dWh = _gru_weight_grads(shifted_states(h0, h).reshape(N * T, H), rh.reshape(N * T, H), da2, H)
    db = da2.sum(axis=0)
    return dx, dh_next, dWx, dWh, db
