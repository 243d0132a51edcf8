"""Contact sheet: a few rendered clips, three frames each with their stored keypoints drawn, plus the
pose-video frame, in one PNG for a person to check that bodies, cameras and keypoints agree."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from models.array_files import load_npz
from models.body.keypoints import draw_openpose, openpose18_from_coco17
from models.files import atomic_write

TILE = 256
FRACTIONS = (0.1, 0.5, 0.9)


def _read_frame(path: Path, index: int) -> np.ndarray:
    capture = cv2.VideoCapture(str(path))
    try:
        capture.set(cv2.CAP_PROP_POS_FRAMES, index)
        ok, frame = capture.read()
    finally:
        capture.release()
    if not ok:
        raise ValueError(f"{path}: cannot decode frame {index}")
    return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)


def _tile(image: np.ndarray, label: str) -> np.ndarray:
    scale = TILE / max(image.shape[:2])
    tile = np.zeros((TILE, TILE, 3), np.uint8)
    resized = cv2.resize(
        image, (round(image.shape[1] * scale), round(image.shape[0] * scale)), interpolation=cv2.INTER_AREA
    )
    tile[: resized.shape[0], : resized.shape[1]] = resized
    cv2.putText(tile, label, (4, TILE - 6), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 255), 1, cv2.LINE_AA)
    return tile


def clip_strip(out_dir: Path, row: dict) -> np.ndarray:
    """One row of the sheet: frames at 10/50/90% with OpenPose-18 keypoints drawn, then the pose video."""
    keypoints = load_npz(out_dir / row["keypoints"])
    points, depth = keypoints["openpose18"], keypoints["coco17_depth"]
    visible = openpose18_from_coco17(depth[..., None])[..., 0] > 0
    tiles = []
    for fraction in FRACTIONS:
        index = min(int(fraction * row["num_frames"]), row["num_frames"] - 1)
        frame = _read_frame(out_dir / row["video"], index)
        stick = max(1, round(2 * max(frame.shape[:2]) / TILE))
        tiles.append(_tile(draw_openpose(frame, points[index], visible[index], stick), f"{row['id']} f{index}"))
    middle = min(int(0.5 * row["num_frames"]), row["num_frames"] - 1)
    tiles.append(_tile(_read_frame(out_dir / row["pose_video"], middle), f"pose f{middle}"))
    return np.concatenate(tiles, axis=1)


def write_contact_sheet(out_dir: Path, rows: Sequence[dict], path: Path) -> Path:
    """Write the sheet of `rows` (ok rows) as PNG, atomically."""
    if not rows:
        raise ValueError("no rendered clips to preview")
    return _write_png(path, np.concatenate([clip_strip(out_dir, row) for row in rows], axis=0))


def _internet_tile(out_dir: Path, row: dict) -> np.ndarray:
    """The source frame nearest the window middle with every person's keypoints (from sources/<id>/pose.npz)."""
    pose = load_npz(out_dir / "sources" / row["source_id"] / "pose.npz")
    frames = pose["frames"]
    inside = np.flatnonzero((frames >= row["start_frame"]) & (frames < row["end_frame"]))
    k = int(inside[len(inside) // 2])
    frame = _read_frame(Path(row["source_file"]), int(frames[k]))
    stick = max(1, round(2 * max(frame.shape[:2]) / TILE))
    for person in range(pose["keypoints"].shape[1]):
        if pose["person_scores"][k, person] > 0:
            points = openpose18_from_coco17(np.concatenate([pose["keypoints"][k, person],
                                                            pose["scores"][k, person, :, None]], axis=-1))  # fmt: skip
            frame = draw_openpose(frame, points[:, :2], points[:, 2] > 0.3, stick)
    label = row["status"] if row["status"] == "ok" else (row["reason"] or "").split(":")[0]
    return _tile(frame, f"{row['id'][-16:]} {label}")


def empty_state(rows: Sequence[dict], width: int = 3 * TILE) -> np.ndarray:
    """A dark panel saying that no window was scored, with the row counts per status and first reason."""
    counts: dict[str, int] = {}
    for row in rows:
        key = row["status"] if row["status"] == "ok" else f"{row['status']}: {(row['reason'] or '-').split(':')[0]}"
        counts[key] = counts.get(key, 0) + 1
    lines = ["no scored windows to preview", f"{len(rows)} manifest rows"]
    lines += [f"{n} x {key}"[:60] for key, n in sorted(counts.items())[:8]]
    panel = np.full((TILE, width, 3), 32, np.uint8)
    for k, line in enumerate(lines):
        cv2.putText(panel, line, (8, 24 + 22 * k), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (230, 230, 230), 1, cv2.LINE_AA)
    return panel


def write_empty_preview(rows: Sequence[dict], path: Path) -> Path:
    """The empty-state preview (no clip to show): what the manifest holds, so a build always leaves a preview."""
    return _write_png(path, empty_state(rows))


def _write_png(path: Path, sheet: np.ndarray) -> Path:
    ok, encoded = cv2.imencode(".png", cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
    if not ok:
        raise RuntimeError(f"{path}: PNG encoding failed")
    return atomic_write(path, lambda handle: handle.write(encoded.tobytes()))


def write_internet_contact_sheet(out_dir: Path, rows: Sequence[dict], path: Path, per_kind: int = 6) -> Path:
    """Sheet of up to `per_kind` kept clips (top row) and rejected windows (bottom row) with keypoints drawn;
    the empty-state panel when no window was scored (every source rejected or failed, or no input)."""
    scored = [r for r in rows if r.get("start_s") is not None
              and (out_dir / "sources" / r["source_id"] / "pose.npz").is_file()]  # fmt: skip
    groups = [[r for r in scored if r["status"] == "ok"][:per_kind], [r for r in scored if r["status"] != "ok"][:per_kind]]
    strips = [np.concatenate([_internet_tile(out_dir, r) for r in group], axis=1) for group in groups if group]
    if not strips:
        return _write_png(path, empty_state(rows))
    width = max(s.shape[1] for s in strips)
    return _write_png(path, np.concatenate([np.pad(s, ((0, 0), (0, width - s.shape[1]), (0, 0))) for s in strips], axis=0))
