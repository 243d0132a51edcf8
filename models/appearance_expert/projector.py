"""The Motion Projector: SMPL-24 FK joints of a Motion -> OpenPose-18 + feet pixels -> a Wan-Animate pose video.

Follows MACE-Dance's motion_to_pose_video (spec section 2). The spec's orthographic (x, -z) is for
z-up EDGE joints; a `Motion` holds y-up metres, so the orthographic image plane here is (x, -y).
Joints are taken by name from FK on the motion's own skeleton (SMPL-X keeps the same body joints as
the curation's keypoints), converting to SMPL-24 only when names are missing. Perspective mode projects through a stored `render_camera.Camera` (the curation's cameras). The
motion is resampled to the video fps with `Motion.resample` first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from models.body.motion import Motion
from models.body.render_camera import Camera
from models.body.skeleton import SMPL24_JOINT_NAMES
from models.pose.wan_drawing import draw_wan_pose, wan_pose_frames
from models.video.encode import encode_video

# OpenPose-18 index -> SMPL-24 joint (spec section 2); 1 (neck) and the face (0, 14-17) are derived.
OPENPOSE_FROM_SMPL = {
    2: 17,
    3: 19,
    4: 21,
    5: 16,
    6: 18,
    7: 20,
    8: 2,
    9: 5,
    10: 8,
    11: 1,
    12: 4,
    13: 7,
}
FEET_FROM_SMPL = (7, 10, 8, 11)  # [l_ankle, l_toe, r_ankle, r_toe]
_HEAD, _NECK, _L_SHOULDER, _R_SHOULDER = 15, 12, 16, 17
# Face points as (up, forward, left) offsets from the head joint, in shoulder widths.
_FACE = {
    0: (0.10, 0.30, 0.0),
    14: (0.22, 0.25, -0.10),
    15: (0.22, 0.25, 0.10),
    16: (0.15, 0.0, -0.22),
    17: (0.15, 0.0, 0.22),
}
USED_JOINTS = sorted(
    {
        *OPENPOSE_FROM_SMPL.values(),
        *FEET_FROM_SMPL,
        _HEAD,
        _NECK,
        _L_SHOULDER,
        _R_SHOULDER,
    }
)
ALIGN_JOINTS = tuple(range(2, 14))
ALIGN_MIN_SCORE, ALIGN_MIN_JOINTS = 0.08, 6


@dataclass(frozen=True)
class ProjectorConfig:
    """Pose-video size (W x H), fps, projection mode, the 2% margin kept after alignment, and the camera."""

    width: int = 720
    height: int = 1280
    fps: float = 16.0
    mode: Literal["orthographic", "perspective"] = "orthographic"
    margin: float = 0.02
    camera: Camera | None = None

    def __post_init__(self) -> None:
        if self.mode not in ("orthographic", "perspective"):
            raise ValueError(
                f"ProjectorConfig mode must be 'orthographic' or 'perspective', got {self.mode!r}"
            )
        if self.mode == "perspective" and self.camera is None:
            raise ValueError("ProjectorConfig mode 'perspective' needs a camera")


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-9)


def openpose18_world(joints: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """SMPL-24 joints (T,24,3) y-up -> OpenPose-18 (T,18,3) and feet (T,4,3); face along the head direction."""
    if joints.ndim != 3 or joints.shape[1:] != (len(SMPL24_JOINT_NAMES), 3):
        raise ValueError(f"expected SMPL-24 joints (T,24,3), got {joints.shape}")
    if not np.isfinite(joints[:, USED_JOINTS]).all():
        raise ValueError(
            "motion joints contain NaN or inf; cannot project a pose video"
        )
    out = np.empty((joints.shape[0], 18, 3))
    for op, smpl in OPENPOSE_FROM_SMPL.items():
        out[:, op] = joints[:, smpl]
    out[:, 1] = (joints[:, _L_SHOULDER] + joints[:, _R_SHOULDER]) / 2
    head = joints[:, _HEAD]
    shoulder_width = np.linalg.norm(
        joints[:, _L_SHOULDER] - joints[:, _R_SHOULDER], axis=-1
    )[:, None]
    up = _unit(head - joints[:, _NECK])
    left = joints[:, _L_SHOULDER] - joints[:, _R_SHOULDER]
    left = _unit(left - (left * up).sum(-1, keepdims=True) * up)
    forward = np.cross(left, up)
    for op, (u, f, lat) in _FACE.items():
        out[:, op] = head + shoulder_width * (u * up + f * forward + lat * left)
    return out, joints[:, list(FEET_FROM_SMPL)]


def smpl24_joints(motion: Motion) -> np.ndarray:
    """(T,24,3) SMPL-24 joints the projector uses, by FK on the motion's own skeleton when it has them (SMPL-X
    does; the rest are NaN), else via to_smpl24."""
    names = motion.skeleton.joint_names
    if not all(SMPL24_JOINT_NAMES[j] in names for j in USED_JOINTS):
        return motion.to_smpl24().positions()
    out = np.full((motion.num_frames, len(SMPL24_JOINT_NAMES), 3), np.nan)
    out[:, USED_JOINTS] = motion.positions()[
        :, [names.index(SMPL24_JOINT_NAMES[j]) for j in USED_JOINTS]
    ]
    return out


def _fit_orthographic(points: np.ndarray, width: int, height: int) -> np.ndarray:
    """One similarity for the sequence: scale = min(0.72 W / span_x, 0.86 H / span_y), centre -> (W/2, 0.56 H)."""
    flat = points.reshape(-1, 2)
    lo, hi = flat.min(0), flat.max(0)
    span = np.maximum(hi - lo, 1e-6)
    scale = min(0.72 * width / span[0], 0.86 * height / span[1])
    return (points - (lo + hi) / 2) * scale + np.array([width / 2, 0.56 * height])


def umeyama_2d(
    source: np.ndarray, target: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray]:
    """Least-squares similarity (scale, rotation (2,2), translation (2,)) with target ~ s R source + t."""
    mu_s, mu_t = source.mean(0), target.mean(0)
    src, tgt = source - mu_s, target - mu_t
    u, sigma, vt = np.linalg.svd(tgt.T @ src / len(source))
    d = np.diag([1.0, np.sign(np.linalg.det(u @ vt)) or 1.0])
    rotation = u @ d @ vt
    scale = float(
        np.trace(np.diag(sigma) @ d) / max((src**2).sum() / len(source), 1e-12)
    )
    return scale, rotation, mu_t - scale * rotation @ mu_s


def align_to_reference(
    points: np.ndarray, feet: np.ndarray, reference: tuple[np.ndarray, np.ndarray], width: int, height: int,
    margin: float,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Umeyama-fit frame 0 to the reference OpenPose-18 (points, scores) on joints 2-13, then keep the margin."""
    ref_points, ref_scores = (np.asarray(a, np.float64) for a in reference)
    joints = [
        j
        for j in ALIGN_JOINTS
        if ref_scores[j] >= ALIGN_MIN_SCORE and np.isfinite(ref_points[j]).all()
    ]
    if len(joints) < ALIGN_MIN_JOINTS:
        raise ValueError(f"reference pose has {len(joints)} joints of 2-13 with score >= {ALIGN_MIN_SCORE}, "
                         f"alignment needs {ALIGN_MIN_JOINTS}")  # fmt: skip
    scale, rotation, shift = umeyama_2d(points[0, joints], ref_points[joints])
    points, feet = (a @ rotation.T * scale + shift for a in (points, feet))
    both = np.concatenate([points.reshape(-1, 2), feet.reshape(-1, 2)])
    lo, hi = both.min(0), both.max(0)
    box = np.array([width, height]) * (1 - 2 * margin)
    shrink = min(1.0, *(box / np.maximum(hi - lo, 1e-6)))
    centre = (lo + hi) / 2
    low = np.array([width, height]) * margin
    target = np.clip(
        centre, low + (hi - lo) * shrink / 2, low + box - (hi - lo) * shrink / 2
    )
    return tuple((a - centre) * shrink + target for a in (points, feet))  # type: ignore[return-value]


