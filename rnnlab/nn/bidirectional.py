"""Bidirectional and stacked recurrent layers built from rnn_*, lstm_* or gru_* forward/backward pairs.

Bidirectional: one layer reads x forwards, a second layer (its own weights) reads the time-reversed x;
its outputs are reversed back so that position t holds the summary of x[t:], and the two are concatenated
along the features: h[:, t] = [h_fwd[:, t], h_bwd[:, t]], shape (N, T, 2H).

Stacked: layer l + 1 reads the hidden states of layer l as its input sequence.

``cell`` is "rnn", "lstm" or "gru", or any pair (forward, backward) with the signatures
forward(x, h0, Wx, Wh, b, **kwargs) -> (h, cache) and backward(dh, cache) -> (dx, dh0, dWx, dWh, db).
``params`` are tuples (Wx, Wh, b).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from rnnlab._validate import check_shapes
from rnnlab.nn._common import check_upstream
from rnnlab.nn.gru import gru_backward, gru_forward
from rnnlab.nn.lstm import lstm_backward, lstm_forward
from rnnlab.nn.padding import check_lengths, reverse_padded, zero_padding
from rnnlab.nn.rnn import rnn_backward, rnn_forward

CELLS = {
    "rnn": (rnn_forward, rnn_backward),
    "lstm": (lstm_forward, lstm_backward),
    "gru": (gru_forward, gru_backward),
}


def _resolve_cell(cell):
    if isinstance(cell, str):
        if cell not in CELLS:
            raise ValueError(f"cell: expected one of {tuple(CELLS)} or a (forward, backward) pair, got {cell!r}")
        return CELLS[cell]
    if isinstance(cell, tuple) and len(cell) == 2 and all(callable(f) for f in cell):
        return cell
    raise ValueError(f"cell: expected one of {tuple(CELLS)} or a (forward, backward) pair, got {cell!r}")


def _check_params(name: str, params) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if not (isinstance(params, (tuple, list)) and len(params) == 3):
        raise ValueError(f"{name}: expected a tuple (Wx, Wh, b), got {type(params).__name__}")
    return tuple(params)


class BidirectionalCache(NamedTuple):
    fwd: Any  # cache of the forward-direction layer
    bwd: Any  # cache of the layer that read the reversed sequence
    cell: Any  # "rnn", "lstm", "gru" or the (forward, backward) pair
    lengths: Any  # (N,) true lengths, or None when no sequence is padded
    N: int
    T: int
    H: int  # hidden size of the forward direction (the first H features of the output)


def bidirectional_forward(x, h0_fwd, h0_bwd, params_fwd, params_bwd, cell="lstm", lengths=None, **cell_kwargs):
    """Run a recurrent layer over x forwards and a second one over x backwards; concatenate their states.

    Inputs:
    - x: input data, of shape (N, T, D)
    - h0_fwd: initial hidden state of the forward direction, of shape (N, H)
    - h0_bwd: initial hidden state of the backward direction (it starts at t = T - 1), of shape (N, H)
    - params_fwd: (Wx, Wh, b) of the forward direction
    - params_bwd: (Wx, Wh, b) of the backward direction
    - cell: "rnn", "lstm", "gru" or a (forward, backward) pair of functions
    - lengths: None, or (N,) integers: sequence n is x[n, :lengths[n]], the rest padding
    - cell_kwargs: passed to the cell's forward function (e.g. activation="relu" for "rnn")

    Returns a tuple of:
    - h: hidden states, of shape (N, T, 2H); h[..., :H] from the forward direction, h[..., H:] from the
      backward direction (h[n, t, H:] has read x[n, L-1], ..., x[n, t] with L = lengths[n], or T);
      0 at padding positions
    - cache: BidirectionalCache needed by bidirectional_backward
    """
    forward, _ = _resolve_cell(cell)
    dims = check_shapes(x=(x, "N T D"), h0_fwd=(h0_fwd, "N H"), h0_bwd=(h0_bwd, "N H"))
    lengths = check_lengths(lengths, dims["N"], dims["T"])
    params_fwd = _check_params("params_fwd", params_fwd)
    params_bwd = _check_params("params_bwd", params_bwd)
    h_fwd, cache_fwd = forward(x, h0_fwd, *params_fwd, **cell_kwargs)
    # the second layer reads x[n, L-1], ..., x[n, 0], then the padding; reversed back so that position t lines up
    h_rev, cache_bwd = forward(reverse_padded(x, lengths), h0_bwd, *params_bwd, **cell_kwargs)
    h = zero_padding(np.concatenate([h_fwd, reverse_padded(h_rev, lengths)], axis=2), lengths)
    N, T, H = h_fwd.shape
    return h, BidirectionalCache(cache_fwd, cache_bwd, cell, lengths, N, T, H)


def bidirectional_backward(dh, cache):
    """Backward pass for bidirectional_forward.

    Inputs:
    - dh: upstream gradients of all hidden states, of shape (N, T, 2H)
    - cache: BidirectionalCache from bidirectional_forward

    Returns a tuple of:
    - dx: gradient of the input data, of shape (N, T, D)
    - dh0_fwd, dh0_bwd: gradients of the two initial hidden states, each of shape (N, H)
    - dparams_fwd, dparams_bwd: tuples (dWx, dWh, db) for the two directions
    """
    cache_fwd, cache_bwd, cell, lengths, N, T, H = cache
    _, backward = _resolve_cell(cell)
    if not isinstance(dh, np.ndarray) or dh.ndim != 3 or dh.shape[:2] != (N, T) or dh.shape[2] <= H:
        got = dh.shape if isinstance(dh, np.ndarray) else type(dh).__name__
        raise ValueError(f"dh: expected shape (N, T, 2H) = ({N}, {T}, 2*{H}), got {got}")
    dh = zero_padding(dh, lengths)  # the outputs at padding positions were set to 0
    dx_fwd, dh0_fwd, *dparams_fwd = backward(np.ascontiguousarray(dh[:, :, :H]), cache_fwd)
    dx_rev, dh0_bwd, *dparams_bwd = backward(reverse_padded(dh[:, :, H:], lengths), cache_bwd)
    dx = dx_fwd + reverse_padded(dx_rev, lengths)  # the second layer read the reversed sequence
    return dx, dh0_fwd, dh0_bwd, tuple(dparams_fwd), tuple(dparams_bwd)


class StackedCache(NamedTuple):
    caches: list  # one cache per layer (BidirectionalCache when bidirectional)
    cell: Any  # "rnn", "lstm", "gru" or the (forward, backward) pair
    bidirectional: bool
    lengths: Any  # (N,) true lengths, or None
    out_shape: tuple  # shape of the top layer's hidden states


def stacked_forward(x, h0s: Sequence, params: Sequence, cell="lstm", bidirectional=False, lengths=None,
                    **cell_kwargs):
    """Run L recurrent layers on top of each other: layer l + 1 reads the hidden states of layer l.

    Inputs:
    - x: input data, of shape (N, T, D)
    - h0s: list of L initial hidden states, h0s[l] of shape (N, H_l);
      with bidirectional=True each entry is a pair (h0_fwd, h0_bwd)
    - params: list of L tuples (Wx, Wh, b); layer 0 has Wx of shape (D, G H_0) and layer l > 0
      (H_{l-1}, G H_l) (or (2 H_{l-1}, G H_l) when bidirectional); with bidirectional=True each entry is
      a pair (params_fwd, params_bwd)
    - cell: "rnn", "lstm", "gru" or a (forward, backward) pair; bidirectional: use bidirectional layers
    - lengths: None, or (N,) true lengths of padded sequences (every layer's output is 0 on the padding)
    - cell_kwargs: passed to the cell's forward function

    Returns a tuple of:
    - h: hidden states of the top layer, of shape (N, T, H_{L-1}) (or 2 H_{L-1} when bidirectional)
    - cache: StackedCache needed by stacked_backward
    """
    forward, _ = _resolve_cell(cell)
    if len(h0s) != len(params) or len(params) == 0:
        raise ValueError(f"h0s: expected one initial state per layer ({len(params)} layers), got {len(h0s)}")
    dims = check_shapes(x=(x, "N T D"))
    lengths = check_lengths(lengths, dims["N"], dims["T"])
    caches = []
    h = x
    for layer, (h0, p) in enumerate(zip(h0s, params, strict=True)):
        try:
            if bidirectional:
                h, cache = bidirectional_forward(h, *h0, *p, cell=cell, lengths=lengths, **cell_kwargs)
            else:
                h, cache = forward(h, h0, *_check_params(f"params[{layer}]", p), **cell_kwargs)
                h = zero_padding(h, lengths)
        except ValueError as err:
            raise ValueError(f"layer {layer}: {err}") from err
        caches.append(cache)
    return h, StackedCache(caches, cell, bidirectional, lengths, h.shape)


def stacked_backward(dh, cache):
    """Backward pass for stacked_forward.

    Inputs:
    - dh: upstream gradients of the top layer's hidden states, of shape (N, T, H_{L-1}) (2 H_{L-1} if
      bidirectional)
    - cache: StackedCache from stacked_forward

    Returns a tuple of:
    - dx: gradient of the input data, of shape (N, T, D)
    - dh0s: list of L gradients of the initial states (pairs when bidirectional)
    - dparams: list of L tuples (dWx, dWh, db) (pairs of tuples when bidirectional)
    """
    caches, cell, bidirectional, lengths, out_shape = cache
    _, backward = _resolve_cell(cell)
    check_upstream("dh", dh, out_shape)
    dh0s, dparams = [], []
    for c in reversed(caches):
        if bidirectional:
            dh, dh0_f, dh0_b, dp_f, dp_b = bidirectional_backward(dh, c)
            dh0s.append((dh0_f, dh0_b))
            dparams.append((dp_f, dp_b))
        else:
            dh, dh0, *dp = backward(zero_padding(dh, lengths), c)
            dh0s.append(dh0)
            dparams.append(tuple(dp))
    return dh, dh0s[::-1], dparams[::-1]
