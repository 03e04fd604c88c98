"""Word embedding: look up a learned vector for every integer token, out[n, t] = W[x[n, t]]."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from rnnlab._validate import check_float, check_int, check_shapes


class EmbeddingCache(NamedTuple):
    x: np.ndarray  # (N, T) integer token indices
    W_shape: tuple  # (V, D)


def _check_indices(x, V: int) -> None:
    if not isinstance(x, np.ndarray):
        raise ValueError(f"x: expected an integer numpy array of token indices, got {type(x).__name__}")
    check_int(x=x)
    if x.size and (x.min() < 0 or x.max() >= V):
        bad = x[(x < 0) | (x >= V)].flat[0]
        raise ValueError(f"x: token indices must lie in [0, {V}) (V = vocabulary size, W.shape[0]), got {bad}")


def embedding_forward(x, W):
    """Forward pass for word embeddings: minibatches of N sequences of length T over a vocabulary of V words,
    each mapped to a vector of dimension D.

    Inputs:
    - x: integer array of shape (N, T) giving indices of words; each element lies in [0, V)
      (any shape works: the output has shape x.shape + (D,))
    - W: weight matrix of shape (V, D) giving the word vectors for all words

    Returns a tuple of:
    - out: array of shape (N, T, D) giving the word vectors for all input words
    - cache: EmbeddingCache needed by embedding_backward
    """
    check_shapes(W=(W, "V D"))
    check_float(W=W)
    _check_indices(x, W.shape[0])
    return W[x], EmbeddingCache(x, W.shape)


def embedding_backward(dout, cache):
    """Backward pass for word embeddings. Several positions may use the same word: their gradients add up.

    Inputs:
    - dout: upstream gradients of shape (N, T, D)
    - cache: EmbeddingCache from embedding_forward

    Returns:
    - dW: gradient of the word embedding matrix, of shape (V, D)
    """
    x, (V, D) = cache
    if not isinstance(dout, np.ndarray) or dout.shape != x.shape + (D,):
        got = dout.shape if isinstance(dout, np.ndarray) else type(dout).__name__
        raise ValueError(f"dout: expected shape {x.shape + (D,)} (the shape of the forward output), got {got}")
    check_float(dout=dout)
    dW = np.zeros((V, D), dtype=dout.dtype)
    np.add.at(dW, x.reshape(-1), dout.reshape(-1, D))  # unbuffered: repeated indices accumulate
    return dW
