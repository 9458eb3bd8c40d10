"""Fixtures of the models tests: one small trained model, shared by the modules."""

import pytest

from affect_features.models import train_model

from .synthetic import GRID, NAMES, data


@pytest.fixture(scope="session")
def trained():
    X, Y = data()
    model = train_model(X, Y, names=NAMES, schema="test-1", modality="image",
                        param_grid=GRID, n_seeds=2, cv=3, n_jobs=1,
                        training_sets=[{"spec": "synthetic", "n": len(X)}])
    return X, Y, model
