"""Load any music or video soundtrack as mono float32 at a chosen rate, offline.

Decoding follows `librosa.load` so features match the published extractors bit for bit:
libsndfile (wav/flac/ogg/mp3) as float32, otherwise FFmpeg (PyAV) as int16 / 32768 like
librosa's audioread path (mp4/m4a/aac/...); channels averaged; resampled with soxr_hq.
Lossless tracks decode identically; lossy ones (aac) can differ by 1 LSB between FFmpeg builds.
"""

from __future__ import annotations

from pathlib import Path

import av
import librosa
import numpy as np
import soundfile as sf

RESAMPLE_TYPE = "soxr_hq"  # librosa.load's default


def _read_soundfile(path: Path) -> tuple[np.ndarray, int]:
    """(channels, samples) float32 through libsndfile, exactly as librosa.load reads it."""
    with sf.SoundFile(path) as f:
        data = f.read(dtype="float32", always_2d=True)
        return data.T, f.samplerate


def _read_ffmpeg(path: Path) -> tuple[np.ndarray, int]:
    """(channels, samples) float32 from the first audio stream, int16-scaled like audioread."""
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise ValueError(f"{path}: no audio stream")
            stream = container.streams.audio[0]
            native_sr = stream.codec_context.sample_rate
            resampler = av.AudioResampler(format="s16", layout=stream.codec_context.layout.name, rate=native_sr)
            chunks = [
                out.to_ndarray().reshape(-1)
                for frame in container.decode(stream)
                for out in resampler.resample(frame)
            ]
            chunks += [out.to_ndarray().reshape(-1) for out in resampler.resample(None)]
            n_channels = stream.codec_context.channels
    except av.error.FFmpegError as exc:
        raise ValueError(f"{path}: not a readable audio or video file ({exc})") from exc
    interleaved = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)
    return (interleaved.reshape(-1, n_channels).T / np.float32(32768.0)).astype(np.float32), native_sr


def load_audio(path: str | Path, sr: int) -> np.ndarray:
    """Decode `path` to a mono float32 signal at `sr` Hz (same samples as `librosa.load(path, sr=sr)`).

    Raises FileNotFoundError for a missing file and ValueError, naming the file, for an empty,
    corrupt or sample-less file, one without an audio stream, or non-finite samples.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"audio file not found: {path}")
    if int(sr) != sr or sr <= 0:
        raise ValueError(f"{path}: target sample rate must be a positive integer, got {sr!r}")
    if path.stat().st_size == 0:
        raise ValueError(f"{path}: empty file")
    try:
        channels, native_sr = _read_soundfile(path)
    except sf.LibsndfileError:
        channels, native_sr = _read_ffmpeg(path)
    if channels.shape[-1] == 0:
        raise ValueError(f"{path}: the audio holds no samples")
    if not np.isfinite(channels).all():
        raise ValueError(f"{path}: audio contains NaN or infinite samples")
    mono = librosa.to_mono(channels)
    if native_sr != sr:
        mono = librosa.resample(mono, orig_sr=native_sr, target_sr=int(sr), res_type=RESAMPLE_TYPE)
    return np.ascontiguousarray(mono, dtype=np.float32)
