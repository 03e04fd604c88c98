ASSIGNMENT = "03_vanilla_rnn"

# A single-term bug: the step forgets its bias b.
STEP_WITHOUT_BIAS = '''
def rnn_step_forward(x, h_prev, Wx, Wh, b):
    h = np.tanh(x @ Wx + h_prev @ Wh)
    return h, (x, h_prev, Wx, Wh, h)
'''

# The loop starts from zeros instead of h0 (rnn_step_forward itself is right).
FORWARD_IGNORING_H0 = '''
def rnn_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    h = np.zeros((N, T, h0.shape[1]))
    h_prev, cache = np.zeros_like(h0), []
    for t in range(T):
        h_prev, step_cache = rnnlab.nn.rnn_step_forward(x[:, t], h_prev, Wx, Wh, b)
        h[:, t] = h_prev
        cache.append(step_cache)
    return h, cache
'''

# Right values, but only by calling the library's own layer.
EMBEDDING_DELEGATING = '''
def embedding_forward(idx, W):
    return rnnlab.nn.embedding_forward(idx, W)
'''

# The buffered update: a token that occurs several times keeps only one of its gradients.
EMBEDDING_BACKWARD_BUFFERED = '''
def embedding_backward(dout, cache):
    idx, W = cache
    dW = np.zeros_like(W)
    dW[idx] += dout
    return dW
'''

SUBMISSIONS = {
    "bias_bug": ({"rnn_step_forward": STEP_WITHOUT_BIAS}, ["rnn_step_forward_test"]),
    "h0_bug": ({"rnn_forward": FORWARD_IGNORING_H0}, ["rnn_forward_test"]),
    "delegates": ({"embedding_forward": EMBEDDING_DELEGATING}, ["embedding_forward_test"]),
    "buffered_add": ({"embedding_backward": EMBEDDING_BACKWARD_BUFFERED}, ["embedding_backward_test"]),
}
