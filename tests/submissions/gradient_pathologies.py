ASSIGNMENT = "05_gradient_pathologies"

# A single-term bug: the backward step multiplies by Wh instead of Wh.T.
PROBE_WITHOUT_TRANSPOSE = '''
def grad_norms_through_time(x, h0, Wx, Wh, b, activation="tanh"):
    h, _ = rnnlab.nn.rnn_forward(x, h0, Wx, Wh, b, activation=activation)
    N, T, H = h.shape
    derivative = 1.0 - h**2 if activation == "tanh" else (h > 0).astype(float)
    dh = np.ones((N, H)) / np.sqrt(H)
    norms = np.zeros(T)
    for t in range(T - 1, -1, -1):
        norms[t] = np.mean(np.linalg.norm(dh, axis=1))
        dh = (dh * derivative[:, t]) @ Wh
    return norms
'''

# Clipping each tensor by its own norm instead of all of them by the global norm.
PER_TENSOR_CLIPPING = '''
def clip_grad_norm(grads, max_norm):
    total_norm = float(np.sqrt(sum(np.sum(g**2) for g in grads.values())))
    clipped = {name: g * min(1.0, max_norm / np.linalg.norm(g)) for name, g in grads.items()}
    return clipped, total_norm
'''

# The largest singular value instead of the largest |eigenvalue|.
SPECTRAL_NORM_INSTEAD_OF_RADIUS = '''
def scale_to_radius(W, rho):
    return W * (rho / np.linalg.norm(W, 2))
'''

# An answer cell that raises when it runs, so the function is never defined.
RAISES_AT_DEFINITION = 'raise RuntimeError("I broke my notebook")\n'

SUBMISSIONS = {
    "transpose_bug": ({"grad_norms_through_time": PROBE_WITHOUT_TRANSPOSE}, ["grad_norms_through_time_test"]),
    "per_tensor_clip": ({"clip_grad_norm": PER_TENSOR_CLIPPING}, ["clip_grad_norm_test"]),
    "singular_value": ({"scale_to_radius": SPECTRAL_NORM_INSTEAD_OF_RADIUS}, ["scale_to_radius_test"]),
    "raises": ({"scale_to_radius": RAISES_AT_DEFINITION}, ["scale_to_radius_test"]),
}
