"""The numbers-in-words corpus and the character vocabulary helpers."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlab.data import build_vocab, decode, encode, number_to_words, numbers_corpus, one_hot
from rnnlab.data.text import number_lists


@pytest.mark.parametrize(
    ("n", "english"),
    [
        (0, "zero"),
        (7, "seven"),
        (13, "thirteen"),
        (20, "twenty"),
        (23, "twenty-three"),
        (99, "ninety-nine"),
        (100, "one hundred"),
        (105, "one hundred and five"),
        (342, "three hundred and forty-two"),
        (1000, "one thousand"),
        (1005, "one thousand and five"),
        (1100, "one thousand one hundred"),
        (1998, "one thousand nine hundred and ninety-eight"),
        (7081, "seven thousand and eighty-one"),
        (9999, "nine thousand nine hundred and ninety-nine"),
    ],
)
def test_english_spelling(n, english):
    assert number_to_words(n) == english
    assert number_to_words(n, "en") == english


@pytest.mark.parametrize(
    ("n", "italian"),
    [
        (0, "zero"),
        (1, "uno"),
        (3, "tre"),
        (13, "tredici"),
        (17, "diciassette"),
        (21, "ventuno"),
        (23, "ventitré"),
        (28, "ventotto"),
        (33, "trentatré"),
        (40, "quaranta"),
        (100, "cento"),
        (101, "centouno"),
        (103, "centotré"),
        (180, "centottanta"),
        (188, "centottantotto"),
        (200, "duecento"),
        (1000, "mille"),
        (1003, "milletré"),
        (1998, "millenovecentonovantotto"),
        (2003, "duemilatré"),
        (3000, "tremila"),
        (3333, "tremilatrecentotrentatré"),
        (9999, "novemilanovecentonovantanove"),
    ],
)
def test_italian_spelling(n, italian):
    assert number_to_words(n, "it") == italian


def test_every_number_has_its_own_spelling():
    for lang in ("en", "it"):
        words = [number_to_words(n, lang) for n in range(10_000)]
        assert len(set(words)) == 10_000


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: number_to_words(10_000), "n"),
        (lambda: number_to_words(-1), "n"),
        (lambda: number_to_words(2.0), "n"),
        (lambda: number_to_words(5, "fr"), "lang"),
        (lambda: numbers_corpus(0, 5), "rng"),
        (lambda: numbers_corpus(np.random.default_rng(0), -1), "count"),
        (lambda: build_vocab(["a"]), "text"),
        (lambda: encode("abc", {"a": 0, "b": 1}), r"\['c'\]"),
        (lambda: decode(np.array([[0]]), ["a"]), "ids"),
        (lambda: decode(np.array([2]), ["a", "b"]), "ids"),
        (lambda: decode(np.array([0.0]), ["a"]), "ids"),
        (lambda: one_hot(np.array([3]), 3), "ids"),
        (lambda: one_hot(np.array([0.5]), 3), "ids"),
        (lambda: one_hot(np.array([0]), 0), "V"),
    ],
)
def test_bad_input_raises_value_error_naming_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_corpus_is_reproducible_and_every_line_is_a_number():
    lines = numbers_corpus(np.random.default_rng(3), 500, "it")
    assert lines == numbers_corpus(np.random.default_rng(3), 500, "it")
    assert set(lines) <= {number_to_words(n, "it") for n in range(10_000)}


def test_corpus_draws_each_number_of_digits_equally_often():
    english = {number_to_words(n): n for n in range(10_000)}
    numbers = [english[line] for line in numbers_corpus(np.random.default_rng(4), 4000)]
    digits = np.array([len(str(n)) for n in numbers])
    counts = np.bincount(digits, minlength=5)[1:]
    assert np.all(np.abs(counts - 1000) < 100)  # 1000 expected each, standard deviation about 27
    assert len({n for n in numbers if n < 10}) == 10  # all ten one-digit numbers occur


def test_vocab_encode_decode_round_trip():
    text = "ventitré\nsette\n"
    char_to_idx, idx_to_char = build_vocab(text)
    assert idx_to_char == ["\n", "e", "i", "n", "r", "s", "t", "v", "é"]  # sorted, each character once
    assert char_to_idx == {ch: i for i, ch in enumerate(idx_to_char)}
    ids = encode(text, char_to_idx)
    assert ids.dtype == np.int64 and ids.shape == (len(text),)
    np.testing.assert_array_equal(ids[:3], [7, 1, 3])  # v, e, n
    assert decode(ids, idx_to_char) == text
    assert decode([], idx_to_char) == ""


def test_one_hot_marks_one_entry_per_id():
    ids = np.array([[0, 2], [1, 1]])
    out = one_hot(ids, 3)
    assert out.shape == (2, 2, 3) and out.dtype == np.float64
    np.testing.assert_array_equal(out[0, 1], [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(out.sum(axis=-1), np.ones((2, 2)))
    assert one_hot(ids, 3, dtype=np.float32).dtype == np.float32


def test_number_lists_translate_item_by_item():
    english, italian = number_lists([23, 105, 7], 50, np.random.default_rng(0))
    for en, it in zip(english, italian, strict=True):
        en_items, it_items = en.split(" , "), it.split(" , ")
        assert 1 <= len(en_items) == len(it_items) <= 4
        for word in en_items:
            n = {"twenty-three": 23, "one hundred and five": 105, "seven": 7}[word]
            assert it_items[en_items.index(word)] == number_to_words(n, "it")
    assert {len(en.split(" , ")) for en in english} == {1, 2, 3, 4}
    english, _ = number_lists(range(100), 5, np.random.default_rng(1), items=3)
    assert all(len(en.split(" , ")) == 3 for en in english)
