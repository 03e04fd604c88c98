ASSIGNMENT = "01_memoryless_models"

# A single-term bug: the hidden layer forgets its bias b1.
FORWARD_WITHOUT_B1 = '''
def window_mlp_forward(X, params):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    h = np.tanh(X @ W1)
    y = (h @ W2 + b2)[:, 0]
    return y, (X, h, params)
'''

# An answer cell that raises when it runs, so the function is never defined.
RAISES_AT_DEFINITION = 'raise RuntimeError("I broke my notebook")\n'

SUBMISSIONS = {
    "bias_bug": ({"window_mlp_forward": FORWARD_WITHOUT_B1}, ["window_mlp_forward_test"]),
    "raises": ({"make_windows": RAISES_AT_DEFINITION}, ["make_windows_test"]),
}
