"""The notebook-09 checks pass correct answers and name the typical mistakes."""

from __future__ import annotations

import re

import numpy as np
import pytest

from rnnlab.checks import applications as checks
from rnnlab.checks._common import CheckFailed
from rnnlab.models.seq2seq import BOS, EOS, PAD, decode_step, greedy_decode
from rnnlab.train import sample_from_logits

# ---------------------------------------------------------------------------------------------------
# Correct answers written here, with switches for the classic bugs.


def softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def sample_with_temperature(logits, temperature, rng, *, where="before", source="rng"):
    if where == "before":
        p = softmax(logits / temperature)
    elif where == "after":
        p = softmax(logits) / temperature
        p = p / p.sum()
    else:
        p = softmax(logits * temperature)
    draw = {"rng": rng, "global": np.random, "fresh": np.random.default_rng(0)}[source]
    return int(draw.choice(len(p), p=p))


def many_to_one_forward(h, lengths, W, b, *, read="own end", bias=True):
    steps = {"own end": lengths - 1, "padded end": np.full(len(h), h.shape[1] - 1),
             "one late": np.minimum(lengths, h.shape[1] - 1)}[read]
    return h[np.arange(len(h)), steps] @ W + (b if bias else 0)


def many_to_one_backward(dscores, h, lengths, W, *, at="own end"):
    dh = np.zeros_like(h)
    steps = lengths - 1 if at == "own end" else np.full(len(h), h.shape[1] - 1)
    dh[np.arange(len(h)), steps] = dscores @ W.T
    last = h[np.arange(len(h)), lengths - 1]
    return dh, last.T @ dscores, dscores.sum(axis=0)


def greedy_decode_one(params, h, max_len, *, first=BOS, feed="own", carry=True, stop=True, keep_eos=False,
                      steps_off=0):
    token, state, out = first, h, []
    for _ in range(max_len + steps_off):
        logits, new_state = decode_step(params, np.array([token]), state)
        state = new_state if carry else state
        predicted = int(logits[0].argmax())
        if predicted == EOS and stop:
            out += [EOS] * keep_eos
            break
        if predicted != EOS:
            out.append(predicted)
        token = predicted if feed == "own" else first
    return out


def _with(fn, **switches):
    def student(*args):
        return fn(*args, **switches)

    return student


def test_correct_answers_pass(capsys):
    checks.check_sample_with_temperature(sample_with_temperature)
    checks.check_many_to_one_forward(many_to_one_forward)
    checks.check_many_to_one_backward(many_to_one_backward)
    checks.check_greedy_decode_one(greedy_decode_one)
    assert capsys.readouterr().out.count("✔") == 4


def test_sampling_passes_another_right_algorithm(capsys):
    def inverse_cdf(logits, temperature, rng):
        return int(np.searchsorted(np.cumsum(softmax(logits / temperature)), rng.random()))

    checks.check_sample_with_temperature(inverse_cdf)
    assert "✔" in capsys.readouterr().out


@pytest.mark.parametrize(("switches", "phrase", "key"), [
    ({"where": "after"}, "BEFORE the softmax", "ignored_temperature"),
    ({"where": "times"}, "do not multiply", "multiplied_by_temperature"),
    ({"source": "global"}, "never drew from the `rng`", "ignored_rng"),
    ({"source": "fresh"}, "never drew from the `rng`", "ignored_rng"),
])
def test_sampling_names_the_mistake(switches, phrase, key):
    with pytest.raises(CheckFailed, match=re.escape(phrase)) as info:
        checks.check_sample_with_temperature(_with(sample_with_temperature, **switches))
    assert info.value.key == key


def test_sampling_names_randomness_beside_the_rng():
    def mixed(logits, temperature, rng):
        rng.random()
        return int(np.random.choice(len(logits), p=softmax(logits / temperature)))  # noqa: NPY002 (the mistake)

    with pytest.raises(CheckFailed, match="not also with np.random's global functions") as info:
        checks.check_sample_with_temperature(mixed)
    assert info.value.key == "used_global_random"


def test_sampling_names_a_result_that_is_not_an_index():
    with pytest.raises(CheckFailed, match="should return one index in 0 .. 3") as info:
        checks.check_sample_with_temperature(lambda logits, temperature, rng: softmax(logits / temperature))
    assert info.value.key == "not_an_index"