def project_motion(
    motion: Motion,
    config: ProjectorConfig,
    reference: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Motion -> (T,18,2) pixel points, (T,18) scores, (T,4,2) feet at config.fps (T after resampling)."""
    body, feet = openpose18_world(smpl24_joints(motion.resample(config.fps)))
    scores = np.ones(body.shape[:2])
    if config.mode == "perspective":
        (points, depth), (foot, _) = (
            config.camera.project(body),
            config.camera.project(feet),
        )  # type: ignore[union-attr]
        scores = (depth > 0).astype(np.float64)
    else:
        both = _fit_orthographic(
            np.concatenate([body, feet], axis=1)[..., :2] * [1.0, -1.0],
            config.width,
            config.height,
        )
        points, foot = both[:, :18], both[:, 18:]
    if reference is not None:
        points, foot = align_to_reference(
            points, foot, reference, config.width, config.height, config.margin
        )
    return points, scores, foot


def draw_projected(
    height: int, width: int, points: np.ndarray, scores: np.ndarray, feet: np.ndarray
) -> Callable[[int], np.ndarray]:
    """index -> that frame of the pose video drawn on demand (relay rendering draws one segment at a time)."""
    return lambda index: draw_wan_pose(height, width, points[index], scores[index], feet[index])


def pose_video_frames(
    motion: Motion,
    config: ProjectorConfig,
    reference: tuple[np.ndarray, np.ndarray] | None = None,
) -> Iterator[np.ndarray]:
    """The pose video's (H,W,3) uint8 RGB frames in Wan-Animate's drawing."""
    points, scores, feet = project_motion(motion, config, reference)
    return wan_pose_frames(config.height, config.width, points, scores, feet)


def write_pose_video(
    motion: Motion,
    out: str | Path,
    config: ProjectorConfig,
    reference: tuple[np.ndarray, np.ndarray] | None = None,
) -> int:
    """Encode the pose video to H.264 `out` atomically (encode_video); returns the frame count."""
    frames = pose_video_frames(motion, config, reference)
    return encode_video(Path(out), frames, config.fps, config.width, config.height)
