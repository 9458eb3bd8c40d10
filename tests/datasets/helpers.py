"""Synthetic data-set files and the points their labels must land on."""

import os

import numpy as np


def nrc(v, a, d):
    """An NRC-VAD row (0-1) as a point of the space."""
    return np.array([2 * v - 1, 2 * a - 1, 2 * d - 1])


# NRC-VAD rows of the label words (Mohammad 2018), as in affect_features/data.
AMUSEMENT = nrc(0.929, 0.837, 0.803)
ANGER = nrc(0.167, 0.865, 0.657)
CONTENT = nrc(0.764, 0.296, 0.559)  # places Mikels "contentment"
FEAR = nrc(0.073, 0.840, 0.293)
HAPPY = nrc(1.000, 0.735, 0.772)
JOY = nrc(0.980, 0.824, 0.794)
SAD = nrc(0.225, 0.333, 0.149)
SCARY = nrc(0.062, 0.952, 0.528)
TENDERNESS = nrc(0.949, 0.276, 0.367)  # places AudioSet "tender"


def touch(path, data=b"x"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(data)
    return str(path)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    return str(path)
