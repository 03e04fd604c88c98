"""Data generated in code: time series and windows (01), the adding and copy tasks (05), the windowed parity (08),
numbers-in-words text and character vocabularies (03, 04), melodies and movie reviews (09), lists of numbers (10)."""

from rnnlab.data.music import generate_melodies, melody_to_tokens, synthesize, tokens_to_melody
from rnnlab.data.sentiment import encode_reviews, review_vocab, sentiment_corpus
from rnnlab.data.series import AR2_COEFS, ar_series, mackey_glass, make_windows, noisy_sine
from rnnlab.data.tasks import ADDING_BASELINE_MSE, adding_problem, copy_task, window_parity
from rnnlab.data.text import (
    build_vocab,
    decode,
    encode,
    number_lists,
    number_to_words,
    numbers_corpus,
    one_hot,
    translation_split,
)

__all__ = [
    "ADDING_BASELINE_MSE",
    "AR2_COEFS",
    "adding_problem",
    "ar_series",
    "build_vocab",
    "copy_task",
    "decode",
    "encode",
    "encode_reviews",
    "generate_melodies",
    "mackey_glass",
    "melody_to_tokens",
    "make_windows",
    "noisy_sine",
    "number_lists",
    "number_to_words",
    "numbers_corpus",
    "one_hot",
    "review_vocab",
    "sentiment_corpus",
    "synthesize",
    "tokens_to_melody",
    "translation_split",
    "window_parity",
]
