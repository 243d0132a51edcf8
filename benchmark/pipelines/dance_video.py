"""Music -> dance video, end to end: a motion method and an appearance renderer per test item, then 2D
keypoints of the generated videos and `ma_video` scoring, timed by stage.

The videos folder is built whole in a temp folder (music WAVs, clips, pose videos) and replaces the
previous one only when every clip rendered, so a failed run leaves no partial video behind. Inputs
(music length, reference images) are checked before anything is generated.
"""

from __future__ import annotations

import logging
import resource
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from benchmark.inputs.keypoint_cache import PoseSource, cached_keypoints
from benchmark.inputs.keypoint_sets import read_keypoints
from benchmark.inputs.video_items import VideoTestSet, music_seconds, prepare_music, reference_image
from benchmark.methods.base import Method, TestItem
from benchmark.metrics.appearance import AppearanceMetric
from benchmark.metrics.motion2d.beat_align_2d import beat_align_2d
from benchmark.pipelines.appearance import score_videos
from benchmark.pipelines.common import assemble_results, per_item_metric
from benchmark.pipelines.ma_video import RANDOM_INIT_LABEL, not_comparable_label, percent_entries, score_ma_video
from benchmark.protocols.ma_video import MaVideoProtocol
from benchmark.renderers.base import AppearanceRenderer, RenderedClip
from benchmark.results import metric_entry, sha256_paths
from models.files import atomic_dir
from models.music.reference_beats import mace2d_music_beats

log = logging.getLogger(__name__)

STAGES = ("motion", "rendering", "keypoints", "scoring")
KEYPOINT_WORKERS = 2
NO_GT_REASON = "not computed: the test items have no GT dance videos (--music input); FID/DIV compare against GT"


@dataclass
class StageClock:
    """Wall seconds spent in each stage of the run."""

    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] += time.perf_counter() - start


@dataclass(frozen=True)
class GeneratedVideos:
    """The generated clips by item id, their folder, and notes for the results (looped music)."""

    folder: Path
    clips: dict[str, RenderedClip]
    music: dict[str, Path]
    notes: list[str]


def composed_method(method: Method, renderer: AppearanceRenderer) -> dict[str, Any]:
    """The results' method record of a composition: `<motion>+<renderer>`, both parts' provenance in config."""
    return {
        "name": f"{method.name}+{renderer.name}",
        "version": method.version,
        "checkpoint_sha256": method.checkpoint_sha256,
        "config": {
            "motion": {"name": method.name, "version": method.version, "checkpoint_sha256": method.checkpoint_sha256,
                       "label": method.label, "config": method.config},
            "appearance": {"name": renderer.name, "label": renderer.label, "config": renderer.config},
        },
    }  # fmt: skip


def generate_videos(
    method: Method, renderer: AppearanceRenderer, test_set: VideoTestSet, image: Path | None, folder: Path,
    fps: float, seed: int, clock: StageClock,
) -> GeneratedVideos:  # fmt: skip
    """Music -> motion -> video (music muxed) for every item into `folder`, replaced whole on success."""
    for item in test_set.items:
        music_seconds(item.music)  # unreadable or < 1 s: stop before anything is written
    images = {item.id: reference_image(item, image) for item in test_set.items}
    clips, notes = {}, []
    with atomic_dir(folder) as tmp:
        music, items = {}, []
        for item in test_set.items:
            music[item.id] = tmp / "music" / f"{item.id}.wav"
            seconds, looped = prepare_music(item, music[item.id])
            if looped:
                notes.append(f"{item.id}: music {item.music} looped to {seconds:g} s")
            items.append(TestItem(item.id, round(seconds * fps), fps, music[item.id], item.genre))
        with clock.stage("motion"):
            motions = method.generate(items, seed)
        missing = [item.id for item in items if item.id not in motions]
        if missing:
            raise ValueError(f"method {method.name!r} returned no motion for items {missing}")
        with clock.stage("rendering"):
            for item in tqdm(items, desc=f"rendering ({renderer.name})", unit="clip", disable=len(items) < 2):
                clip = renderer.render(motions[item.id], images[item.id], music[item.id], tmp / f"{item.id}.mp4")
                if clip.frames != item.num_frames:
                    notes.append(f"{item.id}: {renderer.name} wrote {clip.frames} frames for a {item.num_frames}-frame motion")
                clips[item.id] = clip
    moved = {i: _moved(c, tmp, folder) for i, c in clips.items()}
    return GeneratedVideos(folder, moved, {i: folder / p.relative_to(tmp) for i, p in music.items()}, notes)


def _moved(clip: RenderedClip, tmp: Path, folder: Path) -> RenderedClip:
    pose = folder / clip.pose_video.relative_to(tmp) if clip.pose_video else None
    return RenderedClip(folder / clip.video.relative_to(tmp), clip.frames, clip.fps, clip.seconds, pose)


def extract_keypoints(
    videos: list[Path], pose: PoseSource, cache_dir: Path, clock: StageClock, workers: int = KEYPOINT_WORKERS
) -> dict[str, Path]:
    """Keypoint JSON (through the cache) of every video by stem, `workers` threads each with its own pose model
    (MediaPipe leaves a core idle: two threads take ~0.75x the time on 2 cores); scoring then reads the cache."""
    local, sources = threading.local(), []

    def one(video: Path) -> Path:
        if not hasattr(local, "pose"):
            local.pose = PoseSource(pose.key, pose.make)
            sources.append(local.pose)
        return cached_keypoints(video, local.pose, cache_dir)[0]

    with clock.stage("keypoints"), ThreadPoolExecutor(max(1, workers)) as pool:
        try:
            paths = list(tqdm(pool.map(one, videos), desc=f"keypoints ({pose.key})", unit="video", total=len(videos),
                              disable=len(videos) < 2))  # fmt: skip
        finally:
            for source in sources:
                source.close()
    return {video.stem: path for video, path in zip(videos, paths)}


