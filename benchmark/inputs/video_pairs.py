"""Generated vs ground-truth videos paired by file stem and read at a protocol's evaluation size."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmark.metrics.video.clips import ASPECT_TOLERANCE, conform_frame, eval_size
from benchmark.protocols.animation import AnimationProtocol
from models.video.io import iter_frames, probe_video

FPS_TOLERANCE = 0.01  # relative frame-rate difference tolerated silently


@dataclass(frozen=True)
class ClipPair:
    """One test clip: its id (the shared file stem), the GT video and the generated video."""

    id: str
    gt: Path
    pred: Path


def _videos_by_stem(folder: Path, suffixes: tuple[str, ...], role: str) -> dict[str, Path]:
    if not folder.is_dir():
        raise FileNotFoundError(f"{role} folder {folder} does not exist")
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix.lower() in suffixes:
            if path.stem in found:
                raise ValueError(f"{role} folder {folder}: {found[path.stem].name} and {path.name} share the stem {path.stem!r}")
            found[path.stem] = path
    if not found:
        raise ValueError(f"{role} folder {folder} holds no videos ({', '.join(suffixes)})")
    return found


def pair_videos(protocol: AnimationProtocol, gt_dir: Path, pred_dir: Path) -> list[ClipPair]:
    """GT and generated videos matched by stem; ValueError listing stems present on one side only."""
    gt = _videos_by_stem(Path(gt_dir), protocol.video_suffixes, "GT")
    pred = _videos_by_stem(Path(pred_dir), protocol.video_suffixes, "pred")
    for missing, have, where in ((sorted(gt.keys() - pred.keys()), gt_dir, pred_dir), (sorted(pred.keys() - gt.keys()), pred_dir, gt_dir)):
        if missing:
            raise ValueError(f"{len(missing)} video(s) in {have} have no match by stem in {where}: {', '.join(missing[:10])}")
    return [ClipPair(stem, gt[stem], pred[stem]) for stem in sorted(gt)]


def _read(path: Path, max_frames: int, aspect: float, size: tuple[int, int]) -> np.ndarray:
    frames = [conform_frame(f, aspect, size) for f in iter_frames(path, 0, max_frames)]
    if not frames:
        raise ValueError(f"{path}: no decodable frames")
    return np.stack(frames)


def load_pair(protocol: AnimationProtocol, pair: ClipPair) -> tuple[np.ndarray, np.ndarray]:
    """(GT, pred) frames of one clip at the protocol's size: (T, H, W, 3) uint8 each, T equal.

    The prediction is centre-cropped to the GT aspect ratio (with a warning) and both are
    area-resized; unequal frame counts (up to `max_frames`) raise ValueError naming both files."""
    gt_info, pred_info = probe_video(pair.gt), probe_video(pair.pred)
    aspect = gt_info.width / gt_info.height
    size = eval_size(gt_info.height, gt_info.width, protocol.frame_short_side)
    if abs(pred_info.width / pred_info.height - aspect) > ASPECT_TOLERANCE * aspect:
        warnings.warn(
            f"{pair.pred}: {pred_info.width}x{pred_info.height} differs in aspect from GT "
            f"{gt_info.width}x{gt_info.height}; centre-cropped to the GT aspect",
            stacklevel=2,
        )
    if gt_info.fps and pred_info.fps and abs(pred_info.fps - gt_info.fps) > FPS_TOLERANCE * gt_info.fps:
        warnings.warn(
            f"{pair.pred}: {pred_info.fps:g} fps vs GT {gt_info.fps:g} fps; frames are compared by index",
            stacklevel=2,
        )
    gt = _read(pair.gt, protocol.max_frames, aspect, size)
    pred = _read(pair.pred, protocol.max_frames, aspect, size)
    if len(gt) != len(pred):
        raise ValueError(
            f"{pair.pred}: {len(pred)} frames but GT {pair.gt} has {len(gt)} (compared up to "
            f"{protocol.max_frames}); generate one frame per GT frame"
        )
    return gt, pred
