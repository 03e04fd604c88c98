"""Training loops with a progress bar and a loss history, truncated BPTT, and sampling with temperature.

- fit(model, optimizer, batches, loss_fn): the generic loop (forward + backward in loss_fn, clipping,
  optimiser step, NaN/inf check naming the step, progress bar in a terminal or in JupyterLab)
- train_tbptt(model, tokens, optimizer, batch_size=..., seq_len=...): a language model on one long token
  stream, cut into chunks; the hidden state is carried from chunk to chunk, the gradient is not
- sample(model, prime, n, temperature=..., rng=...): generate n tokens from a language model (one or a batch)
- train_adding(cell, T, ...), adding_test_mse(model, T): the adding problem for an RNN, LSTM or GRU (05 to 07)
- train_tagger(x, y, lengths, ...): a label for every step, one-way or bidirectional, 1 or more layers (08)
- train_classifier(x, y, lengths, ...): one label per sequence, read at its true last step (09)
- train_seq2seq(src, src_lengths, tgt, tgt_lengths, ...): an encoder–decoder with teacher forcing (09)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from tqdm.auto import tqdm

from rnnlab.data.tasks import adding_problem
from rnnlab.models.classifier import SequenceClassifier
from rnnlab.models.regressor import LastStateRegressor
from rnnlab.models.seq2seq import Seq2Seq
from rnnlab.models.tagger import Tagger
from rnnlab.nn.activations import softmax
from rnnlab.nn.losses import mse_loss, temporal_softmax_loss
from rnnlab.optim import Adam, clip_grad_norm, clip_grad_value, global_norm


@dataclass
class History:
    """What happened during training: the loss and the (pre-clip) global gradient norm of every step."""

    loss: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.loss)

    def smoothed(self, window: int = 20) -> np.ndarray:
        """Moving average of the loss over ``window`` steps (shorter at the start), for plotting."""
        loss = np.asarray(self.loss, dtype=np.float64)
        c = np.cumsum(np.insert(loss, 0, 0.0))
        idx = np.arange(1, len(loss) + 1)
        lo = np.maximum(idx - window, 0)
        return (c[idx] - c[lo]) / (idx - lo)


def fit(
    model,
    optimizer,
    batches: Iterable,
    loss_fn: Callable,
    *,
    n_steps: int | None = None,
    clip_norm: float | None = None,
    clip_value: float | None = None,
    progress: bool = True,
    desc: str = "train",
    history: History | None = None,
) -> History:
    """Train ``model`` on ``batches``: for every batch, ``loss = loss_fn(model, batch)`` runs the forward and
    backward passes (filling ``model.gradients()``); then the gradients are clipped and the optimiser steps.

    Inputs:
    - model: anything with gradients() -> dict (e.g. an rnnlab.modules.Module)
    - optimizer: an rnnlab.optim optimiser built on model.parameters()
    - batches: iterable of batches (any objects loss_fn understands); n_steps: stop after that many
      (default: all; also the length of the progress bar when batches has no len())
    - clip_norm / clip_value: clip the gradients by global norm / by value before each step
    - progress: show a tqdm progress bar (text in a terminal, a widget in JupyterLab)
    - history: append to this History instead of a new one (to continue training)

    Returns the History (loss and pre-clip gradient norm of every step).
    Raises FloatingPointError naming the step when the loss or the gradient norm is NaN or infinite.
    """
    history = History() if history is None else history
    total = n_steps if n_steps is not None else (len(batches) if hasattr(batches, "__len__") else None)
    start = len(history)
    with tqdm(total=total, desc=desc, disable=not progress, leave=True) as bar:
        for i, batch in enumerate(batches):
            if n_steps is not None and i >= n_steps:
                break
            step = start + i
            loss = float(loss_fn(model, batch))
            if not np.isfinite(loss):
                raise FloatingPointError(
                    f"step {step}: the loss is {loss}; lower the learning rate or clip the gradients"
                )
            grads = model.gradients()
            if clip_norm is not None:
                norm = clip_grad_norm(grads, clip_norm)
            elif clip_value is not None:
                norm = clip_grad_value(grads, clip_value)
            else:
                norm = global_norm(grads)
            if not np.isfinite(norm):
                raise FloatingPointError(
                    f"step {step}: the gradient norm is {norm} (exploding gradients); "
                    "lower the learning rate or clip the gradients"
                )
            optimizer.step(grads)
            history.loss.append(loss)
            history.grad_norm.append(norm)
            bar.update(1)
            bar.set_postfix(loss=f"{loss:.4f}", refresh=False)
    return history


def _stream_length(tokens, batch_size: int, seq_len: int) -> int:
    """Validate the arguments of tbptt_chunks; return L, the number of steps of each parallel stream."""
    if not isinstance(tokens, np.ndarray) or tokens.ndim != 1 or not np.issubdtype(tokens.dtype, np.integer):
        got = f"shape {tokens.shape} dtype {tokens.dtype}" if isinstance(tokens, np.ndarray) else type(tokens).__name__
        raise ValueError(f"tokens: expected a 1-d integer numpy array, got {got}")
    if batch_size < 1 or seq_len < 1:
        raise ValueError(f"batch_size, seq_len: expected positive integers, got {batch_size}, {seq_len}")
    L = (len(tokens) - 1) // batch_size
    if L < 1:
        raise ValueError(f"tokens: expected at least batch_size + 1 = {batch_size + 1} tokens, got {len(tokens)}")
    return L


def tbptt_chunks(tokens: np.ndarray, batch_size: int, seq_len: int):
    """Cut one long token stream into batch_size parallel streams and those into chunks of seq_len steps.

    Stream n is tokens[n L : (n + 1) L] with L = (len(tokens) - 1) // batch_size, so chunk k of every stream
    continues exactly where chunk k - 1 stopped. Yields (x, y) with x, y of shape (batch_size, seq_len)
    (the last chunk may be shorter) and y the next token of each x (x shifted by one).
    """
    L = _stream_length(tokens, batch_size, seq_len)
    xs = tokens[: L * batch_size].reshape(batch_size, L)
    ys = tokens[1 : L * batch_size + 1].reshape(batch_size, L)
    for s in range(0, L, seq_len):
        yield xs[:, s : s + seq_len], ys[:, s : s + seq_len]


def train_tbptt(
    model,
    tokens: np.ndarray,
    optimizer,
    *,
    batch_size: int,
    seq_len: int,
    n_epochs: int = 1,
    clip_norm: float | None = 5.0,
    progress: bool = True,
    desc: str = "tbptt",
    history: History | None = None,
) -> History:
    """Train a language model with truncated backpropagation through time.

    The token stream is cut into batch_size parallel streams and chunks of seq_len steps (tbptt_chunks).
    The hidden state after chunk k is the initial state of chunk k + 1 (the model keeps remembering), but
    backpropagation stops at the chunk boundary (the state enters as a constant). The state is reset to
    zeros at the start of every epoch. The loss is the cross-entropy per token in nats (the temporal
    softmax loss divided by the chunk length), so the learning rate does not depend on seq_len.

    Inputs:
    - model: forward(x (N, T) ints, state) -> logits (N, T, V), final_state, backward(dlogits),
      parameters(), gradients() (e.g. rnnlab.modules.LanguageModel)
    - tokens: 1-d integer array; optimizer: built on model.parameters()
    - batch_size, seq_len, n_epochs, clip_norm (None: no clipping), progress, desc, history: as in fit

    Returns the History; raises FloatingPointError naming the step on a NaN or infinite loss.
    """
    chunks_per_epoch = math.ceil(_stream_length(tokens, batch_size, seq_len) / seq_len)
    state = None

    def batches():
        nonlocal state
        for _ in range(n_epochs):
            state = None  # a new epoch starts from zeros
            yield from tbptt_chunks(tokens, batch_size, seq_len)

    def loss_fn(model, batch):
        nonlocal state
        x, y = batch
        T = x.shape[1]
        loss, dlogits = temporal_softmax_loss(model.forward(x, state), y)
        model.backward(dlogits / T)
        state = model.final_state  # carried into the next chunk as plain numbers: the gradient stops here
        return loss / T

    return fit(
        model,
        optimizer,
        batches(),
        loss_fn,
        n_steps=n_epochs * chunks_per_epoch,
        clip_norm=clip_norm,
        progress=progress,
        desc=desc,
        history=history,
    )


def sample_from_logits(logits: np.ndarray, temperature: float = 1.0, *, rng) -> np.ndarray:
    """Draw one index per row of ``logits`` (..., V) from softmax(logits / temperature).

    temperature = 1 samples the model's distribution; < 1 sharpens it (towards the argmax); > 1 flattens it
    (towards uniform); temperature = 0 returns the argmax. Returns an integer array of shape logits.shape[:-1].
    """
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng: expected a numpy.random.Generator (np.random.default_rng(seed)), got {rng!r}")
    if not temperature >= 0:
        raise ValueError(f"temperature: expected a number >= 0, got {temperature}")
    logits = np.asarray(logits, dtype=np.float64)
    if temperature == 0:
        return np.argmax(logits, axis=-1)
    p = softmax(logits / temperature, axis=-1)
    u = rng.random(p.shape[:-1] + (1,))
    idx = np.sum(np.cumsum(p, axis=-1) < u, axis=-1)  # inverse-CDF sampling
    return np.minimum(idx, p.shape[-1] - 1)


def sample(model, prime, n: int, *, temperature: float = 1.0, rng) -> np.ndarray:
    """Generate ``n`` tokens from a language model, one at a time, feeding each sample back in.

    Inputs:
    - model: forward(x (N, T) ints, state) -> logits (N, T, V) and final_state (e.g. LanguageModel)
    - prime: the first tokens (at least one): (P,) ints, or (N, P) to generate N sequences at once; the model
      reads them before sampling
    - n: number of tokens to generate; temperature: see sample_from_logits; rng: numpy.random.Generator

    Returns an integer array of shape (n,), or (N, n) for a batch: the generated tokens (without the prime).
    The same rng seed gives the same tokens.
    """
    prime = np.asarray(prime)
    if prime.ndim not in (1, 2) or prime.size == 0 or not np.issubdtype(prime.dtype, np.integer):
        raise ValueError(f"prime: expected a non-empty (P,) or (N, P) array of token ids, got {prime!r}")
    batch = np.atleast_2d(prime)
    out = np.empty((len(batch), n), dtype=np.int64)
    logits = model.forward(batch, None)
    state = model.final_state
    for i in range(n):
        out[:, i] = sample_from_logits(logits[:, -1], temperature, rng=rng)
        logits = model.forward(out[:, i : i + 1], state)
        state = model.final_state
    return out if prime.ndim == 2 else out[0]


class AddingRun(NamedTuple):
    """One training run on the adding problem, as plain data."""

    params: dict  # the trained LastStateRegressor's parameters: "rnn.Wx", "rnn.Wh", "rnn.b", "head.W", "head.b"
    loss: list  # the training loss of every step
    test_mse: float  # on 1000 test sequences (adding_test_mse)


def adding_test_mse(model, T: int, *, n: int = 1000, seed: int = 999) -> float:
    """Mean squared error of ``model`` on n test sequences of length T (the same ones for every model)."""
    x, y = adding_problem(n, T, rng=np.random.default_rng(seed))
    return float(np.mean((model.forward(x) - y) ** 2))


def train_adding(
    cell: str,
    T: int,
    *,
    H: int = 32,
    steps: int = 300,
    batch_size: int = 64,
    lr: float = 1e-2,
    clip_norm: float = 1.0,
    forget_bias: float = 1.0,
    update_bias: float = 0.0,
    fixed_gates: tuple[str, ...] = (),
    seed: int = 0,
    progress: bool = True,
) -> AddingRun:
    """Train a LastStateRegressor (cell "rnn", "lstm" or "gru", H units) on fresh adding-problem batches with
    Adam and gradient clipping; every cell with the same seed sees the same batches. Returns an AddingRun.

    fixed_gates (GRU only): gates held open at 1 and never trained, for ablations: "reset" (r = 1, the candidate
    sees all of h_prev) and/or "update" (z = 1, h = n: nothing of the old state is carried directly).
    """
    model = LastStateRegressor(cell, 2, H, rng=np.random.default_rng(seed), forget_bias=forget_bias,
                               update_bias=update_bias)
    blocks = _fix_gates(model, fixed_gates)
    data_rng = np.random.default_rng(seed + 1000 + T)
    batches = (adding_problem(batch_size, T, rng=data_rng) for _ in range(steps))

    def step(model, batch) -> float:
        loss = _mse_step(model, batch)
        for block in blocks:  # a fixed gate's weights get no gradient, so Adam never moves them
            for name in ("Wx", "Wh"):
                model.rnn.grads[name][:, block] = 0.0
            model.rnn.grads["b"][block] = 0.0
        return loss

    history = fit(model, Adam(model.parameters(), lr=lr), batches, step, n_steps=steps, clip_norm=clip_norm,
                  progress=progress, desc=f"{cell.upper()}, T = {T}")
    params = {name: value.copy() for name, value in model.parameters().items()}
    return AddingRun(params, history.loss, adding_test_mse(model, T))


_GRU_GATES = {"reset": 0, "update": 1}


def _fix_gates(model, gates) -> list[slice]:
    """Hold the GRU gates named in ``gates`` at 1 (zero weights, bias 30); return their column blocks."""
    if gates and model.cell != "gru":
        raise ValueError(f"fixed_gates: only a GRU's gates can be fixed, got cell={model.cell!r}")
    blocks = []
    for gate in gates:
        if gate not in _GRU_GATES:
            raise ValueError(f"fixed_gates: expected names from {tuple(_GRU_GATES)}, got {gate!r}")
        H = model.rnn.H
        block = slice(_GRU_GATES[gate] * H, (_GRU_GATES[gate] + 1) * H)
        model.rnn.params["Wx"][:, block] = 0.0
        model.rnn.params["Wh"][:, block] = 0.0
        model.rnn.params["b"][block] = 30.0  # sigmoid(30) = 1 - 1e-13
        blocks.append(block)
    return blocks


def _mse_step(model, batch) -> float:
    x, y = batch
    loss, dy = mse_loss(model.forward(x), y)
    model.backward(dy)
    return loss


class SequenceRun(NamedTuple):
    """One training run of a Tagger or a SequenceClassifier, as plain data; the model's ``from_run(run)``
    rebuilds it."""

    params: dict  # the trained model's parameters (model.parameters())
    loss: list  # the training loss of every step
    settings: dict  # the model's settings besides its sizes (cell, ...)


def _fit_sequences(model, x, y, lengths, *, rng, steps, batch_size, lr, clip_norm, progress, desc) -> SequenceRun:
    """Adam on random minibatches of ``batch_size`` rows of (x, y, lengths); model.loss(x, y, lengths) runs the
    forward and backward passes. Returns the parameters and the losses (settings left empty)."""
    picks = (rng.integers(0, len(x), batch_size) for _ in range(steps))
    batches = ((x[i], y[i], None if lengths is None else lengths[i]) for i in picks)
    history = fit(model, Adam(model.parameters(), lr=lr), batches, lambda m, b: m.loss(*b), n_steps=steps,
                  clip_norm=clip_norm, progress=progress, desc=desc)
    return SequenceRun({name: value.copy() for name, value in model.parameters().items()}, history.loss, {})


def train_tagger(
    x: np.ndarray,
    y: np.ndarray,
    lengths: np.ndarray | None = None,
    *,
    K: int | None = None,
    cell: str = "rnn",
    H: int = 16,
    bidirectional: bool = False,
    num_layers: int = 1,
    steps: int = 200,
    batch_size: int = 32,
    lr: float = 1e-2,
    clip_norm: float = 5.0,
    seed: int = 0,
    progress: bool = True,
) -> SequenceRun:
    """Train a Tagger on the sequences x (N, T) of symbols with labels y (N, T) (padded: their true lengths (N,))
    by Adam on random minibatches of ``batch_size`` sequences. V and K are 1 + the largest symbol and label
    unless K is given. Returns a SequenceRun (Tagger.from_run rebuilds the model)."""
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim != 2 or y.shape != x.shape:
        raise ValueError(f"y: expected the shape of x {x.shape}, got {y.shape}")
    V, K = int(x.max()) + 1, int(y.max()) + 1 if K is None else K
    rng = np.random.default_rng(seed)
    settings = {"cell": cell, "bidirectional": bidirectional, "num_layers": num_layers}
    model = Tagger(V, K, H, rng=rng, **settings)
    layers = f"{num_layers} layers" if num_layers > 1 else "1 layer"
    run = _fit_sequences(model, x, y, lengths, rng=rng, steps=steps, batch_size=batch_size, lr=lr,
                         clip_norm=clip_norm, progress=progress,
                         desc=f"{'bidirectional' if bidirectional else 'one-way'} {cell.upper()}, {layers}")
    return run._replace(settings=settings)


def train_classifier(
    x: np.ndarray,
    y: np.ndarray,
    lengths: np.ndarray | None = None,
    *,
    V: int | None = None,
    K: int | None = None,
    cell: str = "gru",
    E: int = 16,
    H: int = 32,
    steps: int = 300,
    batch_size: int = 64,
    lr: float = 1e-2,
    clip_norm: float = 5.0,
    seed: int = 0,
    progress: bool = True,
) -> SequenceRun:
    """Train a SequenceClassifier on word ids x (N, T) (padded: true lengths (N,)) with one label y (N,) per
    sequence, by Adam on random minibatches. V and K are 1 + the largest id and label unless given. Returns a
    SequenceRun (SequenceClassifier.from_run rebuilds the model)."""
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim != 2 or y.shape != x.shape[:1]:
        raise ValueError(f"y: expected one label per sequence, shape ({len(x)},), got {y.shape}")
    V = int(x.max()) + 1 if V is None else V
    K = int(y.max()) + 1 if K is None else K
    rng = np.random.default_rng(seed)
    model = SequenceClassifier(V, K, E, H, rng=rng, cell=cell)
    run = _fit_sequences(model, x, y, lengths, rng=rng, steps=steps, batch_size=batch_size, lr=lr,
                         clip_norm=clip_norm, progress=progress, desc=f"{cell.upper()} classifier")
    return run._replace(settings={"cell": cell})


def train_seq2seq(
    src: np.ndarray,
    src_lengths: np.ndarray,
    tgt: np.ndarray,
    tgt_lengths: np.ndarray,
    *,
    V_src: int,
    V_tgt: int,
    E: int = 32,
    H: int = 96,
    steps: int = 2500,
    batch_size: int = 64,
    lr: float = 1e-2,
    clip_norm: float = 5.0,
    seed: int = 0,
    attention: bool = False,
    progress: bool = True,
) -> SequenceRun:
    """Train a Seq2Seq (attention: see Seq2Seq) with teacher forcing, Adam on minibatches of ``batch_size`` pairs.

    src (N, S) and tgt (N, T) are padded token ids (rnnlab.models.seq2seq.encode_batch), each tgt row BOS y_0 ...
    EOS, with their true lengths (N,). The loss is the mean cross-entropy per real target token.
    Returns a SequenceRun (Seq2Seq.from_run rebuilds the model)."""
    src, tgt = np.asarray(src), np.asarray(tgt)
    if len(tgt) != len(src):
        raise ValueError(f"tgt: expected {len(src)} targets, one per source, got {len(tgt)}")
    rng = np.random.default_rng(seed)
    model = Seq2Seq(V_src, V_tgt, E, H, rng=rng, attention=attention)

    def batches():
        while True:
            i = rng.integers(0, len(src), batch_size)
            S, T = src_lengths[i].max(), tgt_lengths[i].max()
            mask = np.arange(T - 1) < (tgt_lengths[i] - 1)[:, None]
            yield src[i, :S], src_lengths[i], tgt[i, : T - 1], tgt[i, 1:T], mask

    history = fit(model, Adam(model.parameters(), lr=lr), batches(), lambda m, b: m.loss(*b), n_steps=steps,
                  clip_norm=clip_norm, progress=progress,
                  desc="encoder-decoder with attention" if attention else "encoder-decoder")
    return SequenceRun({name: value.copy() for name, value in model.parameters().items()}, history.loss, {})
