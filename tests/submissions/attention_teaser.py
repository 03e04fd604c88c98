ASSIGNMENT = "10_attention_teaser"

# A single-term bug: the masked weights are set to 0 after the softmax, so the allowed ones no longer sum to 1.
MASKED_AFTER_SOFTMAX = '''
def masked_softmax(scores, mask):
    e = np.exp(scores - np.max(scores, axis=-1, keepdims=True))
    weights = e / np.sum(e, axis=-1, keepdims=True)
    return weights if mask is None else np.where(mask, weights, 0.0)
'''

# A single-term bug: the scores are not divided by sqrt(d).
UNSCALED_SCORES = '''
def attention_forward(q, k, v, mask):
    weights = rnnlab.nn.masked_softmax(q @ k.transpose(0, 2, 1), mask)
    return weights @ v, weights, AttentionCache(q, k, v, weights, 1.0)
'''

# A single-term bug: the softmax's gradient keeps only its diagonal (no subtraction of the row's weighted sum).
SOFTMAX_GRADIENT_DIAGONAL = '''
def attention_backward(dout, cache):
    q, k, v, weights, scale = cache
    dv = weights.transpose(0, 2, 1) @ dout
    dscores = weights * (dout @ v.transpose(0, 2, 1))
    return (dscores @ k) * scale, (dscores.transpose(0, 2, 1) @ q) * scale, dv
'''

# An answer cell that raises when it runs, so the function is never defined.
RAISES_AT_DEFINITION = 'raise RuntimeError("I broke my notebook")\n'

SUBMISSIONS = {
    "masked_after_softmax": ({"masked_softmax": MASKED_AFTER_SOFTMAX}, ["masked_softmax_test"]),
    "unscaled_scores": ({"attention_forward": UNSCALED_SCORES}, ["attention_forward_test"]),
    "softmax_gradient_diagonal": ({"attention_backward": SOFTMAX_GRADIENT_DIAGONAL}, ["attention_backward_test"]),
    "raises": ({"attention_backward": RAISES_AT_DEFINITION}, ["attention_backward_test"]),
}
