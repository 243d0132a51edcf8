"""GT/pred coco_25 keypoint sets for the 2D protocols: folders of easy_ViTPose JSONs or of videos, paired by stem.

Pairing and rejection follow MACE's calculate_metric.py: stems present in GT, pred and audio, sorted; the
first `frames` frames of each; a stem whose keypoints or audio cannot be used is dropped. `ma2d@mace`
drops it with a MetricWarning naming the file and the reason, `ma2d@v1` stops with that error.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from benchmark.inputs.keypoint_cache import PoseSource, cached_keypoints
from benchmark.inputs.motion_sets import AUDIO_SUFFIXES, find_music
from benchmark.metrics.motion2d.joint_maps import NUM_JOINTS
from benchmark.metrics.warnings import MetricWarning
from benchmark.protocols.motion2d import Motion2DProtocol
from models.command_line import InputError, require_dir
from models.music.reference_beats import mace2d_music_beats

VIDEO_SUFFIXES = (".mp4", ".webm", ".mkv", ".mov", ".avi")
KEYPOINT_KEY = "keypoints"


class UnusableInput(ValueError):
    """One stem's keypoints or audio cannot be used (MACE silently drops such a stem)."""


@dataclass(frozen=True)
class InputFolder:
    """The inputs of one role: stem -> keypoint JSON, or stem -> video when the folder holds no JSON."""

    role: str
    folder: Path
    files: dict[str, Path]
    videos: bool


def list_inputs(folder: Path, role: str) -> InputFolder:
    """Keypoint JSONs of `folder` by stem, or its videos when it has no JSON."""
    folder = require_dir(folder, f"--{role.lower()}")
    jsons = {p.stem: p for p in folder.glob("*.json")}
    if jsons:
        return InputFolder(role, folder, jsons, videos=False)
    videos = {p.stem: p for p in folder.iterdir() if p.suffix.lower() in VIDEO_SUFFIXES}
    if not videos:
        raise InputError(folder, f"holds no keypoint .json nor video ({', '.join(VIDEO_SUFFIXES)}) ({role})")
    return InputFolder(role, folder, videos, videos=True)


def read_keypoints(path: Path, frames: int) -> tuple[np.ndarray, float | None]:
    """The first `frames` coco_25 rows (frames, 25, 3) of an easy_ViTPose JSON, and its "fps" (None if absent)."""
    try:
        doc = json.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UnusableInput(f"{path}: not a readable JSON file ({error})") from None
    if not isinstance(doc, dict) or KEYPOINT_KEY not in doc:
        raise UnusableInput(f"{path}: no {KEYPOINT_KEY!r} key")
    try:
        arr = np.array(doc[KEYPOINT_KEY], dtype=np.float64)
    except (TypeError, ValueError):
        raise UnusableInput(f"{path}: {KEYPOINT_KEY!r} is not a T x {NUM_JOINTS} x 3 number array") from None
    if arr.ndim != 3 or arr.shape[1:] != (NUM_JOINTS, 3):
        raise UnusableInput(f"{path}: {KEYPOINT_KEY!r} has shape {arr.shape}, expected (T, {NUM_JOINTS}, 3)")
    if arr.shape[0] < frames:
        raise UnusableInput(f"{path}: {arr.shape[0]} frames, fewer than the {frames} scored")
    arr = arr[:frames]
    if not np.isfinite(arr).all():
        bad = np.unique(np.nonzero(~np.isfinite(arr))[0])
        raise ValueError(f"{path}: non-finite keypoints at frames {bad[:10].tolist()}")
    fps = doc.get("fps")
    return arr, float(fps) if isinstance(fps, (int, float)) else None


@dataclass
class PairedKeypoints:
    """Scored stems in order with their GT/pred keypoints (N, frames, 25, 3) and GT-audio music beats."""

    stems: list[str]
    gt: np.ndarray
    pred: np.ndarray
    music_beats: list[np.ndarray]
    sources: list[Path]  # every GT keypoint/video and audio file used (for the data hash)
    pose_estimator: str | None = None  # the model that made keypoints from videos, if any
    warnings: list[str] = field(default_factory=list)  # stems dropped, inputs off the fps grid (ma2d@mace)


class _Loader:
    """Reads one stem's inputs, extracting keypoints from videos through the cache when needed."""

    def __init__(self, protocol: Motion2DProtocol, pose: PoseSource, cache_dir: Path) -> None:
        self.protocol, self.pose, self.cache_dir = protocol, pose, cache_dir
        self.read_videos = False

    def keypoints(self, inputs: InputFolder, stem: str) -> tuple[np.ndarray, float | None]:
        path = inputs.files[stem]
        if inputs.videos:
            self.read_videos = True
            try:
                path, _ = cached_keypoints(path, self.pose, self.cache_dir)
            except (ValueError, FileNotFoundError) as error:
                raise UnusableInput(str(error)) from None
        return read_keypoints(path, self.protocol.frames)

    def beats(self, audio: Path) -> np.ndarray:
        p = self.protocol
        try:
            return mace2d_music_beats(audio, p.audio_sr, int(p.fps), p.frames)
        except (ValueError, FileNotFoundError) as error:
            raise UnusableInput(f"{audio}: no music beats ({error})") from None


