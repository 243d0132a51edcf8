"""Music beats cached on disk by audio content and beat pipeline, so reruns skip minutes of beat tracking."""

from __future__ import annotations

import logging
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import numpy as np

from models.body.formats_io import load_npy, save_npy
from models.files import sha256_file

log = logging.getLogger(__name__)

DEFAULT_BEAT_CACHE = Path("outputs/beat_cache")


def _librosa_version() -> str:
    try:
        return metadata.version("librosa")
    except metadata.PackageNotFoundError:
        return "absent"


def beat_cache_path(cache_dir: Path, music: Path, pipeline: str) -> Path:
    """`<cache>/<pipeline>-librosa<version>-<sha256 of the audio>.npy`: renamed or moved audio still hits."""
    return Path(cache_dir) / f"{pipeline}-librosa{_librosa_version()}-{sha256_file(music)}.npy"


def cached_beats(music: Path, pipeline: str, compute: Callable[[Path], np.ndarray], cache_dir: Path | None) -> np.ndarray:
    """compute(music) (beat frames), read from / written to the cache when `cache_dir` is given."""
    if cache_dir is None:
        return compute(music)
    path = beat_cache_path(cache_dir, music, pipeline)
    if path.is_file():
        try:
            return load_npy(path)
        except ValueError as error:  # a damaged entry is recomputed, never trusted
            log.warning("%s; recomputing the beats of %s", error, music)
    beats = np.asarray(compute(music))
    save_npy(path, beats)
    return beats
