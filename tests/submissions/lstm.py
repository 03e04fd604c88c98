ASSIGNMENT = "06_lstm"

# A single-term bug: the gradient on h never enters the cell state (the path through h = o * tanh(c) is missing).
STEP_BACKWARD_WITHOUT_PATH_THROUGH_H = '''
def lstm_step_backward(dh, dc, cache):
    x, h_prev, c_prev, Wx, Wh, ifgo, c, tanh_c, h = cache
    H = dh.shape[1]
    i, f, g, o = ifgo[:, :H], ifgo[:, H:2 * H], ifgo[:, 2 * H:3 * H], ifgo[:, 3 * H:]
    da = np.concatenate([dc * g * i * (1 - i), dc * c_prev * f * (1 - f), dc * i * (1 - g**2),
                         dh * tanh_c * o * (1 - o)], axis=1)
    return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, h_prev.T @ da, da.sum(axis=0)
'''

# A single-term bug: the cell-state gradient is not carried from step to step.
BACKWARD_WITHOUT_DC_CARRY = '''
def lstm_backward(dh, cache):
    N, T, H = dh.shape
    dx = np.zeros_like(cache.x)
    dWx, dWh, db = np.zeros_like(cache.Wx), np.zeros_like(cache.Wh), np.zeros(4 * H)
    dh_next = np.zeros((N, H))
    for t in reversed(range(T)):
        step = rnnlab.nn.lstm_step_cache(cache, t)
        dx[:, t], dh_next, _, dWx_t, dWh_t, db_t = rnnlab.nn.lstm_step_backward(dh[:, t] + dh_next,
                                                                              np.zeros((N, H)), step)
        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
    return dx, dh_next, dWx, dWh, db
'''

# A single-term bug: the gate blocks read in CS231n's order i, f, o, g.
STEP_FORWARD_IFOG = '''
def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    H = h_prev.shape[1]
    a = x @ Wx + h_prev @ Wh + b
    i, f, o, g = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), sigmoid(a[:, 2 * H:3 * H]), np.tanh(a[:, 3 * H:])
    c = f * c_prev + i * g
    h = o * np.tanh(c)
    return h, c, LSTMStepCache(x, h_prev, c_prev, Wx, Wh, np.concatenate([i, f, g, o], axis=1), c, np.tanh(c), h)
'''

# An answer cell that raises when it runs, so the function is never defined.
RAISES_AT_DEFINITION = 'raise RuntimeError("I broke my notebook")\n'

SUBMISSIONS = {
    "no_path_through_h": ({"lstm_step_backward": STEP_BACKWARD_WITHOUT_PATH_THROUGH_H}, ["lstm_step_backward_test"]),
    "dc_not_carried": ({"lstm_backward": BACKWARD_WITHOUT_DC_CARRY}, ["lstm_backward_test"]),
    "gate_order_ifog": ({"lstm_step_forward": STEP_FORWARD_IFOG}, ["lstm_step_forward_test"]),
    "raises": ({"lstm_step_backward": RAISES_AT_DEFINITION}, ["lstm_step_backward_test"]),
}
