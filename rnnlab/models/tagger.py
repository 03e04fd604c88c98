"""A recurrent tagger: one label for every step of a sequence (notebook 08).

x (N, T) symbols in 0 .. V-1 -> one-hot (N, T, V) -> L recurrent layers, one-way or bidirectional, on top of
each other (rnnlab.nn.stacked_forward, with the sequences' true lengths) -> h (N, T, H or 2H) -> a linear read-out
at every step -> logits (N, T, K). Its loss is the mean cross-entropy per real (not padding) step.
"""

from __future__ import annotations

import numpy as np

from rnnlab.data.text import one_hot
from rnnlab.init import recurrent_weights
from rnnlab.modules import Linear, Module
from rnnlab.nn.bidirectional import stacked_backward, stacked_forward
from rnnlab.nn.losses import temporal_softmax_loss


class Tagger(Module):
    """``num_layers`` recurrent layers (``cell`` "rnn", "lstm" or "gru", H units per direction) and a read-out
    to K labels. Parameters: "l0.Wx", "l0.Wh", "l0.b" per layer (and "l0.bwd.Wx", ... when bidirectional), and
    "head.W", "head.b"."""

    def __init__(self, V: int, K: int, H: int, *, rng, cell: str = "gru", bidirectional: bool = False,
                 num_layers: int = 1):
        super().__init__()
        self.V, self.H, self.cell, self.bidirectional, self.num_layers = V, H, cell, bidirectional, num_layers
        directions = ("", "bwd.") if bidirectional else ("",)
        params = {}
        for layer in range(num_layers):
            D = V if layer == 0 else H * len(directions)
            for direction in directions:
                Wx, Wh, b = recurrent_weights(D, H, cell, rng=rng)
                params |= {f"l{layer}.{direction}Wx": Wx, f"l{layer}.{direction}Wh": Wh, f"l{layer}.{direction}b": b}
        self._set_params(**params)
        self.head = Linear(H * len(directions), K, rng=rng)
        self._cache = None

    @classmethod
    def from_run(cls, run) -> Tagger:
        """The trained model of a SequenceRun from rnnlab.train.train_tagger."""
        params, settings = run[0], run[2]
        H = params["l0.Wh"].shape[0]
        model = cls(params["l0.Wx"].shape[0], params["head.W"].shape[1], H, rng=np.random.default_rng(0),
                    **settings)
        for name, value in model.parameters().items():
            value[...] = params[name]
        return model

    def children(self):
        return {"head": self.head}

    def _layer_params(self, layer: int):
        p = self.params
        fwd = (p[f"l{layer}.Wx"], p[f"l{layer}.Wh"], p[f"l{layer}.b"])
        if not self.bidirectional:
            return fwd
        return fwd, (p[f"l{layer}.bwd.Wx"], p[f"l{layer}.bwd.Wh"], p[f"l{layer}.bwd.b"])

    def forward(self, x, lengths=None) -> np.ndarray:
        """x (N, T) integer symbols; lengths None or (N,) -> logits (N, T, K) (meaningless on the padding)."""
        N = np.shape(x)[0]
        h0 = np.zeros((N, self.H))
        h0s = [(h0, h0) if self.bidirectional else h0] * self.num_layers
        params = [self._layer_params(layer) for layer in range(self.num_layers)]
        h, self._cache = stacked_forward(one_hot(x, self.V), h0s, params, cell=self.cell,
                                         bidirectional=self.bidirectional, lengths=lengths)
        return self.head.forward(h)

    def backward(self, dlogits) -> None:
        """dlogits (N, T, K) -> fills the gradients of every parameter."""
        _, _, dparams = stacked_backward(self.head.backward(dlogits), self._need_cache())
        for layer, dp in enumerate(dparams):
            for direction, grads in zip(("", "bwd.") if self.bidirectional else ("",),
                                        dp if self.bidirectional else (dp,), strict=True):
                for name, g in zip(("Wx", "Wh", "b"), grads, strict=True):
                    self.grads[f"l{layer}.{direction}{name}"] = g

    def loss(self, x, y, lengths=None) -> float:
        """Mean cross-entropy per real step (forward and backward; the gradients are in gradients())."""
        logits = self.forward(x, lengths)
        N, T = y.shape
        mask = np.ones((N, T), bool) if lengths is None else np.arange(T) < np.asarray(lengths)[:, None]
        loss, dlogits = temporal_softmax_loss(logits, y, mask)
        steps_per_sequence = mask.sum() / N
        self.backward(dlogits / steps_per_sequence)
        return loss / steps_per_sequence

    def predict(self, x, lengths=None) -> np.ndarray:
        """The most likely label of every step, (N, T) integers."""
        return self.forward(x, lengths).argmax(axis=-1)
