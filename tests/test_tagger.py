"""The recurrent tagger of notebook 08: gradients, padding, rebuilding from a run, and the notebook's results."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlab.data import window_parity
from rnnlab.gradcheck import numerical_gradient, rel_error
from rnnlab.models import Tagger, casino_hmm, hmm_forward, hmm_smooth, sample_hmm_batch
from rnnlab.train import train_tagger


@pytest.mark.parametrize(("cell", "bidirectional", "num_layers"), [("rnn", True, 1), ("gru", False, 2),
                                                                  ("lstm", True, 2)])
def test_loss_gradients_match_numerical_ones(cell, bidirectional, num_layers):
    rng = np.random.default_rng(0)
    model = Tagger(4, 3, 3, rng=rng, cell=cell, bidirectional=bidirectional, num_layers=num_layers)
    x, y = rng.integers(0, 4, (2, 5)), rng.integers(0, 3, (2, 5))
    lengths = np.array([5, 3])
    model.loss(x, y, lengths)
    grads = {name: g.copy() for name, g in model.gradients().items()}
    for name, p in model.parameters().items():
        numeric = numerical_gradient(lambda _: model.loss(x, y, lengths), p)
        assert rel_error(grads[name], numeric) < 1e-7, name


def test_padding_changes_nothing():
    rng = np.random.default_rng(1)
    model = Tagger(6, 2, 4, rng=rng, bidirectional=True)
    x, y = rng.integers(0, 6, (2, 6)), rng.integers(0, 2, (2, 6))
    lengths = np.array([6, 4])
    other = x.copy()
    other[1, 4:] = (x[1, 4:] + 1) % 6
    np.testing.assert_array_equal(model.forward(x, lengths)[1, :4], model.forward(other, lengths)[1, :4])
    np.testing.assert_allclose(model.forward(x, lengths)[1, :4], model.forward(x[1:, :4])[0], atol=1e-14)
    assert model.loss(x, y, lengths) == pytest.approx(model.loss(other, y, lengths), abs=1e-14)


def test_a_run_rebuilds_the_trained_model():
    x, y = window_parity(64, 10, 2, rng=np.random.default_rng(2))
    run = train_tagger(x, y, H=5, num_layers=2, steps=3, progress=False)
    model = Tagger.from_run(run)
    assert len(run.loss) == 3 and model.num_layers == 2
    for name, value in model.parameters().items():
        np.testing.assert_array_equal(value, run.params[name])


def test_dice_taggers_land_near_filtering_and_smoothing():
    """Notebook 08's claim, with its data and settings: a one-way tagger within 0.02 of the HMM filter's accuracy,
    a bidirectional one within 0.02 of smoothing, and clearly above the filter."""
    pi, A, B = casino_hmm()
    test_dice, test_rolls = sample_hmm_batch(pi, A, B, 200, 100, rng=np.random.default_rng(1))
    filtering = np.mean((np.stack([hmm_forward(pi, A, B, r)[1][:, 1] for r in test_rolls]) > 0.5) == test_dice)
    smoothing = np.mean((np.stack([hmm_smooth(pi, A, B, r)[:, 1] for r in test_rolls]) > 0.5) == test_dice)
    train_dice, train_rolls = sample_hmm_batch(pi, A, B, 2000, 100, rng=np.random.default_rng(2))
    lengths = np.random.default_rng(3).integers(50, 101, size=2000)
    accuracy = {}
    for bidirectional in (False, True):
        run = train_tagger(train_rolls, train_dice, lengths, K=2, H=16, bidirectional=bidirectional, steps=200,
                           progress=False)
        accuracy[bidirectional] = np.mean(Tagger.from_run(run).predict(test_rolls) == test_dice)
    assert smoothing - filtering > 0.04
    assert abs(accuracy[False] - filtering) < 0.02
    assert abs(accuracy[True] - smoothing) < 0.02
    assert accuracy[True] - filtering > 0.03
