"""affect_features: suggest music for a photo by the feeling both evoke.

Handcrafted, explainable image features (Machajdik & Hanbury 2010) and audio
descriptors (librosa), small scikit-learn models that map each into one
valence-arousal-dominance space, and nearest-neighbour matching of photos to songs.
"""

from ._version import __version__
from .errors import AffectError, DecodeError, ModelError, ParameterError, SchemaError
from .features import FeatureVector

__all__ = ["__version__", "AffectError", "DecodeError", "ModelError", "ParameterError",
           "SchemaError", "FeatureVector", "extract_image_features",
           "image_feature_names", "extract_audio_features", "audio_feature_names"]


def __getattr__(name):
    # Lazy: `import affect_features` stays cheap; the wings load on first use.
    if name in ("extract_image_features", "image_feature_names", "ImageFeatures",
                "ImageFeatureExtractor"):
        from . import image
        return getattr(image, name)
    if name in ("extract_audio_features", "audio_feature_names", "AudioFeatures",
                "AudioFeatureExtractor"):
        from . import audio
        return getattr(audio, name)
    raise AttributeError(f"module 'affect_features' has no attribute {name!r}")
