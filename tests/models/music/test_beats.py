"""models.music.beats and reference_beats: tempo and beats at any fps, and the BAS music-beat pipelines."""

import json
from pathlib import Path

import numpy as np
import pytest

from models.music import (
    analyse_rhythm,
    analysis_sr,
    bailando_music_beats,
    beat_onehot,
    estimate_tempo,
    lodge_music_beats,
    mace2d_music_beats,
    onset_envelope,
    track_beats,
)
from tests.golden import FIXTURES, GOLDEN, golden_json

CASE_F = GOLDEN / "caseF"
CASE_M1 = GOLDEN / "caseM1"
TRUMPET = FIXTURES / "music" / "sorohanro_-_solo-trumpet-06.ogg"
TRUMPET_NOTATED_BPM = 90.0  # sorohanro_-_solo-trumpet-06.txt: "Jazz Trumpet Loops Pack in F 90 bpm"
CLICK_SONGS = {s["id"]: s for s in json.loads((CASE_F / "inputs" / "meta.json").read_text())["songs"]}


def _click_wav(song: str) -> Path:
    return CASE_F / "inputs" / "wav" / f"{song}.wav"


@pytest.mark.parametrize("song", ["211", "193", "179", "065", "137", "161"])
def test_lodge_beats_match_golden_bas_music_beats(song):
    """LODGE @a898e59 metric/beat_align_score.py get_music_beat_fromwav, run on caseF (GT and pred share music)."""
    golden = golden_json("caseF", "golden_lodge_caseF.json")["BAS"]
    for side in ("gt_per_sequence", "pred_per_sequence"):
        (entry,) = [e for e in golden[side] if e["name"] == song]
        assert lodge_music_beats(_click_wav(song)).tolist() == entry["music_beats"]


def test_mace2d_beats_match_golden_from_mp4_soundtracks():
    """MACE-Dance @8f92d12 calculate_metric.py on caseM1: GT audio read from the .mp4 at 8320 Hz, 16-fps grid."""
    golden = golden_json("caseM1", "golden_mace2d_caseM1.json")
    for stem, expected in golden["music_beat_vectors_64"].items():
        mp4 = CASE_M1 / "inputs" / "Data" / "GT" / f"{stem}.mp4"
        assert mace2d_music_beats(mp4).tolist() == expected
        raw = np.array(golden["librosa_beat_track_raw"][stem]["beat_frames"])
        all_idx = mace2d_music_beats(mp4, n_frames=None)
        assert all_idx.tolist() == sorted({int(t * 16) for t in raw * 512 / 8320})


@pytest.mark.parametrize("song", ["211", "065"])
def test_bailando_beats_follow_the_click_period_at_60fps(song):
    meta = CLICK_SONGS[song]
    beats = bailando_music_beats(_click_wav(song))
    period = 60 * 60 / meta["bpm"]  # frames per beat on Bailando's 60-fps grid
    assert abs(np.median(np.diff(beats)) - period) <= 1
    phase_err = (beats / 60 - meta["phase_s"] + period / 120) % (period / 60) - period / 120
    assert np.median(np.abs(phase_err)) * 60 <= 2


@pytest.mark.parametrize("fps", [20, 30, 60])
@pytest.mark.parametrize("song", ["211", "193", "065"])
def test_click_track_tempo_and_beats_at_any_fps(song, fps):
    meta = CLICK_SONGS[song]
    rhythm = analyse_rhythm(_click_wav(song), fps=fps)
    period = 60 * fps / meta["bpm"]  # frames per beat
    assert rhythm.onset_env.shape == (1 + int(meta["dur_s"] * fps),)  # 1 + floor(N / hop), N = dur * fps * hop
    # tempo is quantised to an integer autocorrelation lag: within one frame of the true period
    assert abs(60 * fps / rhythm.tempo_bpm - period) < 1
    assert abs(np.median(np.diff(rhythm.beat_frames)) - period) <= 1
    err_s = (rhythm.beat_times - meta["phase_s"] + 30 / meta["bpm"]) % (60 / meta["bpm"]) - 30 / meta["bpm"]
    assert np.median(np.abs(err_s)) * fps <= 2


def test_trumpet_loop_tempo_is_a_metrical_relative_of_90_bpm_at_any_fps():
    """librosa reads this swung 90-bpm loop as 120 bpm (4:3), its strongest onset periodicity in 5.3 s.

    Accept the notated tempo or a simple metrical ratio of it, and require the same reading at 30 and 60 fps.
    """
    tempi = [analyse_rhythm(TRUMPET, fps=fps).tempo_bpm for fps in (30, 60)]
    ratios = np.array([1 / 2, 2 / 3, 3 / 4, 1, 4 / 3, 3 / 2, 2])
    for bpm in tempi:
        assert np.min(np.abs(bpm / TRUMPET_NOTATED_BPM / ratios - 1)) < 0.03
    assert tempi[0] == pytest.approx(tempi[1], rel=0.04)


def test_beats_consistent_with_tempo_on_real_music():
    rhythm = analyse_rhythm(FIXTURES / "music" / "Kevin_MacLeod_-_Vibe_Ace_first12s.ogg", fps=30)
    ibi_bpm = 60 * 30 / np.median(np.diff(rhythm.beat_frames))
    assert ibi_bpm == pytest.approx(rhythm.tempo_bpm, rel=0.05)
    assert np.all(np.diff(rhythm.beat_frames) > 0) and rhythm.beat_frames[-1] < len(rhythm.onset_env)


def test_beat_onehot_marks_in_range_frames():
    onehot = beat_onehot(np.array([-1, 0, 3, 3, 9, 10]), 10)
    assert onehot.dtype == np.float32 and onehot.shape == (10,)
    assert np.flatnonzero(onehot).tolist() == [0, 3, 9]


def test_silence_has_no_beats():
    sr = analysis_sr(30)
    env = onset_envelope(np.zeros(2 * sr, dtype=np.float32), sr)
    assert env.shape == (1 + 2 * sr // 512,) and not env.any()
    assert track_beats(env, sr).size == 0


def test_invalid_inputs_are_rejected():
    with pytest.raises(ValueError, match="positive integer sample rate"):
        analysis_sr(29.97)
    with pytest.raises(ValueError, match="NaN"):
        estimate_tempo(np.array([0.0, np.nan, 1.0]), 15360)
    with pytest.raises(ValueError, match="1-D"):
        track_beats(np.zeros((4, 4)), 15360)
    with pytest.raises(ValueError, match="1-D"):
        onset_envelope(np.zeros(0, dtype=np.float32), 15360)
    with pytest.raises(FileNotFoundError, match="missing.wav"):
        lodge_music_beats(CASE_F / "missing.wav")
