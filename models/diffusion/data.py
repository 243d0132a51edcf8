"""Training data: folders of FineDance / AIST++ / EDGE-151 motion files with matching music, or an
MA-Data Parquet manifest, turned into the 151-d EDGE representation and the 35-d EDGE music feature
at 30 fps, cut into windows.

Layout: `ROOT/motion/<id>.{npy,pkl}` and `ROOT/music/<id>.{wav,ogg,mp3,flac,m4a,mp4,npy}` (`.npy`
music = a precomputed (T,35) feature, as FineDance ships). AIST++ motions (`..._mBR0_...`) also find
`music/mBR0.*`. Splits and genres come from `ROOT/sample.json` (the bundled sample's index) or
`ROOT/splits.json` ({"train": [ids], "val": [...], "test": [...]}); otherwise every file is train.
`ROOT/genres.json` ({id: genre}) gives genres; else AIST++ names do (`gBR_...` -> "BR"). When a split index
exists, files it does not list are still trained on, with a warning naming them (never silently). A manifest (`*.parquet`, manifests/schema.py) gives
each ok row's motion and audio files (relative to the manifest), split and genre.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from manifests.sample import load_sample_index
from manifests.schema import read_manifest
from models.body.formats import load_motion
from models.body.formats_edge import EDGE_FPS, encode_edge151
from models.array_files import load_npy
from models.body.formats_io import save_npy
from models.command_line import InputError, require_dir, require_file
from models.music.features import EDGE_FEATURE_DIM, edge_music_features

MOTION_SUFFIXES = (".npy", ".pkl")
MUSIC_SUFFIXES = (".npy", ".wav", ".ogg", ".mp3", ".flac", ".m4a", ".mp4")
UNKNOWN_GENRE = "unknown"
_AIST_GENRE = re.compile(r"^g([A-Z]{2})_")
_AIST_MUSIC = re.compile(r"_(m[A-Z]{2}\d)_")


log = logging.getLogger(__name__)

@dataclass(frozen=True)
class DanceClip:
    """One aligned sequence: EDGE representation (T,151), music feature (T,35), genre, split."""

    id: str
    motion: np.ndarray
    music: np.ndarray
    genre: str
    split: str


def _index(root: Path) -> dict[str, tuple[str, str]]:
    """id -> (split, genre) from sample.json or splits.json, empty when neither exists."""
    sample, splits = root / "sample.json", root / "splits.json"
    if sample.is_file():
        return {i: (item["split"], item["genre"]) for i, item in load_sample_index(root).items()}
    if splits.is_file():
        table = _read_json_table(splits, "{split: [ids]}")
        return {i: (split, UNKNOWN_GENRE) for split, ids in table.items() for i in ids}
    return {}


def _read_json_table(path: Path, form: str) -> dict:
    """A JSON object from `path`; ValueError naming the file and the expected form otherwise."""
    try:
        table = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(table, dict):
            raise TypeError(f"a {type(table).__name__}, not an object")
        return table
    except (ValueError, TypeError) as error:
        raise ValueError(f"{path}: expected {form} JSON ({error})") from error


def _genres(root: Path) -> dict[str, str]:
    """id -> genre from ROOT/genres.json, empty when absent."""
    path = root / "genres.json"
    if not path.is_file():
        return {}
    table = _read_json_table(path, "{id: genre}")
    bad = [i for i, g in table.items() if not isinstance(g, str) or not g]
    if bad:
        raise ValueError(f"{path}: genres must be non-empty strings; not for {bad[:5]}")
    return table


def find_music_file(music_dir: Path, clip_id: str) -> Path:
    """`<id>.*` in music_dir, else the AIST++ music token of the id (`..._mBR0_...` -> mBR0.*)."""
    names = [clip_id]
    token = _AIST_MUSIC.search(f"_{clip_id}_")
    if token:
        names.append(token.group(1))
    for name in names:
        for suffix in MUSIC_SUFFIXES:
            if (music_dir / f"{name}{suffix}").is_file():
                return music_dir / f"{name}{suffix}"
    raise InputError(music_dir, f"no music for {clip_id!r} (looked for {'/'.join(names)}{MUSIC_SUFFIXES})")


def music_features(path: Path, cache_dir: Path | None = None, cache_name: str | None = None) -> np.ndarray:
    """(T,35) EDGE feature at 30 fps of an audio file (cached as `cache_name`, default the file's stem),
    or a stored `.npy` feature."""
    if path.suffix == ".npy":
        feature = load_npy(path)
        if feature.ndim != 2 or feature.shape[1] != EDGE_FEATURE_DIM:
            raise InputError(path, f"a music feature must be (T,{EDGE_FEATURE_DIM}), got {feature.shape}")
        if not np.isfinite(feature).all():
            raise InputError(path, "the music feature holds NaN or inf")
        return feature.astype(np.float32)
    cached = cache_dir / f"{cache_name or path.stem}.npy" if cache_dir is not None else None
    if cached is not None and cached.is_file():
        return load_npy(cached).astype(np.float32)
    feature = edge_music_features(path, fps=EDGE_FPS)
    if cached is not None:
        save_npy(cached, feature)
    return feature


def edge_representation(path: Path) -> np.ndarray:
    """(T,151) float32 EDGE representation of a motion file, resampled to 30 fps."""
    motion = load_motion(path)
    return encode_edge151(motion.resample(EDGE_FPS)).astype(np.float32)


def load_dance_folder(root: str | Path, cache_dir: Path | None = None) -> list[DanceClip]:
    """Every motion under ROOT/motion with its music, trimmed to the shorter of the two."""
    root = require_dance_data(root, "the data folder")
    motion_dir, music_dir = root / "motion", root / "music"
    files = sorted(p for p in motion_dir.iterdir() if p.suffix in MOTION_SUFFIXES)
    index, genres = _index(root), _genres(root)
    unlisted = [p.stem for p in files if index and p.stem not in index]
    if unlisted:
        log.warning("%s: %d motion files are in no split of its index (trained on as 'train'): %s", root,
                    len(unlisted), ", ".join(unlisted[:10]))  # fmt: skip
    clips = []
    for path in files:
        clip_id = path.stem
        aist = _AIST_GENRE.match(clip_id)
        split, genre = index.get(clip_id, ("train", aist.group(1) if aist else UNKNOWN_GENRE))
        genre = genres.get(clip_id, genre)
        clips.append(_aligned_clip(clip_id, path, find_music_file(music_dir, clip_id), cache_dir, split, genre))
    return clips


def require_dance_data(data: str | Path, flag: str) -> Path:
    """`data` as a manifest `.parquet` or a FineDance-layout folder with motion files and a music/ folder;
    InputError naming the path and what is missing otherwise (checked before anything loads)."""
    data = Path(data)
    if data.suffix == ".parquet" or data.is_file():
        if data.suffix != ".parquet":
            raise InputError(data, f"is a file, {flag} takes a FineDance-layout folder or a .parquet manifest")
        return require_file(data, flag)
    require_dir(data, flag)
    missing = [f"{name}/" for name in ("motion", "music") if not (data / name).is_dir()]
    if missing:
        layout = f"expected the FineDance layout motion/ + music/; {flag}"
        raise InputError(data, f"has no {' and no '.join(missing)} folder ({layout})")
    if not any(p.suffix in MOTION_SUFFIXES for p in (data / "motion").iterdir()):
        raise InputError(data / "motion", f"no motion files ({'/'.join(MOTION_SUFFIXES)})")
    return data


def _aligned_clip(clip_id: str, motion_path: Path, music_path: Path, cache_dir: Path | None, split: str, genre: str) -> DanceClip:
    motion = edge_representation(motion_path)
    music = music_features(music_path, cache_dir, clip_id)
    frames = min(len(motion), len(music))
    return DanceClip(clip_id, motion[:frames], music[:frames], genre, split)


def load_dance_manifest(path: str | Path, cache_dir: Path | None = None) -> list[DanceClip]:
    """The ok rows of an MA-Data manifest that carry motion and audio (the FineDance-rendered part)."""
    path = Path(path)
    rows = [r for r in read_manifest(path).to_pylist() if r["status"] == "ok" and r.get("motion") and r.get("audio")]
    if not rows:
        raise ValueError(f"{path}: no ok rows with both a motion and an audio file to train on")
    return [
        _aligned_clip(r["id"], path.parent / r["motion"], path.parent / r["audio"], cache_dir,
                      r.get("split") or "train", r.get("genre") or UNKNOWN_GENRE)
        for r in rows
    ]


def load_dance_clips(data: str | Path, cache_dir: Path | None = None) -> list[DanceClip]:
    """A manifest (`*.parquet`) or a FineDance-layout folder."""
    data = Path(data)
    return load_dance_manifest(data, cache_dir) if data.suffix == ".parquet" else load_dance_folder(data, cache_dir)


def genre_vocabulary(clips: list[DanceClip], size: int) -> tuple[str, ...]:
    """("unknown", sorted training genres...), at most `size` entries."""
    genres = sorted({c.genre for c in clips if c.split == "train"} - {UNKNOWN_GENRE})
    if len(genres) + 1 > size:
        raise ValueError(f"{len(genres)} genres in the training data, but the model embeds only {size - 1} (+unknown)")
    return (UNKNOWN_GENRE, *genres)


def genre_ids(genres: list[str | None], vocabulary: tuple[str, ...]) -> np.ndarray:
    """Indices into the vocabulary; unseen or missing genres map to 0 ("unknown")."""
    lookup = {g: i for i, g in enumerate(vocabulary)}
    return np.array([lookup.get(g or UNKNOWN_GENRE, 0) for g in genres], dtype=np.int64)


def make_windows(
    clips: list[DanceClip], window: int, stride: int, vocabulary: tuple[str, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(N,window,151) motion, (N,window,35) music, (N,) genre ids from every clip at `stride`."""
    if window < 2 or stride < 1:
        raise ValueError(f"window must be >= 2 and stride >= 1, got {window}, {stride}")
    starts = [(c, s) for c in clips for s in range(0, len(c.motion) - window + 1, stride)]
    if not starts:
        longest = max((len(c.motion) for c in clips), default=0)
        raise ValueError(f"no clip is as long as the {window}-frame training window (longest: {longest} frames)")
    motion = np.stack([c.motion[s : s + window] for c, s in starts])
    music = np.stack([c.music[s : s + window] for c, s in starts])
    return motion, music, genre_ids([c.genre for c, _ in starts], vocabulary)
