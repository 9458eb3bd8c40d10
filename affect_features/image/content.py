"""Content features: faces and skin.

After Machajdik & Hanbury (2010, Sec. 3.4, "Content"): people, and how much of them is
shown, change what a picture makes one feel. :func:`content_features` returns, always in
this order:

``content.faces.count``
    Number of frontal faces found (:func:`detect_faces`).
``content.faces.largest_area``
    Area fraction of the largest face's box (:func:`face_statistics`).
``content.faces.total_area``
    Area fraction covered by all face boxes (their union).
``content.skin.area``
    Fraction of pixels of skin colour (:func:`skin_mask`).
``content.skin.face_ratio``
    Skin area relative to face area, mapped to [0, 1) (:func:`skin_face_ratio`).

Both work on the shared 40,000-pixel image (:data:`CONTENT_PIXELS`; its grey and RGB
planes serve the colour, texture and composition groups too), where detection with
faces of at least :data:`FACE_MIN_SIZE` pixels takes a few milliseconds.

References
----------
.. [1] J. Machajdik and A. Hanbury, "Affective image classification using features
   inspired by psychology and art theory", ACM Multimedia 2010, Sec. 3.4.
.. [2] P. Viola and M. Jones, "Rapid object detection using a boosted cascade of simple
   features", CVPR 2001; R. Lienhart and J. Maydt, "An extended set of Haar-like
   features for rapid object detection", ICIP 2002 (OpenCV's frontal face cascades).
.. [3] J. Kovac, P. Peer and F. Solina, "Human skin colour clustering for face
   detection", EUROCON 2003, Computer as a Tool, vol. 2, pp. 144-148.
"""

from __future__ import annotations

import threading

import cv2
import numpy as np

from ..errors import AffectError, ParameterError
from .analysis import WORK_PIXELS, as_analysis

__all__ = [
    "content_features",
    "detect_faces",
    "face_statistics",
    "skin_mask",
    "skin_face_ratio",
    "CONTENT_NAMES",
    "CONTENT_PIXELS",
    "FACE_MIN_SIZE",
    "FACE_CASCADE",
    "VERIFY_CASCADE",
]

#: Feature names, in the order :func:`content_features` returns them.
CONTENT_NAMES = (
    "content.faces.count",
    "content.faces.largest_area",
    "content.faces.total_area",
    "content.skin.area",
    "content.skin.face_ratio",
)

#: Working resolution of face and skin detection: the shared 40,000-pixel plane.
CONTENT_PIXELS = WORK_PIXELS
#: Smallest face searched (pixels a side at CONTENT_PIXELS): faces of about 3% of the
#: picture's area or more, the faces a viewer looks at. The cascade scans an image
#: pyramid from this size up, so it skips the finest levels of a 24-pixel search.
#: Measured on every third Emotion6 photo (539): confirmed faces on 6 photos, in
#: 5.4 ms, against 4 photos (all among the 6) in 8.1 ms for 24-pixel faces at 30,000
#: pixels (schema image-1); 32 pixels found the same 6 in 6.6 ms.
FACE_MIN_SIZE = 36

#: The detector: Lienhart's frontal face cascade shipped with OpenCV.
FACE_CASCADE = "haarcascade_frontalface_default.xml"
#: A second, independently trained cascade that must confirm each detection: the
#: default cascade alone fires on about 1.5% of Emotion6's photos without faces
#: (textures, flowers, coins); requiring both removes most of those (measured: 32
#: detections on the 1615 photos, 10 confirmed, of which 8 are faces and 2 face-like).
VERIFY_CASCADE = "haarcascade_frontalface_alt2.xml"

_local = threading.local()  # cv2.CascadeClassifier is not shared between threads


def _cascade(name: str) -> cv2.CascadeClassifier:
    """The cascade `name` from OpenCV's data folder, loaded once per thread."""
    cache = getattr(_local, "cascades", None)
    if cache is None:
        cache = _local.cascades = {}
    path = cv2.data.haarcascades + name
    clf = cache.get(path)
    if clf is None:
        clf = cv2.CascadeClassifier(path)
        if clf.empty():
            raise AffectError(f"cannot load OpenCV's face cascade {path} "
                              "(is opencv-python-headless 4.x installed?)")
        cache[path] = clf
    return clf


