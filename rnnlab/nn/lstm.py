"""Long short-term memory (LSTM), forward and backward, gate blocks in the order i, f, g, o.

With a = x @ Wx + h_prev @ Wh + b split into four blocks of H columns (PyTorch's order):

    i = sigmoid(a_i)   input gate          c = f * c_prev + i * g
    f = sigmoid(a_f)   forget gate         h = o * tanh(c)
    g = tanh(a_g)      candidate values
    o = sigmoid(a_o)   output gate

Weights: Wx (D, 4H), Wh (H, 4H), b (4H,). With PyTorch, Wx = weight_ih_l0.T, Wh = weight_hh_l0.T and
b = bias_ih_l0 + bias_hh_l0.

The sequence functions compute x @ Wx + b for all time steps in one matrix product before the time loop;
each step then needs one fused product h_prev @ Wh for all four gates. The backward pass collects the
gate gradients of all steps and forms dx, dWx, dWh and db with one matrix product each.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from rnnlab._validate import check_float, check_shapes
from rnnlab.nn._common import check_recurrent, check_upstream, result_dtype, shifted_states
from rnnlab.nn.activations import sigmoid


class LSTMStepCache(NamedTuple):
    x: np.ndarray  # (N, D)
    h_prev: np.ndarray  # (N, H)
    c_prev: np.ndarray  # (N, H)
    Wx: np.ndarray  # (D, 4H)
    Wh: np.ndarray  # (H, 4H)
    ifgo: np.ndarray  # (N, 4H) gate values i, f, g, o (after their non-linearities)
    c: np.ndarray  # (N, H) new cell state
    tanh_c: np.ndarray  # (N, H) tanh(c)
    h: np.ndarray  # (N, H) new hidden state


class LSTMCache(NamedTuple):
    x: np.ndarray  # (N, T, D)
    h0: np.ndarray  # (N, H)
    c0: np.ndarray  # (N, H)
    Wx: np.ndarray
    Wh: np.ndarray
    ifgo: np.ndarray  # (N, T, 4H) gate values of every step
    c: np.ndarray  # (N, T, H) cell states
    tanh_c: np.ndarray  # (N, T, H)
    h: np.ndarray  # (N, T, H) hidden states


def _blocks(a: np.ndarray, H: int):
    """Views of the four gate blocks i, f, g, o of an array whose last axis has 4H entries."""
    return a[..., :H], a[..., H : 2 * H], a[..., 2 * H : 3 * H], a[..., 3 * H :]


# ---------------------------------------------------------------------------------------------------
# The equations, written once and used by both the step and the sequence functions.


def _lstm_cell(a, h_prev, c_prev, Wh, c, tanh_c, h):
    """One LSTM step. On entry a (N, 4H) holds x @ Wx + b; on return it holds the gate values i, f, g, o.
    Writes the new cell state c, tanh(c) and the new hidden state h (each (N, H))."""
    a += h_prev @ Wh  # a = x @ Wx + h_prev @ Wh + b: one product for all four gates
    i, f, g, o = _blocks(a, h.shape[-1])
    sigmoid(i, out=i)
    sigmoid(f, out=f)
    np.tanh(g, out=g)
    sigmoid(o, out=o)
    np.multiply(f, c_prev, out=c)
    c += i * g  # c = f * c_prev + i * g
    np.tanh(c, out=tanh_c)
    np.multiply(o, tanh_c, out=h)  # h = o * tanh(c)


def _lstm_cell_backward(dh, dc, c_prev, ifgo, tanh_c, da):
    """Backward through one step: from the gradients on h and c of this step (the upstream gradient plus
    what flows back from step t + 1), write the gradient on the pre-activations a into da (N, 4H)
    and return the gradient on c_prev."""
    i, f, g, o = _blocks(ifgo, tanh_c.shape[-1])
    da_i, da_f, da_g, da_o = _blocks(da, tanh_c.shape[-1])
    dc = dc + dh * o * (1 - tanh_c * tanh_c)  # c also reaches the loss through h = o * tanh(c)
    np.multiply(dh * tanh_c, o * (1 - o), out=da_o)  # do = dh * tanh(c); sigmoid' = o (1 - o)
    np.multiply(dc * g, i * (1 - i), out=da_i)  # di = dc * g
    np.multiply(dc * c_prev, f * (1 - f), out=da_f)  # df = dc * c_prev
    np.multiply(dc * i, 1 - g * g, out=da_g)  # dg = dc * i; tanh' = 1 - g^2
    return dc * f  # dc_prev


# ---------------------------------------------------------------------------------------------------
# One time step.


def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    """Forward pass for a single time step of an LSTM.

    Inputs:
    - x: input data, of shape (N, D)
    - h_prev: previous hidden state, of shape (N, H)
    - c_prev: previous cell state, of shape (N, H)
    - Wx: input-to-hidden weights, of shape (D, 4H), gate blocks i, f, g, o
    - Wh: hidden-to-hidden weights, of shape (H, 4H)
    - b: biases, of shape (4H,)

    Returns a tuple of:
    - h: next hidden state, of shape (N, H)
    - c: next cell state, of shape (N, H)
    - cache: LSTMStepCache needed by lstm_step_backward
    """
    dims = check_recurrent(x, h_prev, Wx, Wh, b, 4, sequence=False, h_name="h_prev")
    check_float(c_prev=c_prev)
    check_shapes(dims, c_prev=(c_prev, "N H"))
    N, H = dims["N"], dims["H"]
    dtype = result_dtype(x, h_prev, c_prev, Wx, Wh, b)
    ifgo = (x @ Wx + b).astype(dtype, copy=False)  # becomes the gate values in _lstm_cell
    c, tanh_c, h = (np.empty((N, H), dtype) for _ in range(3))
    _lstm_cell(ifgo, h_prev, c_prev, Wh, c, tanh_c, h)
    return h, c, LSTMStepCache(x, h_prev, c_prev, Wx, Wh, ifgo, c, tanh_c, h)


def lstm_step_backward(dh, dc, cache):
    """Backward pass for a single time step of an LSTM.

    Inputs:
    - dh: upstream gradient on the next hidden state, of shape (N, H)
    - dc: upstream gradient on the next cell state, of shape (N, H)
    - cache: LSTMStepCache from lstm_step_forward

    Returns a tuple of:
    - dx: gradient of the input data, of shape (N, D)
    - dh_prev: gradient of the previous hidden state, of shape (N, H)
    - dc_prev: gradient of the previous cell state, of shape (N, H)
    - dWx: gradient of the input-to-hidden weights, of shape (D, 4H)
    - dWh: gradient of the hidden-to-hidden weights, of shape (H, 4H)
    - db: gradient of the biases, of shape (4H,)
    """
    x, h_prev, c_prev, Wx, Wh, ifgo, c, tanh_c, h = cache
    check_upstream("dh", dh, h)
    check_upstream("dc", dc, c)
    da = np.empty(ifgo.shape, dtype=np.result_type(dh, dc, ifgo))
    dc_prev = _lstm_cell_backward(dh, dc, c_prev, ifgo, tanh_c, da)
    return da @ Wx.T, da @ Wh.T, dc_prev, x.T @ da, h_prev.T @ da, da.sum(axis=0)


# ---------------------------------------------------------------------------------------------------
# A whole sequence.


def lstm_step_cache(cache: LSTMCache, t: int) -> LSTMStepCache:
    """The cache of step t (what lstm_step_forward would have returned) cut from lstm_forward's cache, for a
    backward pass that loops over the steps with lstm_step_backward."""
    h_prev = cache.h0 if t == 0 else cache.h[:, t - 1]
    c_prev = cache.c0 if t == 0 else cache.c[:, t - 1]
    return LSTMStepCache(cache.x[:, t], h_prev, c_prev, cache.Wx, cache.Wh, cache.ifgo[:, t], cache.c[:, t],
                         cache.tanh_c[:, t], cache.h[:, t])


def lstm_forward(x, h0, Wx, Wh, b, *, c0=None):
    """Forward pass for an LSTM over an entire sequence of T steps. The initial cell state is zero
    unless c0 is given.

    Inputs:
    - x: input data, of shape (N, T, D)
    - h0: initial hidden state, of shape (N, H)
    - Wx: input-to-hidden weights, of shape (D, 4H), gate blocks i, f, g, o
    - Wh: hidden-to-hidden weights, of shape (H, 4H)
    - b: biases, of shape (4H,)
    - c0: optional initial cell state, of shape (N, H); zeros when omitted. Pass the last cell state of
      the previous chunk (cache.c[:, -1]) to carry the state in truncated backpropagation through time.

    Returns a tuple of:
    - h: hidden states for all time steps, of shape (N, T, H); the cell states are in cache.c
    - cache: LSTMCache needed by lstm_backward
    """
    dims = check_recurrent(x, h0, Wx, Wh, b, 4, sequence=True)
    N, T, D, H = dims["N"], dims["T"], dims["D"], dims["H"]
    dtype = result_dtype(x, h0, Wx, Wh, b)
    if c0 is None:
        c0 = np.zeros((N, H), dtype)
    check_float(c0=c0)
    check_shapes(dims, c0=(c0, "N H"))

    # The input projection of every step at once; step t turns ifgo[:, t] into its gate values.
    ifgo = (x.reshape(N * T, D) @ Wx + b).reshape(N, T, 4 * H).astype(dtype, copy=False)
    c, tanh_c, h = (np.empty((N, T, H), dtype) for _ in range(3))
    h_prev, c_prev = h0, c0
    for t in range(T):
        _lstm_cell(ifgo[:, t], h_prev, c_prev, Wh, c[:, t], tanh_c[:, t], h[:, t])
        h_prev, c_prev = h[:, t], c[:, t]
    return h, LSTMCache(x, h0, c0, Wx, Wh, ifgo, c, tanh_c, h)


def lstm_backward(dh, cache, *, dcT=None, return_dc0=False):
    """Backward pass (backpropagation through time) for an LSTM over an entire sequence.

    Inputs:
    - dh: upstream gradients of ALL hidden states, of shape (N, T, H)
    - cache: LSTMCache from lstm_forward
    - dcT: optional upstream gradient on the last cell state c_T, of shape (N, H) (e.g. when c_T
      initialises a decoder); zeros when omitted
    - return_dc0: also return the gradient of the initial cell state c0

    Returns a tuple of:
    - dx: gradient of the input data, of shape (N, T, D)
    - dh0: gradient of the initial hidden state, of shape (N, H)
    - dWx: gradient of the input-to-hidden weights, of shape (D, 4H)
    - dWh: gradient of the hidden-to-hidden weights, of shape (H, 4H)
    - db: gradient of the biases, of shape (4H,)
    - dc0 (only with return_dc0=True): gradient of the initial cell state, of shape (N, H)
    """
    x, h0, c0, Wx, Wh, ifgo, c, tanh_c, h = cache
    check_upstream("dh", dh, h)
    N, T, D = x.shape
    H = h0.shape[1]
    dtype = np.result_type(dh, h)
    if dcT is None:
        dc_next = np.zeros((N, H), dtype)
    else:
        check_upstream("dcT", dcT, h0)
        dc_next = dcT

    da = np.empty((N, T, 4 * H), dtype)  # gradient on the pre-activations of every step
    dh_next = np.zeros((N, H), dtype)  # gradients flowing back from step t + 1
    Wh_T = np.ascontiguousarray(Wh.T)  # row-major copy: the per-step products run faster on it
    for t in reversed(range(T)):
        c_prev = c[:, t - 1] if t > 0 else c0
        dc_next = _lstm_cell_backward(dh[:, t] + dh_next, dc_next, c_prev, ifgo[:, t], tanh_c[:, t], da[:, t])
        dh_next = da[:, t] @ Wh_T

    da2 = da.reshape(N * T, 4 * H)
    dx = (da2 @ Wx.T).reshape(N, T, D)
    dWx = x.reshape(N * T, D).T @ da2
    dWh = shifted_states(h0, h).reshape(N * T, H).T @ da2
    db = da2.sum(axis=0)
    if return_dc0:
        return dx, dh_next, dWx, dWh, db, dc_next
    return dx, dh_next, dWx, dWh, db
