"""Checks for notebook 09_applications::

    from rnnlab.checks import applications as checks
    checks.check_sample_with_temperature(sample_with_temperature)
    checks.check_many_to_one_forward(many_to_one_forward)
    checks.check_many_to_one_backward(many_to_one_backward)
    checks.check_greedy_decode_one(greedy_decode_one)
"""

from __future__ import annotations

import numpy as np

from rnnlab import train as _train
from rnnlab.checks._common import (
    as_array,
    assert_not_delegating,
    call_student,
    expect_close,
    expect_shape,
    expect_tuple,
    fail,
    is_close,
    passed,
)
from rnnlab.checks._common import references as _references
from rnnlab.models import seq2seq as _seq2seq
from rnnlab.nn import padding as _padding
from rnnlab.nn.activations import softmax

# What the grader withholds from the student's kernel and answers outside it, seeing every call
# (rnnlab.grading.withhold): rnnlab's answers to these exercises and what computes them too.
# (rnnlab.train.sample takes a model object, which cannot cross the grader's wire: its draws do, through
# sample_from_logits.) The training loops are withheld whole, so that their steps do not each cross the wire.
WITHHELD_WHILE_GRADING = (_train.sample_from_logits, _padding.last_state_forward, _padding.last_state_backward,
                          _seq2seq.greedy_decode, _train.train_classifier, _train.train_seq2seq)

_SAMPLE_CALL = "sample_with_temperature(logits, temperature, rng)"
_FORWARD_CALL = "many_to_one_forward(h, lengths, W, b)"
_BACKWARD_CALL = "many_to_one_backward(dscores, h, lengths, W)"
_GREEDY_CALL = "greedy_decode_one(params, h, max_len)"
_DRAWS = 300  # per temperature: enough to tell the distributions apart (see the tests), few enough for the wire


# ---------------------------------------------------------------------------------------------------
# Sampling with temperature.


def check_sample_with_temperature(sample_with_temperature) -> None:
    """sample_with_temperature(logits, temperature, rng) -> one index drawn from softmax(logits / temperature)."""
    __tracebackhide__ = True
    logits = np.array([2.0, 1.0, 0.0, -1.0])
    first = _draw(sample_with_temperature, logits, 1.0, np.random.default_rng(0), first=True)
    if not isinstance(first, int | np.integer) or not 0 <= first < len(logits):
        fail(f"`{_SAMPLE_CALL}` should return one index in 0 .. {len(logits) - 1}, got {first!r}", key="not_an_index")

    rng = np.random.default_rng(1)
    before = rng.bit_generator.state
    a = [_draw(sample_with_temperature, logits, 1.0, rng) for _ in range(20)]
    if rng.bit_generator.state == before:
        fail("your function never drew from the `rng` it was given (np.random's global functions and a generator "
             "made inside the function don't count): draw with it, e.g. rng.choice(V, p=p), so that the same seed "
             "gives the same samples", key="ignored_rng")
    again = np.random.default_rng(1)
    if [_draw(sample_with_temperature, logits, 1.0, again) for _ in range(20)] != a:
        fail("two generators with the same seed gave different samples: draw only with the `rng` you are given, "
             "not also with np.random's global functions", key="used_global_random")

    for temperature in (0.5, 2.0):
        rng = np.random.default_rng(2)
        counts = np.bincount([_draw(sample_with_temperature, logits, temperature, rng) for _ in range(_DRAWS)],
                             minlength=len(logits)) / _DRAWS
        right = softmax(logits / temperature)

        def near(p, counts=counts):
            return 0.5 * np.abs(counts - p).sum() < 0.11  # a right answer fails 1 time in 3,000 or less

        if near(right):
            continue
        if near(softmax(logits)):
            fail(f"at temperature {temperature} your samples follow softmax(logits), as if the temperature did "
                 "nothing: divide the logits by the temperature BEFORE the softmax (applied to the probabilities "
                 "and renormalised, dividing changes nothing)", key="ignored_temperature")
        if near(softmax(logits * temperature)):
            fail(f"at temperature {temperature} your samples follow softmax(logits * temperature): divide by the "
                 "temperature, do not multiply", key="multiplied_by_temperature")
        fail(f"at temperature {temperature} your samples do not follow softmax(logits / temperature): frequencies "
             f"{np.round(counts, 2).tolist()}, expected about {np.round(right, 2).tolist()}",
             key="wrong_distribution")
    passed("sample_with_temperature: draws from softmax(logits / T) with the rng it is given")


