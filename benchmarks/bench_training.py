"""Cost of the training procedure against plain scikit-learn (a script that prints a table).

On a matrix of the image training sets' shape (``--rows`` x ``--features``, synthetic:
standard normal features, targets a noisy tanh of a linear map, so that the networks
have something to learn and stop early as on real data), each round times, in this
process and one after the other:

- **baseline**: one ``Pipeline([StandardScaler(), MLPRegressor(**MLP_FIXED, one grid
  point)])`` fit, scikit-learn as a user would write it;
- **member**: one ensemble member as :func:`affect_features.models.train_model` fits it
  (the shared standardisation, ``config_context(assume_finite=True)``, one BLAS thread);
- **train_model**: the whole procedure with ``n_seeds`` members and a two-point grid
  searched by ``GridSearchCV`` over ``cv`` folds, with ``n_jobs=1``.

Medians over ``--rounds`` and each one's ratio to the baseline of the same round (this
machine is shared: ratios within a round are what to compare)::

    python benchmarks/bench_training.py                # 2,189 x 156, 5 rounds
    python benchmarks/bench_training.py --rows 724 --features 145
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=2189, help="rows (default: Emotion6+GAPED)")
    ap.add_argument("--features", type=int, default=156, help="columns (default: image-2)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seeds", type=int, default=2, help="members in train_model")
    ap.add_argument("--cv", type=int, default=3, help="folds of the grid search")
    args = ap.parse_args()

    from sklearn.neural_network import MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from affect_features.models import MLP_FIXED, train_model
    from affect_features.models._search import fit_mlp_members

    rng = np.random.default_rng(0)
    X = rng.standard_normal((args.rows, args.features))
    W = rng.standard_normal((args.features, 3)) / np.sqrt(args.features)
    Y = np.tanh(X @ W + 0.3 * rng.standard_normal((args.rows, 3)))
    names = [f"f.{i}" for i in range(args.features)]
    point = {"hidden_layer_sizes": (32,), "alpha": 1.0, "early_stopping": True,
             "n_iter_no_change": 10}
    grid = {"hidden_layer_sizes": [(32,)], "alpha": [1.0, 10.0],
            "early_stopping": [True], "n_iter_no_change": [10]}
    Z = (X - X.mean(axis=0)) / X.std(axis=0)

    def baseline():
        make_pipeline(StandardScaler(), MLPRegressor(**{**MLP_FIXED, **point},
                                                     random_state=0)).fit(X, Y)

    def member():
        fit_mlp_members(Z, Y, point, seeds=[0], n_jobs=1)

    def procedure():
        train_model(X, Y, names=names, schema="bench", modality="image",
                    n_seeds=args.seeds, param_grid=grid, cv=args.cv, n_jobs=1)

    times = {"baseline": [], "member": [], "train_model": []}
    for _ in range(args.rounds):
        for name, fn in (("baseline", baseline), ("member", member),
                         ("train_model", procedure)):
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    base = np.asarray(times["baseline"])
    print(f"{args.rows} x {args.features}, {args.rounds} rounds; train_model: "
          f"{args.seeds} members, grid of 2 over {args.cv} folds, n_jobs=1\n")
    print("| step | median s | x baseline (median of rounds) |")
    print("|---|---:|---:|")
    for name, t in times.items():
        t = np.asarray(t)
        print(f"| {name} | {np.median(t):.2f} | {np.median(t / base):.2f} |")


if __name__ == "__main__":
    main()
