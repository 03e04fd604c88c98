"""Train the EN -> IT translator of numbers in words shipped in rnnlab/models/weights/translator_en_it.npz.

    .venv/bin/python scripts/train_translator.py        # about 90 s on one core; prints the test accuracy

A GRU encoder–decoder (rnnlab.models.Seq2Seq, E = 32, H = 96) on the numbers 0 .. 999 that
rnnlab.data.translation_split leaves for training, 2,500 Adam steps of 64 random numbers, lr 1e-2, gradients
clipped at norm 5, seed 0. tests/test_seq2seq.py checks the saved weights on the held-out numbers.
"""

import time

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
from rnnlab.optim import Adam, clip_grad_norm

STEPS, BATCH, E, H, LR = 2500, 64, 32, 96, 1e-2


def words(numbers, lang):
    return [number_to_words(int(n), lang) for n in numbers]


def main() -> None:
    train, test = translation_split()
    everything = np.arange(1000)
    src_to_idx, src_chars = char_vocab(words(everything, "en"))
    tgt_to_idx, tgt_chars = char_vocab(words(everything, "it"))
    rng = np.random.default_rng(0)
    model = Seq2Seq(len(src_chars), len(tgt_chars), E, H, rng=rng)
    optimizer = Adam(model.parameters(), lr=LR)
    start = time.time()
    for step in range(1, STEPS + 1):
        batch = rng.choice(train, BATCH)
        src, src_lengths = encode_batch(words(batch, "en"), src_to_idx)
        tgt, tgt_lengths = encode_batch(words(batch, "it"), tgt_to_idx, bos=True, eos=True)
        mask = np.arange(tgt.shape[1] - 1) < (tgt_lengths - 1)[:, None]
        loss = model.loss(src, src_lengths, tgt[:, :-1], tgt[:, 1:], mask)
        grads = model.gradients()
        clip_grad_norm(grads, 5.0)
        optimizer.step(grads)
        if step % 500 == 0:
            print(f"step {step}: loss {loss:.4f} ({time.time() - start:.0f} s)", flush=True)
    save_translator(TRANSLATOR_WEIGHTS, model, src_chars, tgt_chars)
    src, src_lengths = encode_batch(words(test, "en"), src_to_idx)
    predicted = decode_batch(model.greedy_decode(src, src_lengths, 40), tgt_chars)
    exact = np.mean([p == t for p, t in zip(predicted, words(test, "it"), strict=True)])
    print(f"saved {TRANSLATOR_WEIGHTS}; exact match on {len(test)} held-out numbers: {exact:.3f}")


if __name__ == "__main__":
    main()