def _draw(sample_with_temperature, logits, temperature, rng, first=False):
    __tracebackhide__ = True
    if first:
        return assert_not_delegating(sample_with_temperature, _train.sample_from_logits, logits.copy(),
                                     temperature, rng)
    return call_student(sample_with_temperature, _SAMPLE_CALL, logits.copy(), temperature, rng)


# ---------------------------------------------------------------------------------------------------
# The many-to-one head: scores from each sequence's state at its own last step.


def head_problem(N: int = 3, T: int = 5, H: int = 4, K: int = 2, seed: int = 0):
    """h (N, T, H) with random padding, lengths (N,) (the first sequence fills T), W (H, K), b (K,)."""
    rng = np.random.default_rng(seed)
    lengths = np.concatenate([[T], rng.integers(1, T, N - 1)]) if N > 1 else np.array([T])
    return rng.standard_normal((N, T, H)), lengths, rng.standard_normal((H, K)), rng.standard_normal(K)


def _right_forward(h, lengths, W, b):
    return _padding.last_state_forward(h, lengths)[0] @ W + b


def check_many_to_one_forward(many_to_one_forward) -> None:
    """many_to_one_forward(h, lengths, W, b) -> scores (N, K), scores[n] = h[n, lengths[n] - 1] @ W + b."""
    __tracebackhide__ = True
    h, lengths, W, b = head_problem()
    where = f"lengths = {lengths.tolist()}"
    scores = assert_not_delegating(many_to_one_forward, _padding.last_state_forward, h.copy(), lengths.copy(),
                                   W.copy(), b.copy())
    expect_shape("scores", scores, (h.shape[0], W.shape[1]), hint="one row of K scores per sequence")
    if is_close(scores, h[:, -1] @ W + b):
        fail(f"you read every sequence's state at step T - 1 ({where}): a padded sequence ends earlier, at "
             "step lengths[n] - 1; there h[n, -1] is computed from padding", key="ignored_lengths")
    if is_close(scores, h[np.arange(len(h)), np.minimum(lengths, h.shape[1] - 1)] @ W + b):
        fail(f"you read the state one step too late ({where}): sequence n's last step is lengths[n] - 1",
             key="off_by_one_step")
    if is_close(scores, _right_forward(h, lengths, W, np.zeros_like(b))):
        fail("the scores miss the bias: scores = last @ W + b", key="forgot_bias")
    expect_close("scores", scores, _right_forward(h, lengths, W, b),
                 hint=f"scores[n] = h[n, lengths[n] - 1] @ W + b ({where})", key="wrong_scores")
    small = head_problem(N=1, T=2, H=3, K=4, seed=1)
    scores = call_student(many_to_one_forward, _FORWARD_CALL, *(a.copy() for a in small))
    sizes = "right for N=3, T=5, H=4, K=2 but not for N=1, T=2, H=3, K=4: take the sizes from the arrays"
    expect_close("scores", scores, _right_forward(*small), hint=sizes, key="hard_coded_sizes")
    passed("many_to_one_forward: each sequence's state at its own last step, then the affine read-out")


