"""Train the EN -> IT translators that ship in rnnlab/models/weights/ (provenance: weights/README.md).

    .venv/bin/python scripts/train_translator.py numbers           # notebook 09: about 90 s on one core
    .venv/bin/python scripts/train_translator.py lists             # notebook 10, without attention: about 8 min
    .venv/bin/python scripts/train_translator.py lists-attention   # notebook 10, with attention: about 10 min

Every model is a GRU encoder–decoder (rnnlab.models.Seq2Seq, E = 32, H = 96) trained by rnnlab.train.train_seq2seq:
Adam on random minibatches of 64 pairs, gradients clipped at norm 5, seed 0.
- numbers: the numbers 0 .. 999 that rnnlab.data.translation_split leaves for training; 2,500 steps, lr 1e-2.
- lists, lists-attention: 20,000 lists of 1 to 4 of those numbers (rnnlab.data.number_lists, seed 1), the same
  for both; 3,000 steps, lr 5e-3; the second with attention.
Each run prints its exact match on the held-out numbers (lists: by number of items); tests/test_seq2seq.py checks
the saved weights reach it.
"""

import sys

import numpy as np

from rnnlab.data.text import number_lists, number_to_words, translation_split
from rnnlab.models.seq2seq import (
    LIST_TRANSLATORS,
    TRANSLATOR_WEIGHTS,
    Seq2Seq,
    char_vocab,
    decode_batch,
    encode_batch,
    save_translator,
)
from rnnlab.train import train_seq2seq


def words(numbers, lang):
    return [number_to_words(int(n), lang) for n in numbers]


def test_lists(test_numbers):
    """The 300 test lists of notebook 10: 75 of each length, from held-out numbers only."""
    english, italian, items = [], [], []
    for k in (1, 2, 3, 4):
        en, it = number_lists(test_numbers, 75, np.random.default_rng(k), items=k)
        english, italian, items = english + en, italian + it, items + [k] * 75
    return english, italian, np.array(items)


def train(kind: str) -> None:
    train_numbers, test_numbers = translation_split()
    if kind == "numbers":
        path, steps, lr, attention = TRANSLATOR_WEIGHTS, 2500, 1e-2, False
        src_chars = char_vocab(words(range(1000), "en"))[1]
        tgt_chars = char_vocab(words(range(1000), "it"))[1]
        english, italian = words(train_numbers, "en"), words(train_numbers, "it")
        test_en, test_it, items = words(test_numbers, "en"), words(test_numbers, "it"), np.ones(len(test_numbers))
    else:
        attention = kind == "lists-attention"
        path, steps, lr = LIST_TRANSLATORS["with attention" if attention else "without attention"], 3000, 5e-3
        english, italian = number_lists(train_numbers, 20000, np.random.default_rng(1))
        src_chars, tgt_chars = char_vocab(english)[1], char_vocab(italian)[1]
        test_en, test_it, items = test_lists(test_numbers)
    src_to_idx = {ch: i for i, ch in enumerate(src_chars)}
    tgt_to_idx = {ch: i for i, ch in enumerate(tgt_chars)}
    src, src_lengths = encode_batch(english, src_to_idx)
    tgt, tgt_lengths = encode_batch(italian, tgt_to_idx, bos=True, eos=True)
    run = train_seq2seq(src, src_lengths, tgt, tgt_lengths, V_src=len(src_chars), V_tgt=len(tgt_chars), E=32, H=96,
                        steps=steps, batch_size=64, lr=lr, seed=0, attention=attention)
    model = Seq2Seq.from_run(run)
    save_translator(path, model, src_chars, tgt_chars)
    src, src_lengths = encode_batch(test_en, src_to_idx)
    predicted = decode_batch(model.greedy_decode(src, src_lengths, 160), tgt_chars)
    right = np.array([p == t for p, t in zip(predicted, test_it, strict=True)])
    by_items = ", ".join(f"{k:g} item(s) {right[items == k].mean():.3f}" for k in np.unique(items))
    print(f"saved {path}; exact match on held-out numbers: {right.mean():.3f} ({by_items})")


if __name__ == "__main__":
    train(sys.argv[1] if len(sys.argv) > 1 else "numbers")
