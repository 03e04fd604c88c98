"""Small layer objects that hold parameters and gradients and call the functional layers of rnnlab.nn.

Every module has ``params`` and ``grads`` (dicts name -> array with the same keys; ``backward`` fills
``grads``), ``parameters()`` / ``gradients()`` that also collect the children's arrays under prefixed
names ("rnn.Wx"), ``forward`` and ``backward``. Optimisers in rnnlab.optim update the arrays of
``parameters()`` in place.

Recurrent modules (RNN, LSTM, GRU, Bidirectional, Stack) share one interface:

    h = layer.forward(x, state=None)      # x (N, T, D) -> h (N, T, H); state None means zeros
    layer.final_state                     # state after the last step, to carry into the next chunk
    dx = layer.backward(dh, dstate=None)  # dh (N, T, H); dstate: gradient on final_state (optional)
    layer.dstate0                         # gradient on the initial state

A state is an (N, H) array for RNN and GRU, a pair (h, c) for LSTM, a pair (forward, backward) for
Bidirectional and a list (one per layer) for Stack.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rnnlab._validate import check_shapes
from rnnlab.init import recurrent_weights, xavier_uniform
from rnnlab.nn.affine import affine_backward, affine_forward, temporal_affine_backward, temporal_affine_forward
from rnnlab.nn.embedding import embedding_backward, embedding_forward
from rnnlab.nn.gru import gru_backward, gru_forward
from rnnlab.nn.losses import temporal_softmax_loss
from rnnlab.nn.lstm import lstm_backward, lstm_forward
from rnnlab.nn.rnn import rnn_backward, rnn_forward


class Module:
    """Base class: own parameters in ``params``, their gradients in ``grads``, sub-modules in ``children()``."""

    def __init__(self):
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}

    def children(self) -> dict[str, Module]:
        return {}

    def parameters(self) -> dict[str, np.ndarray]:
        """Every parameter array of this module and its children (the live arrays, not copies)."""
        out = dict(self.params)
        for cname, child in self.children().items():
            out.update({f"{cname}.{k}": v for k, v in child.parameters().items()})
        return out

    def gradients(self) -> dict[str, np.ndarray]:
        """The gradients from the last backward, with the same keys as parameters()."""
        out = dict(self.grads)
        for cname, child in self.children().items():
            out.update({f"{cname}.{k}": v for k, v in child.gradients().items()})
        return out

    def zero_grad(self) -> None:
        for g in self.gradients().values():
            g[...] = 0

    def num_parameters(self) -> int:
        return sum(p.size for p in self.parameters().values())

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def _set_params(self, **params: np.ndarray) -> None:
        self.params = dict(params)
        self.grads = {k: np.zeros_like(v) for k, v in params.items()}

    def _need_cache(self):
        if getattr(self, "_cache", None) is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        return self._cache


class Linear(Module):
    """Affine layer out = x @ W + b for x (N, D) or, at every time step, x (N, T, D)."""

    def __init__(self, D: int, M: int, *, rng, dtype=np.float64):
        super().__init__()
        self._set_params(W=xavier_uniform(D, M, rng=rng, dtype=dtype), b=np.zeros(M, dtype))
        self._cache = None

    def forward(self, x):
        W, b = self.params["W"], self.params["b"]
        if isinstance(x, np.ndarray) and x.ndim == 3:
            out, cache = temporal_affine_forward(x, W, b)
            self._cache = ("temporal", cache)
        else:
            out, cache = affine_forward(x, W, b)
            self._cache = ("affine", cache)
        return out

    def backward(self, dout):
        kind, cache = self._need_cache()
        backward = temporal_affine_backward if kind == "temporal" else affine_backward
        dx, self.grads["W"], self.grads["b"] = backward(dout, cache)
        return dx


class Embedding(Module):
    """Learned word vectors: out[n, t] = W[x[n, t]]; W (V, D) starts as N(0, 1) samples (as in PyTorch)."""

    def __init__(self, V: int, D: int, *, rng, dtype=np.float64):
        super().__init__()
        self._set_params(W=rng.standard_normal((V, D)).astype(dtype))
        self._cache = None

    def forward(self, x):
        out, self._cache = embedding_forward(x, self.params["W"])
        return out

    def backward(self, dout):
        """Fills grads["W"]; returns None (integer inputs have no gradient)."""
        self.grads["W"] = embedding_backward(dout, self._need_cache())
        return None


class _Recurrent(Module):
    """Shared code of RNN, LSTM and GRU: parameters Wx (D, G H), Wh (H, G H), b (G H,)."""

    cell = ""

    def __init__(self, D, H, *, rng, recurrent="orthogonal", scale=1.0, forget_bias=1.0, dtype=np.float64):
        super().__init__()
        Wx, Wh, b = recurrent_weights(
            D, H, self.cell, rng=rng, recurrent=recurrent, scale=scale, forget_bias=forget_bias, dtype=dtype
        )
        self._set_params(Wx=Wx, Wh=Wh, b=b)
        self.D, self.H = D, H
        self._cache = None
        self.final_state = None
        self.dstate0 = None

    def _check_x(self, x) -> int:
        """Check x against this layer's input size (so the error names x, not Wx); return N."""
        return check_shapes({"D": self.D}, x=(x, "N T D"))["N"]

    def _h0(self, x, state):
        N = self._check_x(x)
        return np.zeros((N, self.H), self.params["Wh"].dtype) if state is None else state

    def _weights(self):
        return self.params["Wx"], self.params["Wh"], self.params["b"]

    def _store_grads(self, dWx, dWh, db):
        self.grads["Wx"], self.grads["Wh"], self.grads["b"] = dWx, dWh, db

    def forward(self, x, state=None):
        """x (N, T, D), state h0 (N, H) or None for zeros -> h (N, T, H); keeps the final state."""
        h, self._cache = self._layer_forward(x, self._h0(x, state))
        self.final_state = h[:, -1].copy()
        return h

    def backward(self, dh, dstate=None):
        """dh (N, T, H), dstate: gradient on the final state -> dx (N, T, D); stores grads and dstate0."""
        cache = self._need_cache()
        if dstate is not None:
            dh = dh.copy()
            dh[:, -1] += dstate
        dx, self.dstate0, *grads = self._layer_backward(dh, cache)
        self._store_grads(*grads)
        return dx


