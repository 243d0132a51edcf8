"""models.music.audio: decoding real music (ogg/wav/flac/mp3/aac/mp4) and rejecting bad files by name."""

import subprocess
from pathlib import Path

import imageio_ffmpeg
import librosa
import numpy as np
import pytest
import soundfile as sf

from models.music import load_audio
from tests.golden import FIXTURES, GOLDEN

TRUMPET = FIXTURES / "music" / "sorohanro_-_solo-trumpet-06.ogg"
VIBE_ACE = FIXTURES / "music" / "Kevin_MacLeod_-_Vibe_Ace_first12s.ogg"
CASE_M1 = GOLDEN / "caseM1" / "inputs"
FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()


def _ffmpeg(*args: str) -> None:
    subprocess.run([FFMPEG, "-loglevel", "error", "-y", *args], check=True)


def _snr_db(ref: np.ndarray, test: np.ndarray) -> float:
    n = min(len(ref), len(test))
    return float(10 * np.log10(np.sum(ref[:n] ** 2) / np.sum((ref[:n] - test[:n]) ** 2)))


@pytest.mark.parametrize("path", [TRUMPET, VIBE_ACE], ids=["trumpet", "vibe_ace"])
@pytest.mark.parametrize("sr", [15360, 22050, 30720])
def test_ogg_gives_the_samples_librosa_load_gives(path, sr):
    y = load_audio(path, sr)
    assert y.dtype == np.float32 and y.ndim == 1
    np.testing.assert_array_equal(y, librosa.load(path, sr=sr)[0])


def test_lossless_copies_decode_to_the_same_samples(tmp_path):
    native = load_audio(TRUMPET, 22050)
    sf.write(tmp_path / "t.wav", native, 22050, subtype="FLOAT")
    sf.write(tmp_path / "t.flac", native, 22050, subtype="PCM_24")
    np.testing.assert_array_equal(load_audio(tmp_path / "t.wav", 15360), load_audio(TRUMPET, 15360))
    np.testing.assert_allclose(load_audio(tmp_path / "t.flac", 22050), native, atol=2.0**-23)


def test_stereo_is_averaged_to_mono(tmp_path):
    y = load_audio(VIBE_ACE, 22050)
    stereo = np.stack([y, 0.25 * y[::-1]], axis=1)
    sf.write(tmp_path / "stereo.wav", stereo, 22050, subtype="FLOAT")
    np.testing.assert_allclose(load_audio(tmp_path / "stereo.wav", 22050), stereo.mean(axis=1), atol=1e-7)


@pytest.mark.parametrize(("ext", "codec"), [("mp3", "libmp3lame"), ("m4a", "aac")])
def test_lossy_encodings_decode_aligned_and_close(tmp_path, ext, codec):
    ref = load_audio(VIBE_ACE, 22050)
    sf.write(tmp_path / "src.wav", ref, 22050, subtype="FLOAT")
    out = tmp_path / f"enc.{ext}"
    _ffmpeg("-i", str(tmp_path / "src.wav"), "-c:a", codec, "-b:a", "192k", str(out))
    y = load_audio(out, 22050)
    # mp3 (libsndfile, encoder delay removed) keeps the length; AAC pads at most two 1024-sample frames
    assert 0 <= len(y) - len(ref) <= (0 if ext == "mp3" else 2048)
    assert _snr_db(ref, y) > 20.0


def test_mp4_soundtrack_is_int16_over_32768():
    """MACE-Dance reads GT audio from .mp4 through ffmpeg: a mono 8320-Hz track is exactly int16 / 32768."""
    pcm, sr = sf.read(CASE_M1 / "audio_wav" / "m1_00.wav", dtype="int16")
    mp4 = CASE_M1 / "Data" / "GT" / "m1_00.mp4"
    y = pcm / np.float32(32768)
    np.testing.assert_array_equal(load_audio(mp4, sr), y)
    resampled = librosa.resample(y, orig_sr=sr, target_sr=15360, res_type="soxr_hq")
    np.testing.assert_array_equal(load_audio(mp4, 15360), resampled)


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.ogg"):
        load_audio(tmp_path / "nope.ogg", 22050)


def _empty(p: Path) -> None:
    p.write_bytes(b"")


def _text(p: Path) -> None:
    p.write_text("this is not audio")


def _noise_bytes(p: Path) -> None:
    p.write_bytes(np.random.default_rng(0).integers(0, 256, 20000, dtype=np.uint8).tobytes())


def _truncated_ogg(p: Path) -> None:
    p.write_bytes(TRUMPET.read_bytes()[:1000])


def _video_without_audio(p: Path) -> None:
    _ffmpeg("-f", "lavfi", "-i", "testsrc=size=32x32:rate=10", "-t", "0.5", "-pix_fmt", "yuv420p", str(p))


def _nan_wav(p: Path) -> None:
    y = np.zeros(2205, dtype=np.float32)
    y[100] = np.nan
    sf.write(p, y, 22050, subtype="FLOAT")


@pytest.mark.parametrize(
    ("name", "make", "problem"),
    [
        ("empty.wav", _empty, "empty"),
        ("text.ogg", _text, "not a readable"),
        ("noise.wav", _noise_bytes, "not a readable"),
        ("noise.mp3", _noise_bytes, "not a readable"),
        ("cut.ogg", _truncated_ogg, "not a readable"),
        ("silent_video.mp4", _video_without_audio, "no audio stream"),
        ("nan.wav", _nan_wav, "NaN"),
    ],
)
def test_bad_files_raise_valueerror_naming_file_and_problem(tmp_path, name, make, problem):
    path = tmp_path / name
    make(path)
    with pytest.raises(ValueError, match=problem) as err:
        load_audio(path, 22050)
    assert name in str(err.value)


@pytest.mark.parametrize("sr", [0, -8000, 22050.5])
def test_bad_sample_rate_is_rejected(sr):
    with pytest.raises(ValueError, match="sample rate"):
        load_audio(TRUMPET, sr)
