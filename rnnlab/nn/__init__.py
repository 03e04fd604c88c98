"""Functional layers: ``forward(...) -> (out, cache)`` and ``backward(dout, cache) -> grads``."""

from rnnlab.nn.activations import log_softmax, sigmoid, softmax
from rnnlab.nn.affine import affine_backward, affine_forward
from rnnlab.nn.losses import mse_loss

__all__ = [
    "affine_backward",
    "affine_forward",
    "log_softmax",
    "mse_loss",
    "sigmoid",
    "softmax",
]
