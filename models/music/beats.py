"""Onset envelope, tempo and beat frames at any motion frame rate.

One analysis frame per motion frame: the signal is analysed at sr = fps * hop_length (EDGE: 30 fps
x 512 = 15360 Hz), so librosa's frame index is the motion frame index.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import librosa
import numpy as np
from librosa.feature.rhythm import tempo as _librosa_tempo

from models.music.audio import load_audio

HOP_LENGTH = 512
TIGHTNESS = 100.0  # librosa's default, also what EDGE/FineDance/LODGE pass explicitly
DEFAULT_START_BPM = 120.0


def analysis_sr(fps: float, hop_length: int = HOP_LENGTH) -> int:
    """Sample rate whose `hop_length` hop yields `fps` frames per second (fps * hop must be an integer)."""
    sr = fps * hop_length
    if not np.isfinite(sr) or sr <= 0 or sr != int(sr):
        raise ValueError(f"fps * hop_length must be a positive integer sample rate, got {fps} * {hop_length}")
    return int(sr)


def _check_1d(x: np.ndarray, what: str) -> np.ndarray:
    """Return `x` as a 1-D array after rejecting wrong shapes, emptiness and non-finite values."""
    x = np.asarray(x)
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"{what} must be a non-empty 1-D array, got shape {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError(f"{what} contains NaN or infinite values")
    return x


def onset_envelope(
    y: np.ndarray, sr: int, hop_length: int = HOP_LENGTH, aggregate: Callable | None = None
) -> np.ndarray:
    """Spectral-flux onset strength, 1 + len(y) // hop_length frames (librosa onset_strength).

    `aggregate` combines mel bands (None: mean, Bailando uses np.median).
    """
    y = _check_1d(y, "audio signal")
    return librosa.onset.onset_strength(y=y, sr=sr, hop_length=hop_length, aggregate=aggregate)


def estimate_tempo(
    onset_env: np.ndarray, sr: int, hop_length: int = HOP_LENGTH, start_bpm: float = DEFAULT_START_BPM
) -> float:
    """Global tempo (BPM) from the onset autocorrelation with librosa's log-normal prior at `start_bpm`."""
    onset_env = _check_1d(onset_env, "onset envelope")
    return float(_librosa_tempo(onset_envelope=onset_env, sr=sr, hop_length=hop_length, start_bpm=start_bpm)[0])


def track_beats(
    onset_env: np.ndarray,
    sr: int,
    hop_length: int = HOP_LENGTH,
    start_bpm: float = DEFAULT_START_BPM,
    tightness: float = TIGHTNESS,
) -> np.ndarray:
    """Beat frame indices (int64, ascending) by librosa's dynamic-programming beat tracker."""
    onset_env = _check_1d(onset_env, "onset envelope")
    _, frames = librosa.beat.beat_track(
        onset_envelope=onset_env, sr=sr, hop_length=hop_length, start_bpm=start_bpm, tightness=tightness
    )
    return np.asarray(frames, dtype=np.int64)


def beat_onehot(frames: np.ndarray, n_frames: int) -> np.ndarray:
    """float32 (n_frames,) vector with 1 at each beat frame; frames outside [0, n_frames) are dropped."""
    frames = np.asarray(frames, dtype=np.int64)
    onehot = np.zeros(n_frames, dtype=np.float32)
    onehot[frames[(frames >= 0) & (frames < n_frames)]] = 1.0
    return onehot


@dataclass(frozen=True)
class Rhythm:
    """Onset envelope, tempo and beats of one track on a motion frame grid."""

    fps: float
    onset_env: np.ndarray
    tempo_bpm: float
    beat_frames: np.ndarray

    @property
    def beat_times(self) -> np.ndarray:
        """Beat times in seconds."""
        return self.beat_frames / self.fps


def analyse_rhythm(
    path: str | Path, fps: float = 30.0, hop_length: int = HOP_LENGTH, start_bpm: float = DEFAULT_START_BPM
) -> Rhythm:
    """Load `path` at fps * hop and return its onset envelope, tempo and beats on the fps grid.

    The tempo (log-normal prior centred on `start_bpm`) seeds the beat tracker, as in EDGE's extractor.
    """
    sr = analysis_sr(fps, hop_length)
    env = onset_envelope(load_audio(path, sr), sr, hop_length)
    bpm = estimate_tempo(env, sr, hop_length, start_bpm)
    return Rhythm(fps=fps, onset_env=env, tempo_bpm=bpm, beat_frames=track_beats(env, sr, hop_length, bpm))
