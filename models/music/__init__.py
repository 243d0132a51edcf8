"""Music features for dance generation and evaluation: EDGE 35-d feature, onset envelope, beats, tempo."""

from models.music.audio import load_audio
from models.music.beats import (
    Rhythm,
    analyse_rhythm,
    analysis_sr,
    beat_onehot,
    estimate_tempo,
    onset_envelope,
    track_beats,
)
from models.music.features import (
    EDGE_FEATURE_DIM,
    aist_music_bpm,
    edge_features_from_signal,
    edge_music_features,
    edge_start_bpm,
)
from models.music.reference_beats import bailando_music_beats, lodge_music_beats, mace2d_music_beats

__all__ = [
    "EDGE_FEATURE_DIM",
    "Rhythm",
    "aist_music_bpm",
    "analyse_rhythm",
    "analysis_sr",
    "bailando_music_beats",
    "beat_onehot",
    "edge_features_from_signal",
    "edge_music_features",
    "edge_start_bpm",
    "estimate_tempo",
    "load_audio",
    "lodge_music_beats",
    "mace2d_music_beats",
    "onset_envelope",
    "track_beats",
]
