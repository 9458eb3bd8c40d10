"""Named feature vectors: the last check that no NaN or inf leaves the package."""

import numpy as np
import pytest

from affect_features.errors import ParameterError
from affect_features.features import FeatureVector, check_finite


def test_feature_vector_refuses_non_finite_values_naming_them():
    names = ("g.a", "g.b", "g.c")
    with pytest.raises(ParameterError, match=r"g\.b=nan"):
        FeatureVector(names, [1.0, np.nan, 2.0], "t-1")
    with pytest.raises(ParameterError, match=r"g\.a=inf, g\.c=-inf"):
        FeatureVector(names, [np.inf, 0.0, -np.inf], "t-1")
    f = FeatureVector(names, [1.0, 0.0, -2.5], "t-1")  # finite values pass unchanged
    assert f.vector.tolist() == [1.0, 0.0, -2.5] and f["g.c"] == -2.5
    assert check_finite(names, [1, 2, 3]).dtype == np.float64


def test_a_defect_in_a_definition_is_an_error_not_a_zero(monkeypatch, tmp_path):
    """Were a group to return NaN (a defect: every undefined case has its documented
    value), extraction raises a one-line error and a batch records that file's failure;
    nothing is replaced by 0."""
    from PIL import Image

    from affect_features.image import (
        color,
        extract_image_features,
        extract_image_features_batch,
    )

    monkeypatch.setattr(color, "colorfulness", lambda rgb: float("nan"))
    img = np.zeros((16, 16, 3))
    with pytest.raises(ParameterError, match=r"color\.colorfulness=nan"):
        extract_image_features(img, groups="color")
    path = tmp_path / "a.png"
    Image.fromarray(np.zeros((16, 16, 3), np.uint8)).save(path)
    X, ok, failures = extract_image_features_batch([path], groups="color")
    assert X.shape[0] == 0 and ok == [] and "color.colorfulness=nan" in failures[0].reason