def check_many_to_one_backward(many_to_one_backward) -> None:
    """many_to_one_backward(dscores, h, lengths, W) -> (dh, dW, db) of scores = h[n, lengths[n] - 1] @ W + b."""
    __tracebackhide__ = True
    h, lengths, W, b = head_problem(seed=2)
    dscores = np.random.default_rng(3).standard_normal((h.shape[0], W.shape[1]))
    result = assert_not_delegating(many_to_one_backward, _padding.last_state_backward, dscores.copy(), h.copy(),
                                   lengths.copy(), W.copy())
    dh, dW, db = (as_array(n, g) for n, g in zip(("dh", "dW", "db"),
                                                  expect_tuple(_BACKWARD_CALL, result, ("dh", "dW", "db")),
                                                  strict=True))
    for name, got, like in (("dh", dh, h), ("dW", dW, W), ("db", db, b)):
        expect_shape(name, got, like.shape, hint="a gradient has the shape of its variable")
    last, last_cache = _padding.last_state_forward(h, lengths)
    right_dh = _padding.last_state_backward(dscores @ W.T, last_cache)
    where = f"lengths = {lengths.tolist()}"
    if not is_close(dh, right_dh):
        at_end = np.zeros_like(h)
        at_end[:, -1] = dscores @ W.T
        if is_close(dh, at_end):
            fail(f"`dh` reaches step T - 1 of every sequence ({where}): the scores read step lengths[n] - 1, so "
                 "that is where dh[n] is non-zero", key="ignored_lengths")
        expect_close("dh", dh, right_dh, hint="dh is 0 except at each sequence's last step, where it is "
                     "dscores @ W.T", key="wrong_dh")
    expect_close("dW", dW, last.T @ dscores, hint="dW = last.T @ dscores, with last[n] = h[n, lengths[n] - 1]",
                 key="wrong_dw")
    expect_close("db", db, dscores.sum(axis=0), hint="db = dscores summed over the sequences", key="wrong_db")
    passed("many_to_one_backward: the gradient reaches each sequence at its own last step only")


# ---------------------------------------------------------------------------------------------------
# Greedy decoding of one source.


def decoder_problem(V: int = 7, E: int = 3, H: int = 5, seed: int = 0, writes_eos: bool = True):
    """A random decoder: (params, h (1, H)) as Seq2Seq.parameters() names them (only the decoder's side). Like a
    trained one it never writes PAD or BOS (their scores are -50); with writes_eos False neither EOS."""
    rng = np.random.default_rng(seed)
    params = {"tgt_embed.W": rng.standard_normal((V, E)), "decoder.Wx": rng.standard_normal((E, 3 * H)),
              "decoder.Wh": rng.standard_normal((H, 3 * H)), "decoder.b": rng.standard_normal(3 * H),
              "head.W": 2 * rng.standard_normal((H, V)), "head.b": rng.standard_normal(V)}
    params["head.b"][[_seq2seq.PAD, _seq2seq.BOS]] = -50.0
    if not writes_eos:
        params["head.b"][_seq2seq.EOS] = -50.0
    return params, rng.standard_normal((1, H))


def decoded(params, h, max_len, *, first=_seq2seq.BOS, feed_back=True, carry=True, stop=True) -> list[int]:
    """Greedy decoding of one source, and the mistakes a check names: the tokens before EOS (at most max_len).
    feed_back False feeds ``first`` at every step; carry False starts every step from the encoder's h;
    stop False goes on after EOS (leaving the EOS out)."""
    token, state, out = first, h, []
    for _ in range(max_len):
        logits, new_state = _seq2seq.decode_step(params, np.array([token]), state)
        state = new_state if carry else h
        predicted = int(logits[0].argmax())
        if predicted == _seq2seq.EOS and stop:
            break
        if predicted != _seq2seq.EOS:
            out.append(predicted)
        token = predicted if feed_back else first
    return out


# seeds where the right answer stops at EOS after a few tokens and every mistake gives other tokens
_GREEDY_SEEDS = (24, 4)


