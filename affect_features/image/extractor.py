"""scikit-learn transformer: images (files, arrays or analyses) -> image features."""

from __future__ import annotations

from functools import partial

import numpy as np

from .._transformer import FeatureExtractor
from ..errors import ParameterError
from ..features import parse_groups
from . import IMAGE_GROUPS, ImageAnalysis, image_feature_names, image_vector

__all__ = ["ImageFeatureExtractor"]


class ImageFeatureExtractor(FeatureExtractor):
    """Turn images into rows of :data:`~affect_features.image.IMAGE_SCHEMA` features.

    Stateless (see :mod:`affect_features._transformer`): ``fit`` learns nothing and
    is optional, so it can head a ``Pipeline`` that is cross-validated or
    grid-searched without glue code.

    Parameters
    ----------
    groups : sequence of str or comma-separated str, optional
        Feature groups to compute (all by default), see
        :data:`~affect_features.image.IMAGE_GROUPS`.
    n_jobs : int, optional
        Worker processes for the files among the items (default 1: this process;
        -1 or 0: all cores). Arrays are computed in this process.

    Attributes
    ----------
    feature_names_out_ : ndarray of str
        Set by :meth:`fit`; :meth:`get_feature_names_out` works without it.

    Notes
    -----
    Items of ``X`` are image files (``str`` or ``os.PathLike``), image arrays (grey,
    RGB or RGBA; uint8, uint16 or float in [0, 1]) or
    :class:`~affect_features.image.ImageAnalysis` objects, in any mix; a 4-D array
    is a stack of images. A file and its decoded pixels give the same values, except
    for a JPEG larger than the analysis: from its file it is decoded directly at a
    reduced DCT scale (faster, :func:`~affect_features.image.decode.load_image`), from
    full-size pixels it is box-reduced, so the values differ a little.

    Examples
    --------
    >>> import numpy as np
    >>> red = np.zeros((32, 32, 3)); red[..., 0] = 1.0
    >>> ext = ImageFeatureExtractor(groups="color")
    >>> X = ext.transform([red])
    >>> X.shape, ext.get_feature_names_out()[0], float(X[0, 0])
    ((1, 54), 'color.saturation.mean', 1.0)
    """

    def __init__(self, *, groups=None, n_jobs=1):
        self.groups = groups
        self.n_jobs = n_jobs

    def _groups(self):
        return parse_groups(self.groups, IMAGE_GROUPS)

    def _feature_names(self) -> tuple[str, ...]:
        return image_feature_names(self._groups())

    def _file_function(self):
        return partial(image_vector, groups=self._groups())

    def _item_vector(self, item) -> np.ndarray:
        if not isinstance(item, (np.ndarray, ImageAnalysis)):
            raise ParameterError(f"an image item must be a file path, an image array or "
                                 f"an ImageAnalysis, got {type(item).__name__}")
        return image_vector(item, self._groups())
