"""The generated EN/IT review corpus: labels follow the rules read back from the text, splits keep pairs apart."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlab.data.sentiment import KINDS, sentiment_corpus

# The polarity of every adjective form, written out here independently of the generator.
POSITIVE = set("good wonderful great moving brilliant superb masterpiece bello bella meraviglioso meravigliosa ottimo "
               "ottima commovente geniale superbo superba capolavoro".split())
NEGATIVE = set("bad boring awful slow dull terrible disaster brutto brutta noioso noiosa orribile lento lenta piatto "
               "piatta terribile disastro".split())

POLAR = POSITIVE | NEGATIVE


def label_from_text(text: str) -> int:
    """The sentiment a reader gives: the clause after "but"/"ma" decides; "not"/"non" flips it."""
    words = text.split()
    for conjunction in ("but", "ma"):
        if conjunction in words:
            words = words[words.index(conjunction) + 1 :]
    (adjective,) = [w for w in words if w in POSITIVE | NEGATIVE]
    return int((adjective in POSITIVE) != ("not" in words or "non" in words))


@pytest.mark.parametrize("lang", ["en", "it"])
@pytest.mark.parametrize("split", ["train", "test"])
def test_labels_follow_negation_and_but(lang, split):
    reviews = sentiment_corpus(np.random.default_rng(0), 800, lang=lang, split=split)
    for review in reviews:
        assert review.label == label_from_text(review.text), review
    kinds = [r.kind for r in reviews]
    assert set(kinds) == set(KINDS)
    assert 0.4 < np.mean([r.label for r in reviews]) < 0.6


def test_far_negations_put_one_to_six_words_between_negation_and_adjective():
    reviews = sentiment_corpus(np.random.default_rng(1), 400, shares={"negation far": 1.0})
    gaps = set()
    for review in reviews:
        words = review.text.split()
        negation = words.index("not")
        second_comma = words.index(",", negation + 2)
        gaps.add(second_comma - negation - 2)  # the words between the two commas
        assert words[second_comma + 1] in POSITIVE | NEGATIVE | {"a"}, review.text  # "a masterpiece"
    assert gaps == {1, 3, 4, 5, 6}


def test_the_italian_adjective_agrees_with_the_noun():
    for review in sentiment_corpus(np.random.default_rng(2), 300, lang="it", shares={"plain": 1.0}):
        opinion = review.text.split(" . ")[0 if " è " in review.text.split(" . ")[0] else -1]
        article, *_, adjective = opinion.split()
        if adjective[-1] in "ao" and adjective not in ("capolavoro", "disastro"):  # a masculine and a feminine form
            assert (article == "la") == adjective.endswith("a"), review.text


def test_a_quarter_of_the_reviews_tell_a_neutral_story_before_or_after_the_opinion():
    for lang in ("en", "it"):
        reviews = sentiment_corpus(np.random.default_rng(4), 2000, lang=lang)
        told = [r.text for r in reviews if " . " in r.text]
        assert 0.2 < len(told) / len(reviews) < 0.3
        stories = {part for text in told for part in text.split(" . ") if not POLAR & set(part.split())}
        assert len(stories) == 4
        assert any(text.startswith(tuple(stories)) for text in told) and any(text.endswith(tuple(stories))
                                                                             for text in told)


def test_test_pairs_never_occur_in_training_and_every_word_does():
    def pairs_and_words(split):
        reviews = sentiment_corpus(np.random.default_rng(3), 3000, split=split, shares={"plain": 1.0})
        return {r.text for r in reviews}, {w for r in reviews for w in r.text.split()}

    train, train_words = pairs_and_words("train")
    test, test_words = pairs_and_words("test")
    assert not train & test
    assert test_words <= train_words


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="lang"):
        sentiment_corpus(np.random.default_rng(0), 3, lang="fr")
    with pytest.raises(ValueError, match="split"):
        sentiment_corpus(np.random.default_rng(0), 3, split="validation")
    with pytest.raises(ValueError, match="shares"):
        sentiment_corpus(np.random.default_rng(0), 3, shares={"sarcasm": 1.0})
