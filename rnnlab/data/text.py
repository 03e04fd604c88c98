"""Text data: a generated numbers-in-words corpus (English and Italian) and character vocabularies.

    lines = numbers_corpus(np.random.default_rng(0), 1000, lang="it")   # ["ventitré", "milleottocento", ...]
    char_to_idx, idx_to_char = build_vocab("\\n".join(lines))
    ids = encode("ventitré", char_to_idx)        # int64 array, one id per character
    decode(ids, idx_to_char)                     # -> "ventitré"

The spelling is regular enough for a small character model to learn and irregular enough to be interesting:
English "twenty-three", "one thousand and five"; Italian joins words ("duemilatrecentoquarantasette"),
drops a vowel before "uno" and "otto" ("ventuno", "trentotto") and accents a final "tre" ("ventitré").
"""

from __future__ import annotations

import numpy as np

from rnnlab._validate import check_count, check_int, check_rng

LANGUAGES = ("en", "it")
MAX_NUMBER = 9999

_EN_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen"
).split()
_EN_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_IT_ONES = (
    "zero uno due tre quattro cinque sei sette otto nove dieci undici dodici tredici quattordici quindici sedici "
    "diciassette diciotto diciannove"
).split()
_IT_TENS = "_ _ venti trenta quaranta cinquanta sessanta settanta ottanta novanta".split()


def _en_below_100(n: int) -> str:
    if n < 20:
        return _EN_ONES[n]
    tens, ones = divmod(n, 10)
    return _EN_TENS[tens] + ("-" + _EN_ONES[ones] if ones else "")


