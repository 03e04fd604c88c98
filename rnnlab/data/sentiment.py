"""A generated corpus of short movie reviews in English and Italian where word order decides the sentiment.

Every review says something about one or two aspects of a film ("the plot", "la trama") with an adjective of
known polarity. Four phenomena, each its own kind of review:

- plain:         "the acting is wonderful"                          -> positive
- negation near: "the acting is not wonderful"                      -> negative (the negation flips it)
- negation far:  "the acting is not , to be honest , wonderful"      -> negative, with a filler of 1 to 6 words
                 between the negation and the adjective
- but:           "the plot is slow but the acting is wonderful"     -> the clause after "but" ("ma") decides

A quarter of the reviews also tell something neutral about the evening, before or after the opinion ("ho portato
la mia ragazza al cinema . il film è un capolavoro").

A bag of words cannot tell "good but slow" from "slow but good", nor "not bad" from "bad" once both polarities
are negated; a recurrent model reading the words in order can. Every word appears in both splits, but the
(aspect, adjective) pairs are split: a third of the pairs appear only in the test split, so test reviews are
combinations never seen in training::

    reviews = sentiment_corpus(np.random.default_rng(0), 1000, lang="it", split="train")
    reviews[0]  # Review(text="la musica non è noiosa", label=1, kind="negation near")
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from rnnlab._validate import check_count, check_rng

KINDS = ("plain", "negation near", "negation far", "but")
SHARES = {"plain": 0.6, "negation near": 0.15, "negation far": 0.1, "but": 0.15}  # as in a real corpus, most plain
SPLITS = ("train", "test")
LANGUAGES = ("en", "it")


class Review(NamedTuple):
    text: str  # lower-case words and punctuation separated by single spaces
    label: int  # 1 positive, 0 negative
    kind: str  # one of KINDS


# aspect -> Italian (article + noun, grammatical gender)
_ASPECTS = {
    "the plot": ("la trama", "f"),
    "the acting": ("la recitazione", "f"),
    "the music": ("la musica", "f"),
    "the film": ("il film", "m"),
    "the ending": ("il finale", "m"),
    "the dialogue": ("il dialogo", "m"),
}
# adjective -> (Italian masculine, feminine), by polarity
_ADJECTIVES = {
    1: {"good": ("bello", "bella"), "wonderful": ("meraviglioso", "meravigliosa"), "great": ("ottimo", "ottima"),
        "moving": ("commovente", "commovente"), "brilliant": ("geniale", "geniale"),
        "superb": ("superbo", "superba"), "a masterpiece": ("un capolavoro", "un capolavoro")},
    0: {"bad": ("brutto", "brutta"), "boring": ("noioso", "noiosa"), "awful": ("orribile", "orribile"),
        "slow": ("lento", "lenta"), "dull": ("piatto", "piatta"), "terrible": ("terribile", "terribile"),
        "a disaster": ("un disastro", "un disastro")},
}
# fillers between the negation and the adjective (1 to 6 words)
_FILLERS = [
    ("really", "davvero"),
    ("to be honest", "a dire il vero"),
    ("in my opinion", "secondo me"),
    ("if you ask me", "se volete saperlo"),
    ("at least for me", "almeno per me"),
    ("i have to say it", "devo proprio dirlo"),
    ("in all honesty", "in tutta onestà"),
    ("as far as i am concerned", "per quanto mi riguarda"),
]

# neutral sentences about the evening, which real reviews are full of: one comes before or after the opinion in
# STORY_SHARE of the reviews, and the model must look past it (the first is the seeds' Italian review's)
_STORIES = [
    ("i took my girlfriend to the cinema", "ho portato la mia ragazza al cinema"),
    ("we saw it on saturday", "lo abbiamo visto sabato"),
    ("the cinema was full", "il cinema era pieno"),
    ("i went with two friends", "ci sono andato con due amici"),
]
STORY_SHARE = 0.25


def _pairs(polarity: int, split: str) -> list[tuple[str, str]]:
    """The (aspect, adjective) pairs of a split: a third of all pairs, spread evenly, are for testing only."""
    adjectives = _ADJECTIVES[polarity]
    return [(aspect, adjective) for a, aspect in enumerate(_ASPECTS) for j, adjective in enumerate(adjectives)
            if ((a + j) % 3 == 2) == (split == "test")]  # every aspect and every adjective in both splits


def _clause(aspect: str, adjective: str, label: int, lang: str, negated: bool, filler: str | None) -> str:
    """One clause: "<aspect> is [not [, filler ,]] <adjective>" in English or Italian."""
    if lang == "en":
        middle = "is not" if negated else "is"
        if filler is not None:
            middle += f" , {filler} ,"
        return f"{aspect} {middle} {adjective}"
    noun, gender = _ASPECTS[aspect]
    word = _ADJECTIVES[label][adjective][0 if gender == "m" else 1]
    middle = "non è" if negated else "è"
    if filler is not None:
        middle += f" , {filler} ,"
    return f"{noun} {middle} {word}"


def sentiment_corpus(rng: np.random.Generator, count: int, *, lang: str = "en", split: str = "train",
                     shares: dict[str, float] | None = None) -> list[Review]:
    """``count`` generated reviews, each kind drawn with the probability ``shares[kind]`` (default SHARES).

    lang "en" or "it"; split "train" or "test": the test split's (aspect, adjective) pairs never occur in the
    training split (its words all do). Returns a list of Review(text, label, kind).
    """
    check_rng(rng)
    check_count("count", count, minimum=0)
    if lang not in LANGUAGES:
        raise ValueError(f"lang: expected one of {LANGUAGES}, got {lang!r}")
    if split not in SPLITS:
        raise ValueError(f"split: expected one of {SPLITS}, got {split!r}")
    shares = SHARES if shares is None else shares
    if not shares or set(shares) - set(KINDS) or min(shares.values()) < 0 or not np.isclose(sum(shares.values()), 1):
        raise ValueError(f"shares: expected probabilities of kinds among {KINDS} summing to 1, got {shares!r}")
    kinds = list(shares)
    pairs = {polarity: _pairs(polarity, split) for polarity in (0, 1)}
    fillers = [pair[0 if lang == "en" else 1] for pair in _FILLERS]
    reviews = []
    for _ in range(count):
        kind = kinds[rng.choice(len(kinds), p=list(shares.values()))]
        polarity = int(rng.integers(2))
        aspect, adjective = pairs[polarity][rng.integers(len(pairs[polarity]))]
        negated = kind in ("negation near", "negation far")
        filler = fillers[rng.integers(len(fillers))] if kind == "negation far" else None
        clause = _clause(aspect, adjective, polarity, lang, negated, filler)
        label = 1 - polarity if negated else polarity
        if kind == "but":  # a clause of the opposite polarity about another aspect first; the one after "but" decides
            others = [pair for pair in pairs[1 - polarity] if pair[0] != aspect]
            other, first = others[rng.integers(len(others))]
            conjunction = "but" if lang == "en" else "ma"
            clause = f"{_clause(other, first, 1 - polarity, lang, False, None)} {conjunction} {clause}"
        if rng.random() < STORY_SHARE:
            story = _STORIES[rng.integers(len(_STORIES))][0 if lang == "en" else 1]
            clause = f"{story} . {clause}" if rng.random() < 0.5 else f"{clause} . {story}"
        reviews.append(Review(clause, label, kind))
    return reviews


PAD, UNK = 0, 1  # word ids: padding, and any word the vocabulary does not know


def review_vocab(reviews) -> tuple[dict[str, int], list[str]]:
    """The words of ``reviews`` (Review or str), sorted, after "<pad>" and "<unk>": (word_to_idx, idx_to_word)."""
    words = sorted({w for r in reviews for w in (r.text if isinstance(r, Review) else r).split()})
    idx_to_word = ["<pad>", "<unk>", *words]
    return {w: i for i, w in enumerate(idx_to_word)}, idx_to_word


def encode_reviews(reviews, word_to_idx: dict[str, int]):
    """Word ids of reviews (Review or str) padded with PAD: x (N, T), lengths (N,), and labels (N,) (-1 for str).
    Words the vocabulary does not know become UNK."""
    texts = [(r.text if isinstance(r, Review) else r).split() for r in reviews]
    lengths = np.array([len(t) for t in texts])
    x = np.full((len(texts), max(lengths)), PAD, dtype=np.int64)
    for n, words in enumerate(texts):
        x[n, : len(words)] = [word_to_idx.get(w, UNK) for w in words]
    labels = np.array([r.label if isinstance(r, Review) else -1 for r in reviews])
    return x, lengths, labels
