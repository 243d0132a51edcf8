"""models.music.features: the EDGE 35-d feature against LODGE's golden extraction and on real music."""

import shutil

import librosa
import numpy as np
import pytest
from librosa.feature.rhythm import tempo as librosa_tempo

from models.music import (
    EDGE_FEATURE_DIM,
    aist_music_bpm,
    analysis_sr,
    beat_onehot,
    edge_features_from_signal,
    edge_music_features,
    edge_start_bpm,
    load_audio,
    onset_envelope,
    track_beats,
)
from models.music.features import BEAT_COL, CHROMA_COLS, ENVELOPE_COL, MFCC_COLS, PEAK_COL
from tests.golden import FIXTURES, GOLDEN, golden_json

CASE_F = GOLDEN / "caseF"
TRUMPET = FIXTURES / "music" / "sorohanro_-_solo-trumpet-06.ogg"
VIBE_ACE = FIXTURES / "music" / "Kevin_MacLeod_-_Vibe_Ace_first12s.ogg"
GOLDEN_F = golden_json("caseF", "golden_lodge_caseF.json")["lodge_extract_musicfea35"]


@pytest.mark.parametrize("song", ["211", "193", "179", "065", "137", "161"])
def test_matches_lodge_extract_musicfea35_golden(song):
    """LODGE @a898e59 extract_musicfea35.py with librosa 0.11.0 on the caseF click tracks (sr 15360)."""
    golden = GOLDEN_F[f"{song}.npy"]
    feats = edge_music_features(CASE_F / "inputs" / "wav" / f"{song}.wav")
    assert feats.dtype == np.float32
    assert list(feats.shape) == golden["shape"]
    assert np.flatnonzero(feats[:, BEAT_COL]).tolist() == golden["beat_frames"]
    assert np.flatnonzero(feats[:, PEAK_COL]).tolist() == golden["onset_peak_frames"]
    np.testing.assert_allclose(feats[0], golden["row0"], rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize(("fps", "hop"), [(30, 512), (24, 512), (60, 256)])
def test_frame_count_and_columns_at_any_fps(fps, hop):
    feats = edge_music_features(VIBE_ACE, fps=fps, hop_length=hop)
    sr = analysis_sr(fps, hop)
    y = load_audio(VIBE_ACE, sr)
    assert feats.shape == (1 + len(y) // hop, EDGE_FEATURE_DIM)
    env = onset_envelope(y, sr, hop)
    np.testing.assert_array_equal(feats[:, ENVELOPE_COL], env)
    mfcc = librosa.feature.mfcc(y=y, sr=sr, n_mfcc=20, hop_length=hop).T
    np.testing.assert_allclose(feats[:, MFCC_COLS], mfcc, rtol=1e-6, atol=1e-4)
    chroma = feats[:, CHROMA_COLS]
    assert chroma.min() >= 0 and np.allclose(np.linalg.norm(chroma, axis=1), 1, atol=1e-4)  # CENS is L2-normed
    start_bpm = edge_start_bpm(VIBE_ACE)
    beats = track_beats(env, sr, hop, start_bpm=start_bpm)
    expected_count = len(y) / sr * start_bpm / 60
    assert abs(len(beats) - expected_count) <= 0.25 * expected_count  # the tracker follows the seeded tempo
    np.testing.assert_array_equal(feats[:, BEAT_COL], beat_onehot(beats, len(feats)))
    assert set(np.unique(feats[:, PEAK_COL])) == {0.0, 1.0}


def test_missing_tempo_is_estimated_as_edge_does():
    """EDGE: start_bpm = librosa tempo of a fresh librosa.load(f) (22050 Hz) when the name has no AIST++ id."""
    expected = librosa_tempo(y=librosa.load(VIBE_ACE)[0])[0]
    assert edge_start_bpm(VIBE_ACE) == pytest.approx(expected, rel=1e-12)


def test_aist_name_seeds_the_beat_tracker(tmp_path):
    aist_copy = tmp_path / "gWA_sBM_cAll_d25_mWA3_ch01.ogg"
    shutil.copy(TRUMPET, aist_copy)
    assert edge_start_bpm(aist_copy) == 110.0
    feats = edge_music_features(aist_copy)
    sr = analysis_sr(30)
    y = load_audio(TRUMPET, sr)
    np.testing.assert_array_equal(feats, edge_features_from_signal(y, sr, start_bpm=110.0))


@pytest.mark.parametrize(
    ("name", "bpm"),
    [
        ("gBR_sBM_cAll_d04_mBR0_ch01", 80.0),
        ("gJB_sFM_cAll_d09_mJB5_ch10.wav", 130.0),
        ("mHO5.wav", 135.0),
        ("gHO_sBM_cAll_d19_mHO0_ch01", 110.0),
        ("Kevin_MacLeod_-_Vibe_Ace.ogg", None),
        ("mXX1.wav", None),
    ],
)
def test_aist_music_bpm_follows_edge_name_rule(name, bpm):
    assert aist_music_bpm(name) == bpm


def test_bad_signal_is_rejected():
    y = load_audio(TRUMPET, 15360)
    y[10] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        edge_features_from_signal(y, 15360, start_bpm=90.0)
    with pytest.raises(ValueError, match="1-D"):
        edge_features_from_signal(np.zeros((2, 15360), np.float32), 15360, start_bpm=90.0)
    with pytest.raises(ValueError, match="positive integer sample rate"):
        edge_music_features(TRUMPET, fps=29.97)