class RNN(_Recurrent):
    """Vanilla RNN layer, h_t = activation(x_t @ Wx + h_{t-1} @ Wh + b); state: h (N, H).

    With activation="relu", recurrent="identity" gives the IRNN of Le et al. (2015)."""

    cell = "rnn"

    def __init__(self, D, H, *, rng, activation="tanh", recurrent="orthogonal", scale=1.0, dtype=np.float64):
        super().__init__(D, H, rng=rng, recurrent=recurrent, scale=scale, dtype=dtype)
        self.activation = activation

    def _layer_forward(self, x, h0):
        return rnn_forward(x, h0, *self._weights(), activation=self.activation)

    def _layer_backward(self, dh, cache):
        return rnn_backward(dh, cache)


class GRU(_Recurrent):
    """GRU layer in the seeds' form (blocks r, z, n; h_t = (1 - z) h_{t-1} + z n); state: h (N, H)."""

    cell = "gru"

    def _layer_forward(self, x, h0):
        return gru_forward(x, h0, *self._weights())

    def _layer_backward(self, dh, cache):
        return gru_backward(dh, cache)


class LSTM(_Recurrent):
    """LSTM layer (gate blocks i, f, g, o; forget-gate bias ``forget_bias``, default 1); state: (h, c)."""

    cell = "lstm"

    def __init__(self, D, H, *, rng, recurrent="orthogonal", scale=1.0, forget_bias=1.0, dtype=np.float64):
        super().__init__(D, H, rng=rng, recurrent=recurrent, scale=scale, forget_bias=forget_bias, dtype=dtype)

    def forward(self, x, state=None):
        if state is None:
            h0, c0 = self._h0(x, None), None
        else:
            self._check_x(x)
            h0, c0 = state
        h, self._cache = lstm_forward(x, h0, *self._weights(), c0=c0)
        self.final_state = (h[:, -1].copy(), self._cache.c[:, -1].copy())
        return h

    def backward(self, dh, dstate=None):
        cache = self._need_cache()
        dcT = None
        if dstate is not None:
            dhT, dcT = dstate
            dh = dh.copy()
            dh[:, -1] += dhT
        dx, dh0, *grads, dc0 = lstm_backward(dh, cache, dcT=dcT, return_dc0=True)
        self._store_grads(*grads)
        self.dstate0 = (dh0, dc0)
        return dx


