"""Test items of the music -> dance video path: music (+ GT clip, + reference image) per item, from the bundled
stand-in, a released MA-Data test root, or a user's folder of songs.

Each item's music is prepared once as a WAV of exactly the dance's length (the motion method is conditioned
on it and the video carries it): cut from the item's music, or looped when the music is shorter than the
requested `--seconds` (every such item is named in the results' warnings).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from benchmark.inputs.motion_sets import AUDIO_SUFFIXES
from benchmark.inputs.standin import bundled_standin
from benchmark.inputs.test_set import MaDataTest, load_ma_data_test
from manifests.ma_video_test_set import STANDIN_GT_LABEL
from models.files import atomic_write, list_files
from models.video.images import read_image
from models.video.io import read_frames_at

MIN_MUSIC_SECONDS = 1.0
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp")


@dataclass(frozen=True)
class VideoItem:
    """One item: id, its music file, the dance length in seconds, genre, GT clip and reference image if any."""

    id: str
    music: Path
    seconds: float | None  # None: the music's own length
    genre: str | None = None
    gt_video: Path | None = None
    image: Path | None = None


@dataclass(frozen=True)
class VideoTestSet:
    """Items plus what scoring needs: GT clip and GT audio folders, manifest, and the label outputs carry."""

    items: list[VideoItem]
    gt_dir: Path | None = None
    audio_dir: Path | None = None
    manifest: Path | None = None
    label: str | None = None


def _from_test_set(test_set: MaDataTest, seconds: float | None, label: str | None) -> VideoTestSet:
    items = [VideoItem(c.id, c.audio, seconds or c.duration_s, c.genre, gt_video=c.video) for c in test_set.clips]
    return VideoTestSet(items, test_set.video_dir, test_set.audio_dir, test_set.manifest, label)


def standin_set(seconds: float | None) -> VideoTestSet:
    """The bundled stand-in test set (real footage + CC-BY music), built once into outputs/."""
    standin = bundled_standin()
    return _from_test_set(standin.test_set, seconds, STANDIN_GT_LABEL)  # the videos scored are generated here


def ma_data_set(root: Path, clips: int, clip_seconds: float, seconds: float | None) -> VideoTestSet:
    """A released MA-Data test root (validated: `clips` clips of `clip_seconds`)."""
    return _from_test_set(load_ma_data_test(root, clips, clip_seconds), seconds, None)


def music_folder_set(folder: Path, image: Path | None, seconds: float | None) -> VideoTestSet:
    """A user's songs: every audio file in `folder`, with `<stem>.<image>` beside it or `image` as the reference."""
    songs = list_files(folder, AUDIO_SUFFIXES, "song")
    if image is not None and not Path(image).is_file():
        raise FileNotFoundError(f"--image {image}: reference image not found")

    def own_image(song: Path) -> Path | None:
        return next((song.with_suffix(s) for s in IMAGE_SUFFIXES if song.with_suffix(s).is_file()), image)

    items = [VideoItem(song.stem, song, seconds, image=own_image(song)) for song in songs]
    label = "user music (no GT dance): motion metrics need GT videos and are not computed"
    return VideoTestSet(items, label=label)


def reference_image(item: VideoItem, fallback: Path | None) -> np.ndarray | None:
    """The item's reference: the GT clip's first frame, else its own image, else `fallback`, else None."""
    if item.gt_video is not None:
        return read_frames_at(item.gt_video, [0])[0]
    path = item.image or fallback
    return None if path is None else read_image(Path(path))


def music_seconds(path: Path) -> float:
    """Length of an audio file in seconds; ValueError naming it when unreadable or shorter than one second."""
    try:
        info = sf.info(str(path))
    except (sf.LibsndfileError, RuntimeError) as error:
        raise ValueError(f"{path}: unreadable music ({error})") from None
    seconds = info.frames / info.samplerate
    if seconds < MIN_MUSIC_SECONDS:
        raise ValueError(f"{path}: music is {seconds:.2f} s long, shorter than {MIN_MUSIC_SECONDS:g} s")
    return seconds


def prepare_music(item: VideoItem, out: Path) -> tuple[float, bool]:
    """Write the item's music as a WAV of exactly the dance's length; returns (seconds, whether it was looped)."""
    available = music_seconds(item.music)
    seconds = item.seconds or available
    data, rate = sf.read(str(item.music), always_2d=True, dtype="float32")
    count = round(seconds * rate)
    looped = len(data) < count
    data = np.tile(data, (-(-count // len(data)), 1))[:count] if looped else data[:count]
    atomic_write(out, lambda handle: sf.write(handle, data, rate, format="WAV", subtype="PCM_16"))
    return count / rate, looped
