"""A character-level language model: a vanilla RNN on one-hot characters, trained with truncated BPTT.

    h_t = tanh(onehot(x_t) @ Wx + h_{t-1} @ Wh + b),   logits_t = h_t @ Wy + by

Parameters (a dict): Wx (V, H), Wh (H, H), b (H,), Wy (H, V), by (V,). A long text is cut into chunks of k
characters; the hidden state is carried from chunk to chunk, the gradient is not::

    params = init_char_rnn(V, H, rng=rng)
    h = np.zeros((N, H))
    for x, y in chunks:                     # x, y (N, k) character ids, y = x shifted by one
        loss, h = tbptt_step(params, x, y, h, lr=0.1)
"""

from __future__ import annotations

import numpy as np

from rnnlab._validate import check_float, check_int, check_positive, check_shapes
from rnnlab.data.text import one_hot
from rnnlab.init import recurrent_weights, xavier_uniform
from rnnlab.nn.affine import temporal_affine_backward, temporal_affine_forward
from rnnlab.nn.losses import temporal_softmax_loss
from rnnlab.nn.rnn import rnn_backward, rnn_forward

PARAM_NAMES = ("Wx", "Wh", "b", "Wy", "by")


def init_char_rnn(V: int, H: int, *, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Xavier-uniform Wx (V, H) and Wy (H, V), orthogonal Wh (H, H), zero biases b (H,) and by (V,)."""
    Wx, Wh, b = recurrent_weights(V, H, "rnn", rng=rng)
    return {"Wx": Wx, "Wh": Wh, "b": b, "Wy": xavier_uniform(H, V, rng=rng), "by": np.zeros(V)}


def char_rnn_loss(params: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray, h0: np.ndarray, mask=None):
    """Loss and gradients of the model on one chunk that starts from the state h0.

    h0 enters as a constant: the gradient with respect to it is dropped, so nothing flows back into an
    earlier chunk (this is where truncated BPTT cuts).

    Inputs:
    - params: dict Wx (V, H), Wh (H, H), b (H,), Wy (H, V), by (V,)
    - x: input character ids, integer array of shape (N, k); y: target ids (N, k)
    - h0: hidden state before the first step, of shape (N, H)
    - mask: optional boolean array (N, k), True where the target counts (see temporal_softmax_loss)

    Returns a tuple of:
    - loss: temporal softmax loss of the chunk (summed over steps, averaged over the N sequences)
    - grads: dict with the keys and shapes of params
    - h_last: hidden state after the last step, of shape (N, H), the h0 of the next chunk
    """
    Wx, Wh, b, Wy, by = (params[name] for name in PARAM_NAMES)
    dims = check_shapes(Wx=(Wx, "V H"), Wh=(Wh, "H H"), b=(b, "H"), Wy=(Wy, "H V"), by=(by, "V"))
    check_shapes(dims, x=(x, "N K"), y=(y, "N K"), h0=(h0, "N H"))
    check_int(x=x, y=y)
    check_float(h0=h0)
    h, rnn_cache = rnn_forward(one_hot(x, Wx.shape[0]), h0, Wx, Wh, b)
    logits, affine_cache = temporal_affine_forward(h, Wy, by)
    loss, dlogits = temporal_softmax_loss(logits, y, mask)
    dh, dWy, dby = temporal_affine_backward(dlogits, affine_cache)
    _, _dh0, dWx, dWh, db = rnn_backward(dh, rnn_cache)  # _dh0 is dropped: the cut
    grads = dict(zip(PARAM_NAMES, (dWx, dWh, db, dWy, dby), strict=True))
    return loss, grads, h[:, -1].copy()


def tbptt_step(params: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray, h_carry: np.ndarray, lr: float):
    """One truncated-BPTT update with plain SGD: char_rnn_loss on the chunk from h_carry, then
    params[name] -= lr * grads[name] in place.

    Inputs: params as in char_rnn_loss; x, y (N, k) character ids; h_carry (N, H) the state at the end of
    the previous chunk (zeros for the first); lr > 0 the learning rate.

    Returns a tuple of:
    - loss: the chunk's loss before the update (float)
    - h_next: hidden state after the chunk's last step, of shape (N, H), to pass as h_carry next time
    """
    check_positive("lr", lr)
    loss, grads, h_next = char_rnn_loss(params, x, y, h_carry)
    for name in PARAM_NAMES:
        params[name] -= lr * grads[name]
    return loss, h_next