def test_sampling_catches_delegation():
    def delegating(logits, temperature, rng):
        return int(sample_from_logits(logits, temperature, rng=rng))

    with pytest.raises(CheckFailed, match="calls rnnlab's own `sample_from_logits`") as info:
        checks.check_sample_with_temperature(delegating)
    assert info.value.key == "delegates"


@pytest.mark.parametrize(("switches", "phrase", "key"), [
    ({"read": "padded end"}, "at step T - 1", "ignored_lengths"),
    ({"read": "one late"}, "one step too late", "off_by_one_step"),
    ({"bias": False}, "miss the bias", "forgot_bias"),
])
def test_many_to_one_forward_names_the_mistake(switches, phrase, key):
    with pytest.raises(CheckFailed, match=re.escape(phrase)) as info:
        checks.check_many_to_one_forward(_with(many_to_one_forward, **switches))
    assert info.value.key == key


def test_many_to_one_backward_names_a_gradient_at_the_padded_end():
    with pytest.raises(CheckFailed, match="reaches step T - 1") as info:
        checks.check_many_to_one_backward(_with(many_to_one_backward, at="padded end"))
    assert info.value.key == "ignored_lengths"


@pytest.mark.parametrize(("switches", "phrase", "key"), [
    ({"feed": "fixed"}, "read BOS at every step", "not_fed_back"),
    ({"carry": False}, "started from the encoder's h", "state_not_carried"),
    ({"first": PAD}, "the first input must be BOS", "wrong_first_token"),
    ({"stop": False}, "went on after the decoder wrote EOS", "ignored_eos"),
    ({"keep_eos": True}, "end with EOS", "kept_eos"),
    ({"steps_off": -1}, "return max_len = 12 tokens", "wrong_max_len"),
])
def test_greedy_decoding_names_the_mistake(switches, phrase, key):
    with pytest.raises(CheckFailed, match=re.escape(phrase)) as info:
        checks.check_greedy_decode_one(_with(greedy_decode_one, **switches))
    assert info.value.key == key


def test_greedy_decoding_names_bos_in_the_output_and_a_wrong_return_type():
    def with_bos(params, h, max_len):
        return [BOS, *greedy_decode_one(params, h, max_len)]

    with pytest.raises(CheckFailed, match="start with BOS") as info:
        checks.check_greedy_decode_one(with_bos)
    assert info.value.key == "kept_bos"
    with pytest.raises(CheckFailed, match="should return a list of token ids") as info:
        checks.check_greedy_decode_one(lambda params, h, max_len: np.array([greedy_decode_one(params, h, max_len)]))
    assert info.value.key == "wrong_return"


def test_greedy_decoding_catches_delegation_and_hard_coded_sizes():
    def delegating(params, h, max_len):
        row = greedy_decode(params, h, max_len)[0]
        return [int(t) for t in row[: list(row).index(EOS)]] if EOS in row else row.tolist()

    with pytest.raises(CheckFailed, match="calls rnnlab's own `greedy_decode`") as info:
        checks.check_greedy_decode_one(delegating)
    assert info.value.key == "delegates"

    def hard_coded(params, h, max_len):
        return greedy_decode_one(params, h, 12) if params["head.W"].shape == (5, 7) else []

    with pytest.raises(CheckFailed, match="take the sizes from the arrays") as info:
        checks.check_greedy_decode_one(hard_coded)
    assert info.value.key == "hard_coded_sizes"


def test_greedy_decoding_problems_tell_every_mistake_apart():
    """The check's seeds give a right answer that stops at EOS after a few tokens, and other tokens for each
    mistake (so that each message can be reached)."""
    params, h = checks.decoder_problem(seed=checks._GREEDY_SEEDS[0])
    right = checks.decoded(params, h, 12)
    variants = [checks.decoded(params, h, 12, feed_back=False), checks.decoded(params, h, 12, carry=False),
                checks.decoded(params, h, 12, first=PAD), checks.decoded(params, h, 12, stop=False)]
    assert 3 <= len(right) < 12
    assert len({tuple(v) for v in [right, *variants]}) == 5
    params, h = checks.decoder_problem(seed=checks._GREEDY_SEEDS[1], writes_eos=False)
    assert len(set(checks.decoded(params, h, 12))) > 1
