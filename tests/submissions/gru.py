ASSIGNMENT = "07_gru"

# A single-term bug: PyTorch's update rule (z flipped) in the seeds' form.
STEP_FORWARD_FLIPPED_UPDATE = '''
def gru_step_forward(x, h_prev, Wx, Wh, b):
    H = h_prev.shape[1]
    a = x @ Wx + b
    r = sigmoid(a[:, :H] + h_prev @ Wh[:, :H])
    z = sigmoid(a[:, H:2 * H] + h_prev @ Wh[:, H:2 * H])
    rh = r * h_prev
    n = np.tanh(a[:, 2 * H:] + rh @ Wh[:, 2 * H:])
    h = z * h_prev + (1 - z) * n
    return h, GRUStepCache(x, h_prev, Wx, Wh, np.concatenate([r, z, n], axis=1), rh, h)
'''

# A single-term bug: dh_prev misses the direct path dh * (1 - z).
STEP_BACKWARD_WITHOUT_DIRECT_PATH = '''
def gru_step_backward(dh, cache):
    x, h_prev, Wx, Wh, rzn, rh, h = cache
    H = dh.shape[1]
    r, z, n = rzn[:, :H], rzn[:, H:2 * H], rzn[:, 2 * H:]
    da_n = dh * z * (1 - n**2)
    da_z = dh * (n - h_prev) * z * (1 - z)
    drh = da_n @ Wh[:, 2 * H:].T
    da_r = drh * h_prev * r * (1 - r)
    da = np.concatenate([da_r, da_z, da_n], axis=1)
    dh_prev = drh * r + da[:, :2 * H] @ Wh[:, :2 * H].T
    dWh = np.concatenate([h_prev.T @ da[:, :2 * H], rh.T @ da_n], axis=1)
    return da @ Wx.T, dh_prev, x.T @ da, dWh, da.sum(axis=0)
'''

# A single-term bug: the upstream gradient of every step but the last is dropped.
BACKWARD_ONLY_LAST_STEP = '''
def gru_backward(dh, cache):
    N, T, H = dh.shape
    dx = np.zeros_like(cache.x)
    dWx, dWh, db = np.zeros_like(cache.Wx), np.zeros_like(cache.Wh), np.zeros(3 * H)
    dh_next = dh[:, -1].copy()
    for t in reversed(range(T)):
        step = rnnlab.nn.gru_step_cache(cache, t)
        dx[:, t], dh_next, dWx_t, dWh_t, db_t = rnnlab.nn.gru_step_backward(dh_next, step)
        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
    return dx, dh_next, dWx, dWh, db
'''

# An answer cell that raises when it runs, so the function is never defined.
RAISES_AT_DEFINITION = 'raise RuntimeError("I broke my notebook")\n'

SUBMISSIONS = {
    "flipped_update": ({"gru_step_forward": STEP_FORWARD_FLIPPED_UPDATE}, ["gru_step_forward_test"]),
    "no_direct_path": ({"gru_step_backward": STEP_BACKWARD_WITHOUT_DIRECT_PATH}, ["gru_step_backward_test"]),
    "only_last_step": ({"gru_backward": BACKWARD_ONLY_LAST_STEP}, ["gru_backward_test"]),
    "raises": ({"gru_step_backward": RAISES_AT_DEFINITION}, ["gru_step_backward_test"]),
}
