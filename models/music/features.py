"""EDGE's 35-d "baseline" music feature (also FineDance pre_music.py, LODGE extract_musicfea35.py).

Per frame at sr = fps * hop (30 fps x 512 = 15360 Hz in the papers): onset envelope (1), MFCC (20),
chroma CENS (12), onset-peak one-hot (1), beat one-hot (1); 1 + floor(N / hop) frames.
"""

from __future__ import annotations

import re
from pathlib import Path

import librosa
import numpy as np

from models.music.audio import load_audio
from models.music.beats import (
    HOP_LENGTH,
    TIGHTNESS,
    analysis_sr,
    beat_onehot,
    estimate_tempo,
    onset_envelope,
    track_beats,
)

EDGE_FEATURE_DIM = 35
ENVELOPE_COL = 0
MFCC_COLS = slice(1, 21)
CHROMA_COLS = slice(21, 33)
PEAK_COL = 33
BEAT_COL = 34

_TEMPO_SR = 22050  # EDGE estimates a missing tempo from a fresh librosa.load at its default rate
_AIST_MUSIC = re.compile(r"^m(BR|PO|LO|MH|LH|WA|KR|JS|JB|HO)(\d)$")


def aist_music_bpm(name: str) -> float | None:
    """BPM encoded in an AIST++ music id (e.g. 'gBR_sBM_cAll_d04_mBR0_ch01' -> 80), else None.

    mBR/mPO/mLO/mMH/mLH/mWA/mKR/mJS/mJB: digit * 10 + 80; mHO: digit * 5 + 110.
    """
    for token in Path(name).stem.split("_"):
        match = _AIST_MUSIC.match(token)
        if match:
            digit = int(match.group(2))
            return float(digit * 5 + 110 if match.group(1) == "HO" else digit * 10 + 80)
    return None


def edge_start_bpm(path: str | Path) -> float:
    """Beat-tracker seed as EDGE chooses it: the AIST++ name's BPM, else librosa's tempo at 22050 Hz."""
    bpm = aist_music_bpm(Path(path).name)
    if bpm is not None:
        return bpm
    y = load_audio(path, _TEMPO_SR)
    return estimate_tempo(onset_envelope(y, _TEMPO_SR, HOP_LENGTH), _TEMPO_SR, HOP_LENGTH)


def edge_features_from_signal(y: np.ndarray, sr: int, start_bpm: float, hop_length: int = HOP_LENGTH) -> np.ndarray:
    """(1 + len(y) // hop_length, 35) float32 EDGE feature of a mono signal sampled at `sr` = fps * hop."""
    env = onset_envelope(y, sr, hop_length)
    mfcc = librosa.feature.mfcc(y=y, sr=sr, n_mfcc=20, hop_length=hop_length).T
    chroma = librosa.feature.chroma_cens(y=y, sr=sr, hop_length=hop_length, n_chroma=12).T
    peaks = librosa.onset.onset_detect(onset_envelope=env, sr=sr, hop_length=hop_length)
    beats = track_beats(env, sr, hop_length, start_bpm=start_bpm, tightness=TIGHTNESS)
    n = env.shape[0]
    return np.concatenate(
        [env[:, None], mfcc, chroma, beat_onehot(peaks, n)[:, None], beat_onehot(beats, n)[:, None]], axis=1
    ).astype(np.float32)


def edge_music_features(
    path: str | Path, fps: float = 30.0, hop_length: int = HOP_LENGTH, start_bpm: float | None = None
) -> np.ndarray:
    """EDGE 35-d feature of an audio/video file at `fps` frames per second (EDGE/FineDance: fps=30).

    `start_bpm` seeds the beat tracker; None chooses it as EDGE does (see `edge_start_bpm`).
    EDGE itself keeps the first 5 * fps rows of each 5-s slice; this returns every frame.
    """
    sr = analysis_sr(fps, hop_length)
    y = load_audio(path, sr)
    bpm = edge_start_bpm(path) if start_bpm is None else float(start_bpm)
    return edge_features_from_signal(y, sr, bpm, hop_length)
