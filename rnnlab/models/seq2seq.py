"""An encoder–decoder (sequence to sequence) model with GRUs, for translating short texts character by character.

The encoder reads the source tokens; its state at each source's own last step (rnnlab.nn.last_state_forward) is
the one vector the decoder starts from. The decoder is a language model of the target that begins at BOS: trained
with teacher forcing (it reads the true previous target token), it decodes greedily at test time (it reads its
own previous prediction) until it writes EOS (Sutskever et al., 2014; Cho et al., 2014)::

    src, src_lengths        (N, S) tokens and (N,) lengths, padded with PAD
    tgt_in                  (N, T) BOS y_0 ... y_{T-2}   (teacher forcing)
    tgt_out, tgt_mask       (N, T) y_0 ... EOS, and True on the real steps
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rnnlab.modules import GRU, Embedding, Linear, Module
from rnnlab.nn.gru import gru_step_forward
from rnnlab.nn.losses import temporal_softmax_loss
from rnnlab.nn.padding import last_state_backward, last_state_forward

PAD, BOS, EOS = 0, 1, 2  # the special tokens, the same ids in every vocabulary
SPECIALS = ("<pad>", "<bos>", "<eos>")
# EN -> IT numbers in words, trained by scripts/train_translator.py (provenance: weights/README.md)
TRANSLATOR_WEIGHTS = Path(__file__).resolve().parent / "weights" / "translator_en_it.npz"


def char_vocab(texts) -> tuple[dict[str, int], list[str]]:
    """A character vocabulary with the special tokens first: (char_to_idx, idx_to_char)."""
    idx_to_char = [*SPECIALS, *sorted(set("".join(texts)))]
    return {ch: i for i, ch in enumerate(idx_to_char)}, idx_to_char


def encode_batch(texts, char_to_idx: dict[str, int], *, bos: bool = False, eos: bool = False):
    """Token ids of ``texts`` padded with PAD to the longest: ids (N, T) and lengths (N,); optionally a BOS in
    front and an EOS at the end of each."""
    seqs = [[BOS] * bos + [char_to_idx[ch] for ch in text] + [EOS] * eos for text in texts]
    lengths = np.array([len(s) for s in seqs])
    ids = np.full((len(seqs), lengths.max()), PAD, dtype=np.int64)
    for n, s in enumerate(seqs):
        ids[n, : len(s)] = s
    return ids, lengths


def decode_batch(ids, idx_to_char: list[str]) -> list[str]:
    """The texts of token rows, each up to its first EOS, without special tokens."""
    out = []
    for row in np.asarray(ids):
        ends = np.flatnonzero(row == EOS)
        row = row[: ends[0]] if ends.size else row
        out.append("".join(idx_to_char[i] for i in row if i >= len(SPECIALS)))
    return out


class Seq2Seq(Module):
    """Embedding -> GRU encoder -> its state at each source's last step -> GRU decoder -> linear read-out.

    V_src, V_tgt: vocabulary sizes (with the special tokens); E: embedding size; H: hidden size of both GRUs.
    """

    def __init__(self, V_src: int, V_tgt: int, E: int, H: int, *, rng):
        super().__init__()
        self.src_embed, self.encoder = Embedding(V_src, E, rng=rng), GRU(E, H, rng=rng)
        self.tgt_embed, self.decoder = Embedding(V_tgt, E, rng=rng), GRU(E, H, rng=rng)
        self.head = Linear(H, V_tgt, rng=rng)
        self._cache = None

    def children(self):
        return {"src_embed": self.src_embed, "encoder": self.encoder, "tgt_embed": self.tgt_embed,
                "decoder": self.decoder, "head": self.head}

    def encode(self, src, src_lengths) -> np.ndarray:
        """The encoder's summary of each source, (N, H): its state at the source's last real step."""
        summary, self._cache = last_state_forward(self.encoder.forward(self.src_embed.forward(src)), src_lengths)
        return summary

    def forward(self, src, src_lengths, tgt_in) -> np.ndarray:
        """Teacher forcing: logits (N, T, V_tgt) for every target step, the decoder reading tgt_in."""
        return self.head.forward(self.decoder.forward(self.tgt_embed.forward(tgt_in), self.encode(src, src_lengths)))

    def backward(self, dlogits) -> None:
        """dlogits (N, T, V_tgt) -> the gradients of every parameter."""
        self.tgt_embed.backward(self.decoder.backward(self.head.backward(dlogits)))
        dstates = last_state_backward(self.decoder.dstate0, self._need_cache())
        self.src_embed.backward(self.encoder.backward(dstates))

    def loss(self, src, src_lengths, tgt_in, tgt_out, tgt_mask) -> float:
        """Mean cross-entropy per real target token (forward and backward; gradients in gradients())."""
        loss, dlogits = temporal_softmax_loss(self.forward(src, src_lengths, tgt_in), tgt_out, tgt_mask)
        tokens_per_sequence = tgt_mask.sum() / len(tgt_out)
        self.backward(dlogits / tokens_per_sequence)
        return loss / tokens_per_sequence

    def greedy_decode(self, src, src_lengths, max_len: int) -> np.ndarray:
        """Translate src greedily (see greedy_decode): tokens (N, max_len)."""
        return greedy_decode(self.parameters(), self.encode(src, src_lengths), max_len)

    @classmethod
    def from_run(cls, run) -> Seq2Seq:
        """The model trained by rnnlab.train.train_seq2seq."""
        return cls.from_params(run.params)

    @classmethod
    def from_params(cls, params: dict) -> Seq2Seq:
        """A model with these parameters (as model.parameters() names them); the sizes are read from them."""
        model = cls(params["src_embed.W"].shape[0], params["tgt_embed.W"].shape[0], params["src_embed.W"].shape[1],
                    params["encoder.Wh"].shape[0], rng=np.random.default_rng(0))
        for name, value in model.parameters().items():
            value[...] = params[name]
        return model


def decode_step(params: dict, token, h):
    """One decoder step at test time: the previous tokens (N,) and states (N, H) -> (logits (N, V_tgt), h (N, H)).

    params: a Seq2Seq's parameters (model.parameters()), of which it reads "tgt_embed.W", "decoder.Wx",
    "decoder.Wh", "decoder.b", "head.W" and "head.b"."""
    h, _ = gru_step_forward(params["tgt_embed.W"][np.asarray(token)], h, params["decoder.Wx"], params["decoder.Wh"],
                            params["decoder.b"])
    return h @ params["head.W"] + params["head.b"], h


def greedy_decode(params: dict, h, max_len: int) -> np.ndarray:
    """Greedy decoding from the encoder's summaries h (N, H): from BOS, feed back the most likely token for
    max_len steps. Returns tokens (N, max_len); everything after a row's first EOS is EOS."""
    token = np.full(len(h), BOS)
    out = np.full((len(h), max_len), EOS)
    done = np.zeros(len(h), bool)
    for t in range(max_len):
        logits, h = decode_step(params, token, h)
        token = logits.argmax(axis=1)
        out[~done, t] = token[~done]
        done |= token == EOS
        if done.all():
            break
    return out


def save_translator(path, model: Seq2Seq, src_chars: list[str], tgt_chars: list[str]) -> None:
    """Write a trained Seq2Seq and its two vocabularies (idx_to_char lists) to an .npz file."""
    arrays = {f"param/{name}": value.astype(np.float32) for name, value in model.parameters().items()}
    np.savez_compressed(path, src_chars=np.array(src_chars), tgt_chars=np.array(tgt_chars), **arrays)


def load_translator(path=TRANSLATOR_WEIGHTS) -> tuple[Seq2Seq, list[str], list[str]]:
    """The Seq2Seq saved by save_translator (float64 again) and its vocabularies: (model, src_chars, tgt_chars)."""
    with np.load(path) as data:
        src_chars, tgt_chars = data["src_chars"].tolist(), data["tgt_chars"].tolist()
        params = {key.removeprefix("param/"): data[key] for key in data.files if key.startswith("param/")}
    return Seq2Seq.from_params(params), src_chars, tgt_chars
