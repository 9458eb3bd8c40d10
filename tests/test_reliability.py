"""Reliability: hostile inputs, interrupts, unwritable outputs and the per-file time limit.

Every hostile input is generated here, in temporary folders (nothing is downloaded and
no media is stored in the repository). Each one goes through the public API
(``extract_image_features`` / ``extract_audio_features``) and, as a folder, through the
``affect`` command in a subprocess. The contract checked for every input:

- either valid output: finite values, as many as the schema has names;
- or a clear error: an :class:`~affect_features.errors.AffectError` whose message is one
  line and names the file (the CLI prints ``affect: error: <path>: <reason>`` on stderr,
  never a traceback, exits 1 and still writes the rows of the good files);
- never a hang (the batch engine's per-file time limit, ``AFFECT_FILE_TIMEOUT``) and
  never memory growing with the declared size of the input (decompression bombs, three
  hours of audio).

The interrupt tests send SIGINT and SIGTERM to a running extraction and check that the
output holds only complete rows and that a re-run completes it; the output tests check
that an unwritable output or a full disk is a one-line error (exit 2) that leaves an
existing output intact.
"""

from __future__ import annotations

import io
import json
import os
import resource
import signal
import struct
import subprocess
import sys
import textwrap
import threading
import time
import zlib
from dataclasses import dataclass
from functools import partial
from typing import Callable

import numpy as np
import pytest
from PIL import Image

from affect_features.audio import audio_feature_names, extract_audio_features
from affect_features.batch import (DEFAULT_TIMEOUT, Failure, FileTimeout, default_timeout,
                                   map_files, time_limit)
from affect_features.errors import AffectError, ParameterError
from affect_features.image import extract_image_features, image_feature_names
from affect_features.output import read_table

N_IMAGE = len(image_feature_names())
#: Bound on any one subprocess of these tests: a hang fails the test instead of the suite.
PROC_TIMEOUT = 120
#: Per-file time limit given to the CLI runs (the batch engine's, via the environment).
FILE_TIMEOUT = "30"


def _env(**extra) -> dict:
    env = dict(os.environ)
    env["AFFECT_FILE_TIMEOUT"] = FILE_TIMEOUT
    env.update(extra)
    return env


def _affect(args, *, cwd=None, preexec_fn=None, env=None):
    """Run ``python -m affect_features.cli ARGS`` (bytes stderr is decoded leniently)."""
    proc = subprocess.run([sys.executable, "-m", "affect_features.cli", *map(str, args)],
                          capture_output=True, timeout=PROC_TIMEOUT, cwd=cwd,
                          preexec_fn=preexec_fn, env=env or _env())
    return (proc.returncode, proc.stdout.decode("utf-8", "replace"),
            proc.stderr.decode("utf-8", "replace"))


# =====================================================================================
# Hostile corpus: generators
# =====================================================================================

def _photo(h: int = 48, w: int = 64, seed: int = 0) -> np.ndarray:
    """A small structured RGB uint8 image (gradients, a block and noise)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    img = np.stack([255 * x / max(w - 1, 1), 255 * y / max(h - 1, 1),
                    127 + 100 * np.sin(x / 5.0 + y / 7.0)], axis=-1)
    img[h // 4: h // 2, w // 4: w // 2] = [200, 40, 30]
    img += rng.normal(0, 8, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def _encode(arr_or_im, fmt: str, **kw) -> bytes:
    im = arr_or_im if isinstance(arr_or_im, Image.Image) else Image.fromarray(arr_or_im)
    buf = io.BytesIO()
    im.save(buf, format=fmt, **kw)
    return buf.getvalue()


def _png_chunk(tag: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + tag + data
            + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))


def _png_raw(width: int, height: int, bit_depth: int, colour_type: int,
             rows: bytes | None, *, n_rows_given: int | None = None) -> bytes:
    """A PNG from raw scanlines (filter byte 0 prepended by the caller's rows)."""
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr)
            + _png_chunk(b"IDAT", zlib.compress(rows or b"", 9))
            + _png_chunk(b"IEND", b""))


def _rgb16_png(h: int = 16, w: int = 20) -> bytes:
    """16-bit RGB PNG (which Pillow cannot write): left half 0xFFFF red, right black."""
    px = np.zeros((h, w, 3), dtype=">u2")
    px[:, : w // 2, 0] = 0xFFFF
    rows = b"".join(b"\x00" + px[i].tobytes() for i in range(h))
    return _png_raw(w, h, 16, 2, rows)


def _png_bomb() -> bytes:
    """A 100,000 x 100,000 grey PNG header (10 gigapixels) in a file of a few hundred
    bytes: only ten rows of data follow."""
    rows = (b"\x00" + b"\x00" * 100_000) * 10
    return _png_raw(100_000, 100_000, 8, 0, rows)


def _jpeg_bomb() -> bytes:
    """A small JPEG whose frame header (SOF0) claims 65,500 x 65,500 pixels."""
    data = bytearray(_encode(_photo(16, 16), "JPEG", quality=80))
    i = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, i + 5, 65_500, 65_500)  # height, width
    return bytes(data)


def _cmyk_jpeg() -> bytes:
    rgb = np.zeros((32, 32, 3), np.uint8)
    rgb[...] = [255, 0, 0]
    return _encode(Image.fromarray(rgb).convert("CMYK"), "JPEG", quality=95)


def _animated_gif() -> bytes:
    frames = [Image.fromarray(np.full((20, 24, 3), c, np.uint8))
              for c in ([255, 0, 0], [0, 255, 0], [0, 0, 255])]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:],
                   duration=50, loop=0)
    return buf.getvalue()


EXIF_ROTATED_SHAPE = (30, 60)  # stored height, width; displayed as 60 x 30


def _exif_rotated_jpeg() -> bytes:
    im = Image.fromarray(_photo(*EXIF_ROTATED_SHAPE, seed=3))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 degrees clockwise to display
    return _encode(im, "JPEG", quality=95, exif=exif.tobytes())


def _float_tiff_nan() -> bytes:
    a = np.linspace(0, 1, 24 * 20, dtype=np.float32).reshape(20, 24)
    a[0, 0], a[1, 1], a[2, 2] = np.nan, np.inf, -np.inf
    return _encode(Image.fromarray(a, mode="F"), "TIFF")


def _multipage_tiff() -> bytes:
    pages = [Image.fromarray(_photo(20, 20, s)) for s in range(3)]
    buf = io.BytesIO()
    pages[0].save(buf, format="TIFF", save_all=True, append_images=pages[1:])
    return buf.getvalue()


def _wav_bytes(y, sr: int, subtype: str = "PCM_16") -> bytes:
    """WAV bytes of `y` ((n,) or (n, channels)) via soundfile."""
    import soundfile as sf
    buf = io.BytesIO()
    sf.write(buf, np.asarray(y), sr, format="WAV", subtype=subtype)
    return buf.getvalue()


def _tone(seconds: float, sr: int = 22050, f: float = 440.0, amp: float = 0.5):
    t = np.arange(int(round(seconds * sr))) / sr
    return (amp * np.sin(2 * np.pi * f * t)).astype(np.float32)


def _wav_header(n_data_bytes: int, sr: int, channels: int, bits: int = 16) -> bytes:
    """The 44-byte header of a PCM WAV declaring `n_data_bytes` of samples."""
    block = channels * bits // 8
    return (b"RIFF" + struct.pack("<I", 36 + n_data_bytes) + b"WAVE"
            + b"fmt " + struct.pack("<IHHIIHH", 16, 1, channels, sr, sr * block, block, bits)
            + b"data" + struct.pack("<I", n_data_bytes))


THREE_HOURS = 3 * 3600.0


def _write_sparse_silence(path, seconds: float, sr: int = 44100, channels: int = 2) -> None:
    """A WAV declaring `seconds` of silence, written as a sparse file: the data are a
    hole (zeros on reading) that costs no disk space."""
    n = int(seconds * sr) * channels * 2
    with open(path, "wb") as fh:
        fh.write(_wav_header(n, sr, channels))
        fh.truncate(44 + n)


def _mp3_bytes(y, sr: int = 22050) -> bytes:
    """MP3 (libmp3lame through PyAV's bundled FFmpeg) of a mono float signal."""
    import av
    buf = io.BytesIO()
    with av.open(buf, mode="w", format="mp3") as out:
        stream = out.add_stream("libmp3lame", rate=sr)
        stream.layout = "mono"
        frame_len = 1152
        for i in range(0, len(y), frame_len):
            chunk = np.asarray(y[i:i + frame_len], dtype=np.float32)[None, :]
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="mono")
            frame.sample_rate = sr
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buf.getvalue()


TEXT = b"These are notes about a holiday, not a photograph.\n" * 20
HTML = (b"<!DOCTYPE html><html><head><title>404 Not Found</title></head>"
        b"<body><h1>Not Found</h1></body></html>\n")


@dataclass(frozen=True)
class Case:
    """One hostile input: a file `name` (str or bytes), made by `make(path)`.

    `expect` is ``"ok"`` (finite features), ``"error"`` (a clear error naming the file)
    or ``"either"`` (both are sound, e.g. a cut MP3 that still decodes to a shorter
    clip). `reason` is a piece of the expected error message, if it is fixed.
    """

    id: str
    name: str | bytes
    make: Callable
    expect: str
    reason: str = ""
    unreadable: bool = False  # made unreadable: left out where permissions are not
                              # enforced (root, CAP_DAC_OVERRIDE), as os.access tells
    cli: bool = True       # in the folder run through the CLI (else in a sibling one)


def _write(data: bytes):
    def make(path):
        with open(path, "wb") as fh:
            fh.write(data)
    return make


def _write_lazy(fn, *args, **kw):
    def make(path):
        with open(path, "wb") as fh:
            fh.write(fn(*args, **kw))
    return make


def _save(arr_or_im, fmt, **kw):
    return _write_lazy(lambda: _encode(arr_or_im() if callable(arr_or_im) else arr_or_im,
                                       fmt, **kw))


def _truncated(fn, keep: float):
    def make(path):
        data = fn()
        with open(path, "wb") as fh:
            fh.write(data[: int(len(data) * keep)])
    return make


def _symlink(target):
    def make(path):
        os.symlink(target(path) if callable(target) else target, path)
    return make


def _fifo(path):
    os.mkfifo(path)


def _unreadable(data: bytes):
    def make(path):
        _write(data)(path)
        os.chmod(path, 0)
    return make


def _mkdir(path):
    os.mkdir(path)


LONG_STEM = "x" * 251  # + ".jpg" / ".wav": 255 bytes, the longest name Linux allows
NON_UTF8 = b"caf\xe9_\xff"  # Latin-1 e-acute and a byte that is never UTF-8


def _rgba():
    a = np.zeros((24, 32, 4), np.uint8)
    a[..., :3] = _photo(24, 32)
    a[..., 3] = np.linspace(0, 255, 32, dtype=np.uint8)[None, :]
    return a


def _palette_transparent():
    im = Image.fromarray(_photo(24, 32)).convert("P", palette=Image.Palette.ADAPTIVE,
                                                 colors=16)
    im.info["transparency"] = 0
    return im


def _bilevel():
    return Image.fromarray(np.indices((24, 32)).sum(0) % 2 == 0)


def _grey16():
    return Image.fromarray(np.full((16, 20), 0x8000, np.uint16))


