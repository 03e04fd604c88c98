"""Training loops: TBPTT carries the state and cuts the gradient, NaN/inf errors name the step, sampling."""

import copy

import numpy as np
import pytest

from rnnlab.modules import LanguageModel
from rnnlab.nn import softmax, temporal_softmax_loss
from rnnlab.optim import SGD
from rnnlab.train import History, fit, sample, sample_from_logits, tbptt_chunks, train_tbptt


class RecordingLM(LanguageModel):
    """A language model that remembers the state it was given and the state it ended with, per forward."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.states_in, self.states_out = [], []

    def forward(self, x, state=None):
        self.states_in.append(copy.deepcopy(state))
        logits = super().forward(x, state)
        self.states_out.append(copy.deepcopy(self.final_state))
        return logits


class RecordingOptimizer:
    """Stands in for an optimiser: keeps a copy of the gradients of every step, changes nothing."""

    def __init__(self):
        self.seen = []

    def step(self, grads):
        self.seen.append({k: v.copy() for k, v in grads.items()})


def test_tbptt_chunks_continue_each_stream():
    tokens = np.arange(21)
    chunks = list(tbptt_chunks(tokens, batch_size=2, seq_len=4))
    assert [x.shape for x, _ in chunks] == [(2, 4), (2, 4), (2, 2)]
    xs = np.concatenate([x for x, _ in chunks], axis=1)
    ys = np.concatenate([y for _, y in chunks], axis=1)
    np.testing.assert_array_equal(xs, [np.arange(10), np.arange(10, 20)])
    np.testing.assert_array_equal(ys, xs + 1)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_tbptt_carries_the_state_between_chunks_and_resets_per_epoch(cell):
    rng = np.random.default_rng(0)
    model = RecordingLM(7, 3, 4, rng=rng, cell=cell)
    tokens = rng.integers(0, 7, 41)
    history = train_tbptt(model, tokens, SGD(model.parameters(), lr=0.1), batch_size=2, seq_len=5, n_epochs=2,
                          progress=False)  # fmt: skip
    n_chunks = 4  # 20 steps per stream / 5
    assert len(history) == 2 * n_chunks
    for k in range(2 * n_chunks):
        if k % n_chunks == 0:
            assert model.states_in[k] is None  # every epoch starts from zeros
        else:  # the state after chunk k - 1 is the initial state of chunk k
            prev, cur = model.states_out[k - 1], model.states_in[k]
            for a, b in zip(np.atleast_3d(prev), np.atleast_3d(cur), strict=True):
                np.testing.assert_array_equal(a, b)


def test_tbptt_cuts_the_gradient_at_chunk_boundaries():
    """The gradient of chunk 2 is the one of chunk 2 alone started from the carried state (a constant),
    not the full backpropagation through chunks 1 and 2."""
    rng = np.random.default_rng(1)
    model = LanguageModel(5, 3, 4, rng=rng, cell="lstm")
    reference = copy.deepcopy(model)
    tokens = rng.integers(0, 5, 2 * 8 + 1)
    opt = RecordingOptimizer()
    train_tbptt(model, tokens, opt, batch_size=2, seq_len=4, clip_norm=None, progress=False)
    (x1, y1), (x2, y2) = tbptt_chunks(tokens, 2, 4)

    reference.forward(x1)
    state = reference.final_state
    _, dlogits = temporal_softmax_loss(reference.forward(x2, state), y2)
    reference.backward(dlogits / 4)
    for name, g in reference.gradients().items():
        np.testing.assert_allclose(opt.seen[1][name], g, atol=1e-14, err_msg=name)

    full = copy.deepcopy(reference)  # full BPTT through both chunks gives a different Wh gradient
    x, y = np.concatenate([x1, x2], axis=1), np.concatenate([y1, y2], axis=1)
    mask = np.zeros((2, 8), dtype=bool)
    mask[:, 4:] = True
    _, dlogits = temporal_softmax_loss(full.forward(x), y, mask)
    full.backward(dlogits / 4)
    assert not np.allclose(full.gradients()["rnn.Wh"], opt.seen[1]["rnn.Wh"])


def test_nan_loss_raises_naming_the_step():
    model = LanguageModel(4, 2, 3, rng=np.random.default_rng(2))
    x = np.zeros((1, 3), dtype=np.int64)

    def loss_fn(model, step):
        loss = model.loss(x, x)
        return float("nan") if step == 3 else loss

    with pytest.raises(FloatingPointError, match="step 3: the loss is nan"):
        fit(model, SGD(model.parameters()), range(10), loss_fn, progress=False)


def test_infinite_gradient_raises_naming_the_step():
    model = LanguageModel(4, 2, 3, rng=np.random.default_rng(3))
    x = np.zeros((1, 3), dtype=np.int64)

    def loss_fn(model, step):
        loss = model.loss(x, x)
        if step == 2:
            model.head.grads["W"][0, 0] = np.inf
        return loss

    with pytest.raises(FloatingPointError, match="step 2: the gradient norm is inf"):
        fit(model, SGD(model.parameters()), range(10), loss_fn, progress=False)


def test_fit_history_clipping_and_progress_bar(capsys):
    model = LanguageModel(4, 2, 3, rng=np.random.default_rng(4))
    x = np.array([[0, 1, 2, 3]])
    opt = RecordingOptimizer()
    history = fit(model, opt, [(x, x)] * 5, lambda m, b: m.loss(*b), clip_norm=1e-3, desc="overfit")
    assert isinstance(history, History) and len(history) == 5
    assert all(n > 1e-3 for n in history.grad_norm)  # the pre-clip norm is logged
    for grads in opt.seen:  # the optimiser got the clipped gradients
        assert np.sqrt(sum(np.sum(g**2) for g in grads.values())) == pytest.approx(1e-3)
    err = capsys.readouterr().err
    assert "overfit" in err and "5/5" in err
    history = fit(model, opt, iter([(x, x)] * 9), lambda m, b: m.loss(*b), n_steps=3, progress=False,
                  history=history)  # fmt: skip
    assert len(history) == 8 and history.smoothed(2).shape == (8,)


def test_sample_from_logits_temperature():
    rng = np.random.default_rng(5)
    logits = rng.standard_normal((50, 6))
    np.testing.assert_array_equal(sample_from_logits(logits, 0.0, rng=rng), logits.argmax(axis=1))
    np.testing.assert_array_equal(sample_from_logits(logits, 1e-4, rng=rng), logits.argmax(axis=1))
    a = sample_from_logits(logits, 1.0, rng=np.random.default_rng(42))
    b = sample_from_logits(logits, 1.0, rng=np.random.default_rng(42))
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("temperature", [0.5, 1.0, 3.0])
def test_sample_frequencies_follow_the_tempered_softmax(temperature):
    logits = np.array([1.0, 0.0, -1.0, 2.0])
    draws = sample_from_logits(np.tile(logits, (20000, 1)), temperature, rng=np.random.default_rng(6))
    freq = np.bincount(draws, minlength=4) / 20000
    p = np.exp(logits / temperature) / np.exp(logits / temperature).sum()
    np.testing.assert_allclose(freq, p, atol=0.015)


def test_sample_from_a_model_is_reproducible_and_greedy_at_zero_temperature():
    model = LanguageModel(6, 3, 5, rng=np.random.default_rng(7), cell="gru")
    a = sample(model, [1, 2], 12, temperature=1.0, rng=np.random.default_rng(0))
    b = sample(model, [1, 2], 12, temperature=1.0, rng=np.random.default_rng(0))
    assert a.shape == (12,) and a.dtype.kind == "i"
    np.testing.assert_array_equal(a, b)
    greedy = sample(model, [1, 2], 8, temperature=0.0, rng=np.random.default_rng(1))
    seq = np.concatenate([[1, 2], greedy])  # re-read the whole sequence at once: each token is the argmax
    probs = softmax(model.forward(seq[None, :-1]), axis=-1)[0]
    np.testing.assert_array_equal(probs[1:].argmax(axis=-1), greedy)


def test_a_batch_of_primes_samples_each_row_as_alone():
    model = LanguageModel(6, 3, 5, rng=np.random.default_rng(7), cell="gru")
    primes = np.array([[1, 2], [3, 0], [5, 5]])
    greedy = sample(model, primes, 8, temperature=0.0, rng=np.random.default_rng(1))
    assert greedy.shape == (3, 8)
    for prime, row in zip(primes, greedy, strict=True):
        np.testing.assert_array_equal(row, sample(model, prime, 8, temperature=0.0, rng=np.random.default_rng(1)))
    a = sample(model, primes, 20, temperature=1.0, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(a, sample(model, primes, 20, temperature=1.0, rng=np.random.default_rng(0)))
    assert len({tuple(row) for row in a}) == 3  # the rows draw different random numbers


def test_sampling_errors():
    model = LanguageModel(6, 3, 5, rng=np.random.default_rng(8))
    with pytest.raises(ValueError, match="rng"):
        sample_from_logits(np.zeros(3), 1.0, rng=0)
    with pytest.raises(ValueError, match="temperature"):
        sample_from_logits(np.zeros(3), -1.0, rng=np.random.default_rng())
    with pytest.raises(ValueError, match="prime"):
        sample(model, [], 3, rng=np.random.default_rng())
    with pytest.raises(ValueError, match="prime"):
        sample(model, np.zeros((1, 2, 2), int), 3, rng=np.random.default_rng())
    with pytest.raises(ValueError, match="tokens"):
        list(tbptt_chunks(np.zeros(3), 2, 2))
