ASSIGNMENT = "09_applications"

# A single-term bug: the temperature divides the probabilities (renormalised), not the logits.
TEMPERATURE_AFTER_SOFTMAX = '''
def sample_with_temperature(logits, temperature, rng):
    p = rnnlab.nn.softmax(logits) / temperature
    p = p / p.sum()
    return int(rng.choice(len(p), p=p))
'''

# A single-term bug: every sequence is read at step T - 1, on the padding.
READS_THE_PADDED_END = '''
def many_to_one_forward(h, lengths, W, b):
    return h[:, -1] @ W + b
'''

# A single-term bug: the gradient enters every sequence at step T - 1.
GRADIENT_AT_THE_PADDED_END = '''
def many_to_one_backward(dscores, h, lengths, W):
    last = h[np.arange(len(h)), lengths - 1]
    dh = np.zeros_like(h)
    dh[:, -1] = dscores @ W.T
    return dh, last.T @ dscores, dscores.sum(axis=0)
'''

# A single-term bug: the decoder reads BOS at every step instead of its own previous prediction.
FEEDS_BOS_EVERY_STEP = '''
def greedy_decode_one(params, h, max_len):
    tokens = []
    for _ in range(max_len):
        logits, h = decode_step(params, np.array([BOS]), h)
        token = int(logits[0].argmax())
        if token == EOS:
            break
        tokens.append(token)
    return tokens
'''

# An answer cell that raises when it runs, so the function is never defined.
RAISES_AT_DEFINITION = 'raise RuntimeError("I broke my notebook")\n'

SUBMISSIONS = {
    "temperature_after": ({"sample_with_temperature": TEMPERATURE_AFTER_SOFTMAX}, ["sample_with_temperature_test"]),
    "reads_padded_end": ({"many_to_one_forward": READS_THE_PADDED_END}, ["many_to_one_forward_test"]),
    "gradient_at_padded_end": ({"many_to_one_backward": GRADIENT_AT_THE_PADDED_END}, ["many_to_one_backward_test"]),
    "feeds_bos": ({"greedy_decode_one": FEEDS_BOS_EVERY_STEP}, ["greedy_decode_one_test"]),
    "raises": ({"greedy_decode_one": RAISES_AT_DEFINITION}, ["greedy_decode_one_test"]),
}
