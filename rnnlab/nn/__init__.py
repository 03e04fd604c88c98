"""Functional layers: ``forward(...) -> (out, cache)`` and ``backward(dout, cache) -> grads``.

Shapes are batch first (x (N, T, D), h (N, T, H)); products are written x @ Wx + h @ Wh + b.
LSTM gate blocks are ordered i, f, g, o; GRU blocks r, z, n with h = (1 - z) * h_prev + z * n.
"""

from rnnlab.nn.activations import log_softmax, sigmoid, softmax
from rnnlab.nn.affine import (
    affine_backward,
    affine_forward,
    temporal_affine_backward,
    temporal_affine_forward,
)
from rnnlab.nn.attention import (
    additive_attention_backward,
    additive_attention_forward,
    attention_backward,
    attention_forward,
    masked_softmax,
)
from rnnlab.nn.bidirectional import (
    bidirectional_backward,
    bidirectional_forward,
    stacked_backward,
    stacked_forward,
)
from rnnlab.nn.embedding import embedding_backward, embedding_forward
from rnnlab.nn.gru import (
    GRUStepCache,
    gru_backward,
    gru_forward,
    gru_step_backward,
    gru_step_cache,
    gru_step_forward,
)
from rnnlab.nn.losses import mse_loss, softmax_cross_entropy, temporal_softmax_loss
from rnnlab.nn.lstm import (
    LSTMStepCache,
    lstm_backward,
    lstm_forward,
    lstm_step_backward,
    lstm_step_cache,
    lstm_step_forward,
)
from rnnlab.nn.padding import last_state_backward, last_state_forward, reverse_padded, zero_padding
from rnnlab.nn.rnn import rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward

__all__ = [
    "GRUStepCache",
    "LSTMStepCache",
    "additive_attention_backward",
    "additive_attention_forward",
    "affine_backward",
    "affine_forward",
    "attention_backward",
    "attention_forward",
    "bidirectional_backward",
    "bidirectional_forward",
    "embedding_backward",
    "embedding_forward",
    "gru_backward",
    "gru_forward",
    "gru_step_backward",
    "gru_step_cache",
    "gru_step_forward",
    "last_state_backward",
    "last_state_forward",
    "log_softmax",
    "lstm_backward",
    "lstm_forward",
    "lstm_step_backward",
    "lstm_step_cache",
    "lstm_step_forward",
    "masked_softmax",
    "mse_loss",
    "reverse_padded",
    "rnn_backward",
    "rnn_forward",
    "rnn_step_backward",
    "rnn_step_forward",
    "sigmoid",
    "softmax",
    "softmax_cross_entropy",
    "stacked_backward",
    "stacked_forward",
    "temporal_affine_backward",
    "temporal_affine_forward",
    "temporal_softmax_loss",
    "zero_padding",
]
