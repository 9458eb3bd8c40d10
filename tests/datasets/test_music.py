"""The music sets: 4Q, Emotify, AudioSet (:mod:`affect_features.datasets._music`)."""

import collections
import os

import numpy as np
import pytest

from affect_features.datasets import DatasetError, load_dataset

from .helpers import HAPPY, SAD, SCARY, TENDERNESS, touch, write


# -------------------------------------------------------------------------- 4Q

FOURQ_META = ("Song,Artist,Title,Quadrant,PQuad,MoodsFoundStr,MoodsStrSplit,GenresStr\n"
              "S1,Ann,One,Q1,1,happy; lively,Happy; Lively,Pop\n"
              "S2,Bob,\"Two, with a comma\",Q3,0.75,gloomy; notaword,Gloomy,Blues\n"
              "S3,Cy,Three,Q4,0.5,,,Jazz\n")
WARRINER = (",Word,V.Mean.Sum,V.SD.Sum,V.Rat.Sum,A.Mean.Sum,A.SD.Sum,A.Rat.Sum,D.Mean.Sum\n"
            "1,happy,9,1,20,7,1,20,7\n"
            "2,lively,7,1,20,9,1,20,5\n"
            "3,gloomy,1,1,20,3,1,20,4\n")


def _fourq(tmp_path):
    root = tmp_path / "4q"
    write(root / "metadata.csv", FOURQ_META)
    for q, song in (("Q1", "S1"), ("Q3", "S2"), ("Q4", "S3")):
        touch(root / "audio" / q / f"{song}.mp3")
    write(tmp_path / "lexicon" / "Ratings_Warriner_et_al.csv", WARRINER)
    return root


def test_4q(tmp_path):
    root = _fourq(tmp_path)
    ds = load_dataset(f"4q:{root}")
    assert ds.modality == "audio" and ds.taxonomy == "russell"
    assert ds.labels == ["Q1", "Q3", "Q4"]
    assert ds.paths[1] == str(root / "audio" / "Q3" / "S2.mp3")
    # S1: mean of happy (9, 7, 7) and lively (7, 9, 5) = (8, 8, 6) on 1-9;
    # S2: gloomy only (the other word is not in the norms); S3: no word, Q4's point.
    np.testing.assert_allclose(ds.points, [[0.75, 0.75, 0.25], [-1.0, -0.5, -0.25],
                                           [0.5, -0.5, 0.0]], atol=1e-12)
    assert ds.extra["artists"] == ["Ann", "Bob", "Cy"]
    assert ds.extra["titles"][1] == "Two, with a comma"
    assert ds.extra["song_ids"] == ["S1", "S2", "S3"]
    assert ds.extra["n_moods_found"].tolist() == [2, 1, 0]
    assert ds.extra["n_fallback"] == 1
    np.testing.assert_allclose(ds.extra["pquad"], [1, 0.75, 0.5])
    # The subset keeps the per-item extras aligned.
    sub = ds.subset(np.array([False, True, True]))
    assert sub.extra["song_ids"] == ["S2", "S3"] and sub.labels == ["Q3", "Q4"]
    assert sub.extra["n_fallback"] == 1


def test_4q_lexicon_options(tmp_path):
    root = _fourq(tmp_path)
    other = write(tmp_path / "elsewhere" / "norms.csv",
                  WARRINER.replace("1,happy,9,1,20,7,1,20,7", "1,happy,1,1,20,1,1,20,1"))
    ds = load_dataset(f"4q:{root}", lexicon=other)
    np.testing.assert_allclose(ds.points[0], [-0.25, 0.0, -0.5], atol=1e-12)  # (4, 5, 3)
    ds = load_dataset(f"4q:{root}?lexicon=none")
    np.testing.assert_allclose(ds.points, [[0.5, 0.5, 0], [-0.5, -0.5, 0], [0.5, -0.5, 0]])
    os.remove(tmp_path / "lexicon" / "Ratings_Warriner_et_al.csv")
    with pytest.raises(DatasetError, match="Ratings_Warriner_et_al.csv: Warriner norms not"):
        load_dataset(f"4q:{root}")


