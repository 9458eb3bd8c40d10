"""The three-branch joint emotion embedding (Won et al., ISMIR 2021): ``--method joint``.

Photos, songs and emotion labels are learned into one space of unit vectors by triplet
losses, and a photo is matched to the songs most similar to it there: the data-driven
alternative to the valence-arousal route of :mod:`affect_features.matching`.

>>> model = JointEmbedding(random_state=0).fit(                      # doctest: +SKIP
...     Xi, photo_quadrants, Xa, song_quadrants, image_names=names_i,
...     audio_names=names_a, image_schema="image-1", audio_schema="audio-1")
>>> index, similarity = rank_songs(model.embed_image(x), model.embed_audio(Xa), k=5)
>>> model.save("joint")                      # joint.npz + joint.json, no pickle

Modules: :mod:`._model` (the estimator, :class:`JointEmbedding`), :mod:`._fitting`
(inputs checked, the batch objective, Adam), :mod:`._branch` (a fitted branch:
standardisation and the members' forward pass), :mod:`._format` (the ``.npz`` and JSON
card files), :mod:`._network` (branch forward and backward passes), :mod:`._triplet`
(the loss and the negative mining), :mod:`._labels` (label points and agreement),
:mod:`._ranking` (:func:`rank_songs`).
"""

from ._labels import AGREEMENTS, default_label_point
from ._model import FORMAT, FORMAT_VERSION, JointEmbedding
from ._network import ACTIVATIONS
from ._ranking import rank_songs
from ._triplet import MINING, mine_negatives, triplet_loss

__all__ = ["JointEmbedding", "rank_songs", "default_label_point", "triplet_loss",
           "mine_negatives", "ACTIVATIONS", "MINING", "AGREEMENTS", "FORMAT",
           "FORMAT_VERSION"]
