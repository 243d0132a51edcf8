"""The appearance pipeline: videos -> VBench-style dimensions per video, VBench set scores and bootstrap CIs.

Every video is decoded once (all frames, models.video.io) and passed to each dimension; the next video decodes
in a background thread while one is scored (models.video.prefetch). Set scores
follow VBench: dimensions aggregated over "frames" (subject/background consistency) divide the sum of
all values by their count, the others average the per-video means. CIs resample videos. Each entry's note
says how its backbone computed (`precision`: benchmark.metrics.appearance.precision).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from benchmark.metrics.appearance import AppearanceMetric, aggregate_scores, build_metric
from benchmark.metrics.bootstrap import bootstrap_ci, bootstrap_set_ci
from benchmark.results import environment, metric_entry, now_iso
from models.command_line import InputError, UsageError, require_dir
from models.files import list_files
from models.video.io import DecodeLimits, check_video, read_frames
from models.video.prefetch import prefetch

log = logging.getLogger(__name__)
VIDEO_SUFFIXES = (".mp4", ".mkv", ".mov", ".webm", ".avi")


def list_videos(folder: Path, suffixes: Sequence[str] = VIDEO_SUFFIXES, flag: str = "--videos") -> list[Path]:
    """The videos directly in `folder`, sorted by name; InputError naming a missing, file or video-less folder."""
    require_dir(folder, flag)
    try:
        return list_files(folder, suffixes, "video")
    except ValueError:
        raise InputError(folder, f"holds no videos ({', '.join(suffixes)}) ({flag})") from None


def check_weight_files(weights: dict[str, Path], dimensions: Sequence[str]) -> dict[str, Path]:
    """`weights` once each names a scored dimension (else UsageError) and an existing file or folder (else InputError)."""
    unknown = sorted(set(weights) - set(dimensions))
    if unknown:
        raise UsageError(f"--weights {', '.join(unknown)}: not among the dimensions scored ({', '.join(dimensions)})")
    for dimension, path in weights.items():
        if not path.exists():
            raise InputError(path, f"no such weight file (--weights {dimension})")
    return weights


def load_metrics(
    dimensions: Sequence[str],
    weights: dict[str, Path] | None = None,
    device: str = "cpu",
    random_init: bool = False,
    precision: str = "reference",
) -> list[AppearanceMetric]:
    """One metric per dimension, each with its weight file from `weights` (else its env var / the cache), its
    backbone computing as `precision` says (PRECISIONS; reference: as VBench does)."""
    weights = weights or {}
    unknown = set(weights) - set(dimensions)
    if unknown:
        raise ValueError(f"weights given for dimensions not scored: {', '.join(sorted(unknown))}")
    return [build_metric(d, weights=weights.get(d), device=device, random_init=random_init, precision=precision)
            for d in dimensions]  # fmt: skip


def set_score(metric: AppearanceMetric, per_video: list[np.ndarray], n_boot: int, seed: int) -> tuple[float, tuple[float, float]]:
    """VBench's set score and a 95% CI over resampled videos (a ratio of sums for frame-aggregated ones)."""
    value = aggregate_scores(metric, per_video)
    if metric.aggregate == "videos":
        return value, bootstrap_ci(np.array([v.mean() for v in per_video]), n_boot, seed)
    sums = np.array([v.sum() for v in per_video])
    counts = np.array([len(v) for v in per_video], dtype=np.float64)
    ci = bootstrap_set_ci(lambda c: (c @ sums) / (c @ counts), len(per_video), estimate=value, n_boot=n_boot, seed=seed, centre=False)
    return value, ci


def check_videos(videos: Sequence[Path]) -> tuple[list[Path], list[dict[str, str]]]:
    """(usable videos, failed items {video, error}) by their containers alone (models.video.io.check_video):
    unreadable, truncated or outside the frame limits are refused in milliseconds, before any model loads."""
    DecodeLimits.from_env()  # a bad $MACE_DECODE_* value is the whole job's problem, not each video's
    usable, failed = [], []
    for path in videos:
        try:
            check_video(path)
        except ValueError as error:
            failed.append({"video": path.name, "error": str(error)})
            log.info("%s: skipped", error)
        else:
            usable.append(path)
    return usable, failed


Scored = tuple[dict[str, Any], dict[str, np.ndarray]]  # one video's row and per-frame values


def score_frames(path: Path, frames: np.ndarray, metrics: Sequence[AppearanceMetric]) -> Scored:
    """({video, frames, <dimension>: video mean}, {dimension: per-frame values}) of one video's decoded frames;
    ValueError naming the video."""
    row: dict[str, Any] = {"video": path.name, "frames": len(frames)}
    values = {}
    for metric in metrics:
        try:
            values[metric.name] = metric.score_video(frames)
        except ValueError as error:
            raise ValueError(f"{path}: {error}") from None
        row[metric.name] = float(values[metric.name].mean())
    return row, values


