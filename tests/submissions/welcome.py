ASSIGNMENT = "00_welcome"

# The typical mistake the notebook warns about: tanh applied again to h, which is already tanh(a).
TANH_AGAIN = '''
def tanh_derivative(h):
    return 1.0 - np.tanh(h) ** 2
'''

SUBMISSIONS = {
    "tanh_again": ({"tanh_derivative": TANH_AGAIN}, ["tanh_derivative_test"]),
}