IMAGE_CASES = [
    Case("good_jpeg", "good.jpg", _save(_photo, "JPEG", quality=90), "ok"),
    Case("good_png", "good.png", _save(_photo, "PNG"), "ok"),
    Case("jpeg_named_png", "really_a_jpeg.png", _save(_photo, "JPEG"), "ok"),
    Case("truncated_jpeg", "truncated.jpg",
         _truncated(lambda: _encode(_photo(64, 80), "JPEG", quality=95), 0.5), "error",
         "truncated"),
    Case("truncated_png", "truncated.png",
         _truncated(lambda: _encode(_photo(64, 80), "PNG"), 0.5), "error"),
    Case("zero_length", "zero.jpg", _write(b""), "error", "empty file"),
    Case("signature_only_png", "signature.png", _write(b"\x89PNG\r\n\x1a\n"), "error"),
    Case("mp3_named_jpg", "song.jpg", _write_lazy(lambda: _mp3_bytes(_tone(0.5))),
         "error", "not a recognised image format"),
    Case("wav_named_jpg", "sound.jpg", _write_lazy(lambda: _wav_bytes(_tone(0.5), 22050)),
         "error", "not a recognised image format"),
    Case("text_as_jpg", "notes.jpg", _write(TEXT), "error", "not a recognised image format"),
    Case("html_as_jpg", "page.jpg", _write(HTML), "error", "not a recognised image format"),
    Case("png_alpha", "alpha.png", _save(_rgba, "PNG"), "ok"),
    Case("palette_transparent", "palette.png", _save(_palette_transparent, "PNG"), "ok"),
    Case("grey16_png", "grey16.png", _save(_grey16, "PNG"), "ok"),
    Case("rgb16_png", "rgb16.png", _write_lazy(_rgb16_png), "ok"),
    Case("one_bit_png", "bilevel.png", _save(_bilevel, "PNG"), "ok"),
    Case("cmyk_jpeg", "cmyk.jpg", _write_lazy(_cmyk_jpeg), "ok"),
    Case("grey_jpeg", "grey.jpg", _save(lambda: _photo()[..., 0], "JPEG"), "ok"),
    Case("one_pixel", "pixel.png", _save(lambda: _photo(1, 1), "PNG"), "ok"),
    Case("wide_100000x1", "wide.png", _save(lambda: _photo(1, 100_000), "PNG"), "ok"),
    Case("tall_1x100000", "tall.png", _save(lambda: _photo(100_000, 1), "PNG"), "ok"),
    Case("flat_grey", "flat.png", _save(lambda: np.full((40, 40, 3), 128, np.uint8), "PNG"),
         "ok"),
    Case("png_bomb", "bomb.png", _write_lazy(_png_bomb), "error", "decompression bomb"),
    Case("jpeg_bomb", "bomb.jpg", _write_lazy(_jpeg_bomb), "error", "decompression bomb"),
    Case("animated_gif", "animated.gif", _write_lazy(_animated_gif), "ok"),
    Case("exif_rotated", "rotated.jpg", _write_lazy(_exif_rotated_jpeg), "ok"),
    Case("float_tiff_nan_inf", "float.tif", _write_lazy(_float_tiff_nan), "ok"),
    Case("multipage_tiff", "pages.tif", _write_lazy(_multipage_tiff), "ok"),
    Case("non_utf8_name", NON_UTF8 + b".png", _save(_photo, "PNG"), "ok"),
    Case("non_utf8_name_broken", NON_UTF8 + b"_broken.jpg", _write(TEXT), "error",
         "not a recognised image format"),
    Case("name_255_bytes", LONG_STEM + ".jpg", _save(_photo, "JPEG"), "ok"),
    Case("newline_in_name", "new\nline.png", _save(_photo, "PNG"), "ok"),
    Case("newline_in_name_broken", "broken\nname.jpg", _write(HTML), "error",
         "not a recognised image format"),
    Case("csv_special_characters_in_name", 'comma, "quote"; semi.png', _save(_photo, "PNG"),
         "ok"),
    Case("symlink_to_itself", "loop.jpg", _symlink(lambda p: os.path.basename(p)), "error",
         "symbolic links"),
    Case("dangling_symlink", "dangling.jpg", _symlink("/nonexistent/affect/photo.jpg"),
         "error", "no such file"),
    Case("fifo", "pipe.jpg", _fifo, "error", "empty file"),
    Case("dev_zero", "zeros.jpg", _symlink("/dev/zero"), "error", "empty file"),
    Case("directory_named_jpg", "folder.jpg", _mkdir, "error", "is a directory",
         cli=False),  # a folder is expanded, not read, by the CLI
    Case("unreadable", "secret.jpg", _unreadable(b"\xff\xd8\xff" + b"\0" * 100), "error",
         "permission denied", unreadable=True),
]


def _audio_cases():
    sr = 22050
    t1 = _tone(1.0, sr)
    stereo = np.stack([t1, _tone(1.0, sr, f=660.0)], axis=1)
    nan_inf = _tone(1.0, sr)
    nan_inf[100:200], nan_inf[300:310], nan_inf[500] = np.nan, np.inf, -np.inf
    return [
        Case("good_wav", "good.wav", _write_lazy(_wav_bytes, t1, sr), "ok"),
        Case("good_mp3", "good.mp3", _write_lazy(lambda: _mp3_bytes(_tone(2.0))), "ok"),
        Case("stereo", "stereo.wav", _write_lazy(_wav_bytes, stereo, sr), "ok"),
        Case("eight_channels", "ch8.wav",
             _write_lazy(lambda: _wav_bytes(np.stack([_tone(1.0, sr, 110.0 * (k + 1))
                                                      for k in range(8)], axis=1), sr)), "ok"),
        Case("sr_8k", "sr8k.wav", _write_lazy(lambda: _wav_bytes(_tone(1.0, 8000), 8000)),
             "ok"),
        Case("sr_192k", "sr192k.wav",
             _write_lazy(lambda: _wav_bytes(_tone(1.0, 192000), 192000)), "ok"),
        Case("silence_50ms", "silence50ms.wav",
             _write_lazy(lambda: _wav_bytes(np.zeros(int(0.05 * sr)), sr)), "ok"),
        Case("silence_3h_sparse", "silence3h.wav",
             partial(_write_sparse_silence, seconds=THREE_HOURS), "ok"),
        Case("one_sample", "one.wav", _write_lazy(lambda: _wav_bytes(np.array([0.3]), sr)),
             "ok"),
        Case("dc_offset", "dc.wav", _write_lazy(lambda: _wav_bytes(0.5 + 0.1 * t1, sr)), "ok"),
        Case("clipping", "clipped.wav",
             _write_lazy(lambda: _wav_bytes(np.clip(4.0 * t1, -1.0, 1.0), sr)), "ok"),
        Case("float_wav_beyond_full_scale", "loud.wav",
             _write_lazy(lambda: _wav_bytes(8.0 * t1, sr, "FLOAT")), "ok"),
        Case("float_wav_nan_inf", "naninf.wav", _write_lazy(_wav_bytes, nan_inf, sr, "FLOAT"),
             "ok"),
        # finite but absurd: once overflowed float32 power spectra (numpy warnings on
        # stderr, most descriptors silently 0); now bounded by audio.decode.MAX_SAMPLE
        Case("float_wav_huge_values", "huge.wav",
             _write_lazy(lambda: _wav_bytes(np.sign(t1) * 1e30, sr, "FLOAT")), "ok"),
        Case("unsigned_8bit", "u8.wav", _write_lazy(_wav_bytes, t1, sr, "PCM_U8"), "ok"),
        Case("pcm_24bit", "s24.wav", _write_lazy(_wav_bytes, t1, sr, "PCM_24"), "ok"),
        Case("flac", "good.flac", _write_lazy(lambda: _flac_bytes(t1, sr)), "ok"),
        Case("header_only_wav", "header.wav", _write(_wav_header(0, sr, 1)), "error"),
        Case("truncated_wav", "truncated.wav",
             _truncated(lambda: _wav_bytes(_tone(10.0, sr), sr), 0.2), "error", "truncated"),
        Case("truncated_mp3", "truncated.mp3",
             _truncated(lambda: _mp3_bytes(_tone(4.0)), 0.4), "either"),
        Case("zero_length", "zero.mp3", _write(b""), "error", "empty file"),
        Case("png_named_mp3", "picture.mp3", _save(_photo, "PNG"), "error"),
        Case("jpeg_named_wav", "picture.wav", _save(_photo, "JPEG"), "error"),
        Case("text_as_mp3", "notes.mp3", _write(TEXT), "error"),
        Case("html_as_mp3", "page.mp3", _write(HTML), "error"),
        Case("non_utf8_name", NON_UTF8 + b".wav", _write_lazy(_wav_bytes, t1, sr), "ok"),
        Case("non_utf8_name_broken", NON_UTF8 + b"_broken.wav", _write(TEXT), "error"),
        Case("name_255_bytes", LONG_STEM + ".wav", _write_lazy(_wav_bytes, t1, sr), "ok"),
        Case("newline_in_name_broken", "broken\nname.mp3", _write(HTML), "error"),
        Case("symlink_to_itself", "loop.wav", _symlink(lambda p: os.path.basename(p)),
             "error", "symbolic links"),
        Case("fifo", "pipe.wav", _fifo, "error", "empty file"),
        Case("dev_zero", "zeros.wav", _symlink("/dev/zero"), "error", "empty file"),
        Case("unreadable", "secret.wav", _unreadable(_wav_bytes(t1, sr)), "error",
             "permission denied", unreadable=True),
    ]


def _flac_bytes(y, sr):
    import soundfile as sf
    buf = io.BytesIO()
    sf.write(buf, y, sr, format="FLAC")
    return buf.getvalue()


AUDIO_CASES = _audio_cases()


def _build(folder, cases) -> dict:
    """Make every case in `folder` (those not for the CLI run in ``folder + "_api"``);
    returns id -> str path (fs-decoded for bytes names). Cases the file system or the
    user cannot make are left out."""
    made = {}
    for case in cases:
        where = folder if case.cli else folder + "_api"
        os.makedirs(where, exist_ok=True)
        if isinstance(case.name, bytes):
            path = os.path.join(os.fsencode(where), case.name)
        else:
            path = os.path.join(where, case.name)
        try:
            case.make(path)
        except (OSError, UnicodeError):  # e.g. a file system refusing non-UTF-8 names
            continue
        if case.unreadable and os.access(path, os.R_OK):
            os.remove(path)  # this user reads any file: nothing to test
            continue
        made[case.id] = os.fsdecode(path)
    return made


@pytest.fixture(scope="module")
def image_corpus(tmp_path_factory):
    return _build(str(tmp_path_factory.mktemp("hostile") / "images"), IMAGE_CASES)


@pytest.fixture(scope="module")
def audio_corpus(tmp_path_factory):
    return _build(str(tmp_path_factory.mktemp("hostile") / "audio"), AUDIO_CASES)


def _params(cases):
    return [pytest.param(c, id=c.id) for c in cases]


def _check_error(exc: BaseException, path: str, case: Case) -> None:
    msg = str(exc)
    assert isinstance(exc, AffectError), f"{type(exc).__name__}: {msg}"
    assert os.path.basename(path) in msg, msg
    assert "\n" not in msg.replace(path, "") and "Traceback" not in msg
    if case.reason:
        assert case.reason in msg.lower(), msg


def test_corpus_is_large_enough(image_corpus, audio_corpus):
    assert len(image_corpus) + len(audio_corpus) >= 30
    assert len(IMAGE_CASES) + len(AUDIO_CASES) >= 60