def scored_videos(videos: Sequence[Path], metrics: Sequence[AppearanceMetric]) -> Iterator[tuple[Path, Scored | ValueError]]:
    """(video, its row and values, or the ValueError naming it) in order; each video decodes while the one
    before it is scored."""
    decoded = prefetch(videos, read_frames)
    for path, frames in tqdm(decoded, desc="appearance", unit="video", total=len(videos), disable=len(videos) < 2):
        try:
            outcome: Scored | ValueError = score_frames(path, frames.result(), metrics)
        except ValueError as error:
            outcome = error
        yield path, outcome


def _add(scored: Scored, rows: list[dict[str, Any]], values: dict[str, list[np.ndarray]]) -> None:
    """Append one video's row and per-frame values."""
    row, scores = scored
    rows.append(row)
    for name, per_frame in scores.items():
        values[name].append(per_frame)


def set_entries(metrics: Sequence[AppearanceMetric], values: dict[str, list[np.ndarray]], n_boot: int, seed: int) -> dict[str, dict[str, Any]]:
    """{dimension: metric entry with CI} from every scored video's per-frame values."""
    entries = {}
    for metric in metrics:
        value, ci = set_score(metric, values[metric.name], n_boot, seed)
        precision = getattr(metric, "precision", None)  # registry metrics say; a bare AppearanceMetric need not
        note = f"VBench aggregate over {metric.aggregate}" + (f"; {precision}" if precision else "")
        entries[metric.name] = metric_entry(value, ci, len(values[metric.name]), "higher", note)
    return entries


def score_videos(
    videos: Sequence[Path], metrics: Sequence[AppearanceMetric], n_boot: int = 1000, seed: int = 0
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """(per-video rows {video, frames, <dimension>: video mean}, {dimension: metric entry with CI}); every video
    must score (a paired protocol cannot drop one): the first unusable one raises ValueError naming it."""
    for path in videos:
        check_video(path)
    rows: list[dict[str, Any]] = []
    values: dict[str, list[np.ndarray]] = {m.name: [] for m in metrics}
    for _, outcome in scored_videos(videos, metrics):
        if isinstance(outcome, ValueError):
            raise outcome
        _add(outcome, rows, values)
    return rows, set_entries(metrics, values, n_boot, seed)


def score_batch(
    folder: Path, videos: Sequence[Path], metrics_of: Callable[[], Sequence[AppearanceMetric]], n_boot: int, seed: int
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]], list[dict[str, str]]]:
    """(rows, entries, failed items) of a folder's videos: an unusable video is recorded with its reason and
    skipped; InputError naming the folder (and the first reason) when none can be scored."""
    usable, failed = check_videos(videos)
    if not usable:
        _none_scored(folder, failed)
    metrics = metrics_of()  # loaded only once some video is known usable
    rows: list[dict[str, Any]] = []
    values: dict[str, list[np.ndarray]] = {m.name: [] for m in metrics}
    for path, outcome in scored_videos(usable, metrics):
        if isinstance(outcome, ValueError):
            failed.append({"video": path.name, "error": str(outcome)})
            log.info("%s: skipped", outcome)
        else:
            _add(outcome, rows, values)
    if not rows:
        _none_scored(folder, failed)
    return rows, set_entries(metrics, values, n_boot, seed), failed


def _none_scored(folder: Path, failed: list[dict[str, str]]) -> None:
    """InputError for a folder none of whose videos could be scored, with the first one's reason."""
    raise InputError(folder, f"none of its {len(failed)} video(s) could be scored; first: {failed[0]['error']}")


def score_folder(
    folder: Path,
    dimensions: Sequence[str],
    weights: dict[str, Path] | None = None,
    device: str = "cpu",
    random_init: bool = False,
    n_boot: int = 1000,
    seed: int = 0,
    precision: str = "reference",
) -> dict[str, Any]:
    """Results dict for every usable video in `folder` on `dimensions`; unusable ones are listed in `failed`.
    "precision" is the choice; each metric's note says how its backbone computed under it."""
    videos = list_videos(folder)
    rows, entries, failed = score_batch(
        folder, videos, lambda: load_metrics(dimensions, weights, device, random_init, precision), n_boot, seed
    )
    return {
        "videos": str(folder),
        "dimensions": list(dimensions),
        "precision": precision,
        "metrics": entries,
        "per_item": rows,
        "failed": failed,
        "weights": "random-init (not a score)" if random_init else {d: str(p) for d, p in (weights or {}).items()},
        "environment": environment(device),
        "seed": seed,
        "created_at": now_iso(),
    }