# -- faces ------------------------------------------------------------------------------
def detect_faces(gray_u8: np.ndarray, *, scale_factor: float = 1.2, min_neighbors: int = 3,
                 verify: bool = True, min_size: int = 24) -> np.ndarray:
    """Frontal faces, by the Viola-Jones detector of OpenCV.

    Parameters
    ----------
    gray_u8 : ndarray of uint8, shape (H, W)
        The grey image, best at about :data:`CONTENT_PIXELS` pixels.
    scale_factor : float, optional
        Step between the window sizes scanned. 1.2 (rather than OpenCV's 1.1) halves
        the number of scales and so the cost; on Emotion6 it finds the same faces.
    min_neighbors : int, optional
        Overlapping raw detections needed to accept a face (OpenCV's grouping).
    verify : bool, optional
        Accept a face only if :data:`VERIFY_CASCADE` also finds one in a window 1.5
        times the box around it. Costs little, as it scans only the boxes found.
    min_size : int, optional
        Smallest face box searched, in pixels a side (at least the cascade's 24).

    Returns
    -------
    boxes : ndarray of int, shape (n_faces, 4)
        ``(x, y, width, height)`` of each face, in pixels of `gray_u8`, sorted by
        position (top to bottom, left to right) so the output is reproducible.

    References
    ----------
    Viola & Jones (2001); Lienhart & Maydt (2002); Machajdik & Hanbury (2010),
    Sec. 3.4 "Human faces".

    Examples
    --------
    >>> detect_faces(np.zeros((100, 100), np.uint8)).shape
    (0, 4)
    """
    g = np.asarray(gray_u8)
    if g.ndim != 2 or g.dtype != np.uint8 or g.size == 0:
        raise ParameterError(
            f"expected a non-empty (H, W) uint8 image, got {g.dtype} {g.shape}")
    if scale_factor <= 1.0:
        raise ParameterError(f"scale_factor must be > 1, got {scale_factor}")
    if min_neighbors < 0:
        raise ParameterError(f"min_neighbors must be >= 0, got {min_neighbors}")
    if min_size < 24:
        raise ParameterError(f"min_size must be >= 24 (the cascade's window), got {min_size}")
    none = np.zeros((0, 4), dtype=np.int64)
    if min(g.shape) < min_size:  # smaller than the smallest face
        return none
    g = np.ascontiguousarray(g)
    found = _cascade(FACE_CASCADE).detectMultiScale(
        g, scaleFactor=scale_factor, minNeighbors=min_neighbors,
        minSize=(int(min_size), int(min_size)))
    if len(found) == 0:
        return none
    boxes = np.asarray(found, dtype=np.int64).reshape(-1, 4)
    if verify:
        checker = _cascade(VERIFY_CASCADE)
        keep = []
        for x, y, w, h in boxes:
            m = w // 4
            crop = g[max(0, y - m):y + h + m, max(0, x - m):x + w + m]
            size = (max(20, int(0.7 * w)), max(20, int(0.7 * h)))
            keep.append(len(checker.detectMultiScale(
                crop, scaleFactor=1.1, minNeighbors=3, minSize=size)) > 0)
        boxes = boxes[np.asarray(keep, dtype=bool)]
    order = np.lexsort((boxes[:, 0], boxes[:, 1]))
    return boxes[order]


def face_statistics(boxes: np.ndarray, shape: tuple[int, int]) -> tuple[float, float, float]:
    """Count and size of face boxes, relative to the image.

    Parameters
    ----------
    boxes : ndarray of int, shape (n, 4)
        ``(x, y, width, height)`` per face, as returned by :func:`detect_faces`.
    shape : (int, int)
        ``(H, W)`` of the image the boxes refer to.

    Returns
    -------
    count : float
    largest_area : float in [0, 1]
        Area of the largest box (clipped to the image) over the image's area; 0 when
        there is no face. Machajdik & Hanbury (2010, Sec. 3.4) use it to tell
        portraits from pictures with people.
    total_area : float in [0, 1]
        Area of the union of the boxes over the image's area (overlaps counted once).

    Examples
    --------
    >>> face_statistics(np.array([[0, 0, 10, 10], [5, 5, 10, 10]]), (20, 20))
    (2.0, 0.25, 0.4375)
    """
    boxes = np.asarray(boxes, dtype=np.int64).reshape(-1, 4)
    h, w = int(shape[0]), int(shape[1])
    if h <= 0 or w <= 0:
        raise ParameterError(f"image shape must be positive, got {shape}")
    if len(boxes) == 0:
        return 0.0, 0.0, 0.0
    mask = np.zeros((h, w), dtype=bool)
    largest = 0
    for x, y, bw, bh in boxes:
        x0, y0 = max(0, x), max(0, y)
        x1, y1 = min(w, x + bw), min(h, y + bh)
        if x1 > x0 and y1 > y0:
            largest = max(largest, (x1 - x0) * (y1 - y0))
            mask[y0:y1, x0:x1] = True
    area = float(h * w)
    return float(len(boxes)), float(largest) / area, float(mask.sum()) / area