def _audio_files(gt: InputFolder, music_dir: Path | None) -> dict[str, Path]:
    if music_dir is not None:
        require_dir(music_dir, "--music")
        stems = {p.stem for p in Path(music_dir).iterdir() if p.suffix.lower() in AUDIO_SUFFIXES}
        return {s: find_music(music_dir, s) for s in stems}
    if not gt.videos:
        raise ValueError(f"GT {gt.folder} holds keypoint JSONs: pass --music with the GT audio or videos")
    return dict(gt.files)


def _report(protocol: Motion2DProtocol, message: str) -> None:
    """A stem MACE would drop: warn and go on (compat) or stop (v1)."""
    if not protocol.skip_unusable_stems:
        raise ValueError(f"{message} ({protocol.id} scores every stem; fix or remove it)")
    warnings.warn(f"{message}; stem dropped as {protocol.id}'s reference does", MetricWarning, stacklevel=3)


def _load_stems(
    loader: _Loader, gt: InputFolder, pred: InputFolder, audio: dict[str, Path], stems: list[str]
) -> tuple[PairedKeypoints, list[str]]:
    """Load every stem in order, dropping (or stopping at) unusable ones; also lists inputs off the fps grid."""
    protocol = loader.protocol
    out = PairedKeypoints([], np.empty(0), np.empty(0), [], [])
    gts, preds, mismatch, dropped = [], [], [], []
    for stem in stems:
        try:
            (g, g_fps), (p, p_fps) = loader.keypoints(gt, stem), loader.keypoints(pred, stem)
            beats = loader.beats(audio[stem])
        except UnusableInput as error:
            _report(protocol, str(error))
            dropped.append(str(error))
            continue
        for role, fps in (("GT", g_fps), ("pred", p_fps)):
            if fps is not None and abs(fps - protocol.fps) > 1e-3:
                mismatch.append(f"{role} {stem} at {fps:g} fps")
        out.stems.append(stem)
        gts.append(g)
        preds.append(p)
        out.music_beats.append(beats)
        out.sources += [gt.files[stem], audio[stem]]
    if len(out.stems) < 2:
        first = f"; {len(dropped)} dropped, first: {dropped[0]}" if dropped else ""
        raise InputError(pred.folder, f"{len(out.stems)} usable stem(s) here and in {gt.folder}: FID and DIV need "
                         f"at least 2{first}")
    out.gt, out.pred = np.stack(gts), np.stack(preds)
    out.pose_estimator = loader.pose.key if loader.read_videos else None
    return out, mismatch


def load_pairs(
    protocol: Motion2DProtocol,
    gt_dir: Path,
    pred_dir: Path,
    music_dir: Path | None,
    pose: PoseSource,
    cache_dir: Path,
) -> PairedKeypoints:
    """Pair GT and pred keypoints (and GT audio) by stem and load them as MACE's calculate_metric.py does.

    Warnings are emitted and also kept in the result's `warnings` for the results JSON."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = _pair(protocol, gt_dir, pred_dir, music_dir, pose, cache_dir)
    for w in caught:
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    out.warnings = [str(w.message) for w in caught]
    return out


def _pair(
    protocol: Motion2DProtocol, gt_dir: Path, pred_dir: Path, music_dir: Path | None, pose: PoseSource, cache_dir: Path
) -> PairedKeypoints:
    gt, pred = list_inputs(gt_dir, "GT"), list_inputs(pred_dir, "pred")
    audio = _audio_files(gt, music_dir)
    common = sorted(set(gt.files) & set(pred.files) & set(audio))
    for name, stems in (("GT", gt.files), ("pred", pred.files), ("audio", audio)):
        missing = sorted(set(stems) - set(common))
        if missing:
            _report(protocol, f"{len(missing)} {name} stem(s) lack a GT, pred or audio partner: {', '.join(missing[:10])}")
    loader = _Loader(protocol, pose, cache_dir)
    try:
        out, mismatch = _load_stems(loader, gt, pred, audio, common)
    finally:
        pose.close()
    if mismatch:
        message = (f"{protocol.id} reads {protocol.frames} frames on a {protocol.fps:g}-fps grid but "
                   f"{len(mismatch)} input(s) are not at {protocol.fps:g} fps: {', '.join(mismatch[:5])}")
        if not protocol.skip_unusable_stems:
            raise ValueError(message + "; resample the videos first")
        warnings.warn(message + " (reproduced as published: beats and motion misaligned)", MetricWarning, stacklevel=2)
    return out
