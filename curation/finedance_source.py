"""FineDance-layout sources: discovery (a FineDance download or the bundled sample) and window planning.

A FineDance root holds motion/<id>.npy (T,315) at 30 fps, music/<id>.wav and label_json/<id>.json
(genre in field "style2"); splits come from `manifests.finedance`. Without a root the bundled
sample (`manifests.sample`, FineDance layout, real mocap + CC-BY music, NOT FineDance) is used.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from curation.windows import Window, plan_windows
from manifests.finedance import IGNORED, finedance_split
from manifests.sample import SAMPLE_FPS, SAMPLE_ROOT, load_sample_index
from models.body.formats import read_finedance
from models.body.formats_finedance import FINEDANCE_FPS
from models.array_files import npy_header
from models.command_line import InputError
from models.files import sha256_file
from models.music.audio import load_audio
from models.music.beats import HOP_LENGTH, analysis_sr, onset_envelope, track_beats

logger = logging.getLogger(__name__)

MUSIC_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3")


@dataclass(frozen=True)
class SourceItem:
    """One motion sequence with its music and labels; `problem` / `rejection` make it a failed / rejected row."""

    source: str  # "finedance" or "bundled_sample"
    source_id: str
    root: Path
    motion: Path
    music: Path | None
    fps: float
    genre: str | None = None
    split: str | None = None
    problem: str | None = None
    rejection: str | None = None

    @property
    def row_id(self) -> str:
        """Id of the source-level row (failed/rejected sources); clips append _<index>."""
        return f"{'finedance' if self.source == 'finedance' else 'sample'}_{self.source_id}"

    def clip_id(self, index: int) -> str:
        return f"{self.row_id}_{index:03d}"

    def base_row(self, row_id: str) -> dict:
        """Columns every row of this source shares."""
        return {
            "id": row_id, "source": self.source, "source_id": self.source_id, "genre": self.genre,
            "split": self.split, "source_file": self.motion.relative_to(self.root).as_posix(),
            "music_file": self.music.relative_to(self.root).as_posix() if self.music else None,
            "source_fps": self.fps,
        }  # fmt: skip


@dataclass(frozen=True)
class SourcePlan:
    """What planning found out about a source: its clip windows and input checksums."""

    windows: tuple[Window, ...]
    num_frames: int
    motion_sha256: str
    music_sha256: str


def _find_music(music_dir: Path, stem: str) -> Path | None:
    for suffix in MUSIC_SUFFIXES:
        if (music_dir / f"{stem}{suffix}").is_file():
            return music_dir / f"{stem}{suffix}"
    return None


def _finedance_genre(root: Path, stem: str) -> tuple[str | None, str | None]:
    """(genre, problem) from label_json/<stem>.json field 'style2'."""
    path = root / "label_json" / f"{stem}.json"
    try:
        genre = json.loads(path.read_text(encoding="utf-8")).get("style2")
    except FileNotFoundError:
        return None, f"missing genre label {path}"
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError) as error:
        return None, f"unreadable genre label {path} ({error})"
    if not isinstance(genre, str) or not genre:
        return None, f"{path}: no 'style2' genre"
    return genre, None


def finedance_items(root: Path, split_scheme: str = "cross_genre") -> list[SourceItem]:
    """Every motion/<id>.npy under a FineDance root, with music, genre and split (sorted by id)."""
    motions = sorted((root / "motion").glob("*.npy"))
    if not motions:
        raise InputError(root, "no motion/*.npy files; expected a FineDance root (motion/, music/, label_json/)")
    items = []
    for motion in motions:
        stem = motion.stem
        music = _find_music(root / "music", stem)
        genre, problem = _finedance_genre(root, stem)
        if music is None:
            problem = f"missing music: no {root / 'music' / stem}{{{','.join(MUSIC_SUFFIXES)}}}"
        rejection = f"sequence {stem} is excluded from the official FineDance splits" if stem in IGNORED else None
        items.append(SourceItem("finedance", stem, root, motion, music, FINEDANCE_FPS, genre,
                                finedance_split(stem, split_scheme), problem, rejection))  # fmt: skip
    return items


def sample_items(root: Path = SAMPLE_ROOT) -> list[SourceItem]:
    """The bundled sample's items (genre and split from its sample.json)."""
    items = []
    for item_id, entry in sorted(load_sample_index(root).items()):
        music = root / entry["music"]
        problem = None if music.is_file() else f"missing music {music}"
        items.append(SourceItem("bundled_sample", item_id, root, root / entry["motion"], music, SAMPLE_FPS,
                                entry["genre"], entry["split"], problem))  # fmt: skip
    return items


def plan_source(item: SourceItem, min_s: float, max_s: float) -> SourcePlan:
    """Validate a source's motion and music and place its clip windows on the music's beats.

    Raises ValueError / FileNotFoundError naming the file for a wrong shape, NaN, or unreadable music.
    """
    if item.problem:
        raise FileNotFoundError(item.problem)
    npy_header(item.motion)  # a header claiming more rows than the file holds is refused before any allocation
    motion = read_finedance(item.motion, item.fps)
    sr = analysis_sr(item.fps, HOP_LENGTH)
    audio = load_audio(item.music, sr)
    music_frames = len(audio) // HOP_LENGTH
    usable = min(motion.num_frames, music_frames)
    if usable < motion.num_frames:
        logger.warning("%s: music covers %d of %d motion frames; clips stop where it ends", item.music,
                       music_frames, motion.num_frames)  # fmt: skip
    beats = track_beats(onset_envelope(audio, sr), sr)
    windows = plan_windows(usable, item.fps, np.asarray(beats), min_s, max_s)
    return SourcePlan(tuple(windows), motion.num_frames, sha256_file(item.motion), sha256_file(item.music))