# -- skin -------------------------------------------------------------------------------
def skin_mask(rgb_u8: np.ndarray) -> np.ndarray:
    """Pixels of skin colour, by the explicit RGB rules of Kovac et al. (2003).

    A pixel ``(R, G, B)`` (0-255) is skin if it satisfies the rule for uniform daylight

    - R > 95, G > 40, B > 20, max(R, G, B) - min(R, G, B) > 15, |R - G| > 15,
      R > G and R > B,

    or the rule for flash or daylight lateral illumination

    - R > 220, G > 210, B > 170, |R - G| <= 15, R > B and G > B.

    Parameters
    ----------
    rgb_u8 : ndarray of uint8, shape (H, W, 3)

    Returns
    -------
    mask : ndarray of bool, shape (H, W)

    Notes
    -----
    A fixed colour rule, chosen because it needs no training and is explainable. Like
    every pixel classifier it also accepts skin-coloured wood, sand, bread or fur.

    References
    ----------
    Kovac, Peer & Solina (2003), Sec. 2; Machajdik & Hanbury (2010), Sec. 3.4
    "Skin".

    Examples
    --------
    >>> skin_mask(np.array([[[224, 172, 105], [0, 0, 255]]], np.uint8)).tolist()
    [[True, False]]
    """
    rgb = np.asarray(rgb_u8)
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ParameterError(
            f"expected an (H, W, 3) uint8 RGB image, got {rgb.dtype} {rgb.shape}")
    r, g, b = cv2.split(np.ascontiguousarray(rgb))
    # In the daylight rule R is the largest channel (R > G, R > B), so its
    # max - min > 15 follows from R - G > 15; saturating uint8 subtraction avoids a
    # conversion to a wider type.
    daylight = ((r > 95) & (g > 40) & (b > 20) & (cv2.subtract(r, g) > 15) & (r > b))
    flash = ((r > 220) & (g > 210) & (b > 170) & (cv2.absdiff(r, g) <= 15)
             & (r > b) & (g > b))
    return daylight | flash


def skin_face_ratio(skin_area: float, face_area: float) -> float:
    """Skin area relative to face area, as ``r / (1 + r)`` with ``r = skin / face``.

    Machajdik & Hanbury (2010, Sec. 3.4) use "the amount of skin with respect to the
    size of faces": low for a portrait (the skin is mostly the face), high when much
    body is shown. The ratio ``r`` itself is unbounded (a small face on a large body),
    so it is mapped to [0, 1): ``skin / (skin + face)``.

    Parameters
    ----------
    skin_area, face_area : float
        Area fractions (or any areas in the same unit), >= 0.

    Returns
    -------
    ratio : float in [0, 1)
        0 when no face was found (``face_area == 0``): the ratio is undefined then,
        and ``content.faces.count`` already tells that case apart.

    Examples
    --------
    >>> skin_face_ratio(0.75, 0.25)
    0.75
    >>> skin_face_ratio(0.75, 0.0)
    0.0
    """
    skin_area, face_area = float(skin_area), float(face_area)
    if not (np.isfinite(skin_area) and np.isfinite(face_area)) or skin_area < 0 \
            or face_area < 0:
        raise ParameterError(
            f"areas must be finite and >= 0, got skin {skin_area}, face {face_area}")
    if face_area <= 0.0:
        return 0.0
    return skin_area / (skin_area + face_area)


# -- the group --------------------------------------------------------------------------
def content_features(image) -> dict[str, float]:
    """All content features of one image, named as in :data:`CONTENT_NAMES`.

    Parameters
    ----------
    image : ImageAnalysis or ndarray
        An analysis, or an image array (wrapped in one).

    Returns
    -------
    features : dict of str to float
        Always the same keys in the same order, each finite by its definition: 0
        faces and face areas 0 when none is found (:func:`face_statistics`), and then
        a skin-to-face ratio of 0 (:func:`skin_face_ratio`).
    """
    a = as_analysis(image)
    small = a.at(CONTENT_PIXELS)
    boxes = detect_faces(small.gray_u8, min_size=FACE_MIN_SIZE)
    count, largest, total = face_statistics(boxes, small.shape)
    skin = float(skin_mask(small.rgb_u8).mean())
    values = (count, largest, total, skin, skin_face_ratio(skin, total))
    return {name: float(v) for name, v in zip(CONTENT_NAMES, values)}