def check_greedy_decode_one(greedy_decode_one) -> None:
    """greedy_decode_one(params, h, max_len) -> the list of tokens the decoder writes before EOS, feeding back its
    own most likely token from BOS, at most max_len of them."""
    __tracebackhide__ = True
    max_len = 12
    params, h = decoder_problem(seed=_GREEDY_SEEDS[0])
    right = decoded(params, h, max_len)
    got = _tokens(assert_not_delegating(greedy_decode_one, _seq2seq.greedy_decode, _copy(params), h.copy(),
                                        max_len))
    if got != right:
        eos, bos = _seq2seq.EOS, _seq2seq.BOS
        if got == [bos, *right]:
            fail(f"your tokens start with BOS ({bos}): BOS is the decoder's first input, not part of the translation",
                 key="kept_bos")
        if got == [*right, eos]:
            fail(f"your tokens end with EOS ({eos}): stop when the decoder writes EOS, and leave it out",
                 key="kept_eos")
        if got == decoded(params, h, max_len, stop=False):
            fail(f"you went on after the decoder wrote EOS (after {right}): stop there", key="ignored_eos")
        if got == decoded(params, h, max_len, feed_back=False):
            fail("the decoder read BOS at every step. At test time there is no true previous token to feed (in "
                 "training, teacher forcing fed it): feed back the token the decoder just predicted",
                 key="not_fed_back")
        if got == decoded(params, h, max_len, carry=False):
            fail("every step started from the encoder's h: carry the state on, each step starts from the h that "
                 "the previous decode_step returned", key="state_not_carried")
        if got == decoded(params, h, max_len, first=_seq2seq.PAD):
            fail(f"the first input must be BOS ({bos}), the token the decoder learned to start from",
                 key="wrong_first_token")
        fail(f"the decoder's greedy tokens are {right}, yours are {got}: start from BOS and h, and at every step "
             "feed the argmax of the logits back in, until EOS", key="wrong_tokens")

    params, h = decoder_problem(seed=_GREEDY_SEEDS[1], writes_eos=False)
    right = decoded(params, h, max_len)
    got = _tokens(call_student(greedy_decode_one, _GREEDY_CALL, _copy(params), h.copy(), max_len))
    if got != right:
        if got == right[: len(got)] and len(got) != max_len:
            fail(f"when the decoder never writes EOS, return max_len = {max_len} tokens; yours returned {len(got)}",
                 key="wrong_max_len")
        fail(f"when the decoder never writes EOS the tokens are {right}, yours are {got}",
             key="wrong_tokens_without_eos")

    params, h = decoder_problem(V=9, E=2, H=3, seed=_GREEDY_SEEDS[0])
    got = _tokens(call_student(greedy_decode_one, _GREEDY_CALL, _copy(params), h.copy(), 15))
    if got != decoded(params, h, 15):
        fail("right for V=7 and H=5 but not for V=9 and H=3: take the sizes from the arrays", key="hard_coded_sizes")
    passed("greedy_decode_one: feeds back its own predictions from BOS and stops at EOS")


def _tokens(got) -> list[int]:
    """The student's tokens as a list of ints, or fail saying what they were instead."""
    __tracebackhide__ = True
    if got is None:
        fail("`greedy_decode_one` returned None: did you forget a `return` statement?", key="returned_none")
    if isinstance(got, np.ndarray) and got.ndim == 1 and np.issubdtype(got.dtype, np.integer):
        return [int(t) for t in got]
    if isinstance(got, list | tuple) and all(isinstance(t, int | np.integer) for t in got):
        return [int(t) for t in got]
    fail(f"`{_GREEDY_CALL}` should return a list of token ids (ints), got {type(got).__name__}"
         + (f" of shape {got.shape}" if isinstance(got, np.ndarray) else ""), key="wrong_return")


def _copy(params: dict) -> dict:
    return {name: value.copy() for name, value in params.items()}


def references():
    """The trusted references of notebook 09's hidden tests (see ``_common.references``)."""
    return _references(sample_from_logits=_train.sample_from_logits, last_state_forward=_padding.last_state_forward,
                       last_state_backward=_padding.last_state_backward, head_problem=head_problem, softmax=softmax,
                       greedy_decode=_seq2seq.greedy_decode, decoder_problem=decoder_problem, EOS=_seq2seq.EOS)
