"""The emotion space: valence, arousal, dominance in [-1, 1], and its label maps.

A point of the space is ``(valence, arousal, dominance)``, each in [-1, 1], with 0 the
neutral middle of every axis (Russell 1980; Mehrabian 1996). Everything that places a
rating, a word or an emotion category in that space is *declared data* in this module,
never guessed:

- :data:`SCALES`: how a rating scale maps onto [-1, 1] (:func:`to_space`, :func:`from_space`).
- ``data/nrc_vad_emotions.tsv``: 106 rows of the NRC-VAD lexicon (Mohammad 2018), the
  label words of the taxonomies below plus :data:`MOOD_WORDS` (:func:`word_point`,
  :func:`nearest_word`).
- :data:`TAXONOMIES`: the ordered labels of each emotion vocabulary; :data:`LABEL_WORDS`:
  the lexicon word that places each label; :data:`SUBSTITUTIONS`: why a label is placed by
  another word than its own; :data:`DECLARED_POINTS`: the few labels whose point is set by
  definition rather than by the lexicon (:func:`label_point`).

Between taxonomies, :func:`label_map` joins labels that name the same emotion
(:data:`CONCEPTS`: Mikels "fear" is AudioSet "scary"), sends every other label to the label
of the other taxonomy whose point is nearest, and to a Russell quadrant by
:func:`quadrant`. A user table (:func:`load_label_map`) overrides any of it. One borderline
case to know: Emotion6 "neutral" (the origin) is nearest to "sad" (distance 0.64) in both
Mikels and AudioSet, only just ahead of "contentment" (0.67) and "funny" (0.87).

Lexicon oddities, and what is done about them
---------------------------------------------
Checked by hand against the quadrant the literature gives each category (Russell 1980,
Fig. 2; Mikels et al. 2005, who classify amusement, awe, contentment and excitement as
positive; the 4Q set of Panda et al. 2018, whose Q4 is "calm, tender"):

- ``contentment`` is rated arousal 0.610 (-> +0.22, quadrant Q1), but contentment is the
  low-arousal positive category (Russell's circumplex puts *content* beside *serene* and
  *relaxed*). Placed by the word ``content`` (0.764/0.296/0.559 -> Q4), the word Russell
  (1980) himself uses.
- ``awe`` is rated valence 0.469 (-> -0.06, Q2), but Mikels et al. (2005) count awe among
  the positive emotions. Placed by ``amazement`` (0.750/0.800/0.639 -> Q1).
- ``tender`` (a homograph: tender meat, legal tender) is rated 0.630/0.520/0.509, arousal
  +0.04, Q1 by a hair; tender music is calm (4Q: Q4). Placed by ``tenderness``
  (0.949/0.276/0.367 -> Q4).
- ``neutral`` is rated 0.469/0.184/0.357, i.e. (-0.06, -0.63, -0.29): raters read it as
  *calm*. The Emotion6 category "neutral" means no emotion, and the Emotion6 photos whose
  most-voted emotion is neutral average (+0.03, -0.03) on the SAM ratings. So it is
  declared the origin (:data:`DECLARED_POINTS`); the *word* ``neutral`` keeps its lexicon
  point among the mood words.
- ``disgust`` (-0.90, +0.55, -0.37) and ``surprise`` (+0.75, +0.75, +0.12) are kept as
  rated: disgust is unpleasant and moderately aroused (Q2), and the lexicon reads surprise
  as pleasant (Q1), while Emotion6 photos voted "surprise" average valence +0.25, arousal
  +0.15, also Q1.
- GEMS (Zentner, Grandjean & Scherer 2008): ``solemnity`` is not in the lexicon and is
  placed by ``solemn`` (Q4); the two-word ``joyful activation`` at the mean of
  ``joyful`` and ``activation`` (Q1); ``nostalgia`` is kept as rated (-0.17, -0.33, Q3):
  GEMS nostalgia is bittersweet ("nostalgic, dreamy, melancholic, sentimental"), and the
  lexicon reads it, like ``nostalgic``, as slightly unpleasant.
- Two everyday mood words are not in :data:`MOOD_WORDS` because the lexicon misplaces
  them: ``tense`` (0.396/0.439/0.655, i.e. Q3, low arousal) and ``fearful`` (arousal
  0.482, Q3); ``tension`` and ``afraid`` stand in for them.

Modules, one job each: :mod:`._scales` (:data:`AXES`, :data:`SCALES`, :func:`to_space`,
:func:`from_space`), :mod:`._lexicon` (the NRC-VAD rows, :data:`MOOD_WORDS`,
:func:`word_point`, :func:`nearest_word`), :mod:`._quadrants` (:data:`QUADRANTS`,
:data:`QUADRANT_NAMES`, :func:`quadrant`), :mod:`._taxonomies` (:data:`TAXONOMIES` and
the points of their labels, :func:`label_point`, :func:`distribution_point`) and
:mod:`._label_maps` (:data:`CONCEPTS`, :func:`label_map`, :func:`load_label_map`,
:func:`label_table`). Every name is importable from here.

References
----------
.. [1] Russell, J. A. (1980). A circumplex model of affect. Journal of Personality and
   Social Psychology, 39(6), 1161-1178.
.. [2] Mehrabian, A. (1996). Pleasure-arousal-dominance: A general framework for
   describing and measuring individual differences in temperament. Current Psychology,
   14(4), 261-292.
.. [3] Mohammad, S. M. (2018). Obtaining reliable human ratings of valence, arousal, and
   dominance for 20,000 English words. Proc. ACL 2018, 174-184.
.. [4] Mikels, J. A., Fredrickson, B. L., Larkin, G. R., Lindberg, C. M., Maglio, S. J.,
   & Reuter-Lorenz, P. A. (2005). Emotional category data on images from the International
   Affective Picture System. Behavior Research Methods, 37(4), 626-630.
.. [5] Peng, K.-C., Chen, T., Sadovnik, A., & Gallagher, A. (2015). A mixed bag of
   emotions: Model, predict, and transfer emotion distributions. CVPR 2015 (Emotion6).
.. [6] Gemmeke, J. F. et al. (2017). Audio Set: An ontology and human-labeled dataset for
   audio events. ICASSP 2017 (music-mood classes /t/dd00031 to /t/dd00037).
.. [7] Panda, R., Malheiro, R., & Paiva, R. P. (2018). Novel audio features for music
   emotion recognition. IEEE Trans. Affective Computing, 11(4), 614-626 (4Q set).
.. [8] Bradley, M. M., & Lang, P. J. (1994). Measuring emotion: the Self-Assessment
   Manikin and the semantic differential. J. Behav. Ther. Exp. Psychiatry, 25(1), 49-59.
.. [9] Zentner, M., Grandjean, D., & Scherer, K. R. (2008). Emotions evoked by the sound
   of music: characterization, classification, and measurement. Emotion, 8(4), 494-521
   (the Geneva Emotional Music Scale, GEMS).
"""

