ASSIGNMENT = "04_bptt"

# A single-term bug: dWh keeps only the last step visited (step 0) instead of accumulating over time.
RNN_BACKWARD_WITHOUT_ACCUMULATION = '''
def rnn_backward(dh, cache):
    x, h0, Wx, Wh, h = cache.x, cache.h0, cache.Wx, cache.Wh, cache.h
    N, T, D = x.shape
    dx = np.zeros_like(x)
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(Wh.shape[0])
    dh_next = np.zeros_like(h0)
    for t in reversed(range(T)):
        h_prev = h0 if t == 0 else h[:, t - 1]
        step_cache = RNNStepCache(x[:, t], h_prev, Wx, Wh, h[:, t], "tanh")
        dx[:, t], dh_next, dWx_t, dWh_t, db_t = rnnlab.nn.rnn_step_backward(dh[:, t] + dh_next, step_cache)
        dWx += dWx_t
        dWh = dWh_t
        db += db_t
    return dx, dh_next, dWx, dWh, db
'''

# A single-term bug: every chunk starts from zeros instead of the carried state.
TBPTT_STEP_FROM_ZEROS = '''
def tbptt_step(params, x_chunk, y_chunk, h_carry, lr):
    V = params["Wy"].shape[1]
    xs = rnnlab.data.one_hot(x_chunk, V)
    h, rnn_cache = rnnlab.nn.rnn_forward(xs, np.zeros_like(h_carry), params["Wx"], params["Wh"], params["b"])
    logits, affine_cache = rnnlab.nn.temporal_affine_forward(h, params["Wy"], params["by"])
    loss, dlogits = rnnlab.nn.temporal_softmax_loss(logits, y_chunk)
    dh, dWy, dby = rnnlab.nn.temporal_affine_backward(dlogits, affine_cache)
    _, _, dWx, dWh, db = rnnlab.nn.rnn_backward(dh, rnn_cache)
    for name, grad in {"Wx": dWx, "Wh": dWh, "b": db, "Wy": dWy, "by": dby}.items():
        params[name] -= lr * grad
    return loss, h[:, -1].copy()
'''

SUBMISSIONS = {
    "dwh_not_accumulated": ({"rnn_backward": RNN_BACKWARD_WITHOUT_ACCUMULATION}, ["rnn_backward_test"]),
    "state_reset": ({"tbptt_step": TBPTT_STEP_FROM_ZEROS}, ["tbptt_step_test"]),
}
