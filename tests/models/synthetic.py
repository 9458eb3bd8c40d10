"""Synthetic data and fitted scikit-learn estimators shared by the models tests."""

import numpy as np

NAMES = tuple(f"group.f{i}" for i in range(5))
# Tiny, fast settings: a net of 8 units, two penalties to choose from.
GRID = {"hidden_layer_sizes": [(8,)], "alpha": [1e-3, 1e-1], "learning_rate_init": [0.01]}


def data(n=150, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, len(NAMES)))
    X[:, 4] = 3.0  # a constant feature: standardised with scale 1, must not break anything
    W = np.array([[0.8, 0.0, 0.3], [0.0, 0.9, 0.0], [0.5, -0.4, 0.0],
                  [0.0, 0.3, 0.8], [0.0, 0.0, 0.0]])
    Y = np.tanh(X @ W)
    return X, Y


def fit_sklearn(activation, seeds=(1, 2), hidden=(7, 4)):
    from sklearn.neural_network import MLPRegressor
    from sklearn.preprocessing import StandardScaler

    X, Y = data(80)
    scaler = StandardScaler().fit(X)
    ests = [MLPRegressor(hidden_layer_sizes=hidden, activation=activation, max_iter=50,
                         random_state=s).fit(scaler.transform(X), Y) for s in seeds]
    return X, scaler, ests