def test_4q_bad_quadrant(tmp_path):
    root = _fourq(tmp_path)
    write(root / "metadata.csv", FOURQ_META.replace(",Q3,", ",Q7,"))
    with pytest.raises(DatasetError, match="line 3: Quadrant 'Q7'"):
        load_dataset(f"4q:{root}")


def test_real_4q(data_dir):
    ds = load_dataset(f"4q:{os.path.join(data_dir, '4q')}")
    assert len(ds) == 724 and not ds.extra["missing"]
    assert collections.Counter(ds.labels) == {"Q1": 191, "Q2": 180, "Q3": 166, "Q4": 187}
    from affect_features.space import quadrant
    # The tag norms mostly fall in the song's own quadrant.
    assert np.mean(quadrant(ds.points) == np.array(ds.labels)) > 0.8


# ---------------------------------------------------------------------- Emotify

EMOTIFY_HEADER = ("track id, genre, amazement, solemnity, tenderness, nostalgia, calmness, "
                  "power, joyful_activation, tension, sadness, mood, liked, disliked, age, "
                  "gender, mother tongue")


def _emotify(tmp_path, rows, files):
    """An Emotify folder: data.csv (one listener per row) and emotifymusic/<genre>/<n>.mp3."""
    lines = [EMOTIFY_HEADER] + [", ".join(str(c) for c in r) + ", 3, 1, 0, 25, 1, English"
                                for r in rows]
    (tmp_path / "data.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for f in files:
        touch(str(tmp_path / "emotifymusic" / f))
    return tmp_path


def test_emotify(tmp_path):
    from affect_features.space import label_point

    tension, sadness, calm = (label_point(e, "gems") for e in ("tension", "sadness",
                                                                 "calmness"))
    #            track genre        am so te no ca po jo te sa
    rows = [(150, "rock",        0, 0, 0, 0, 0, 0, 0, 1, 0),
            (150, "rock",        0, 0, 0, 0, 0, 0, 0, 1, 1),
            (150, "rock",        0, 0, 0, 0, 0, 0, 0, 1, 1),
            (3, "classical",     0, 0, 0, 0, 1, 0, 0, 0, 0),
            (3, "classical",     0, 0, 0, 0, 0, 0, 0, 0, 0),   # chose nothing
            (301, "pop",         1, 0, 0, 0, 0, 0, 1, 0, 0),
            (250, "electronic",  0, 0, 0, 0, 0, 1, 0, 0, 0)]   # its file is missing
    root = _emotify(tmp_path, rows, ["rock/50.mp3", "classical/3.mp3", "pop/1.mp3"])
    ds = load_dataset(f"emotify:{root}")
    assert ds.modality == "audio" and ds.taxonomy == "gems" and len(ds) == 3
    assert list(ds.extra["track_ids"]) == [3, 150, 301]                # sorted by id
    assert [os.path.relpath(p, root) for p in ds.paths] == [
        os.path.join("emotifymusic", "classical", "3.mp3"),
        os.path.join("emotifymusic", "rock", "50.mp3"),               # 150 - 100
        os.path.join("emotifymusic", "pop", "1.mp3")]                 # 301 - 300
    assert ds.extra["missing"] == (str(root / "emotifymusic" / "electronic" / "50.mp3"),)
    assert list(ds.extra["n_listeners"]) == [2, 3, 1]
    # rock 150: tension chosen by 3/3 listeners, sadness by 2/3 -> weights 1 and 2/3
    np.testing.assert_allclose(ds.extra["shares"][1, 7:], [1.0, 2 / 3])
    np.testing.assert_allclose(ds.points[1], (tension + 2 / 3 * sadness) / (5 / 3))
    # one listener of two chose calmness, the other nothing: the point is calmness's
    np.testing.assert_allclose(ds.points[0], calm)
    assert ds.labels == ["calmness", "tension", "amazement"]          # tie: GEMS order
    assert ds.extra["genres"] == ["classical", "rock", "pop"]


@pytest.mark.parametrize("row, match", [
    ((101, "classical", 0, 0, 0, 0, 0, 0, 0, 1, 0), "track id '101' is not in 1-100"),
    ((5, "jazz", 0, 0, 0, 0, 0, 0, 0, 1, 0), "genre 'jazz'"),
    ((5, "classical", 0, 0, 0, 0, 0, 0, 0, 2, 0), "emotion columns must be 0 or 1"),
    ((5, "classical", 0, 0, 0, 0, 0, 0, 0, "x", 0), "tension ' ?x' is not a number"),
])
def test_emotify_bad_rows_name_file_and_line(tmp_path, row, match):
    root = _emotify(tmp_path, [row], ["classical/5.mp3"])
    with pytest.raises(DatasetError, match=f"data.csv: line 2: {match}"):
        load_dataset(f"emotify:{root}")


def test_emotify_bad_header_and_no_folder(tmp_path):
    (tmp_path / "data.csv").write_text("track id, genre, amazement\n1, classical, 1\n",
                                       encoding="utf-8")
    with pytest.raises(DatasetError, match="no column solemnity"):
        load_dataset(f"emotify:{tmp_path}")
    with pytest.raises(DatasetError, match="emotify folder not found"):
        load_dataset(f"emotify:{tmp_path / 'nowhere'}")


# -------------------------------------------------------------------- AudioSet

def test_audioset(tmp_path):
    root = tmp_path / "as"
    csv_path = write(root / "segments.csv",
                     "# Segments csv created Sun Mar  5 10:54:31 2017\n"
                     "# YTID, start_seconds, end_seconds, positive_labels\n"
                     "ab_c-d12345, 30.000, 40.000, \"/m/04rlf,/t/dd00031\"\n"
                     "nomood00000, 0.000, 10.000, \"/m/04rlf\"\n"
                     "noclip00000, 10.000, 20.000, \"/t/dd00033\"\n"
                     "both0000000, 5.000, 15.000, \"/t/dd00033,/t/dd00034\"\n"
                     "scary000000, 15.000, 25.000, \"/t/dd00037\"\n"
                     "both0000000, 50.000, 60.000, \"/t/dd00033\"\n")
    touch(root / "clips" / "ab_c-d12345_30.000.wav")
    touch(root / "both0000000.mp3")
    touch(root / "Yscary000000_15000_25000.flac")
    touch(root / "nomood00000.wav")
    ds = load_dataset(f"audioset:{csv_path}")
    assert ds.modality == "audio" and ds.taxonomy == "audioset_mood"
    assert ds.extra["ytids"] == ["ab_c-d12345", "both0000000", "scary000000"]
    assert ds.labels == ["happy", "sad", "scary"]
    np.testing.assert_allclose(ds.points, [HAPPY, (SAD + TENDERNESS) / 2, SCARY],
                               atol=1e-12)
    assert ds.extra["moods"][1] == ["sad", "tender"]
    assert ds.extra["starts"].tolist() == [30.0, 5.0, 15.0]
    assert (ds.extra["skipped_no_mood"], ds.extra["skipped_no_clip"],
            ds.extra["skipped_duplicate"]) == (1, 1, 1)
    write(root / "broken.csv", "only, two\n")
    with pytest.raises(DatasetError, match="broken.csv: line 1"):
        load_dataset(f"audioset:{root / 'broken.csv'}")


def test_audioset_clips_may_be_video_containers(tmp_path):
    # AudioSet clips are cut from YouTube videos: .webm and .mp4 files are clips too;
    # other files, and files deeper than clips/, are not.
    root = tmp_path / "as"
    csv_path = write(root / "segments.csv",
                     "vid00000001, 0.000, 10.000, \"/t/dd00031\"\n"
                     "vid00000002, 0.000, 10.000, \"/t/dd00033\"\n"
                     "txt00000003, 0.000, 10.000, \"/t/dd00033\"\n"
                     "deep0000004, 0.000, 10.000, \"/t/dd00033\"\n")
    touch(root / "clips" / "vid00000001_0.webm")
    touch(root / "vid00000002.MP4")
    touch(root / "txt00000003.txt")
    touch(root / "clips" / "deeper" / "deep0000004.wav")
    ds = load_dataset(f"audioset:{csv_path}")
    assert [os.path.basename(p) for p in ds.paths] == ["vid00000001_0.webm",
                                                       "vid00000002.MP4"]
    assert ds.modality == "audio" and ds.extra["skipped_no_clip"] == 2
