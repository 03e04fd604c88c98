"""A recurrent network that reads a sequence and predicts one number from its last hidden state.

The model of the adding problem (notebooks 05 to 07): x (N, T, D) -> a recurrent layer (RNN, LSTM or GRU)
-> h (N, T, H) -> a linear head on h[:, -1] -> y (N,).
"""

from __future__ import annotations

import numpy as np

from rnnlab.modules import GRU, LSTM, RNN, Linear, Module

CELLS = {"rnn": RNN, "lstm": LSTM, "gru": GRU}


class LastStateRegressor(Module):
    """cell "rnn", "lstm" or "gru" with D inputs and H hidden units, and a linear head on the last state.

    forget_bias: the LSTM's forget-gate bias at initialisation (cell="lstm"); update_bias: the GRU's update-gate
    bias (cell="gru"; in the seeds' form h = (1 - z) h_prev + z n, a negative bias keeps the old state)."""

    def __init__(self, cell: str, D: int, H: int, *, rng, forget_bias: float = 1.0, update_bias: float = 0.0):
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"cell: expected one of {tuple(CELLS)}, got {cell!r}")
        extra = {"forget_bias": forget_bias} if cell == "lstm" else {}
        self.cell = cell
        self.rnn = CELLS[cell](D, H, rng=rng, **extra)
        if cell == "gru":
            self.rnn.params["b"][H : 2 * H] = update_bias
        self.head = Linear(H, 1, rng=rng)

    def children(self):
        return {"rnn": self.rnn, "head": self.head}

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x (N, T, D) -> predictions (N,)."""
        self.h = self.rnn.forward(x)
        return self.head.forward(self.h[:, -1])[:, 0]

    def backward(self, dy: np.ndarray) -> np.ndarray:
        """dy (N,) -> dx (N, T, D); fills the gradients. Only the last state feeds the prediction."""
        dh = np.zeros_like(self.h)
        dh[:, -1] = self.head.backward(dy[:, None])
        return self.rnn.backward(dh)
