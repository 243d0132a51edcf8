"""The appearance pipeline: videos -> VBench-style dimensions per video, VBench set scores and bootstrap CIs.

Every video is decoded once (all frames, models.video.io) and passed to each dimension. Set scores
follow VBench: dimensions aggregated over "frames" (subject/background consistency) divide the sum of
all values by their count, the others average the per-video means. CIs resample videos.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from benchmark.metrics.appearance import AppearanceMetric, aggregate_scores, build_metric
from benchmark.metrics.bootstrap import bootstrap_ci, bootstrap_set_ci
from benchmark.results import environment, metric_entry, now_iso
from models.files import list_files
from models.video.frames import FRAME_LIMITS
from models.video.io import probe_video, read_frames

log = logging.getLogger(__name__)
VIDEO_SUFFIXES = (".mp4", ".mkv", ".mov", ".webm", ".avi")


def list_videos(folder: Path, suffixes: Sequence[str] = VIDEO_SUFFIXES) -> list[Path]:
    """The videos directly in `folder`, sorted by name; errors for a missing or video-less folder."""
    return list_files(folder, suffixes, "video")


def load_metrics(
    dimensions: Sequence[str], weights: dict[str, Path] | None = None, device: str = "cpu", random_init: bool = False
) -> list[AppearanceMetric]:
    """One metric per dimension, each with its weight file from `weights` (else its env var / the cache)."""
    weights = weights or {}
    unknown = set(weights) - set(dimensions)
    if unknown:
        raise ValueError(f"weights given for dimensions not scored: {', '.join(sorted(unknown))}")
    return [build_metric(d, weights=weights.get(d), device=device, random_init=random_init) for d in dimensions]


def set_score(metric: AppearanceMetric, per_video: list[np.ndarray], n_boot: int, seed: int) -> tuple[float, tuple[float, float]]:
    """VBench's set score and a 95% CI over resampled videos (a ratio of sums for frame-aggregated ones)."""
    value = aggregate_scores(metric, per_video)
    if metric.aggregate == "videos":
        return value, bootstrap_ci(np.array([v.mean() for v in per_video]), n_boot, seed)
    sums = np.array([v.sum() for v in per_video])
    counts = np.array([len(v) for v in per_video], dtype=np.float64)
    ci = bootstrap_set_ci(lambda c: (c @ sums) / (c @ counts), len(per_video), estimate=value, n_boot=n_boot, seed=seed, centre=False)
    return value, ci


def score_videos(
    videos: Sequence[Path], metrics: Sequence[AppearanceMetric], n_boot: int = 1000, seed: int = 0
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """(per-video rows {video, frames, <dimension>: video mean}, {dimension: metric entry with CI})."""
    rows: list[dict[str, Any]] = []
    values: dict[str, list[np.ndarray]] = {m.name: [] for m in metrics}
    for path in tqdm(videos, desc="appearance", unit="video", disable=len(videos) < 2):
        info = probe_video(path)
        FRAME_LIMITS.check(info.width, info.height, str(path))
        frames = read_frames(path)
        row: dict[str, Any] = {"video": path.name, "frames": len(frames)}
        for metric in metrics:
            try:
                per_frame = metric.score_video(frames)
            except ValueError as error:
                raise ValueError(f"{path}: {error}") from error
            values[metric.name].append(per_frame)
            row[metric.name] = float(per_frame.mean())
        rows.append(row)
    entries = {}
    for metric in metrics:
        value, ci = set_score(metric, values[metric.name], n_boot, seed)
        entries[metric.name] = metric_entry(value, ci, len(videos), "higher", f"VBench aggregate over {metric.aggregate}")
    return rows, entries


def score_folder(
    folder: Path,
    dimensions: Sequence[str],
    weights: dict[str, Path] | None = None,
    device: str = "cpu",
    random_init: bool = False,
    n_boot: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """Results dict for every video in `folder` on `dimensions`."""
    videos = list_videos(folder)
    metrics = load_metrics(dimensions, weights, device, random_init)
    rows, entries = score_videos(videos, metrics, n_boot, seed)
    return {
        "videos": str(folder),
        "dimensions": list(dimensions),
        "metrics": entries,
        "per_item": rows,
        "weights": "random-init (not a score)" if random_init else {d: str(p) for d, p in (weights or {}).items()},
        "environment": environment(device),
        "seed": seed,
        "created_at": now_iso(),
    }