def _en_below_1000(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    if not hundreds:
        return _en_below_100(rest)
    words = _EN_ONES[hundreds] + " hundred"
    return words + (" and " + _en_below_100(rest) if rest else "")


def _english(n: int) -> str:
    """British English: 105 -> "one hundred and five", 2005 -> "two thousand and five"."""
    thousands, rest = divmod(n, 1000)
    if not thousands:
        return _en_below_1000(rest)
    words = _en_below_1000(thousands) + " thousand"
    if not rest:
        return words
    return words + (" and " if rest < 100 else " ") + _en_below_1000(rest)


def _it_below_100(n: int) -> str:
    if n < 20:
        return _IT_ONES[n]
    tens, ones = divmod(n, 10)
    word = _IT_TENS[tens]
    if ones in (1, 8):  # venti + uno -> ventuno, trenta + otto -> trentotto
        word = word[:-1]
    return word + (_IT_ONES[ones] if ones else "")


def _it_below_1000(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    if not hundreds:
        return _it_below_100(rest)
    word = "cento" if hundreds == 1 else _IT_ONES[hundreds] + "cento"
    if 80 <= rest < 90:  # cento + ottanta -> centottanta
        word = word[:-1]
    return word + (_it_below_100(rest) if rest else "")


def _italian(n: int) -> str:
    """Italian, written as one word: 1 -> "uno", 23 -> "ventitré", 1998 -> "millenovecentonovantotto"."""
    thousands, rest = divmod(n, 1000)
    if thousands == 0:
        word = _it_below_1000(rest)
    else:
        word = "mille" if thousands == 1 else _it_below_1000(thousands) + "mila"
        word += _it_below_1000(rest) if rest else ""
    if n > 10 and word.endswith("tre"):  # a compound ending in tre is accented: ventitré, centotré
        word = word[:-1] + "é"
    return word


def number_to_words(n: int, lang: str = "en") -> str:
    """Spell the integer 0 <= n <= 9999 in words: 23 -> "twenty-three" (lang="en") or "ventitré" (lang="it")."""
    check_count("n", n, minimum=0)
    if n > MAX_NUMBER:
        raise ValueError(f"n: expected an integer in [0, {MAX_NUMBER}], got {n}")
    if lang not in LANGUAGES:
        raise ValueError(f"lang: expected one of {LANGUAGES}, got {lang!r}")
    return _english(int(n)) if lang == "en" else _italian(int(n))


def numbers_corpus(rng, count: int, lang: str = "en") -> list[str]:
    """``count`` numbers spelled in words, one per line, drawn with ``rng``.

    The number of digits (1 to 4) is drawn uniformly first, then the number uniformly among those with that
    many digits, so short numbers ("seven", "forty-two") are as common as long ones. Returns a list of str.
    """
    check_rng(rng)
    check_count("count", count, minimum=0)
    digits = rng.integers(1, 5, size=count)
    low = np.where(digits == 1, 0, 10 ** (digits - 1))
    numbers = rng.integers(low, 10**digits)
    return [number_to_words(int(n), lang) for n in numbers]


def build_vocab(text: str) -> tuple[dict[str, int], list[str]]:
    """The characters of ``text``, sorted: returns (char_to_idx: dict char -> id, idx_to_char: list id -> char)."""
    if not isinstance(text, str):
        raise ValueError(f"text: expected a str, got {type(text).__name__}")
    idx_to_char = sorted(set(text))
    return {ch: i for i, ch in enumerate(idx_to_char)}, idx_to_char


def encode(text: str, char_to_idx: dict[str, int]) -> np.ndarray:
    """Character ids of ``text``: an int64 array of shape (len(text),)."""
    if not isinstance(text, str):
        raise ValueError(f"text: expected a str, got {type(text).__name__}")
    unknown = sorted(set(text) - set(char_to_idx))
    if unknown:
        raise ValueError(f"text: characters {unknown} are not in char_to_idx (build the vocabulary from all the text)")
    return np.array([char_to_idx[ch] for ch in text], dtype=np.int64)


def decode(ids, idx_to_char: list[str]) -> str:
    """The text of a sequence of character ids (a 1-d integer array or list), e.g. a sample from a model."""
    ids = np.asarray(ids)
    if ids.ndim != 1:
        raise ValueError(f"ids: expected a 1-d sequence of character ids, got shape {ids.shape}")
    if ids.size:
        check_int(ids=ids)
        if ids.min() < 0 or ids.max() >= len(idx_to_char):
            raise ValueError(f"ids: expected ids in [0, {len(idx_to_char)}), got {int(ids.min())}..{int(ids.max())}")
    return "".join(idx_to_char[i] for i in ids)


def one_hot(ids, V: int, dtype=np.float64) -> np.ndarray:
    """One-hot vectors of integer ids: ids of any shape (...,) with values in [0, V) -> array (..., V)."""
    check_count("V", V)
    ids = np.asarray(ids)
    check_int(ids=ids)
    if ids.size and (ids.min() < 0 or ids.max() >= V):
        raise ValueError(f"ids: expected ids in [0, {V}), got {int(ids.min())}..{int(ids.max())}")
    return np.eye(V, dtype=dtype)[ids]


def translation_split(max_number: int = 1000, n_test: int = 300, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Numbers 0 .. max_number - 1 split for translation by NUMBER, so no test number is ever seen in training.

    The test numbers are drawn from 20 upwards: 0 .. 19 are spelled with words of their own ("thirteen",
    "tredici") that a model can only know from seeing them, so they all stay in training. Returns (train, test),
    two sorted integer arrays.
    """
    check_count("max_number", max_number, minimum=21)
    check_count("n_test", n_test)
    if n_test > max_number - 20:
        raise ValueError(f"n_test: expected at most {max_number - 20} test numbers (20 .. {max_number - 1}), "
                         f"got {n_test}")
    test = np.random.default_rng(seed).choice(np.arange(20, max_number), n_test, replace=False)
    return np.setdiff1d(np.arange(max_number), test), np.sort(test)


def number_lists(numbers, count: int, rng: np.random.Generator, *, items: int | None = None,
                 max_items: int = 4) -> tuple[list[str], list[str]]:
    """``count`` lists of numbers drawn from ``numbers``, spelled in English and in Italian, items separated by
    " , ": ("twenty-three , six", "ventitré , sei"). Each list has ``items`` numbers, or 1 .. max_items drawn
    uniformly. Returns (english, italian), two lists of ``count`` str: sources that grow long, for notebook 10."""
    check_rng(rng)
    check_count("count", count, minimum=0)
    english, italian = [], []
    for _ in range(count):
        chosen = rng.choice(np.asarray(numbers), items or int(rng.integers(1, max_items + 1)))
        english.append(" , ".join(number_to_words(int(n), "en") for n in chosen))
        italian.append(" , ".join(number_to_words(int(n), "it") for n in chosen))
    return english, italian
