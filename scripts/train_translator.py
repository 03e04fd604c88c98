"""Train the EN -> IT translator of numbers in words shipped in rnnlab/models/weights/translator_en_it.npz.

    .venv/bin/python scripts/train_translator.py        # about 90 s on one core; prints the test accuracy

A GRU encoder–decoder (rnnlab.models.Seq2Seq, E = 32, H = 96) on the numbers 0 .. 999 that
rnnlab.data.translation_split leaves for training, trained by rnnlab.train.train_seq2seq: 2,500 Adam steps of 64
random numbers, lr 1e-2, gradients clipped at norm 5, seed 0. tests/test_seq2seq.py checks the saved weights on
the held-out numbers.
"""

import numpy as np

from rnnlab.data.text import number_to_words, translation_split
from rnnlab.models.seq2seq import (
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


def main() -> None:
    train, test = translation_split()
    everything = np.arange(1000)
    src_to_idx, src_chars = char_vocab(words(everything, "en"))
    tgt_to_idx, tgt_chars = char_vocab(words(everything, "it"))
    src, src_lengths = encode_batch(words(train, "en"), src_to_idx)
    tgt, tgt_lengths = encode_batch(words(train, "it"), tgt_to_idx, bos=True, eos=True)
    run = train_seq2seq(src, src_lengths, tgt, tgt_lengths, V_src=len(src_chars), V_tgt=len(tgt_chars), E=32, H=96,
                        steps=2500, batch_size=64, lr=1e-2, seed=0)
    model = Seq2Seq.from_run(run)
    save_translator(TRANSLATOR_WEIGHTS, model, src_chars, tgt_chars)
    src, src_lengths = encode_batch(words(test, "en"), src_to_idx)
    predicted = decode_batch(model.greedy_decode(src, src_lengths, 40), tgt_chars)
    exact = np.mean([p == t for p, t in zip(predicted, words(test, "it"), strict=True)])
    print(f"saved {TRANSLATOR_WEIGHTS}; exact match on {len(test)} held-out numbers: {exact:.3f}")


if __name__ == "__main__":
    main()