# =====================================================================================
# Public API, one input at a time
# =====================================================================================

@pytest.mark.parametrize("case", _params(IMAGE_CASES))
def test_image_api_on_hostile_input(case, image_corpus):
    if case.id not in image_corpus:
        pytest.skip("cannot make this input here (file system or permissions)")
    path = image_corpus[case.id]
    t0 = time.perf_counter()
    try:
        f = extract_image_features(path)
    except Exception as exc:  # noqa: BLE001 - the type is what is checked
        assert case.expect in ("error", "either"), f"{case.id}: {exc!r}"
        _check_error(exc, path, case)
    else:
        assert case.expect in ("ok", "either"), f"{case.id}: decoded, expected an error"
        assert len(f) == N_IMAGE and f.vector.shape == (N_IMAGE,)
        assert np.all(np.isfinite(f.vector))
    assert time.perf_counter() - t0 < 20  # bombs are refused from the header


def test_image_api_accepts_bytes_paths(image_corpus):
    path = image_corpus.get("non_utf8_name")
    if path is None:
        pytest.skip("the file system refused a non-UTF-8 name")
    a = extract_image_features(os.fsencode(path)).vector
    b = extract_image_features(path).vector
    np.testing.assert_array_equal(a, b)


def test_exif_rotation_is_applied(image_corpus):
    from affect_features.image.decode import load_image

    path = image_corpus["exif_rotated"]
    with Image.open(path) as im:
        stored = np.asarray(im.convert("RGB"))
    assert stored.shape[:2] == EXIF_ROTATED_SHAPE
    shown = load_image(path)
    np.testing.assert_array_equal(shown, np.rot90(stored, k=-1))  # 90 degrees clockwise
    np.testing.assert_array_equal(extract_image_features(path).vector,
                                  extract_image_features(np.rot90(stored, k=-1)).vector)


def test_special_formats_decode_to_the_right_colours(image_corpus):
    from affect_features.image.decode import load_image

    cmyk = load_image(image_corpus["cmyk_jpeg"]).astype(int)
    assert np.all(np.abs(cmyk - [255, 0, 0]).max(axis=2) < 40)        # still red
    rgb16 = load_image(image_corpus["rgb16_png"])
    assert np.all(rgb16[:, :10] == [255, 0, 0]) and np.all(rgb16[:, 10:] == 0)
    grey16 = load_image(image_corpus["grey16_png"])
    assert np.all(grey16 == 128)                                        # 0x8000 / 0xFFFF
    gif = load_image(image_corpus["animated_gif"])
    assert np.all(gif == [255, 0, 0])                                   # the first frame
    alpha = load_image(image_corpus["png_alpha"])
    assert np.all(alpha[:, 0] == 255)                                   # transparent: white
    bits = load_image(image_corpus["one_bit_png"])
    assert set(np.unique(bits)) == {0, 255}
    flt = load_image(image_corpus["float_tiff_nan_inf"])[..., 0]
    # a 0..1 ramp: NaN and -inf pixels black, +inf white, the rest as they were
    assert flt[0, 0] == 0 and flt[1, 1] == 255 and flt[2, 2] == 0
    assert flt[-1, -1] == 255 and flt[10, 12] == round(255 * (10 * 24 + 12) / 479)


@pytest.mark.parametrize("case", _params(AUDIO_CASES))
def test_audio_api_on_hostile_input(case, audio_corpus):
    if case.id not in audio_corpus:
        pytest.skip("cannot make this input here (file system or permissions)")
    path = audio_corpus[case.id]
    n = len(audio_feature_names())
    t0 = time.perf_counter()
    try:
        f = extract_audio_features(path)
    except Exception as exc:  # noqa: BLE001
        assert case.expect in ("error", "either"), f"{case.id}: {exc!r}"
        _check_error(exc, path, case)
    else:
        assert case.expect in ("ok", "either"), f"{case.id}: decoded, expected an error"
        assert len(f) == n and f.vector.shape == (n,)
        assert np.all(np.isfinite(f.vector))
    assert time.perf_counter() - t0 < 20


@pytest.mark.parametrize("y, sr, expect", [
    pytest.param(np.array([0.1, np.nan, 0.2] * 1000, np.float32), 22050, "error", id="nan"),
    pytest.param(np.array([0.1, np.inf, -np.inf] * 1000), 22050, "error", id="inf"),
    pytest.param(np.stack([_tone(0.5, 22050, 110.0 * (k + 1)) for k in range(8)]), 22050,
                 "ok", id="eight_channels"),
    pytest.param(_tone(0.5, 8000), 8000, "ok", id="sr_8k"),
    pytest.param(_tone(0.5, 192000), 192000, "ok", id="sr_192k"),
    pytest.param(np.zeros(int(0.05 * 22050), np.float32), 22050, "ok", id="silence_50ms"),
    pytest.param(np.full(22050, 0.7, np.float32), 22050, "ok", id="pure_dc"),
    pytest.param(np.sign(_tone(0.5)), 22050, "ok", id="full_scale_square"),
    pytest.param((_tone(0.5) * 32767).astype(np.int16), 22050, "ok", id="int16"),
    pytest.param(np.array([0.5], np.float32), 22050, "ok", id="one_sample"),
    pytest.param(np.full(22050, 1e30, np.float32) * np.sign(_tone(1.0)), 22050, "ok",
                 id="huge_but_finite"),
    pytest.param(np.zeros((4, 2), np.float32), 22050, "error",
                 id="more_channels_than_samples"),
    pytest.param(np.zeros(0, np.float32), 22050, "error", id="empty"),
    pytest.param(np.zeros((2, 3, 100), np.float32), 22050, "error", id="three_dims"),
    pytest.param(_tone(0.5), 0, "error", id="zero_rate"),
    pytest.param(_tone(0.5), float("nan"), "error", id="nan_rate"),
])
def test_audio_api_on_hostile_arrays(y, sr, expect):
    n = len(audio_feature_names())
    if expect == "error":
        with pytest.raises(ParameterError) as info:
            extract_audio_features(y, sr=sr)
        assert "\n" not in str(info.value)
    else:
        with np.errstate(all="ignore"):
            f = extract_audio_features(y, sr=sr)
        assert len(f) == n and np.all(np.isfinite(f.vector))


@pytest.mark.parametrize("arr, ok", [
    pytest.param(np.full((8, 8, 3), np.nan), False, id="nan"),
    pytest.param(np.full((8, 8), np.inf), False, id="inf"),
    pytest.param(np.zeros((0, 5, 3)), False, id="no_rows"),
    pytest.param(np.zeros((5, 5, 2)), False, id="two_channels"),
    pytest.param(np.zeros((2, 2, 2, 3)), False, id="four_dims"),
    pytest.param(np.array(["a", "b"]), False, id="strings"),
    pytest.param(np.zeros((5, 5, 3), complex), False, id="complex"),
    pytest.param(np.full((6, 6, 3), 7.5), True, id="float_beyond_one"),
    pytest.param(np.full((6, 6, 3), -3.0), True, id="float_negative"),
    pytest.param(np.full((6, 6), True), True, id="bool"),
    pytest.param(np.full((6, 6, 4), 40000, np.uint16), True, id="uint16_rgba"),
    pytest.param(np.full((6, 6, 1), -5, np.int32), True, id="int32_single_channel"),
])
def test_image_api_on_hostile_arrays(arr, ok):
    if ok:
        f = extract_image_features(arr)
        assert len(f) == N_IMAGE and np.all(np.isfinite(f.vector))
    else:
        with pytest.raises(ParameterError) as info:
            extract_image_features(arr)
        assert "\n" not in str(info.value)


# =====================================================================================
# Bounded time and memory
# =====================================================================================

_MEASURE = textwrap.dedent("""
    import resource, sys, time
    t0 = time.perf_counter()
    from affect_features.{module} import {func}
    for path in sys.argv[1:]:
        try:
            v = {func}(path).vector
            print("ok" if (v == v).all() else "nan")
        except Exception as exc:
            print(" ".join((type(exc).__name__ + ": " + str(exc)).split()))
    print(time.perf_counter() - t0)
    try:  # the peak of this process image (ru_maxrss would include the forking parent's)
        with open("/proc/self/status") as fh:
            hwm = [l for l in fh if l.startswith("VmHWM:")][0].split()[1]
    except (OSError, IndexError):
        hwm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(int(hwm) * 1024)
""")


def _measure(module: str, func: str, *paths: str):
    """Results, seconds and peak resident memory (bytes) of extractions in a fresh
    process (so that the peak is these files', not the test session's)."""
    proc = subprocess.run([sys.executable, "-c", _MEASURE.format(module=module, func=func),
                           *paths], capture_output=True, text=True, timeout=PROC_TIMEOUT,
                          env=_env())
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    return lines[-2 - len(paths):-2], float(lines[-2]), int(lines[-1])


def test_three_hours_of_silence_cost_one_window(audio_corpus):
    """A WAV declaring 3 h (1.9 GB of samples, a sparse file on disk) is analysed on its
    bounded default window: time and memory are those of 30 s, not of 3 h."""
    path = audio_corpus["silence_3h_sparse"]
    assert os.path.getsize(path) > 1.9e9
    assert os.stat(path).st_blocks * 512 < 10e6  # the test costs no disk
    results, seconds, rss = _measure("audio", "extract_audio_features", path)
    assert results == ["ok"]
    assert seconds < 30
    # 3 h decoded would be 950 MB even as mono float32 at 22,050 Hz (1.9 GB as read)
    assert rss < 600e6, f"peak memory {rss / 1e6:.0f} MB"


def test_image_memory_is_bounded_by_pixels_not_declared_size(image_corpus, tmp_path):
    """Bombs (10 gigapixels declared in 300 bytes; 4 gigapixels in a JPEG header) are
    refused from their headers, at no cost; a legal 30-megapixel 16-bit grey scan (a
    70-kB file) costs about its decoded size (it used to cost 25 bytes per pixel, 750 MB,
    through float64 and float32 copies)."""
    scan = tmp_path / "scan16.png"
    w, h = 6000, 5000
    scan.write_bytes(_png_raw(w, h, 16, 0, (b"\x00" + b"\x12\x34" * w) * h))
    results, seconds, rss = _measure("image", "extract_image_features",
                                     image_corpus["png_bomb"], image_corpus["jpeg_bomb"],
                                     str(scan))
    assert "decompression bomb" in results[0] and "decompression bomb" in results[1]
    assert results[2] == "ok"
    assert rss < 550e6, f"peak memory {rss / 1e6:.0f} MB"


# =====================================================================================
# The CLI on whole folders of hostile files
# =====================================================================================

def _error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("affect: error: ")]


