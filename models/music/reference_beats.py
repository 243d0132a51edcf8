"""The music-beat pipelines behind published BAS numbers, reproduced exactly (motion_metrics.md §4).

Each returns beat indices on its own motion frame grid; the three disagree (fps, HPSS, tempo seed),
so a BAS is only comparable to the paper it came from when computed with that paper's pipeline.
"""

from __future__ import annotations

from pathlib import Path

import librosa
import numpy as np
from librosa.feature.rhythm import tempo as _librosa_tempo

from models.music.audio import load_audio
from models.music.beats import HOP_LENGTH, TIGHTNESS, onset_envelope, track_beats

BAILANDO_SR = 30720  # 60 fps at hop 512
LODGE_SR = 15360  # 30 fps at hop 512
LIBROSA_DEFAULT_SR = 22050  # what librosa assumes when `sr` is not passed
MACE2D_AUDIO_SR = 8320
MACE2D_FPS = 16
MACE2D_FRAMES = 64


def bailando_music_beats(path: str | Path) -> np.ndarray:
    """Bailando: 60-fps beat frames from the HPSS-percussive part, median-aggregated onsets, default tracker.

    The caller truncates to the T-1 velocity frames, as Bailando's BAS does.
    """
    y = load_audio(path, BAILANDO_SR)
    percussive = librosa.effects.hpss(y)[1]
    env = onset_envelope(percussive, BAILANDO_SR, HOP_LENGTH, aggregate=np.median)
    return track_beats(env, BAILANDO_SR, HOP_LENGTH)


def lodge_music_beats(path: str | Path) -> np.ndarray:
    """LODGE/FineDance BAS: 30-fps beat frames, tracker seeded by a tempo computed as if sr were 22050.

    The 15360-Hz signal is passed to librosa's tempo without `sr` (the reference's quirk, which
    inflates the seed by 22050/15360); the result is not truncated to the motion length.
    """
    y = load_audio(path, LODGE_SR)
    env = onset_envelope(y, LODGE_SR, HOP_LENGTH)
    start_bpm = float(_librosa_tempo(y=y, sr=LIBROSA_DEFAULT_SR)[0])
    return track_beats(env, LODGE_SR, HOP_LENGTH, start_bpm=start_bpm, tightness=TIGHTNESS)


def mace2d_music_beats(
    path: str | Path, audio_sr: int = MACE2D_AUDIO_SR, fps: int = MACE2D_FPS, n_frames: int | None = MACE2D_FRAMES
) -> np.ndarray:
    """MACE-Dance 2D: librosa's default beat_track at `audio_sr`, beat times truncated onto the `fps` grid.

    beat_track(y=..) aggregates mel bands by median; the video index is int(frame * hop / sr * fps).
    Returns the sorted unique video-frame indices below `n_frames` (None keeps all).
    """
    y = load_audio(path, audio_sr)
    env = onset_envelope(y, audio_sr, HOP_LENGTH, aggregate=np.median)
    frames = track_beats(env, audio_sr, HOP_LENGTH)
    video_idx = np.unique((frames * HOP_LENGTH / audio_sr * fps).astype(np.int64))
    return video_idx if n_frames is None else video_idx[video_idx < n_frames]
