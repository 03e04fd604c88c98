"""An encoder–decoder (sequence to sequence) model with GRUs, for translating short texts character by character.

The encoder reads the source tokens; its state at each source's own last step (rnnlab.nn.last_state_forward) is
the one vector the decoder starts from. The decoder is a language model of the target that begins at BOS: trained
with teacher forcing (it reads the true previous target token), it decodes greedily at test time (it reads its
own previous prediction) until it writes EOS (Sutskever et al., 2014; Cho et al., 2014).

With ``attention=True`` the read-out also sees a context vector at every step: each decoder state is a query
over ALL the encoder's states (scaled dot-product attention, padded source steps masked), and the logits are
[h_t ; context_t] W + b (Luong et al., 2015). The decoder no longer depends on one summary vector alone::

    src, src_lengths        (N, S) tokens and (N,) lengths, padded with PAD
    tgt_in                  (N, T) BOS y_0 ... y_{T-2}   (teacher forcing)
    tgt_out, tgt_mask       (N, T) y_0 ... EOS, and True on the real steps
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rnnlab.modules import GRU, Embedding, Linear, Module
from rnnlab.nn.attention import attention_backward, attention_forward
from rnnlab.nn.gru import gru_step_forward
from rnnlab.nn.losses import temporal_softmax_loss
from rnnlab.nn.padding import last_state_backward, last_state_forward

PAD, BOS, EOS = 0, 1, 2  # the special tokens, the same ids in every vocabulary
SPECIALS = ("<pad>", "<bos>", "<eos>")
# EN -> IT numbers in words (notebook 09) and lists of them without and with attention (notebook 10), trained by
# scripts/train_translator.py (provenance: weights/README.md)
_WEIGHTS = Path(__file__).resolve().parent / "weights"
TRANSLATOR_WEIGHTS = _WEIGHTS / "translator_en_it.npz"
LIST_TRANSLATORS = {"without attention": _WEIGHTS / "translator_lists.npz",
                    "with attention": _WEIGHTS / "translator_lists_attention.npz"}


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
    """Embedding -> GRU encoder -> its state at each source's last step -> GRU decoder -> linear read-out
    (with attention: of the decoder state and its context over the encoder's states).

    V_src, V_tgt: vocabulary sizes (with the special tokens); E: embedding size; H: hidden size of both GRUs.
    After forward, ``attention_weights`` (N, T, S) holds where each target step looked (attention models only).
    """

    def __init__(self, V_src: int, V_tgt: int, E: int, H: int, *, rng, attention: bool = False):
        super().__init__()
        self.attention = attention
        self.src_embed, self.encoder = Embedding(V_src, E, rng=rng), GRU(E, H, rng=rng)
        self.tgt_embed, self.decoder = Embedding(V_tgt, E, rng=rng), GRU(E, H, rng=rng)
        self.head = Linear(2 * H if attention else H, V_tgt, rng=rng)
        self._cache = None
        self.attention_weights = None

    def children(self):
        return {"src_embed": self.src_embed, "encoder": self.encoder, "tgt_embed": self.tgt_embed,
                "decoder": self.decoder, "head": self.head}

    def encode(self, src, src_lengths) -> np.ndarray:
        """The encoder's summary of each source, (N, H): its state at the source's last real step."""
        return self._encode(src, src_lengths)[1]

    def _encode(self, src, src_lengths):
        """The encoder's states (N, S, H), the summary (N, H) and the mask of the real source steps (N, 1, S)."""
        states = self.encoder.forward(self.src_embed.forward(src))
        summary, self._cache = last_state_forward(states, src_lengths)
        return states, summary, source_mask(src_lengths, states.shape[1])

    def forward(self, src, src_lengths, tgt_in) -> np.ndarray:
        """Teacher forcing: logits (N, T, V_tgt) for every target step, the decoder reading tgt_in."""
        states, summary, mask = self._encode(src, src_lengths)
        h = self.decoder.forward(self.tgt_embed.forward(tgt_in), summary)
        if self.attention:
            context, self.attention_weights, self._attention_cache = attention_forward(h, states, states, mask)
            h = np.concatenate([h, context], axis=-1)
        return self.head.forward(h)

    def backward(self, dlogits) -> None:
        """dlogits (N, T, V_tgt) -> the gradients of every parameter."""
        dh = self.head.backward(dlogits)
        dstates = 0.0
        if self.attention:
            H = dh.shape[-1] // 2
            dquery, dkeys, dvalues = attention_backward(dh[..., H:], self._attention_cache)
            dh, dstates = dh[..., :H] + dquery, dkeys + dvalues
        self.tgt_embed.backward(self.decoder.backward(dh))
        dstates = dstates + last_state_backward(self.decoder.dstate0, self._need_cache())
        self.src_embed.backward(self.encoder.backward(dstates))

    def loss(self, src, src_lengths, tgt_in, tgt_out, tgt_mask) -> float:
        """Mean cross-entropy per real target token (forward and backward; gradients in gradients())."""
        loss, dlogits = temporal_softmax_loss(self.forward(src, src_lengths, tgt_in), tgt_out, tgt_mask)
        tokens_per_sequence = tgt_mask.sum() / len(tgt_out)
        self.backward(dlogits / tokens_per_sequence)
        return loss / tokens_per_sequence

    def greedy_decode(self, src, src_lengths, max_len: int) -> np.ndarray:
        """Translate src greedily (see greedy_decode): tokens (N, max_len)."""
        states, summary, mask = self._encode(src, src_lengths)
        if self.attention:
            return greedy_decode(self.parameters(), summary, max_len, memory=states, memory_mask=mask)
        return greedy_decode(self.parameters(), summary, max_len)

    @classmethod
    def from_run(cls, run) -> Seq2Seq:
        """The model trained by rnnlab.train.train_seq2seq."""
        return cls.from_params(run.params)

    @classmethod
    def from_params(cls, params: dict) -> Seq2Seq:
        """A model with these parameters (as model.parameters() names them); the sizes are read from them."""
        H = params["encoder.Wh"].shape[0]
        model = cls(params["src_embed.W"].shape[0], params["tgt_embed.W"].shape[0], params["src_embed.W"].shape[1], H,
                    rng=np.random.default_rng(0), attention=params["head.W"].shape[0] == 2 * H)
        for name, value in model.parameters().items():
            value[...] = params[name]
        return model


def source_mask(src_lengths, S: int) -> np.ndarray:
    """(N, 1, S) booleans, True on each source's real steps: the attention mask of a padded batch of sources."""
    return (np.arange(S) < np.asarray(src_lengths)[:, None])[:, None, :]


def decode_step(params: dict, token, h, memory=None, memory_mask=None):
    """One decoder step at test time: the previous tokens (N,) and states (N, H) -> (logits (N, V_tgt), h (N, H)).

    params: a Seq2Seq's parameters (model.parameters()), of which it reads "tgt_embed.W", "decoder.Wx",
    "decoder.Wh", "decoder.b", "head.W" and "head.b". An attention model also needs the encoder's states
    ``memory`` (N, S, H) and their mask (N, 1, S)."""
    h, _ = gru_step_forward(params["tgt_embed.W"][np.asarray(token)], h, params["decoder.Wx"], params["decoder.Wh"],
                            params["decoder.b"])
    features = h
    if memory is not None:
        context, _, _ = attention_forward(h[:, None], memory, memory, memory_mask)
        features = np.concatenate([h, context[:, 0]], axis=-1)
    return features @ params["head.W"] + params["head.b"], h


def greedy_decode(params: dict, h, max_len: int, memory=None, memory_mask=None) -> np.ndarray:
    """Greedy decoding from the encoder's summaries h (N, H) (and, with attention, its states ``memory`` and their
    mask, see decode_step): from BOS, feed back the most likely token for max_len steps. Returns tokens
    (N, max_len); everything after a row's first EOS is EOS."""
    token = np.full(len(h), BOS)
    out = np.full((len(h), max_len), EOS)
    done = np.zeros(len(h), bool)
    for t in range(max_len):
        logits, h = decode_step(params, token, h, memory, memory_mask)
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
