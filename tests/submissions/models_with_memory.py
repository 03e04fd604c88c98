ASSIGNMENT = "02_models_with_memory"

# A single-term bug: the transition matrix is used transposed, A @ alpha instead of alpha @ A.
FORWARD_A_TRANSPOSED = '''
def hmm_forward(pi, A, B, obs):
    T, K = len(obs), len(pi)
    alpha = np.zeros((T, K))
    log_likelihood = 0.0
    for t in range(T):
        belief = pi if t == 0 else A @ alpha[t - 1]
        unnormalised = belief * B[:, obs[t]]
        c = unnormalised.sum()
        alpha[t] = unnormalised / c
        log_likelihood += np.log(c)
    return float(log_likelihood), alpha
'''

# Right on short sequences, but multiplies probabilities and normalises only at the end: 500 rolls underflow.
FORWARD_UNSCALED = '''
def hmm_forward(pi, A, B, obs):
    T, K = len(obs), len(pi)
    alpha = np.zeros((T, K))
    for t in range(T):
        belief = pi if t == 0 else alpha[t - 1] @ A
        alpha[t] = belief * B[:, obs[t]]
    return float(np.log(alpha[-1].sum())), alpha / alpha.sum(axis=1, keepdims=True)
'''

# A single-term bug: the innovation has the wrong sign, so the mean moves away from the observation.
KALMAN_WRONG_SIGN = '''
def kalman_step(mu, P, x, A, C, Q, R):
    mu_pred = A @ mu
    P_pred = A @ P @ A.T + Q
    S = C @ P_pred @ C.T + R
    K = P_pred @ C.T @ np.linalg.inv(S)
    mu_new = mu_pred + K @ (C @ mu_pred - x)
    P_new = (np.eye(len(mu)) - K @ C) @ P_pred
    return mu_new, P_new
'''

# A single-term bug: the observation is made from the previous state instead of the new one.
SIMULATE_OBSERVES_PREVIOUS = '''
def simulate_lds(A, C, Q, R, z0, T, rng):
    Z, D = A.shape[0], C.shape[0]
    z = np.zeros((T, Z))
    x = np.zeros((T, D))
    z_prev = z0
    for t in range(T):
        z[t] = A @ z_prev + rng.multivariate_normal(np.zeros(Z), Q)
        x[t] = C @ z_prev + rng.multivariate_normal(np.zeros(D), R)
        z_prev = z[t]
    return z, x
'''

SUBMISSIONS = {
    "transition_transposed": ({"hmm_forward": FORWARD_A_TRANSPOSED}, ["hmm_forward_test"]),
    "underflow": ({"hmm_forward": FORWARD_UNSCALED}, ["hmm_forward_test"]),
    "gain_sign": ({"kalman_step": KALMAN_WRONG_SIGN}, ["kalman_step_test"]),
    "observes_previous": ({"simulate_lds": SIMULATE_OBSERVES_PREVIOUS}, ["simulate_lds_test"]),
}