from __future__ import annotations

from ._label_maps import CONCEPTS, LabelRow, label_map, label_table, load_label_map
from ._lexicon import MOOD_WORDS, lexicon_words, mood_words, nearest_word, word_point
from ._quadrants import NO_QUADRANT, QUADRANT_NAMES, QUADRANTS, quadrant
from ._scales import AXES, SCALES, from_space, to_space
from ._taxonomies import (AUDIOSET_MOOD_CLASSES, DECLARED_POINTS, LABEL_WORDS, SUBSTITUTIONS,
                          TAXONOMIES, canonical_label, distribution_point, label_point,
                          taxonomy_points)

__all__ = [
    "AXES",
    "SCALES",
    "QUADRANTS",
    "QUADRANT_NAMES",
    "NO_QUADRANT",
    "TAXONOMIES",
    "LABEL_WORDS",
    "SUBSTITUTIONS",
    "DECLARED_POINTS",
    "CONCEPTS",
    "MOOD_WORDS",
    "AUDIOSET_MOOD_CLASSES",
    "LabelRow",
    "to_space",
    "from_space",
    "word_point",
    "lexicon_words",
    "mood_words",
    "nearest_word",
    "canonical_label",
    "label_point",
    "taxonomy_points",
    "distribution_point",
    "quadrant",
    "label_map",
    "load_label_map",
    "label_table",
]
