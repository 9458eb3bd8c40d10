"""Training data, declared: ``KIND:PATH`` specs read into points of the emotion space.

Which data a model is trained on is declared, never hard-coded: :func:`load_dataset`
takes a spec ``KIND:PATH`` (options as a query string, ``KIND:PATH?key=value&...``, or
as keyword arguments) and returns a :class:`Dataset`: media paths, target points
``(valence, arousal, dominance)`` in [-1, 1] (NaN where an axis is unknown), labels of a
taxonomy of :mod:`affect_features.space`, and per-item extras.

Kinds
-----
``emotion6:DIR``
    Emotion6 (Peng et al. 2015). ``DIR/ground_truth.txt``: a TSV with a bracketed
    header, ``image_filename``, ``valence``, ``arousal`` (SAM 1-9), then the shares of
    raters choosing anger, disgust, fear, joy, sadness, surprise, neutral. Images at
    ``DIR/images/<image_filename>``. Valence and arousal from the ratings (``sam9``);
    dominance, which was not rated, is the dominance of the emotion distribution's
    mean point (:func:`~affect_features.space.distribution_point`, ``emotion6``).
    Label: the most-voted emotion (ties: the first in the file's column order).
    Extras: ``distributions`` (n, 7), ``emotions`` (the column labels), ``ratings``
    (n, 2) on 1-9, ``keywords`` (the search-keyword folder).
``gaped:DIR``
    The Geneva Affective PicturE Database (Dan-Glauser & Scherer 2011).
    ``DIR/ratings.csv``: ``file`` (``<category>/<name>.jpg``, relative to
    ``DIR/images``), ``category``, ``valence``, ``arousal`` (mean ratings, 0-100 with 50
    neutral -> ``percent``), their ``_sd``, and the internal/external norm ratings.
    Dominance was not rated: NaN. No emotion label (``labels`` is None: the folders are
    picture categories, not emotions; a picture's quadrant is that of its ratings).
    Extras: ``categories`` (``A`` animal mistreatment, ``H`` human concerns, ``N``
    neutral, ``P`` positive, ``Sn`` snakes, ``Sp`` spiders), ``ratings`` (n, 2) on
    0-100, ``rating_sd`` (n, 2).
``4q:DIR``
    The 4Q audio emotion set (Panda et al. 2018). ``DIR/metadata.csv`` (``Song``,
    ``Artist``, ``Title``, ``Quadrant``, ``PQuad``, ``MoodsFoundStr``, ...); clips at
    ``DIR/audio/<Quadrant>/<Song>.mp3``. Label: the quadrant. Point: the mean of the
    Warriner et al. (2013) norms (``V.Mean.Sum``, ``A.Mean.Sum``, ``D.Mean.Sum``, 1-9
    -> ``sam9``) of the song's ``MoodsFoundStr`` words (``; ``-separated); a song with
    no word in the norms gets its quadrant's point (``label_point(Q, "russell")``).
    Norms file: option ``lexicon=PATH``, default ``DIR/../lexicon/Ratings_Warriner_et_al.csv``;
    ``lexicon=none`` uses the quadrant points for every song. Extras: ``song_ids``,
    ``artists``, ``titles``, ``pquad``, ``moods`` (words per song), ``n_moods_found``,
    ``n_fallback``.
``emotify:DIR``
    Emotify (Aljanaki, Wiering & Veltkamp 2016): ``DIR/data.csv`` with one row per
    listener and track: ``track id``, ``genre`` and a 0/1 column per GEMS emotion
    (``amazement``, ``solemnity``, ``tenderness``, ``nostalgia``, ``calmness``,
    ``power``, ``joyful_activation``, ``tension``, ``sadness``; other columns such as
    ``mood``, ``liked``, ``age`` are ignored). Track ids number the genres classical
    1-100, rock 101-200, electronic 201-300, pop 301-400; the clip of track ``t`` is
    ``DIR/emotifymusic/<genre>/<t - offset>.mp3`` (offsets 0, 100, 200, 300). Point:
    the mean of the GEMS labels' points weighted by the share of the track's
    listeners who chose each (:func:`~affect_features.space.distribution_point`,
    ``gems``; a track nobody labelled is at the origin); label: the most chosen
    emotion (ties: the first in GEMS order). Extras: ``track_ids``, ``genres``,
    ``n_listeners``, ``shares`` (n, 9), ``emotions``.
``artphoto:DIR``
    ArtPhoto (Machajdik & Hanbury 2010): images named ``<emotion>_<n>.<ext>`` (any
    depth below DIR) with the eight Mikels categories; point ``label_point(emotion,
    "mikels")``. Files whose prefix is no category are skipped (``extra["skipped"]``).
    ``content``/``sadness``-style variants are accepted (:data:`._photos._MIKELS_SYNONYMS`).
``abstract:DIR`` (or the CSV itself)
    Abstract paintings (Machajdik & Hanbury 2010): ``ABSTRACT_groundTruth.csv`` with
    per-painting vote counts per Mikels category. Parsing is liberal: delimiter ``,``,
    ``;`` or tab (whichever splits the first line most); cells may be quoted with
    ``'`` or ``"``; a header row is recognised by category names (``Amusement, Anger,
    Awe, Content(ment), Disgust, Excitement, Fear, Sad(ness)``, any case, any order;
    extra columns ignored), else the columns are taken as file name then the eight
    categories in that order. The file name may lack an extension; the image is found
    below the CSV's folder by name (or by stem, case-insensitively). Point:
    ``distribution_point(votes, "mikels")``; label: the most-voted category (ties: the
    first of the Mikels order). Rows with no votes or no image are skipped. Extras:
    ``votes`` (n, 8), ``emotions``.
``audioset:SEGMENTS_CSV``
    AudioSet segments (Gemmeke et al. 2017): lines ``YTID, start_seconds,
    end_seconds, "positive_labels"``, ``#`` lines are comments. Only segments with a
    music-mood label (``/t/dd00031`` .. ``/t/dd00037``: happy, funny, sad, tender,
    exciting, angry, scary music) are kept. The clip is a local file (an audio file
    or a video container, :data:`affect_features.media.AUDIO_EXTENSIONS` and
    ``VIDEO_EXTENSIONS``) in the CSV's folder or its ``clips/`` subfolder, named ``<YTID>``,
    ``<YTID>_<start>`` or ``<YTID>_<start>_<end>`` (start/end in seconds, any decimals,
    or integer milliseconds), optionally with AudioSet's ``Y`` prefix. Label: the
    mood (several: the first in the taxonomy order); point: the mean of the moods'
    points. Segments without a mood, without a clip, or whose clip was already used
    are skipped and counted (``skipped_no_mood``, ``skipped_no_clip``,
    ``skipped_duplicate``). Extras: ``ytids``, ``starts``, ``ends``, ``moods``.
``csv:FILE``
    A generic table with a ``path`` column (relative paths are relative to FILE's
    folder) and either ratings ``valence``, ``arousal`` and optionally ``dominance``
    (blank: unknown), whose scale (``sam9``, ``likert7``, ``unit``, ``nrc``, ``percent``, ``space``;
    :data:`~affect_features.space.SCALES`) must be declared by a ``scale`` column or
    the option ``scale=``; or a ``label`` column whose ``taxonomy`` (``mikels``,
    ``emotion6``, ``audioset_mood``, ``russell``, ``gems``) is declared the same way. With both,
    the ratings are the points and the labels are kept. The modality is the option or
    column ``modality``, else inferred from the file extensions
    (:func:`affect_features.media.media_kind`; a video container counts as audio).

Every loader skips listed media files that do not exist (``extra["missing"]``) and
fails if none is left. A file that is missing or malformed raises :class:`DatasetError`
(a :class:`~affect_features.errors.ParameterError`) with a one-line message naming it.

Modules: :mod:`._base` (:class:`Dataset`, :class:`DatasetError`, the bounded table
readers), :mod:`._photos` (Emotion6, GAPED, ArtPhoto, Abstract), :mod:`._music` (4Q and
the Warriner norms, Emotify, AudioSet), :mod:`._table` (``csv:FILE``), :mod:`._specs`
(:func:`parse_spec`, :func:`load_dataset`, the loaders' registry). Media files are
found and typed by :mod:`affect_features.media`; the feature cache used for training,
:func:`~affect_features.cache.cached_features`, is :mod:`affect_features.cache` (its
names are importable from here too).

References
----------
.. [1] Peng, K.-C., Chen, T., Sadovnik, A., & Gallagher, A. (2015). A mixed bag of
   emotions: Model, predict, and transfer emotion distributions. CVPR 2015.
.. [2] Panda, R., Malheiro, R., & Paiva, R. P. (2018). Novel audio features for music
   emotion recognition. IEEE Trans. Affective Computing, 11(4), 614-626.
.. [3] Warriner, A. B., Kuperman, V., & Brysbaert, M. (2013). Norms of valence, arousal,
   and dominance for 13,915 English lemmas. Behavior Research Methods, 45, 1191-1207.
.. [4] Machajdik, J., & Hanbury, A. (2010). Affective image classification using
   features inspired by psychology and art theory. ACM Multimedia 2010, 83-92.
.. [6] Dan-Glauser, E. S., & Scherer, K. R. (2011). The Geneva affective picture database
   (GAPED): a new 730-picture database focusing on valence and normative significance.
   Behavior Research Methods, 43(2), 468-477.
.. [5] Gemmeke, J. F. et al. (2017). Audio Set: An ontology and human-labeled dataset for
   audio events. ICASSP 2017.
.. [7] Aljanaki, A., Wiering, F., & Veltkamp, R. C. (2016). Studying emotion induced by
   music through a crowdsourcing game. Information Processing & Management, 52(1),
   115-128 (the Emotify set).
.. [8] Zentner, M., Grandjean, D., & Scherer, K. R. (2008). Emotions evoked by the sound
   of music: characterization, classification, and measurement. Emotion, 8(4), 494-521.
"""

from ..cache import FeatureTable, cached_features
from ._base import Dataset, DatasetError
from ._music import EMOTIFY_GENRES
from ._specs import KINDS, load_dataset, parse_spec

__all__ = [
    "Dataset",
    "DatasetError",
    "FeatureTable",
    "KINDS",
    "load_dataset",
    "parse_spec",
    "cached_features",
    "EMOTIFY_GENRES",
]
