ASSIGNMENT = "08_bidirectional_and_stacked"

# A single-term bug: the backward direction reads x[:, ::-1], so on a padded sequence it starts on the padding.
FORWARD_STARTS_ON_PADDING = '''
def bidirectional_forward(x, h0_fwd, h0_bwd, params_fwd, params_bwd, lengths):
    h_fwd, cache_fwd = rnnlab.nn.rnn_forward(x, h0_fwd, *params_fwd)
    h_rev, cache_bwd = rnnlab.nn.rnn_forward(x[:, ::-1], h0_bwd, *params_bwd)
    h = np.concatenate([h_fwd, h_rev[:, ::-1]], axis=2)
    N, T, H = h_fwd.shape
    if lengths is not None:
        h[np.arange(T) >= lengths[:, None]] = 0
    return h, BidirectionalCache(cache_fwd, cache_bwd, "rnn", lengths, N, T, H)
'''

# A single-term bug: the padding's upstream gradient is not set to 0 before the layers' backward passes.
BACKWARD_FROM_PADDING = '''
def bidirectional_backward(dh, cache):
    H, lengths = cache.H, cache.lengths
    dx_fwd, dh0_fwd, *dparams_fwd = rnnlab.nn.rnn_backward(dh[:, :, :H], cache.fwd)
    dh_rev = rnnlab.nn.reverse_padded(dh[:, :, H:], lengths)
    dx_rev, dh0_bwd, *dparams_bwd = rnnlab.nn.rnn_backward(dh_rev, cache.bwd)
    dx = dx_fwd + rnnlab.nn.reverse_padded(dx_rev, lengths)
    return dx, dh0_fwd, dh0_bwd, tuple(dparams_fwd), tuple(dparams_bwd)
'''

# A single-term bug: every layer reads the input x instead of the layer below.
STACK_READS_X = '''
def stacked_forward(x, h0s, params):
    caches = []
    for h0, p in zip(h0s, params):
        h, cache = rnnlab.nn.rnn_forward(x, h0, *p)
        caches.append(cache)
    return h, caches
'''

# An answer cell that raises when it runs, so the function is never defined.
RAISES_AT_DEFINITION = 'raise RuntimeError("I broke my notebook")\n'

SUBMISSIONS = {
    "starts_on_padding": ({"bidirectional_forward": FORWARD_STARTS_ON_PADDING}, ["bidirectional_forward_test"]),
    "backward_from_padding": ({"bidirectional_backward": BACKWARD_FROM_PADDING}, ["bidirectional_backward_test"]),
    "stack_reads_x": ({"stacked_forward": STACK_READS_X}, ["stacked_forward_test"]),
    "raises": ({"bidirectional_backward": RAISES_AT_DEFINITION}, ["bidirectional_backward_test"]),
}