class Bidirectional(Module):
    """Run ``fwd`` over x and ``bwd`` over the time-reversed x (outputs reversed back), concatenate the
    hidden states along the features: (N, T, H_fwd + H_bwd). State: the pair (fwd state, bwd state).

    Example: Bidirectional(LSTM(D, H, rng=rng), LSTM(D, H, rng=rng))."""

    def __init__(self, fwd: Module, bwd: Module):
        super().__init__()
        self.fwd, self.bwd = fwd, bwd
        self.final_state = None
        self.dstate0 = None
        self._H = None

    def children(self):
        return {"fwd": self.fwd, "bwd": self.bwd}

    def forward(self, x, state=None):
        s_fwd, s_bwd = (None, None) if state is None else state
        h_fwd = self.fwd.forward(x, s_fwd)
        h_bwd = self.bwd.forward(x[:, ::-1], s_bwd)[:, ::-1]
        self._H = h_fwd.shape[2]
        self.final_state = (self.fwd.final_state, self.bwd.final_state)
        return np.concatenate([h_fwd, h_bwd], axis=2)

    def backward(self, dh, dstate=None):
        if self._H is None:
            raise RuntimeError("Bidirectional.backward called before forward")
        d_fwd, d_bwd = (None, None) if dstate is None else dstate
        H = self._H
        dx = self.fwd.backward(dh[:, :, :H], d_fwd)
        dx = dx + self.bwd.backward(np.ascontiguousarray(dh[:, ::-1, H:]), d_bwd)[:, ::-1]
        self.dstate0 = (self.fwd.dstate0, self.bwd.dstate0)
        return dx


class Stack(Module):
    """Recurrent layers on top of each other: layer l + 1 reads the hidden states of layer l.
    State: a list with one state per layer."""

    def __init__(self, layers: Sequence[Module]):
        super().__init__()
        if len(layers) == 0:
            raise ValueError("layers: expected at least one layer, got 0")
        self.layers = list(layers)
        self.final_state = None
        self.dstate0 = None

    def children(self):
        return {str(i): layer for i, layer in enumerate(self.layers)}

    def forward(self, x, state=None):
        states = [None] * len(self.layers) if state is None else list(state)
        if len(states) != len(self.layers):
            raise ValueError(f"state: expected one state per layer ({len(self.layers)}), got {len(states)}")
        h = x
        for layer, s in zip(self.layers, states, strict=True):
            h = layer.forward(h, s)
        self.final_state = [layer.final_state for layer in self.layers]
        return h

    def backward(self, dh, dstate=None):
        dstates = [None] * len(self.layers) if dstate is None else list(dstate)
        for layer, ds in zip(reversed(self.layers), reversed(dstates), strict=True):
            dh = layer.backward(dh, ds)
        self.dstate0 = [layer.dstate0 for layer in self.layers]
        return dh


class LanguageModel(Module):
    """Embedding -> recurrent layer(s) -> linear read-out: next-token scores for every position.

    Inputs of forward: x (N, T) integer tokens and an optional state; returns logits (N, T, V).
    ``cell`` is "rnn", "lstm" or "gru"; num_layers > 1 stacks layers (Stack)."""

    def __init__(self, V: int, D: int, H: int, *, rng, cell="lstm", num_layers: int = 1, dtype=np.float64):
        super().__init__()
        classes = {"rnn": RNN, "lstm": LSTM, "gru": GRU}
        if cell not in classes:
            raise ValueError(f"cell: expected one of {tuple(classes)}, got {cell!r}")
        self.V = V
        self.embed = Embedding(V, D, rng=rng, dtype=dtype)
        layers = [classes[cell](D if i == 0 else H, H, rng=rng, dtype=dtype) for i in range(num_layers)]
        self.rnn = layers[0] if num_layers == 1 else Stack(layers)
        self.head = Linear(H, V, rng=rng, dtype=dtype)

    def children(self):
        return {"embed": self.embed, "rnn": self.rnn, "head": self.head}

    @property
    def final_state(self):
        return self.rnn.final_state

    def forward(self, x, state=None):
        return self.head.forward(self.rnn.forward(self.embed.forward(x), state))

    def backward(self, dlogits, dstate=None):
        self.embed.backward(self.rnn.backward(self.head.backward(dlogits), dstate))

    def loss(self, x, y, mask=None, state=None) -> float:
        """Forward, temporal softmax loss (summed over time, averaged over N), backward. Returns the loss;
        the gradients are in gradients()."""
        loss, dlogits = temporal_softmax_loss(self.forward(x, state), y, mask)
        self.backward(dlogits)
        return loss