def _shown(path: str) -> str:
    """A path as a one-line message shows it: characters that are not printable (a
    newline, the surrogates standing for non-UTF-8 bytes) as Python escapes."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in path)


def _check_cli_batch(folder: str, corpus: dict, cases, command: str, n_names: int,
                     tmp_path, *, jobs: int):
    by_id = {c.id: c for c in cases}
    in_folder = {cid: p for cid, p in corpus.items()
                 if by_id[cid].cli and os.path.dirname(p) == folder}
    out = tmp_path / "features.csv"
    args = [command, folder, "-o", out, "--jobs", jobs, "--no-progress"]
    code, stdout, stderr = _affect(args)
    assert "Traceback" not in stderr, stderr
    # nothing but the command's own one-line messages (no warnings, no progress bar)
    assert all(l.startswith("affect: ") for l in stderr.splitlines() if l.strip()), stderr
    assert code == 1, stderr
    names, paths, X = read_table(str(out))
    assert len(names) == n_names and X.shape == (len(paths), n_names)
    assert np.all(np.isfinite(X))
    assert len(paths) == len(set(paths))
    errors = _error_lines(stderr)
    failed = [cid for cid, p in in_folder.items()
              if any(line.startswith(f"affect: error: {_shown(p)}: ") for line in errors)]
    written = {cid for cid, p in in_folder.items() if p in set(paths)}
    for cid, path in in_folder.items():
        expect = by_id[cid].expect
        if expect == "ok":
            assert cid in written, f"{cid} not written; stderr:\n{stderr}"
        elif expect == "error":
            assert cid in failed, f"{cid} not reported; stderr:\n{stderr}"
        assert (cid in written) != (cid in failed), cid
    assert len(errors) == len(failed)   # one line per failed file, each naming it
    assert f"{len(failed)} of {len(in_folder)} file(s) failed" in stderr
    return in_folder


def test_cli_extract_image_on_hostile_folder(image_corpus, tmp_path):
    folder = os.path.dirname(image_corpus["good_png"])
    in_folder = _check_cli_batch(folder, image_corpus, IMAGE_CASES, "extract-image",
                                 N_IMAGE, tmp_path, jobs=1)
    assert {"non_utf8_name", "newline_in_name", "csv_special_characters_in_name",
            "newline_in_name_broken"} <= set(in_folder)


def test_cli_extract_audio_on_hostile_folder(audio_corpus, tmp_path):
    folder = os.path.dirname(audio_corpus["good_wav"])
    _check_cli_batch(folder, audio_corpus, AUDIO_CASES, "extract-audio",
                     len(audio_feature_names()), tmp_path, jobs=2)  # worker processes


def test_cli_does_not_follow_symlink_loops(tmp_path):
    d = tmp_path / "loops"
    (d / "a" / "b").mkdir(parents=True)
    Image.fromarray(_photo()).save(d / "a" / "b" / "photo.png")
    os.symlink("../..", d / "a" / "b" / "up")      # a cycle through the parent
    os.symlink(d, d / "a" / "self")
    os.symlink("pong", d / "ping.png")              # two links pointing at each other
    os.symlink("ping.png", d / "pong")
    out = tmp_path / "f.jsonl"
    code, _, stderr = _affect(["extract-image", d, "-o", out, "--jobs", "1",
                               "--groups", "color"])
    assert code == 1 and "Traceback" not in stderr
    assert [l for l in _error_lines(stderr) if "ping.png" in l]
    names, paths, X = read_table(str(out))
    assert paths == [str(d / "a" / "b" / "photo.png")]


# =====================================================================================
# The per-file time limit
# =====================================================================================

def _sleepy(path: str) -> int:
    """A worker that hangs on files whose name contains 'hang'."""
    if "hang" in os.path.basename(path):
        time.sleep(60)
    return len(path)


def _stubborn(path: str) -> int:
    """A worker that catches every Exception and retries: still stopped."""
    while True:
        try:
            time.sleep(60)
        except Exception:  # noqa: BLE001 - the point of the test
            continue


# In worker processes the "paths" are Python expressions and the worker is the builtin
# `eval`: it is pickled by reference to builtins, so the loky workers start without
# importing this test module and all it imports (seconds per worker).
HANG = "__import__('time').sleep(60)"


def test_time_limit_turns_a_hang_into_a_failure_in_this_process():
    paths = ["/x/a.jpg", "/x/hang.jpg", "/x/bb.jpg", "/x/hang2.jpg", "/x/ccc.jpg"]
    t0 = time.perf_counter()
    out = list(map_files(_sleepy, paths, n_jobs=1, timeout=0.3))
    assert time.perf_counter() - t0 < 5   # not 2 x 60 s
    assert [p for p, _ in out] == paths
    assert [r for _, r in out if not isinstance(r, Failure)] == [8, 9, 10]
    assert out[1][1] == Failure("/x/hang.jpg", "timed out after 0.3 s")
    assert out[3][1] == Failure("/x/hang2.jpg", "timed out after 0.3 s")


def test_time_limit_turns_a_hang_into_a_failure_in_worker_processes():
    paths = ["1 + 1", HANG, "2 + 2", HANG, "3 + 3"]
    t0 = time.perf_counter()
    out = list(map_files(eval, paths, n_jobs=2, timeout=0.3))
    assert time.perf_counter() - t0 < 30  # worker start-up included; not 2 x 60 s
    assert [r for _, r in out] == [2, Failure(HANG, "timed out after 0.3 s"), 4,
                                   Failure(HANG, "timed out after 0.3 s"), 6]


def test_time_limit_is_not_swallowed_by_except_exception():
    out = list(map_files(_stubborn, ["/x/stubborn.jpg"], timeout=0.2))
    assert out == [("/x/stubborn.jpg", Failure("/x/stubborn.jpg", "timed out after 0.2 s"))]


def test_time_limit_restores_the_signal_state():
    before = signal.getsignal(signal.SIGALRM)
    list(map_files(_sleepy, ["/x/a.jpg", "/x/hang.jpg"], timeout=0.1))
    assert signal.getsignal(signal.SIGALRM) is before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    with time_limit(0.1):  # a fast call leaves no alarm pending behind it
        pass
    time.sleep(0.2)


def test_time_limit_leaves_an_enclosing_timer_alone():
    fired = []
    old = signal.signal(signal.SIGALRM, lambda *a: fired.append(1))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        with time_limit(0.05):
            time.sleep(0.1)  # our limit is not imposed over the caller's timer
        time.sleep(0.4)
        assert fired == [1]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def test_time_limit_outside_the_main_thread_runs_without_limit():
    out = []
    th = threading.Thread(target=lambda: out.extend(
        map_files(_sleepy, ["/x/a.jpg"], timeout=0.01)))
    th.start()
    th.join(10)
    assert out == [("/x/a.jpg", 8)]


def test_timeout_default_and_environment(monkeypatch):
    monkeypatch.delenv("AFFECT_FILE_TIMEOUT", raising=False)
    assert default_timeout() == DEFAULT_TIMEOUT == 120.0
    for raw, want in [("2.5", 2.5), ("0", None), ("none", None), ("off", None),
                      ("inf", None), ("-1", None), ("", 120.0)]:
        monkeypatch.setenv("AFFECT_FILE_TIMEOUT", raw)
        assert default_timeout() == want, raw
    monkeypatch.setenv("AFFECT_FILE_TIMEOUT", "soon")
    with pytest.raises(ParameterError, match="AFFECT_FILE_TIMEOUT"):
        default_timeout()
    # Read where it applies (the engine's own workers), at the call, before any file
    # is started; calls in this process read it only when asked (tests/test_batch.py).
    with pytest.raises(ParameterError):
        map_files(_sleepy, ["/x/a.jpg", "/x/b.jpg"], n_jobs=2)
    with pytest.raises(ParameterError):
        map_files(_sleepy, ["/x/a.jpg"], timeout="soon")
    monkeypatch.setenv("AFFECT_FILE_TIMEOUT", "0.2")
    out = list(map_files(_sleepy, ["/x/hang.jpg"], timeout=default_timeout()))
    assert out[0][1] == Failure("/x/hang.jpg", "timed out after 0.2 s")


def test_failure_is_one_line_whatever_the_file_name():
    assert str(Failure("a/new\nline.jpg", "bad")) == "a/new\\nline.jpg: bad"
    assert str(Failure("caf\udce9.jpg", "bad")) == "caf\\udce9.jpg: bad"  # not UTF-8
    assert str(Failure("été/東京.jpg", "bad")) == "été/東京.jpg: bad"      # printable


def test_file_timeout_passes_through_except_exception():
    assert not issubclass(FileTimeout, Exception)
    with pytest.raises(FileTimeout, match="timed out after 0.1 s"):
        with time_limit(0.1):
            try:
                time.sleep(5)
            except Exception:  # noqa: BLE001
                pytest.fail("FileTimeout was caught as an Exception")


@pytest.fixture()
def affect_main(capsys):
    """Run the ``affect`` entry point in this process: ``(exit code, stdout, stderr)``.

    Faster than a subprocess (no imports) and it goes through the same ``main()``, whose
    handlers turn errors into one-line messages and exit codes; an exception escaping
    it (what would be a traceback) fails the test. ``main()`` installs a SIGTERM
    handler, which is undone afterwards.
    """
    from affect_features.cli import main

    def run(args, **env):
        old = signal.getsignal(signal.SIGTERM)
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            with pytest.raises(SystemExit) as info:
                main([str(a) for a in args])
        finally:
            signal.signal(signal.SIGTERM, old)
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        out, err = capsys.readouterr()
        return info.value.code, out, err

    return run


def test_extraction_command_reports_timeouts_and_goes_on(tmp_path, monkeypatch, capsys):
    """The CLI's shared body (``run_extraction``) with a hanging worker: the hang is one
    file's failure, the other rows are written, exit code 1."""
    from affect_features.cli import run_extraction

    files = []
    for name in ["a.png", "hang.png", "b.png"]:
        p = tmp_path / name
        p.write_bytes(b"x")
        files.append(str(p))
    monkeypatch.setenv("AFFECT_FILE_TIMEOUT", "0.3")
    out = tmp_path / "out.csv"
    code = run_extraction(files, worker=lambda p: np.full(2, float(_sleepy(p))),
                          names=["f.one", "f.two"], schema="test-1", extensions=None,
                          output=str(out), jobs=1, progress=False, overwrite=False,
                          label="")
    err = capsys.readouterr().err
    assert code == 1
    assert f"affect: error: {files[1]}: timed out after 0.3 s" in err.splitlines()
    names, paths, X = read_table(str(out))
    assert paths == [files[0], files[2]]


def test_cli_rejects_a_malformed_timeout_variable(tmp_path, affect_main):
    Image.fromarray(_photo()).save(tmp_path / "a.png")
    code, _, stderr = affect_main(["extract-image", tmp_path / "a.png", "--groups", "color"],
                                  AFFECT_FILE_TIMEOUT="soon")
    assert code == 2 and "AFFECT_FILE_TIMEOUT" in stderr
    assert len(stderr.strip().splitlines()) == 1


# =====================================================================================
# Interrupts
# =====================================================================================

@pytest.fixture(scope="module")
def forty_photos(tmp_path_factory):
    d = tmp_path_factory.mktemp("forty")
    for i in range(40):
        Image.fromarray(_photo(96, 128, seed=i)).save(d / f"{i:02d}.png")
    return d


def _complete_rows(path: str, fmt: str) -> int:
    """Rows in a (possibly partial) table; asserts that every row is complete."""
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    assert text.endswith("\n") or not text, "a half-written last row"
    lines = text.splitlines()
    if fmt == "csv":
        width = lines[0].count(",")
        assert all(line.count(",") == width for line in lines)
        return len(lines) - 1
    for line in lines:
        json.loads(line)
    return len(lines)


INTERRUPT_CASES = [(sig, fmt) for sig in ("SIGINT", "SIGTERM") for fmt in ("csv", "jsonl")]


