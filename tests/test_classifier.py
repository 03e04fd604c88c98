"""Many-to-one: the sequence classifier's gradients and padding, and the bag of words against it on reviews."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlab.data.sentiment import KINDS, encode_reviews, review_vocab, sentiment_corpus
from rnnlab.gradcheck import numerical_gradient, rel_error
from rnnlab.models import SequenceClassifier, bag_of_words, fit_bag_of_words
from rnnlab.train import train_classifier


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_loss_gradients_match_numerical_ones(cell):
    rng = np.random.default_rng(0)
    model = SequenceClassifier(6, 3, 2, 3, rng=rng, cell=cell)
    x, y, lengths = rng.integers(1, 6, (3, 5)), np.array([0, 2, 1]), np.array([5, 2, 4])
    model.loss(x, y, lengths)
    grads = {k: g.copy() for k, g in model.gradients().items()}
    for name, p in model.parameters().items():
        numeric = numerical_gradient(lambda _: model.loss(x, y, lengths), p)
        assert rel_error(grads[name], numeric) < 1e-7, name


def test_padding_changes_nothing():
    rng = np.random.default_rng(1)
    model = SequenceClassifier(6, 2, 3, 4, rng=rng)
    x, lengths = rng.integers(1, 6, (2, 5)), np.array([5, 3])
    other = x.copy()
    other[1, 3:] = 0
    np.testing.assert_array_equal(model.forward(x, lengths), model.forward(other, lengths))
    np.testing.assert_allclose(model.forward(x, lengths)[1], model.forward(x[1:, :3])[0], atol=1e-14)


def test_bag_of_words_counts_words_and_ignores_padding():
    np.testing.assert_array_equal(bag_of_words(np.array([[2, 3, 2, 0]]), 4), [[0, 0, 2, 1]])


def test_unknown_words_become_unk():
    word_to_idx, idx_to_word = review_vocab(["the plot is good"])
    x, lengths, labels = encode_reviews(["the film is good"], word_to_idx)
    assert idx_to_word[:2] == ["<pad>", "<unk>"] and x[0, 1] == 1 and lengths[0] == 4 and labels[0] == -1


@pytest.mark.parametrize("lang", ["en", "it"])
def test_order_blind_counts_fail_where_order_matters_and_the_gru_does_not(lang):
    """On held-out (aspect, adjective) pairs: the bag of words gets plain reviews right and negations wrong (near
    chance on "but"); a GRU reading the words in order gets every kind right."""
    train = sentiment_corpus(np.random.default_rng(0), 4000, lang=lang)
    test = sentiment_corpus(np.random.default_rng(1), 1000, lang=lang, split="test")
    word_to_idx, _ = review_vocab(train)
    x, lengths, y = encode_reviews(train, word_to_idx)
    x_test, lengths_test, y_test = encode_reviews(test, word_to_idx)
    V = len(word_to_idx)
    W, b = fit_bag_of_words(bag_of_words(x, V), y, 2)
    bow = (bag_of_words(x_test, V) @ W + b).argmax(axis=1) == y_test
    run = train_classifier(x, y, lengths, V=V, K=2, steps=300, progress=False)
    gru = SequenceClassifier.from_run(run).predict(x_test, lengths_test) == y_test
    kinds = np.array([r.kind for r in test])
    accuracy = {k: (bow[kinds == k].mean(), gru[kinds == k].mean()) for k in KINDS}
    assert accuracy["plain"][0] > 0.95 and accuracy["negation near"][0] < 0.1 and accuracy["negation far"][0] < 0.1
    assert 0.3 < accuracy["but"][0] < 0.7
    assert all(acc[1] > 0.95 for acc in accuracy.values()), accuracy
