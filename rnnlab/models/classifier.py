"""Many-to-one: one label for a whole sequence, e.g. the sentiment of a review (notebook 09).

- SequenceClassifier: word ids (N, T) -> embedding -> recurrent layer -> the state at each sequence's own last step
  (rnnlab.nn.last_state_forward, so padding is never read) -> linear read-out -> K scores.
- The order-blind baseline: word counts (bag_of_words) and a softmax regression on them (fit_bag_of_words).
"""

from __future__ import annotations

import numpy as np

from rnnlab.models.regressor import CELLS
from rnnlab.modules import Embedding, Linear, Module
from rnnlab.nn.activations import softmax
from rnnlab.nn.losses import softmax_cross_entropy
from rnnlab.nn.padding import last_state_backward, last_state_forward


class SequenceClassifier(Module):
    """V words -> E-dimensional embeddings -> ``cell`` ("rnn", "lstm", "gru") with H units -> K scores."""

    def __init__(self, V: int, K: int, E: int, H: int, *, rng, cell: str = "gru"):
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"cell: expected one of {tuple(CELLS)}, got {cell!r}")
        self.cell = cell
        self.embed, self.rnn, self.head = Embedding(V, E, rng=rng), CELLS[cell](E, H, rng=rng), Linear(H, K, rng=rng)
        self._cache = None

    @classmethod
    def from_run(cls, run) -> SequenceClassifier:
        """The trained model of a SequenceRun from rnnlab.train.train_classifier."""
        params, settings = run[0], run[2]
        (V, E), (H, K) = params["embed.W"].shape, params["head.W"].shape
        model = cls(V, K, E, H, rng=np.random.default_rng(0), **settings)
        for name, value in model.parameters().items():
            value[...] = params[name]
        return model

    def children(self):
        return {"embed": self.embed, "rnn": self.rnn, "head": self.head}

    def forward(self, x, lengths=None) -> np.ndarray:
        """x (N, T) word ids, lengths None or (N,) -> scores (N, K)."""
        last, self._cache = last_state_forward(self.rnn.forward(self.embed.forward(x)), lengths)
        return self.head.forward(last)

    def backward(self, dscores) -> None:
        """dscores (N, K) -> the gradients of every parameter."""
        self.embed.backward(self.rnn.backward(last_state_backward(self.head.backward(dscores), self._need_cache())))

    def loss(self, x, y, lengths=None) -> float:
        """Mean cross-entropy over the N sequences (forward and backward; gradients in gradients())."""
        loss, dscores = softmax_cross_entropy(self.forward(x, lengths), y)
        self.backward(dscores)
        return loss

    def predict(self, x, lengths=None) -> np.ndarray:
        return self.forward(x, lengths).argmax(axis=1)


def bag_of_words(x, V: int) -> np.ndarray:
    """Word counts of each sequence: x (N, T) ids in 0 .. V-1 (id 0 is padding and not counted) -> (N, V)."""
    x = np.asarray(x)
    counts = np.zeros((len(x), V))
    np.add.at(counts, (np.repeat(np.arange(len(x)), x.shape[1]), x.ravel()), 1.0)
    counts[:, 0] = 0.0
    return counts


def fit_bag_of_words(counts, y, K: int, *, steps: int = 500, lr: float = 0.5, l2: float = 1e-3):
    """Softmax regression on word counts by full-batch gradient descent: returns (W (V, K), b (K,))."""
    W, b = np.zeros((counts.shape[1], K)), np.zeros(K)
    onehot = np.eye(K)[y]
    for _ in range(steps):
        dscores = (softmax(counts @ W + b, axis=1) - onehot) / len(y)
        W -= lr * (counts.T @ dscores + l2 * W)
        b -= lr * dscores.sum(axis=0)
    return W, b