def test_interrupt_keeps_complete_rows_and_resumes(forty_photos, tmp_path, affect_main):
    """SIGINT and SIGTERM, CSV and JSONL: four runs of ``extract-image --jobs 1`` over
    40 photos, started together (to save time) and each interrupted once its
    ``.partial`` holds three rows. Each must exit 130 leaving only complete rows; a
    re-run must then complete the table with every photo exactly once."""
    procs = {}
    for sig, fmt in INTERRUPT_CASES:
        out = str(tmp_path / f"{sig}.{fmt}")
        procs[sig, fmt] = (out, subprocess.Popen(
            [sys.executable, "-m", "affect_features.cli", "extract-image", str(forty_photos),
             "-o", out, "--jobs", "1", "--no-progress"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_env()))
    try:
        waiting = dict(procs)
        deadline = time.monotonic() + PROC_TIMEOUT
        while waiting and time.monotonic() < deadline:
            for (sig, fmt), (out, proc) in list(waiting.items()):
                assert proc.poll() is None, f"{sig}/{fmt}: ended before being interrupted"
                try:
                    with open(out + ".partial", encoding="utf-8") as fh:
                        n_lines = fh.read().count("\n")
                except FileNotFoundError:
                    continue
                if n_lines >= 3 + (fmt == "csv"):
                    proc.send_signal(getattr(signal, sig))
                    del waiting[sig, fmt]
            time.sleep(0.005)
        errs = {key: proc.communicate(timeout=PROC_TIMEOUT)[1].decode("utf-8", "replace")
                for key, (out, proc) in procs.items()}
    finally:
        for out, proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    expected = sorted(str(p) for p in forty_photos.glob("*.png"))
    for (sig, fmt), (out, proc) in procs.items():
        err = errs[sig, fmt]
        assert proc.returncode == 130, f"{sig}/{fmt}: {err}"
        assert "Traceback" not in err and "interrupted" in err, err
        n_done = _complete_rows(out, fmt) if os.path.exists(out) else 0
        assert 3 <= n_done < 40, f"{sig}/{fmt}"
        if os.path.exists(out + ".partial"):
            _complete_rows(out + ".partial", fmt)
        # the re-run skips the rows done and completes the rest
        code, _, err = affect_main(["extract-image", forty_photos, "-o", out, "--jobs", "1",
                                    "--no-progress"])
        assert code == 0, err
        assert f"resuming: {n_done} file(s)" in err
        names, paths, X = read_table(out)
        assert sorted(paths) == expected, f"{sig}/{fmt}"
        assert np.all(np.isfinite(X))
        assert not os.path.exists(out + ".partial")


# =====================================================================================
# Unwritable output, full disk
# =====================================================================================

@pytest.fixture()
def two_photos(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    for i in range(2):
        Image.fromarray(_photo(seed=i)).save(d / f"{i}.png")
    return d


@pytest.mark.parametrize("where", ["read_only_dir", "sysfs", "under_a_file"])
def test_unwritable_output_is_a_one_line_error(two_photos, tmp_path, where, affect_main):
    if where == "read_only_dir":
        ro = tmp_path / "ro"
        ro.mkdir()
        out = ro / "out.csv"
        out.write_text("keep me\n")
        os.chmod(ro, 0o555)
        if os.access(ro, os.W_OK):
            os.chmod(ro, 0o755)
            pytest.skip("permissions are not enforced for this user (root)")
    elif where == "sysfs":
        if not os.path.isdir("/sys/kernel"):
            pytest.skip("no /sys")
        out = "/sys/kernel/affect_out.csv"  # sysfs refuses new files, even to root
    else:
        (tmp_path / "plain").write_text("a file, not a folder\n")
        out = tmp_path / "plain" / "out.csv"
    try:
        code, _, stderr = affect_main(["extract-image", two_photos, "-o", out, "--jobs", "1",
                                       "--groups", "color"])
    finally:
        if where == "read_only_dir":
            os.chmod(tmp_path / "ro", 0o755)
    assert code == 2, stderr
    lines = [l for l in stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and str(out) in lines[0], stderr
    if where == "read_only_dir":
        assert (tmp_path / "ro" / "out.csv").read_text() == "keep me\n"


def _limit_file_size(n_bytes: int):
    """preexec_fn: files this process writes may not exceed `n_bytes` (EFBIG after
    that; Python ignores SIGXFSZ), which is what a full disk looks like to it."""
    def apply():
        resource.setrlimit(resource.RLIMIT_FSIZE, (n_bytes, n_bytes))
    return apply


@pytest.mark.parametrize("fmt, overwrite", [
    pytest.param("csv", False, id="csv-resume"),
    pytest.param("jsonl", True, id="jsonl-overwrite"),
    pytest.param("npz", False, id="npz-resume"),
])
def test_full_disk_keeps_the_previous_output(two_photos, tmp_path, fmt, overwrite,
                                             affect_main):
    """A full disk (simulated with RLIMIT_FSIZE in the subprocess): a one-line error,
    exit 2, the previous output intact, and a later run with room completes it."""
    out = tmp_path / f"out.{fmt}"
    code, _, err = affect_main(["extract-image", two_photos / "0.png", "-o", out,
                                "--jobs", "1", "--groups", "color"])
    assert code == 0, err
    before = out.read_bytes()
    more = two_photos / "more"
    more.mkdir()
    for i in range(3):
        Image.fromarray(_photo(seed=10 + i)).save(more / f"{i}.png")
    args = ["extract-image", two_photos, "-o", out, "--jobs", "1", "--groups", "color"]
    if overwrite:
        args.append("--overwrite")
    # room for less than the previous output: a resumed run fails copying the old rows
    code, _, stderr = _affect(args, preexec_fn=_limit_file_size(len(before) // 2))
    assert "Traceback" not in stderr, stderr
    assert code == 2, stderr
    lines = [l for l in stderr.splitlines() if l.startswith("affect: ")]
    assert any(str(out) in l and "cannot write" in l for l in lines), stderr
    assert out.read_bytes() == before
    # with room again, the run completes (resuming from whatever was kept)
    code, _, err = affect_main(args)
    assert code == 0, err
    names, paths, X = read_table(str(out))
    assert sorted(paths) == sorted(map(str, [*two_photos.glob("*.png"),
                                             *more.glob("*.png")]))


# =====================================================================================
# Files from anywhere (issue 11): libraries, models and outputs made by someone else
# =====================================================================================
#
# Every hostile file is made here, inside tmp_path; device nodes are made with mknod in
# tmp_path (the test skips where that is not permitted), never the system's own.

import hashlib
import socket
import sqlite3
import stat as _stat

from affect_features.errors import LibraryError, ModelError
from affect_features.library import MusicLibrary, schema_problem

from _worker_helpers import kill_on, slow_analyse


def _one_line_naming(stderr: str, name) -> str:
    """The single ``affect: error:`` line of `stderr` (notes such as where the songs
    come from may surround it), asserted to name `name`; no traceback."""
    lines = [l for l in stderr.splitlines() if l.startswith("affect: error:")]
    assert "Traceback" not in stderr, stderr
    assert len(lines) == 1, stderr
    assert str(name) in lines[0], stderr
    return lines[0]


def _library(path, n: int = 20) -> None:
    """A library of `n` songs with paths, titles and points spread over [-1, 1]."""
    rng = np.random.default_rng(0)
    with MusicLibrary(path) as lib:
        lib.upsert_many([{"path": f"/music/song{i:02d}.mp3", "title": f"song {i}",
                          "artist": "band", "descriptors": np.full(4, i, np.float32),
                          "descriptor_schema": "s1",
                          **dict(zip(("valence", "arousal", "dominance"),
                                     rng.uniform(-0.9, 0.9, 3).tolist()))}
                         for i in range(n)])
        lib.points()  # with its packed snapshot, as after `affect index`


def _n_tracks(path) -> int:
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT count(*) FROM tracks").fetchone()[0]
    finally:
        con.close()


def _sql(path, *statements) -> None:
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA ignore_check_constraints = ON")
        for s in statements:
            con.execute(s)
        con.commit()
    finally:
        con.close()


@pytest.fixture()
def photo(tmp_path):
    p = tmp_path / "photo.png"
    Image.fromarray(_photo(seed=3)).save(p)
    return p


PLANTED = {
    "trigger": ("CREATE TRIGGER evil AFTER INSERT ON point_snapshot "
                "BEGIN DELETE FROM tracks WHERE id > 10; END", "trigger 'evil'"),
    "hanging_trigger": ("CREATE TRIGGER slow AFTER INSERT ON point_snapshot BEGIN "
                        "SELECT count(*) FROM (WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL "
                        "SELECT x + 1 FROM r) SELECT x FROM r); END", "trigger 'slow'"),
    "view": ("CREATE VIEW songs AS SELECT * FROM tracks", "view 'songs'"),
    "table": ("CREATE TABLE notes (x)", "table 'notes'"),
    "index": ("CREATE INDEX by_title ON tracks(title)", "index 'by_title'"),
}


@pytest.mark.parametrize("kind", list(PLANTED))
@pytest.mark.parametrize("command", ["match", "index"])
def test_library_with_planted_objects_is_refused(tmp_path, photo, kind, command,
                                                 affect_main):
    """A trigger (one that deletes tracks, one that never ends), a view, a table or an
    index someone else put in a library: refused before any statement of ours runs,
    one line naming the file and the object, exit 2, and no row lost."""
    lib = tmp_path / "lib.sqlite"
    _library(lib)
    statement, named = PLANTED[kind]
    _sql(lib, statement)
    args = (["match", "--library", lib, photo] if command == "match"
            else ["index", "--library", lib, tmp_path / "nothing_here"])
    if command == "index":
        (tmp_path / "nothing_here").mkdir()
    code, out, err = affect_main(args)
    assert code == 2, err
    line = _one_line_naming(err, lib)
    assert named in line and "did not create" in line
    assert _n_tracks(lib) == 20


def test_library_with_an_altered_table_is_refused(tmp_path, photo, affect_main):
    """A ``tracks`` table without a column (rebuilt by someone else): one line, exit 2."""
    lib = tmp_path / "lib.sqlite"
    _library(lib)
    _sql(lib, "ALTER TABLE tracks DROP COLUMN album")
    code, _, err = affect_main(["match", "--library", lib, photo])
    assert code == 2
    assert "table 'tracks' differs" in _one_line_naming(err, lib)


def test_schema_problem_accepts_our_own_libraries(tmp_path):
    lib = tmp_path / "lib.sqlite"
    _library(lib)
    with MusicLibrary(lib) as opened:
        opened.close()  # PRAGMA optimize may add sqlite_stat1: SQLite's own, accepted
    con = sqlite3.connect(lib)
    con.execute("ANALYZE")
    assert schema_problem(con) is None
    con.close()


def test_trigger_planted_while_open_never_runs(tmp_path):
    """A trigger added by another process after the library was opened is found before
    our next write (the schema version changed) and the write is refused."""
    path = tmp_path / "lib.sqlite"
    _library(path)
    with MusicLibrary(path) as lib:
        _sql(path, PLANTED["trigger"][0].replace("point_snapshot", "tracks")
             .replace("AFTER INSERT ON tracks", "AFTER UPDATE ON tracks"))
        with pytest.raises(LibraryError, match="trigger 'evil'"):
            lib.upsert_many([{"path": "/music/song00.mp3", "title": "x"}])
    assert _n_tracks(path) == 20


BAD_ROWS = {
    2: ("UPDATE tracks SET valence = 9e999 WHERE id = 2", "(inf, "),
    3: ("UPDATE tracks SET arousal = 'loud' WHERE id = 3", "'loud'"),
    4: ("UPDATE tracks SET dominance = NULL WHERE id = 4", "NULL)"),
    5: ("UPDATE tracks SET valence = 3.5 WHERE id = 5", "(3.5, "),
    6: ("UPDATE tracks SET title = x'00ff' WHERE id = 6", "stored title"),
}


def test_bad_library_rows_are_reported_and_skipped(tmp_path, photo, small_model,
                                                   affect_main):
    """Rows with inf, text, half-NULL or out-of-range points and a blob title: each is
    reported once by its path and left out; the other songs are matched, exit 0."""
    lib = tmp_path / "lib.sqlite"
    _library(lib)
    _sql(lib, *(s for s, _ in BAD_ROWS.values()))
    code, out, err = affect_main(["match", "--library", lib, photo, "-k", "20",
                                  "--format", "jsonl", "--model", small_model[0]])
    assert code == 0, err
    assert "Traceback" not in err
    songs = [json.loads(l) for l in out.splitlines() if l.strip()][0]["songs"]
    shown = {s["path"] for s in songs}
    assert len(songs) == 15
    warnings = [l for l in err.splitlines() if "warning" in l]
    for track_id, (_, text) in BAD_ROWS.items():
        name = f"/music/song{track_id - 1:02d}.mp3"
        assert name not in shown
        mine = [l for l in warnings if f": {name}: " in l]
        assert len(mine) == 1 and text in mine[0] and str(lib) in mine[0], err


def test_bad_snapshot_is_rebuilt_from_the_rows(tmp_path):
    """A packed snapshot whose points disagree with the rows (stale, damaged or planted)
    is not used: the points come from the rows."""
    path = tmp_path / "lib.sqlite"
    _library(path)
    with MusicLibrary(path, readonly=True) as lib:
        ids, good = lib.points()
        good = good.copy()
    _sql(path, "UPDATE point_snapshot SET points = zeroblob(length(points))")
    with MusicLibrary(path, readonly=True) as lib:
        np.testing.assert_array_equal(lib.points()[1], good)
    _sql(path, "UPDATE point_snapshot SET n = 5")
    with MusicLibrary(path, readonly=True) as lib:
        np.testing.assert_array_equal(lib.points()[1], good)


def test_read_commands_never_write_or_create(tmp_path, photo, small_model, affect_main):
    """match opens libraries read-only: a library is not changed (not even its snapshot),
    and an empty file or a missing path is refused, never made into a library."""
    path = tmp_path / "lib.sqlite"
    _library(path)
    _sql(path, "DELETE FROM point_snapshot")
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    code, _, err = affect_main(["match", "--library", path, photo, "--model",
                                small_model[0]])
    assert code == 0, err
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    code, _, err = affect_main(["match", "--library", empty, photo])
    assert code == 2 and "not a library" in _one_line_naming(err, empty)
    assert empty.read_bytes() == b""
    code, _, err = affect_main(["match", "--library", tmp_path / "none.sqlite", photo])
    assert code == 2 and not (tmp_path / "none.sqlite").exists()


def test_library_that_is_a_fifo_is_refused(tmp_path, photo, affect_main):
    fifo = tmp_path / "lib.sqlite"
    os.mkfifo(fifo)
    for args in (["match", "--library", fifo, photo],
                 ["index", "--library", fifo, tmp_path]):
        code, _, err = affect_main(args)
        assert code == 2 and "FIFO" in _one_line_naming(err, fifo)


def test_a_query_that_runs_too_long_is_stopped(tmp_path, monkeypatch):
    """Every statement is bounded in time (the progress handler): past the limit, a
    one-line LibraryError naming the file."""
    path = tmp_path / "lib.sqlite"
    _library(path, n=3000)
    _sql(path, "DELETE FROM point_snapshot")
    monkeypatch.setattr(MusicLibrary, "query_timeout", 1e-6)
    with MusicLibrary(path, readonly=True) as lib:
        with pytest.raises(LibraryError, match="ran longer than") as info:
            lib.points()
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_a_signal_during_a_long_query_is_an_interrupt(tmp_path):
    """Ctrl-C (here an alarm raising KeyboardInterrupt) inside a long SQLite statement
    stops it and surfaces as KeyboardInterrupt (exit 130 in the CLI), not as a
    "query interrupted" error."""
    path = tmp_path / "lib.sqlite"
    _library(path)

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGALRM, interrupt)
    try:
        with MusicLibrary(path, readonly=True) as lib:
            signal.setitimer(signal.ITIMER_REAL, 0.2)
            t0 = time.monotonic()
            with pytest.raises(KeyboardInterrupt):
                with lib._sql("read failed"):
                    lib._db.execute("WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT "
                                    "x + 1 FROM r) SELECT count(*) FROM r").fetchone()
            assert time.monotonic() - t0 < 5
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def test_bad_stored_descriptors_are_named_by_index(tmp_path, affect_main):
    """Stored descriptors the model cannot read (NaN inside, a wrong length, text) are
    reported by path, exit 1; the other rows are re-predicted and the next run is not
    blocked by them (it reports them again, still exit 1, never 2)."""
    from affect_features.models import EmotionModel

    m = EmotionModel.default("audio")
    path = tmp_path / "lib.sqlite"
    good = np.zeros(m.n_features, np.float32)
    with MusicLibrary(path) as lib:
        lib.upsert_many([{"path": f"/music/{i}.mp3", "descriptors": good,
                          "descriptor_schema": m.schema, "valence": 0.0, "arousal": 0.0,
                          "dominance": 0.0, "model_version": "old"} for i in range(6)])
    nan = np.frombuffer(np.full(m.n_features, np.nan, np.float32).tobytes(), np.uint8)
    _sql(path, f"UPDATE tracks SET descriptors = x'{bytes(nan).hex()}' WHERE id = 1",
         "UPDATE tracks SET descriptors = x'0000803f' WHERE id = 2",
         "UPDATE tracks SET descriptors = 'text' WHERE id = 3")
    (tmp_path / "music").mkdir()
    for _ in range(2):
        code, _, err = affect_main(["index", "--library", path, tmp_path / "music",
                                    "--jobs", "1"])
        assert code == 1, err
        assert "Traceback" not in err
        for i in (0, 1, 2):
            assert sum(f"/music/{i}.mp3:" in l for l in err.splitlines()) == 1, err
    with MusicLibrary(path, readonly=True) as lib:
        versions = {t["path"]: t["model_version"] for t in lib.tracks(range(1, 7))}
    assert versions["/music/0.mp3"] == "old"
    assert {versions[f"/music/{i}.mp3"] for i in (3, 4, 5)} == {m.version}


# -- outputs -------------------------------------------------------------------------

def _mknod(path, major: int, minor: int) -> None:
    try:
        os.mknod(path, 0o600 | _stat.S_IFCHR, os.makedev(major, minor))
    except (PermissionError, OSError) as exc:
        pytest.skip(f"mknod not permitted here ({exc})")


def _make_node(path, kind: str) -> None:
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "full_device":
        _mknod(path, 1, 7)  # what /dev/full is, made here
    elif kind == "zero_device":
        _mknod(path, 1, 5)
    elif kind == "socket":
        s = socket.socket(socket.AF_UNIX)
        here = os.getcwd()
        try:
            os.chdir(os.path.dirname(path))  # a short name: AF_UNIX paths are short
            s.bind(os.path.basename(path))
        except OSError as exc:
            pytest.skip(f"cannot bind a socket here ({exc})")
        finally:
            os.chdir(here)
            s.close()
    elif kind == "folder":
        os.mkdir(path)


@pytest.mark.parametrize("kind", ["fifo", "full_device", "socket", "folder"])
@pytest.mark.parametrize("through_link", [False, True])
def test_output_that_is_not_a_regular_file_is_refused(two_photos, tmp_path, kind,
                                                      through_link, affect_main):
    """An output that exists as a device, FIFO, socket or folder (or a link to one) is
    refused before any work: one line naming it, exit 2, and it is left as it was."""
    node = tmp_path / f"node.{kind}.csv"
    _make_node(node, kind)
    out = node
    if through_link:
        out = tmp_path / "link.csv"
        os.symlink(node, out)
    before = os.lstat(node)
    code, _, err = affect_main(["extract-image", two_photos, "-o", out, "--jobs", "1",
                                "--groups", "color"])
    assert code == 2, err
    assert "not a regular file" in _one_line_naming(err, out)
    after = os.lstat(node)
    assert _stat.S_IFMT(after.st_mode) == _stat.S_IFMT(before.st_mode)
    assert after.st_ino == before.st_ino and after.st_rdev == before.st_rdev
    assert through_link == os.path.islink(out)
    assert sorted(os.listdir(tmp_path)) == sorted(
        ["in", node.name] + (["link.csv"] if through_link else []))


def test_symlinked_output_is_written_through(two_photos, tmp_path, affect_main):
    """A symbolic link as the output: its target gets the table (and a resumed run reads
    the target back); the link stays a link."""
    target = tmp_path / "real" / "table.csv"
    target.parent.mkdir()
    link = tmp_path / "out.csv"
    os.symlink(target, link)
    code, _, err = affect_main(["extract-image", two_photos / "0.png", "-o", link,
                                "--jobs", "1", "--groups", "color"])
    assert code == 0, err
    assert os.path.islink(link) and os.readlink(link) == str(target)
    assert read_table(str(target))[1] == [str(two_photos / "0.png")]
    code, _, err = affect_main(["extract-image", two_photos, "-o", link, "--jobs", "1",
                                "--groups", "color"])
    assert code == 0 and "resuming: 1 file(s)" in err, err
    assert os.path.islink(link)
    assert sorted(read_table(str(target))[1]) == sorted(
        str(p) for p in two_photos.glob("*.png"))
    assert sorted(os.listdir(target.parent)) == ["table.csv"]


@pytest.mark.parametrize("overwrite", [False, True])
def test_fatal_startup_error_keeps_the_old_output(two_photos, tmp_path, overwrite,
                                                  affect_main):
    """A fatal error before any row (an unreachable scheduler): the existing output is
    untouched, with or without --overwrite; no working file is left."""
    out = tmp_path / "out.csv"
    code, _, err = affect_main(["extract-image", two_photos / "0.png", "-o", out,
                                "--jobs", "1", "--groups", "color"])
    assert code == 0, err
    before = out.read_bytes()
    args = ["extract-image", two_photos, "-o", out, "--jobs", "1", "--groups", "color",
            "--scheduler", "tcp://127.0.0.1:9"] + (["--overwrite"] if overwrite else [])
    code, _, err = affect_main(args, AFFECT_DASK_CONNECT_TIMEOUT="1")
    assert code == 2, err
    errors = [l for l in err.splitlines() if l.startswith("affect: error:")]
    assert len(errors) == 1 and "Traceback" not in err, err
    assert out.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["in", "out.csv"]


def test_second_writer_of_an_output_fails_at_once(two_photos, tmp_path, affect_main):
    """While one run writes an output, a second one is refused at once (one line, exit
    2) and touches nothing; the first run's rows are all there when it finishes. A
    writer that was killed leaves no lock behind that blocks the next run."""
    from affect_features.output import TableWriter

    out = tmp_path / "out.csv"
    names = image_feature_names(["color"])
    first = TableWriter(str(out), names)
    first.write("/first/row.png", np.zeros(len(names)))
    t0 = time.monotonic()
    code, _, err = affect_main(["extract-image", two_photos, "-o", out, "--jobs", "1",
                                "--groups", "color"])
    assert code == 2 and time.monotonic() - t0 < 10
    assert "another run is writing" in _one_line_naming(err, out)
    first.close()
    assert read_table(str(out))[1] == ["/first/row.png"]
    # a writer killed with SIGKILL: the kernel drops its lock
    script = textwrap.dedent(f"""
        import sys, time
        from affect_features.output import TableWriter
        w = TableWriter({str(out)!r}, {names!r})
        w.write("/killed/row.png", [0.0] * {len(names)})
        print("ready", flush=True)
        time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
    try:
        assert proc.stdout.readline().strip() == b"ready"
    finally:
        proc.kill()
        proc.wait()
    code, _, err = affect_main(["extract-image", two_photos, "-o", out, "--jobs", "1",
                                "--groups", "color"])
    assert code == 0, err
    assert set(read_table(str(out))[1]) == {"/first/row.png", "/killed/row.png",
                                            *map(str, two_photos.glob("*.png"))}


def test_two_concurrent_runs_lose_no_row(forty_photos, tmp_path):
    """Two runs started together on the same output: one writes every row, the other
    is refused at once (exit 2, one line); nothing is interleaved or lost, and the
    refused one does not claim rows in a .partial that does not exist."""
    out = tmp_path / "out.csv"
    args = [sys.executable, "-m", "affect_features.cli", "extract-image", str(forty_photos),
            "-o", str(out), "--jobs", "1", "--groups", "color", "--no-progress"]
    procs = [subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              env=_env()) for _ in range(2)]
    results = [(p.wait(timeout=PROC_TIMEOUT), p.stderr.read().decode()) for p in procs]
    codes = sorted(c for c, _ in results)
    # Normally [0, 2]; [0, 0] if one started after the other had finished (it then
    # resumes a complete table): either way every row once.
    assert codes in ([0, 2], [0, 0]), results
    for code, err in results:
        if code == 2:
            assert "another run is writing" in _one_line_naming(err, out)
    assert sorted(read_table(str(out))[1]) == sorted(
        str(p) for p in forty_photos.glob("*.png"))


def test_device_links_in_place_of_working_files_are_never_written(two_photos, tmp_path,
                                                                  affect_main):
    """Links to a device (a full device made here) planted as ``OUT.partial`` and
    ``OUT.partial.tmp``: they are our working files' names, so they are replaced by
    regular files and the device is never opened; the run completes."""
    full = tmp_path / "full"
    _mknod(full, 1, 7)
    out = tmp_path / "out.csv"
    code, _, err = affect_main(["extract-image", two_photos / "0.png", "-o", out,
                                "--jobs", "1", "--groups", "color"])
    assert code == 0, err
    os.symlink(full, str(out) + ".partial")
    os.symlink(full, str(out) + ".partial.tmp")
    code, _, err = affect_main(["extract-image", two_photos, "-o", out, "--jobs", "1",
                                "--groups", "color", "--overwrite"])
    assert code == 0, err
    assert not out.is_symlink() and len(read_table(str(out))[1]) == 2
    assert _stat.S_ISCHR(os.stat(full).st_mode)
    assert sorted(os.listdir(tmp_path)) == ["full", "in", "out.csv"]


# -- models, cards, label maps and dataset tables -----------------------------------

@pytest.fixture(scope="module")
def small_model(tmp_path_factory):
    """A small trained model saved in a temporary folder: (npz, card) paths."""
    from affect_features.models import train_model

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, N_IMAGE))
    Y = np.tanh(X[:, :3] / 3)
    model = train_model(X, Y, names=image_feature_names(), schema=_image_schema(),
                        modality="image", kind="ridge", n_jobs=1)
    return model.save(tmp_path_factory.mktemp("model") / "m")


def _image_schema() -> str:
    from affect_features.image import IMAGE_SCHEMA
    return IMAGE_SCHEMA


def _copy_model(small_model, folder, *, card=None, npz_bytes=None):
    """A copy of the model in `folder`, its card edited by `card(dict)` and/or its
    weights replaced (the card's hash then made to match, as an attacker would)."""
    npz, card_path = small_model
    data = npz_bytes if npz_bytes is not None else open(npz, "rb").read()
    doc = json.load(open(card_path))
    doc["npz_sha256"] = hashlib.sha256(data).hexdigest()
    if card is not None:
        card(doc)
    dst = folder / "copy"
    (folder / "copy.npz").write_bytes(data)
    (folder / "copy.json").write_text(json.dumps(doc))
    return dst


BAD_CARDS = {
    "prediction_std_strings": (lambda c: c.update(prediction_std=["a", "b", "c"]),
                               "prediction_std"),
    "prediction_std_dict": (lambda c: c.update(prediction_std={"v": 1}), "prediction_std"),
    "sha256_int": (lambda c: c.update(npz_sha256=12345), "npz_sha256"),
    "names_dict": (lambda c: c.update(feature_names={"a": 1}), "feature_names"),
    "reliability_text": (lambda c: c.update(reliability={"r": {"valence": "high"}}),
                         "reliability"),
    "heads_numbers": (lambda c: c.update(heads=[1, 2]), "heads"),
    "learned_text": (lambda c: c.update(learned="yes"), "learned"),
    "modality_other": (lambda c: c.update(modality="smell"), "modality"),
    "nan_constant": (None, "NaN"),
}


@pytest.mark.parametrize("case", list(BAD_CARDS))
def test_bad_card_fields_are_one_line_errors(small_model, tmp_path, photo, case,
                                             affect_main):
    """Card fields outside the SHA-256's protection with the wrong type or shape: the
    model is refused with one line naming the card and the field, exit 2."""
    from affect_features.models import EmotionModel

    edit, field = BAD_CARDS[case]
    stem = _copy_model(small_model, tmp_path, card=edit)
    card_path = tmp_path / "copy.json"
    if edit is None:
        card_path.write_text(card_path.read_text().replace(
            '"n_features":', '"n_features": NaN, "x":'))
    with pytest.raises(ModelError) as info:
        EmotionModel.load(stem)
    message = str(info.value)
    assert str(card_path) in message and field in message and "\n" not in message
    code, _, err = affect_main(["match", "--model", tmp_path / "copy.npz", photo])
    assert code == 2
    _one_line_naming(err, card_path)


@pytest.mark.parametrize("kind", ["fifo", "zero_device", "folder"])
@pytest.mark.parametrize("which", ["npz", "json"])
def test_model_files_that_are_not_regular_files(small_model, tmp_path, photo, kind,
                                               which, affect_main):
    """A FIFO, a zero device or a folder as the model's weights or card: refused at
    once (no hang, no memory), one line naming it, exit 2; predict says it once, not
    once per photo."""
    _copy_model(small_model, tmp_path)
    node = tmp_path / f"copy.{which}"
    node.unlink()
    _make_node(node, kind)
    t0 = time.monotonic()
    code, _, err = affect_main(["predict", "--image-model", tmp_path / "copy.npz",
                                photo, photo.parent / "photo.png"])
    assert code == 2 and time.monotonic() - t0 < 30
    assert "not a regular file" in _one_line_naming(err, node)


def _zip_member(name: str, payload: bytes) -> bytes:
    """A one-member zip archive, deflated."""
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, payload)
    return buf.getvalue()


def test_deflate_bomb_is_refused_from_the_zip_headers(small_model, tmp_path, monkeypatch):
    """An npz whose member inflates far beyond the weights limit (here 64 MiB of zeros
    against a 4 MiB limit; 4 GB against 256 MiB in use) is refused from the zip headers
    before anything is inflated: fast, and with no memory to speak of."""
    from affect_features import files
    from affect_features.models import EmotionModel

    monkeypatch.setitem(files.LIMITS, "model weights", 4 << 20)
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": (8 << 20,)})
    bomb = _zip_member("scaler_mean.npy", header.getvalue() + bytes(64 << 20))
    assert len(bomb) < 1 << 20
    stem = _copy_model(small_model, tmp_path, npz_bytes=bomb)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.monotonic()
    with pytest.raises(ModelError, match="inflate") as info:
        EmotionModel.load(stem)
    assert time.monotonic() - t0 < 1.0
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 32 << 10  # KiB
    assert str(tmp_path / "copy.npz") in str(info.value)


def test_npz_member_declaring_another_shape_is_refused(small_model, tmp_path):
    """A member whose .npy header declares a billion values but holds eight."""
    from affect_features.models import EmotionModel

    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": (10 ** 9,)})
    data = _zip_member("scaler_mean.npy", header.getvalue() + bytes(64))
    stem = _copy_model(small_model, tmp_path, npz_bytes=data)
    with pytest.raises(ModelError, match="declares shape"):
        EmotionModel.load(stem)


def _rewritten_weights(small_model, change) -> bytes:
    from affect_features.models._format import _npz_bytes

    with np.load(small_model[0], allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    change(arrays)
    return _npz_bytes(arrays)


def test_non_finite_weights_are_refused_and_overflow_is_an_error(small_model, tmp_path,
                                                                photo):
    from affect_features.models import EmotionModel

    def inf(a):
        a["head0.member0.W0"] = a["head0.member0.W0"].copy()
        a["head0.member0.W0"][0, 0] = np.inf

    stem = _copy_model(small_model, tmp_path, npz_bytes=_rewritten_weights(small_model, inf))
    with pytest.raises(ModelError, match="non-finite"):
        EmotionModel.load(stem)

    def huge(a):
        a["head0.member0.W0"] = np.full_like(a["head0.member0.W0"], 1e300)

    (tmp_path / "b").mkdir()
    stem = _copy_model(small_model, tmp_path / "b",
                       npz_bytes=_rewritten_weights(small_model, huge))
    model = EmotionModel.load(stem)
    with pytest.raises(ModelError, match="overflowed") as info:
        model.predict(np.full((2, N_IMAGE), 1e10))
    assert str(tmp_path / "b" / "copy.npz") in str(info.value)


@pytest.mark.parametrize("kind", ["fifo", "zero_device", "folder"])
def test_label_map_and_dataset_table_that_are_not_regular_files(tmp_path, kind,
                                                                affect_main):
    """`labels --overrides` and `train --dataset csv:` given a FIFO, a zero device or a
    folder: one line naming it, exit 2, at once."""
    node = tmp_path / "table.csv"
    _make_node(node, kind)
    for args in (["labels", "--map", "mikels:russell", "--overrides", node],
                 ["train", "image", "--dataset", f"csv:{node}?scale=sam9", "-o",
                  tmp_path / "m"]):
        t0 = time.monotonic()
        code, _, err = affect_main(args)
        assert code == 2 and time.monotonic() - t0 < 30, err
        line = _one_line_naming(err, node)
        assert kind == "folder" or "not a regular file" in line
    assert not (tmp_path / "m.npz").exists()


def test_dataset_table_over_the_size_limit(tmp_path, monkeypatch):
    from affect_features import files
    from affect_features.datasets import DatasetError, load_dataset

    monkeypatch.setitem(files.LIMITS, "dataset table", 1000)
    table = tmp_path / "big.csv"
    table.write_text("path,valence,arousal\n" + "a.jpg,1,1\n" * 200)
    with pytest.raises(DatasetError, match="more than the 1000 bytes accepted"):
        load_dataset(f"csv:{table}?scale=sam9")


# -- interrupts and dead workers -------------------------------------------------------

def test_a_killed_worker_fails_only_its_file():
    paths = [f"/x/{n}" for n in ("a", "b", "victim", "c", "d", "e", "victim2", "f")]
    out = list(map_files(kill_on, paths, n_jobs=2, timeout=30))
    assert [p for p, _ in out] == paths
    failed = {p: r.reason for p, r in out if isinstance(r, Failure)}
    assert set(failed) == {"/x/victim", "/x/victim2"}
    assert all("died with SIGKILL" in r for r in failed.values())
    assert [r for p, r in out if p not in failed] == [p.upper() for p in paths
                                                       if p not in failed]


def _descendants(pid: int) -> list[int]:
    """Processes below `pid` (from /proc), deepest last."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def _workers_of(pid: int) -> list[int]:
    """The worker processes of a CLI run (batch._worker_main), from /proc."""
    out = []
    for c in _descendants(pid):
        try:
            with open(f"/proc/{c}/cmdline", "rb") as fh:
                if b"_worker_main" in fh.read():
                    out.append(c)
        except OSError:
            pass
    return out


def test_cli_extract_goes_on_past_a_killed_worker(forty_photos, tmp_path, affect_main):
    """A worker of `extract-image --jobs 2` killed from outside: the file it held is
    reported once as failed (exit 1), every other row is written, and a re-run
    resumes that one file."""
    if not os.path.isdir("/proc"):
        pytest.skip("no /proc")
    out = tmp_path / "out.csv"
    proc = subprocess.Popen(
        [sys.executable, "-m", "affect_features.cli", "extract-image", str(forty_photos),
         "-o", str(out), "--jobs", "2", "--no-progress", "--groups", "color"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_env())
    try:
        deadline = time.monotonic() + PROC_TIMEOUT
        killed = None
        while killed is None and time.monotonic() < deadline and proc.poll() is None:
            try:
                rows = open(str(out) + ".partial").read().count("\n")
            except FileNotFoundError:
                rows = 0
            workers = _workers_of(proc.pid)
            if rows >= 3 and workers:
                killed = workers[0]
                os.kill(killed, signal.SIGKILL)
            time.sleep(0.01)
        err = proc.communicate(timeout=PROC_TIMEOUT)[1].decode()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert killed is not None, "the run ended before a worker could be killed"
    assert "Traceback" not in err, err
    # The worker held a file (almost always; it may have been between two files)
    died = [l for l in err.splitlines() if "died with SIGKILL" in l]
    assert len(died) <= 1 and proc.returncode == (1 if died else 0), err
    n_rows = len(read_table(str(out))[1])
    assert n_rows == 40 - len(died)
    code, _, err = affect_main(["extract-image", forty_photos, "-o", out, "--jobs", "1",
                                "--groups", "color"])
    assert code == 0 and len(read_table(str(out))[1]) == 40, err


def _songs(folder, n: int, victims: int = 0):
    folder.mkdir()
    for i in range(n):
        (folder / f"{'victim' if i < victims else 'song'}{i:02d}.mp3").write_bytes(
            b"song %d" % i)


def test_index_goes_on_past_a_killed_worker(tmp_path):
    """A worker of index dying on one file: that file is the only failure; every other
    analysed track is stored."""
    music = tmp_path / "music"
    _songs(music, 12, victims=1)
    with MusicLibrary(tmp_path / "lib.sqlite") as lib:
        report = lib.index(music, analyse=partial(slow_analyse, log=str(tmp_path / "log")),
                           jobs=2, tags=None)
        assert [os.path.basename(f.path) for f in report.failures] == ["victim00.mp3"]
        assert "died with SIGKILL" in report.failures[0].reason
        assert len(lib) == 11 and report.added == 11


def test_killed_index_keeps_the_tracks_analysed(tmp_path):
    """`index` killed with SIGKILL half-way: the tracks analysed before are stored (it
    commits every few tracks), so at most the last few are lost."""
    from affect_features.library import INDEX_BATCH_SIZE

    music, log, path = tmp_path / "music", tmp_path / "log", tmp_path / "lib.sqlite"
    _songs(music, 60)
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {os.path.dirname(__file__)!r})
        from functools import partial
        from affect_features.library import MusicLibrary
        from _worker_helpers import slow_analyse
        with MusicLibrary({str(path)!r}) as lib:
            lib.index({str(music)!r}, analyse=partial(slow_analyse, log={str(log)!r}),
                      jobs=1, tags=None)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], env=_env())
    try:
        deadline = time.monotonic() + PROC_TIMEOUT
        while time.monotonic() < deadline and proc.poll() is None:
            if log.exists() and log.read_text().count("\n") >= 30:
                break
            time.sleep(0.005)
        proc.kill()
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
    analysed = log.read_text().count("\n")
    assert 30 <= analysed < 60
    with MusicLibrary(path, readonly=True) as lib:
        assert len(lib) >= analysed - INDEX_BATCH_SIZE - 1


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "npz"])
def test_ctrl_c_with_two_jobs_stops_cleanly(forty_photos, tmp_path, fmt):
    """Ctrl-C as a terminal sends it (SIGINT to the whole process group) during
    `extract-image --jobs 2`: exit 130, no traceback from the parent or a worker, no
    leaked-semaphore warning, and a re-run resumes from the rows kept."""
    out = tmp_path / f"out.{fmt}"
    args = [sys.executable, "-m", "affect_features.cli", "extract-image", str(forty_photos),
            "-o", str(out), "--jobs", "2", "--no-progress", "--groups", "color"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env=_env(), start_new_session=True)
    try:
        deadline = time.monotonic() + PROC_TIMEOUT
        while time.monotonic() < deadline and proc.poll() is None:
            if fmt == "npz":  # rows are written at the end: wait for work to be going
                if len(_workers_of(proc.pid)) == 2:
                    time.sleep(0.3)
                    break
            elif os.path.exists(f"{out}.partial") and \
                    open(f"{out}.partial", "rb").read().count(b"\n") >= 3 + (fmt == "csv"):
                break
            time.sleep(0.005)
        assert proc.poll() is None, "the run ended before it could be interrupted"
        os.killpg(proc.pid, signal.SIGINT)
        err = proc.communicate(timeout=PROC_TIMEOUT)[1].decode()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130, err
    for bad in ("Traceback", "KeyError", "leaked", "Exception"):
        assert bad not in err, err
    assert "interrupted" in err
    if fmt != "npz":
        assert len(read_table(str(out))[1]) >= 3
    code = subprocess.run(args, capture_output=True, env=_env(),
                          timeout=PROC_TIMEOUT).returncode
    assert code == 0 and len(read_table(str(out))[1]) == 40


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_interrupted_index_exits_130(tmp_path, sig):
    music, path = tmp_path / "music", tmp_path / "lib.sqlite"
    music.mkdir()
    for i in range(80):
        (music / f"{i:02d}.wav").write_bytes(_wav_bytes(_tone(8.0, f=200 + 10 * i), 22050))
    proc = subprocess.Popen(
        [sys.executable, "-m", "affect_features.cli", "index", str(music), "--library",
         str(path), "--jobs", "2", "--no-progress"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_env(),
        start_new_session=True)
    try:
        deadline = time.monotonic() + PROC_TIMEOUT
        while time.monotonic() < deadline and proc.poll() is None:
            try:  # a few tracks committed: well inside the run
                if path.exists() and _n_tracks(path) >= 4:
                    break
            except sqlite3.Error:
                pass
            time.sleep(0.02)
        assert proc.poll() is None, "index ended before it could be interrupted"
        if sig == "SIGINT":
            os.killpg(proc.pid, signal.SIGINT)
        else:
            proc.send_signal(signal.SIGTERM)
        err = proc.communicate(timeout=PROC_TIMEOUT)[1].decode()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "interrupted" in err, err
    stored = _n_tracks(path)
    assert 4 <= stored < 80


# -- usage errors up front, real paths, safe display ---------------------------------

USAGE_CASES = [
    (["match", "--weights", "nan,1,1"], "--weights"),
    (["match", "--weights", "0,0,0"], "--weights"),
    (["match", "--weights", "-1,1,1"], "--weights"),
    (["extract-audio", "--offset", "-1", "-o", "{out}"], "--offset"),
    (["extract-audio", "--duration", "0", "-o", "{out}"], "--duration"),
    (["extract-audio", "--offset", "nan", "-o", "{out}"], "--offset"),
    (["extract-image", "--timeout", "nan", "-o", "{out}"], "--timeout"),
    (["extract-image", "--jobs", "-2", "-o", "{out}"], "--jobs"),
    (["predict", "--image-model", "{missing}"], "missing.npz"),
    (["match", "--model", "{missing}"], "missing.npz"),
]


@pytest.mark.parametrize("args, named", USAGE_CASES,
                         ids=[" ".join(a[:3]) for a, _ in USAGE_CASES])
def test_usage_errors_come_before_any_file(photo, tmp_path, args, named, affect_main):
    """A bad option is one line naming it, exit 2, before any file is read or written
    (never "some inputs failed" after the work, never once per file)."""
    out = tmp_path / "out.csv"
    args = [a.format(out=out, missing=tmp_path / "missing.npz") for a in args]
    code, _, err = affect_main([*args, photo, photo])
    assert code == 2, err
    _one_line_naming(err, named)
    assert not out.exists() and not os.path.exists(f"{out}.partial")


def test_one_file_by_two_names_gives_one_row(photo, tmp_path, affect_main, monkeypatch):
    monkeypatch.chdir(photo.parent)
    os.symlink(photo, tmp_path / "link.png")
    out = tmp_path / "out.csv"
    code, _, err = affect_main(["extract-image", photo, "photo.png", tmp_path / "link.png",
                                "./photo.png", "-o", out, "--jobs", "1", "--groups",
                                "color"])
    assert code == 0, err
    assert read_table(str(out))[1] == [str(photo)]


@pytest.mark.parametrize("kind", ["fifo", "zero_device"])
def test_explicit_path_that_is_not_a_regular_file_fails(photo, tmp_path, kind,
                                                        affect_main):
    node = tmp_path / "odd.png"
    _make_node(node, kind)
    out = tmp_path / "out.csv"
    code, _, err = affect_main(["extract-image", photo, node, "-o", out, "--jobs", "1",
                                "--groups", "color"])
    assert code == 1, err
    lines = [l for l in err.splitlines() if str(node) in l]
    assert len(lines) == 1 and "not a regular file" in lines[0]
    assert read_table(str(out))[1] == [str(photo)]


def test_control_characters_are_escaped_in_tables_not_in_json(tmp_path, photo,
                                                             small_model, affect_main):
    """Tags and file names holding terminal escapes: escaped in the table, kept exactly
    in JSON."""
    path = tmp_path / "lib.sqlite"
    title = "red\x1b[31m\x07bell"
    song = "/music/new\nline\x1b]0;owned\x07.mp3"
    with MusicLibrary(path) as lib:
        lib.upsert_many([{"path": song, "title": title, "artist": "x\x1b[2J",
                          "valence": 0.1, "arousal": 0.1, "dominance": 0.1}])
    model = ["--model", small_model[0]]
    code, out, err = affect_main(["match", "--library", path, photo, "-k", "1", *model])
    assert code == 0, err
    assert "\x1b" not in out and "\x07" not in out
    assert "red\\x1b[31m\\x07bell" in out
    code, out, err = affect_main(["match", "--library", path, photo, "-k", "1",
                                  "--format", "jsonl", *model])
    assert code == 0, err
    s = json.loads(out.splitlines()[0])["songs"][0]
    assert s["title"] == title and s["path"] == song
