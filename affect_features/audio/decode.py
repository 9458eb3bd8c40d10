"""Decoding audio files and arrays into one canonical mono signal.

Everything the audio wing computes starts from :func:`load_audio`, which turns a path or
an array into a mono ``float32`` signal at the analysis rate (22,050 Hz by default).

Files are decoded with PyAV, which bundles its own FFmpeg: WAV, FLAC, OGG/Vorbis,
Opus, MP3, M4A/AAC, AIFF and the other formats FFmpeg reads all decode on a machine
without a system FFmpeg. The channels are averaged (mono mix-down) and the signal is
resampled with soxr, once, on the whole window (see :class:`_Collector` for why not
with FFmpeg's resampler frame by frame).

The analysis window
-------------------
A long track is analysed on a bounded window, so that cost and memory do not grow with
the file: by default :data:`DEFAULT_MAX_DURATION` (30) seconds centred on the middle of
the track (the length comes from the container or stream header). The decoder seeks
to the window and decodes only what it needs. A track no longer than the window is
analysed whole. ``offset`` and ``duration`` choose the window explicitly.

Files whose decoded samples contain NaN or inf (a damaged 32-bit float WAV) have
those samples replaced by 0; a cut file (much shorter than its header declares), an
empty file, one with no audio stream or no decodable sample raise
:class:`~affect_features.errors.DecodeError` naming the file.

Arrays
------
An array is ``(n,)`` mono or ``(channels, n)`` multichannel, channels first as in
librosa (``soundfile.read`` returns ``(n, channels)``: pass its transpose). Integer
arrays are scaled by their type's range; floats are taken as they are (nominally in
[-1, 1]; only absurd values beyond +-:data:`MAX_SAMPLE` = 1e4 are clipped, in files
too). Arrays containing NaN or inf are refused. The array's rate is
given as ``orig_sr``; arrays at another rate are resampled with soxr (high quality).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..errors import DecodeError, ParameterError

__all__ = ["load_audio", "read_tags", "check_window", "DEFAULT_MAX_DURATION", "AUDIO_EXTENSIONS",
           "MAX_SAMPLE", "as_mono_float32"]

#: Length in seconds of the default analysis window (centred on the track's middle).
#: The 4Q clips (Panda et al. 2018) that the models are trained on are 30-s previews.
DEFAULT_MAX_DURATION = 30.0

#: The suffixes collected as audio: one registry, :mod:`affect_features.media`.
from ..media import AUDIO_EXTENSIONS

# Decode this much before the window when seeking: MP3 and AAC frames depend on the
# previous frame (bit reservoir, overlapped MDCT), so the first frame after a seek can be
# wrong; it is decoded and discarded.
_PREROLL = 0.2

#: Float samples are clipped to +-this (80 dB above full scale; no recording comes near):
#: beyond about 1e16 the power spectra would overflow float32 and every spectral
#: descriptor would be lost, so absurd input is bounded to a defined, finite analysis.
MAX_SAMPLE = 1e4

# A decoded stream that ends this much before the length its header declares
# (max of an absolute and a relative tolerance) is reported as truncated. Headers of
# constant-bit-rate MP3 without a Xing frame are estimated from the file size, and may
# be off by tag bytes; anything beyond this is a cut file.
_TRUNCATION_TOL_S = 1.0
_TRUNCATION_TOL_REL = 0.1


def check_window(offset=None, duration=None, max_duration=None) -> None:
    """Check an analysis window: `offset` >= 0, `duration` and `max_duration` > 0 seconds,
    each finite or None (the one rule: the decoder, ``extract_to_table`` and the
    ``--offset``/``--duration`` options all apply this).

    Raises
    ------
    ParameterError
        Naming the first bad value.
    """
    if offset is not None and (not np.isfinite(offset) or offset < 0):
        raise ParameterError(f"offset must be a finite number of seconds >= 0, got {offset!r}")
    if duration is not None and (not np.isfinite(duration) or duration <= 0):
        raise ParameterError(f"duration must be a finite number of seconds > 0, got {duration!r}")
    if max_duration is not None and (not np.isfinite(max_duration) or max_duration <= 0):
        raise ParameterError(
            f"max_duration must be a finite number of seconds > 0 or None, got {max_duration!r}")


def _window(total: float | None, offset, duration, max_duration) -> tuple[float, float | None]:
    """Start and length (None: to the end) of the analysis window, in seconds."""
    if offset is None and duration is None:
        if max_duration is None:
            return 0.0, None
        if total is not None and total > max_duration:
            return (total - max_duration) / 2.0, float(max_duration)
        return 0.0, float(max_duration)
    start = float(offset or 0.0)
    if duration is not None:
        return start, float(duration)
    return start, (None if max_duration is None else float(max_duration))


def as_mono_float32(y, *, orig_sr: float | None = None) -> np.ndarray:
    """Convert an audio array to a contiguous mono ``float32`` signal.

    Parameters
    ----------
    y : ndarray, shape (n,) or (channels, n)
        Float or integer samples, channels first (librosa's convention).
    orig_sr : float, optional
        Only used for error messages.

    Returns
    -------
    mono : ndarray of float32, shape (n,)
        The mean of the channels. Integer input is scaled to [-1, 1).
    """
    arr = np.asarray(y)
    if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.floating)
                                 or np.issubdtype(arr.dtype, np.integer)):
        raise ParameterError(f"unsupported audio dtype {arr.dtype}")
    if arr.ndim == 2:
        if arr.shape[0] > arr.shape[1]:
            raise ParameterError(
                f"audio array of shape {arr.shape} has more channels than samples; arrays "
                "are (channels, n) as in librosa (transpose a soundfile array with .T)")
    elif arr.ndim != 1:
        raise ParameterError(f"expected an audio array of shape (n,) or (channels, n), "
                             f"got shape {arr.shape}")
    if arr.shape[-1] == 0 or arr.size == 0:
        raise ParameterError("audio array has no samples")
    if np.issubdtype(arr.dtype, np.floating) and not np.all(np.isfinite(arr)):
        raise ParameterError("audio array contains NaN or inf")
    return _mixdown(_bounded(arr))


def _bounded(y: np.ndarray) -> np.ndarray:
    """Float `y` with samples beyond +-:data:`MAX_SAMPLE` clipped (a copy only if needed).

    NaN and inf (possible in a damaged float file) become 0. Integers pass unchanged.
    """
    if not np.issubdtype(y.dtype, np.floating) or y.size == 0:
        return y
    if not np.all(np.isfinite(y)):
        y = np.nan_to_num(y, nan=0.0, posinf=0.0, neginf=0.0)
    if float(np.max(np.abs(y))) > MAX_SAMPLE:
        y = np.clip(y, -MAX_SAMPLE, MAX_SAMPLE)
    return y


def _mixdown(arr: np.ndarray) -> np.ndarray:
    """(n,) or (channels, n) float or integer samples -> (n,) float32, channel mean.

    Channels are averaged before any conversion to float, in buffered float32 (float64
    for float64 input), so a long integer stream is never copied whole as floats.
    """
    if arr.ndim == 2:
        acc = np.float64 if arr.dtype == np.float64 else np.float32
        f = arr.mean(axis=0, dtype=acc) if arr.shape[0] > 1 else arr[0]
    else:
        f = arr
    if np.issubdtype(arr.dtype, np.integer):
        info = np.iinfo(arr.dtype)
        scale = float(-int(info.min)) if info.min < 0 else (float(info.max) + 1.0) / 2.0
        offset = 0.0 if info.min < 0 else scale  # unsigned PCM is centred on half range
        f = (np.asarray(f, dtype=np.float64 if info.bits > 16 else np.float32) - offset) / scale
    return np.ascontiguousarray(f, dtype=np.float32)


def _resample(y: np.ndarray, orig_sr: float, sr: float) -> np.ndarray:
    if orig_sr == sr:
        return y
    import soxr
    out = soxr.resample(y, orig_sr, sr, quality="HQ")
    return np.ascontiguousarray(out, dtype=np.float32)


def _load_array(y, *, sr, orig_sr, offset, duration, max_duration) -> np.ndarray:
    if orig_sr is None:
        raise ParameterError("an audio array needs its sampling rate (orig_sr / sr)")
    if not np.isfinite(orig_sr) or orig_sr <= 0:
        raise ParameterError(f"sampling rate must be > 0, got {orig_sr!r}")
    mono = as_mono_float32(y, orig_sr=orig_sr)
    total = mono.shape[0] / float(orig_sr)
    start, length = _window(total, offset, duration, max_duration)
    i0 = int(round(start * orig_sr))
    if i0 >= mono.shape[0]:
        raise ParameterError(f"offset {start:g} s is beyond the end of the signal "
                             f"({total:.3f} s)")
    i1 = mono.shape[0] if length is None else min(mono.shape[0],
                                                   i0 + int(round(length * orig_sr)))
    mono = mono[i0:max(i1, i0 + 1)]
    out = _resample(mono, float(orig_sr), float(sr))
    if np.shares_memory(out, np.asarray(y)):  # never hand back (a view of) the caller's array
        out = out.copy()
    return out


def _stat_or_raise(path: Path) -> None:
    try:
        st = path.stat()
    except OSError as exc:
        raise DecodeError(path, (exc.strerror or str(exc)).lower()) from None
    if path.is_dir():
        raise DecodeError(path, "is a directory")
    if st.st_size == 0:
        raise DecodeError(path, "empty file")


def _av_reason(exc: Exception) -> str:
    """A short reason from a PyAV/FFmpeg exception (no path, no errno noise)."""
    msg = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    msg = str(msg).strip().rstrip(".")
    return msg[:1].lower() + msg[1:]


def _open(path: Path):
    import av
    try:
        return av.open(str(path), mode="r", metadata_errors="ignore")
    except av.FFmpegError as exc:
        if isinstance(exc, av.EOFError):
            raise DecodeError(path, "unexpected end of file (truncated?)") from None
        if isinstance(exc, av.InvalidDataError):
            raise DecodeError(path, "not a recognised audio file (invalid data)") from None
        raise DecodeError(path, _av_reason(exc)) from None
    except (OSError, ValueError, UnicodeError) as exc:
        raise DecodeError(path, _av_reason(exc)) from None


def _declared_duration(container, stream) -> float | None:
    """Length of the audio stream in seconds from the headers (None if unknown)."""
    if stream.duration is not None and stream.time_base is not None:
        d = float(stream.duration * stream.time_base)
        if d > 0:
            return d
    if container.duration is not None and container.duration > 0:
        return container.duration / 1_000_000.0
    return None


_SAMPLE_DTYPES = {"u8": np.uint8, "s16": np.int16, "s32": np.int32, "s64": np.int64,
                  "flt": np.float32, "dbl": np.float64}


class _Collector:
    """Accumulates decoded frames and returns them as one mono float32 signal.

    Each frame's samples are copied out as bytes at once (which lets FFmpeg reuse the
    frame's buffer), grouped by sample format, channel count and rate (a new group if
    the stream changes midway), and converted once at the end: channels averaged in
    numpy, the rate converted with soxr. PyAV's :class:`av.AudioResampler` would do the
    same in FFmpeg, but it runs a filter graph per frame whose overhead (about 0.1 ms
    per 1152-sample MP3 frame, measured) alone exceeds the analysis budget of a
    44.1 kHz file; an :class:`av.AudioFifo` costs 7 us per frame, the copy here 1 us.
    """

    def __init__(self, sr: int):
        self.sr = sr
        self.groups: list[tuple[tuple, list[list[bytes]]]] = []
        self._key = None
        self._chans: list[list[bytes]] = []
        self._bytes_per_sample = 0  # per plane

    def add(self, frame) -> None:
        n = frame.samples
        if n <= 0:
            return
        fmt = frame.format
        key = (fmt.name, frame.layout.nb_channels, frame.sample_rate)
        if key != self._key:
            planar = fmt.is_planar
            n_ch = key[1]
            self._chans = [[] for _ in range(n_ch if planar else 1)]
            self.groups.append(((fmt.name, planar, n_ch, key[2]), self._chans))
            self._bytes_per_sample = fmt.bytes * (1 if planar else n_ch)
            self._key = key
        nb = n * self._bytes_per_sample
        for chan, plane in zip(self._chans, frame.planes):
            chan.append(bytes(memoryview(plane)[:nb]))

    def signal(self) -> np.ndarray:
        ys = []
        for (name, planar, n_ch, rate), chans in self.groups:
            dtype = _SAMPLE_DTYPES.get(name.rstrip("p"))
            if dtype is None:
                raise ValueError(f"unsupported sample format {name}")
            if planar and len(chans) == 1:
                arr = np.frombuffer(b"".join(chans[0]), dtype=dtype)
            elif planar:
                arr = np.stack([np.frombuffer(b"".join(c), dtype=dtype) for c in chans])
            else:
                arr = np.frombuffer(b"".join(chans[0]), dtype=dtype).reshape(-1, n_ch).T
            ys.append(_resample(_mixdown(_bounded(arr)), float(rate or self.sr),
                                float(self.sr)))
        if not ys:
            return np.zeros(0, np.float32)
        return np.concatenate(ys) if len(ys) > 1 else ys[0]


def _check_wav_length(path: Path) -> None:
    """Refuse a RIFF/WAVE file with fewer data bytes than its ``data`` chunk declares.

    FFmpeg (like libsndfile) silently shortens a cut WAV to the bytes present, so the
    header is checked here. Streaming writers that leave the size at 0 or 0xFFFFFFFF
    are not checked.
    """
    import struct
    try:
        with open(path, "rb") as fh:
            head = fh.read(12)
            if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
                return
            byte_rate = None
            while True:
                chunk = fh.read(8)
                if len(chunk) < 8:
                    return
                cid, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
                if cid == b"fmt ":
                    fmt = fh.read(min(size, 16))
                    if len(fmt) >= 12:
                        byte_rate = struct.unpack("<I", fmt[8:12])[0]
                    fh.seek(size - len(fmt) + (size & 1), os.SEEK_CUR)
                elif cid == b"data":
                    if size in (0, 0xFFFFFFFF) or not byte_rate:
                        return
                    present = os.fstat(fh.fileno()).st_size - fh.tell()
                    declared_s, present_s = size / byte_rate, max(present, 0) / byte_rate
                    tol = max(_TRUNCATION_TOL_S, _TRUNCATION_TOL_REL * declared_s)
                    if present_s < declared_s - tol:
                        raise DecodeError(path, f"truncated: the header declares "
                                                f"{declared_s:.2f} s of audio but the file "
                                                f"holds {present_s:.2f} s")
                    return
                else:
                    fh.seek(size + (size & 1), os.SEEK_CUR)
    except OSError:
        return


def _decode_file(path: Path, *, sr: int, offset, duration, max_duration) -> np.ndarray:
    import av

    _stat_or_raise(path)
    _check_wav_length(path)
    container = _open(path)
    try:
        audio_streams = container.streams.audio
        if not audio_streams:
            raise DecodeError(path, "no audio stream")
        stream = audio_streams[0]
        if stream.codec_context is None or stream.codec_context.name is None:
            raise DecodeError(path, "no decoder for the audio stream")
        total = _declared_duration(container, stream)
        # Times are relative to the stream's first sample: MP3 and AAC streams start
        # after the encoder delay (e.g. at 0.05 s), and that is the file's time 0.
        origin = 0.0
        if stream.start_time is not None and stream.time_base is not None:
            origin = float(stream.start_time * stream.time_base)
        start, length = _window(total, offset, duration, max_duration)
        if total is not None and start >= total:
            raise ParameterError(f"{path}: offset {start:g} s is beyond the end of the "
                                 f"track ({total:.2f} s)")

        seek_to = start - _PREROLL
        seeked = False
        if seek_to > 0:
            try:
                container.seek(int((seek_to + origin) * 1_000_000), backward=True,
                               any_frame=False)
                seeked = True
            except (av.FFmpegError, OSError, ValueError):
                container.close()  # unseekable: decode from the start and discard
                container = _open(path)
                stream = container.streams.audio[0]

        collector = _Collector(sr)
        first_time = None   # start time (s) of the first collected frame
        clock = None        # running end time of the previous frame, for frames with no pts
        end_time = None     # end time of the last decoded frame
        n_errors = n_packets = 0
        want_end = None if length is None else start + length
        reached_eof = True
        for packet in container.demux(stream):
            n_packets += 1
            try:
                frames = packet.decode()
            except av.FFmpegError:
                # A damaged packet: FFmpeg itself skips it and goes on; so do we.
                n_errors += 1
                continue
            for frame in frames:
                n = frame.samples
                rate = frame.sample_rate or sr
                t0 = frame.time
                if t0 is not None:
                    t0 -= origin
                else:
                    t0 = clock if clock is not None else (seek_to if seeked else 0.0)
                t1 = t0 + n / float(rate)
                clock = end_time = t1
                if t1 <= start:
                    continue
                if first_time is None:
                    first_time = t0
                collector.add(frame)
            if want_end is not None and end_time is not None and end_time >= want_end + 0.05:
                reached_eof = False
                break
        y = collector.signal()

        if y.shape[0] == 0:
            if n_packets and n_errors == n_packets:
                raise DecodeError(path, "no decodable audio (every packet is damaged)")
            if seeked or start > 0:
                raise DecodeError(path, f"no audio samples after {start:.2f} s "
                                        "(file truncated?)")
            raise DecodeError(path, "no audio samples")

        if reached_eof and total is not None and end_time is not None:
            expected_end = total if want_end is None else min(total, want_end)
            tol = max(_TRUNCATION_TOL_S, _TRUNCATION_TOL_REL * (expected_end - start))
            if end_time < expected_end - tol:
                raise DecodeError(path, f"truncated: the header declares {total:.2f} s of "
                                        f"audio but it ends at {end_time:.2f} s")
    except av.FFmpegError as exc:
        raise DecodeError(path, _av_reason(exc)) from None
    finally:
        container.close()

    skip = max(0, int(round((start - first_time) * sr)))
    y = y[skip:]
    if length is not None:
        y = y[:int(round(length * sr))]
    if y.shape[0] == 0:
        raise DecodeError(path, "no audio samples in the analysis window")
    if not y.flags.writeable or not y.flags.c_contiguous:
        y = np.array(y, dtype=np.float32)
    return y


def load_audio(source, *, sr: int = 22050, orig_sr: float | None = None,
               offset: float | None = None, duration: float | None = None,
               max_duration: float | None = DEFAULT_MAX_DURATION) -> tuple[np.ndarray, int]:
    """Read an audio file (or take an array) as a mono float32 signal at rate `sr`.

    Parameters
    ----------
    source : str, os.PathLike or ndarray
        A path to an audio file in any format FFmpeg reads, or an array of shape
        ``(n,)`` or ``(channels, n)`` (channels first, as in librosa).
    sr : int, optional
        Output sampling rate (default 22,050 Hz).
    orig_sr : float, optional
        Sampling rate of an array `source` (required for arrays, ignored for files).
    offset : float, optional
        Start of the analysis window in seconds.
    duration : float, optional
        Length of the analysis window in seconds.
    max_duration : float or None, optional
        Length of the default window (when neither `offset` nor `duration` is given:
        centred on the track's middle), or of the window from `offset` when only
        `offset` is given. ``None`` reads the whole track. Default 30 s.

    Returns
    -------
    y : ndarray of float32, shape (n,)
        Mono signal, the mean of the channels.
    sr : int
        Its sampling rate (= the `sr` argument).

    Raises
    ------
    DecodeError
        If the file is missing, empty, a directory, not audio, has no audio stream,
        is truncated (decodes to much less than its header declares) or yields no
        samples. The message names the file.
    ParameterError
        For invalid arguments, arrays with NaN/inf or no samples, or an offset beyond
        the end.

    Examples
    --------
    >>> import numpy as np
    >>> y, sr = load_audio(np.zeros((2, 44100)), orig_sr=44100)
    >>> y.shape, y.dtype, sr
    ((22050,), dtype('float32'), 22050)
    """
    if not isinstance(sr, (int, np.integer)) or isinstance(sr, bool) or sr <= 0:
        raise ParameterError(f"sr must be a positive integer, got {sr!r}")
    check_window(offset, duration, max_duration)
    if isinstance(source, (str, os.PathLike)):
        y = _decode_file(Path(source), sr=int(sr), offset=offset, duration=duration,
                         max_duration=max_duration)
    else:
        y = _load_array(source, sr=int(sr), orig_sr=orig_sr, offset=offset,
                        duration=duration, max_duration=max_duration)
    return y, int(sr)


def read_tags(path) -> dict:
    """Title, artist, album (and genre, date, duration) of an audio file.

    Tags are read from the container's metadata (ID3 for MP3, iTunes atoms for M4A)
    and from the audio stream's (Vorbis comments in OGG and FLAC), container first.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    tags : dict
        Keys ``title``, ``artist``, ``album``, ``genre``, ``date`` (str or None) and
        ``duration`` (seconds from the header, float or None).

    Raises
    ------
    DecodeError
        If the file cannot be opened as a media file or has no audio stream.
    """
    path = Path(path)
    _stat_or_raise(path)
    container = _open(path)
    try:
        if not container.streams.audio:
            raise DecodeError(path, "no audio stream")
        stream = container.streams.audio[0]
        meta: dict[str, str] = {}
        for source in (stream.metadata, container.metadata):  # container wins
            for k, v in dict(source or {}).items():
                if isinstance(v, str) and v.strip():
                    meta[k.lower()] = v.strip()
        duration = _declared_duration(container, stream)
    finally:
        container.close()
    return {
        "title": meta.get("title"),
        "artist": meta.get("artist") or meta.get("album_artist"),
        "album": meta.get("album"),
        "genre": meta.get("genre"),
        "date": meta.get("date") or meta.get("year"),
        "duration": duration,
    }