def video_timing(
    clock: StageClock, generated: GeneratedVideos, method: Method, renderer: AppearanceRenderer
) -> dict[str, Any]:
    """The results' timing block of a video run: stage seconds, per-clip seconds, stage FPS, peak memory."""
    clips = list(generated.clips.values())
    frames = sum(c.frames for c in clips)
    motion_s, render_s = clock.seconds["motion"], clock.seconds["rendering"]
    device = str(getattr(method, "device", "cpu"))
    return {
        "latency_fps": None, "throughput_fps": None, "device": device, "dtype": "float32",
        "clips": len(clips), "frames": frames,
        "seconds_per_clip": (motion_s + render_s) / max(1, len(clips)),
        "motion_fps": frames / motion_s if motion_s > 0 else None,
        "appearance_fps": frames / render_s if render_s > 0 else None,
        "appearance_device": renderer.device, "appearance_dtype": renderer.precision,
        "peak_memory_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "stage_seconds": dict(clock.seconds),
    }  # fmt: skip


def _per_item(generated: GeneratedVideos, keypoints: dict[str, Path]) -> dict[str, dict[str, Any]]:
    """Per-clip provenance added to the scored rows: frames, fps, render seconds, keypoint file, pose video."""
    rows = {}
    for i, c in generated.clips.items():
        rows[i] = {"frames": c.frames, "fps": c.fps, "render_seconds": c.seconds, "keypoints": str(keypoints[i])}
        if c.pose_video:
            rows[i]["pose_video"] = str(c.pose_video)
    return rows


@dataclass(frozen=True)
class ScoringInputs:
    """What scoring needs beside the videos: protocol, pose model, appearance metrics, bootstrap and labels."""

    protocol: MaVideoProtocol
    pose: PoseSource
    metrics: list[AppearanceMetric]
    missing: dict[str, str]
    cache_dir: Path
    n_boot: int
    seed: int
    random_init: bool
    label: str | None


def score_generated(
    generated: GeneratedVideos, test_set: VideoTestSet, scoring: ScoringInputs, method: dict[str, Any], clock: StageClock
) -> dict[str, Any]:
    """Keypoints of the generated (and GT) clips, then `score_ma_video`, or appearance + BAS alone without GT."""
    videos = [generated.clips[item.id].video for item in test_set.items]
    gt_videos = [item.gt_video for item in test_set.items if item.gt_video is not None]
    keypoints = extract_keypoints(videos + gt_videos, scoring.pose, scoring.cache_dir, clock)
    with clock.stage("scoring"):
        if test_set.gt_dir is None:
            results = _score_without_gt(generated, keypoints, scoring, method)
        else:
            s = scoring
            results = score_ma_video(s.protocol, test_set.gt_dir, generated.folder, test_set.audio_dir, s.pose, s.metrics,
                                     s.cache_dir, method, s.n_boot, s.seed, s.random_init, s.label, test_set.manifest,
                                     s.missing)  # fmt: skip
    extra = _per_item(generated, keypoints)
    results["per_item"] = [{**row, **extra[row["id"]]} for row in results["per_item"]]
    results["warnings"] += generated.notes
    return results


def _score_without_gt(
    generated: GeneratedVideos, keypoints: dict[str, Path], s: ScoringInputs, method: dict[str, Any]
) -> dict[str, Any]:
    """Appearance dimensions and BAS of generated clips whose items have no GT video (a user's songs)."""
    protocol, motion = s.protocol, s.protocol.motion
    ids = sorted(generated.clips)
    rows, entries = score_videos([generated.clips[i].video for i in ids], s.metrics, s.n_boot, s.seed)
    bas = {}
    for i in ids:
        points, _ = read_keypoints(keypoints[i], motion.frames)
        beats = mace2d_music_beats(generated.music[i], motion.audio_sr, int(motion.fps), motion.frames)
        bas[i] = beat_align_2d(points[..., :2], beats)
    metrics = percent_entries(protocol, entries, s.missing)
    metrics.update({m.name: metric_entry(None, None, 0, m.better, NO_GT_REASON) for m in motion.metrics if m.name != "bas"})
    metrics["bas"] = per_item_metric(bas, "higher", s.n_boot, s.seed)
    labels = [x for x in (s.label, RANDOM_INIT_LABEL if s.random_init else None) if x]
    if s.pose.key.split("-")[0] != protocol.pose_estimator:
        labels.append(not_comparable_label(protocol, s.pose.key))
    music_sha = sha256_paths(list(generated.music.values()))
    block = {"id": protocol.id, "version": protocol.version, "data_manifest_sha256": music_sha,
             "gt_reference_sha256": None, "gt_reference": "none (no GT videos)", "fps": motion.fps,
             "pose_estimator": s.pose.key}  # fmt: skip
    scale = protocol.appearance_scale
    per_item = [{"id": i, "video": str(generated.clips[i].video), "bas": bas[i],
                 **{name: row[dim] * scale for name, dim in protocol.appearance if dim in row}}
                for i, row in zip(ids, rows)]  # fmt: skip
    notes = [f"{dim} not computed: {why}" for dim, why in s.missing.items()]
    ordered = {m.name: metrics[m.name] for m in protocol.metrics}
    return assemble_results(method, block, ordered, {}, per_item, labels + notes, s.seed, "; ".join(labels) or None)
