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
from typing import Literal, NamedTuple

import numpy as np

from models.body.motion import Motion
from models.body.render_camera import Camera
from models.body.skeleton import SMPL24_JOINT_NAMES
from models.pose.wan_drawing import draw_wan_pose
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
HAND_FROM_SMPL = ((20, 22), (21, 23))  # (wrist, hand) of the left and the right hand
# OpenPose hand order: thumb, index, middle, ring, little; each (start along, start across, bend, 4 joints'
# spacing) in wrist->knuckle lengths; "across" and "bend" point towards the body's front (the thumb side).
_FINGERS = (
    (0.25, 0.35, 1.0, (0.0, 0.35, 0.25, 0.2)),
    (1.0, 0.30, 0.15, (0.0, 0.4, 0.25, 0.2)),
    (1.0, 0.10, 0.05, (0.0, 0.45, 0.3, 0.2)),
    (1.0, -0.10, -0.05, (0.0, 0.4, 0.25, 0.2)),
    (1.0, -0.30, -0.15, (0.0, 0.3, 0.2, 0.15)),
)
_KNUCKLES = {22: ("left_hand", "left_middle1"), 23: ("right_hand", "right_middle1")}  # SMPL-24 / SMPL-X names
ALIGN_JOINTS = tuple(range(2, 14))
ALIGN_MIN_SCORE, ALIGN_MIN_JOINTS = 0.08, 6


@dataclass(frozen=True)
class ProjectorConfig:
    """Pose-video size (W x H), fps, projection mode, the 2% margin kept after alignment, the camera, hands."""

    width: int = 720
    height: int = 1280
    fps: float = 16.0
    mode: Literal["orthographic", "perspective"] = "orthographic"
    margin: float = 0.02
    camera: Camera | None = None
    hands: bool = False  # draw synthetic 21-point hands (MACE's tool offers them; off by default)

    def __post_init__(self) -> None:
        if self.mode not in ("orthographic", "perspective"):
            raise ValueError(
                f"ProjectorConfig mode must be 'orthographic' or 'perspective', got {self.mode!r}"
            )
        if self.mode == "perspective" and self.camera is None:
            raise ValueError("ProjectorConfig mode 'perspective' needs a camera")


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-9)


def _body_axes(joints: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-frame unit (up, left, forward) of the body: neck->head, right->left shoulder, and their cross product."""
    up = _unit(joints[:, _HEAD] - joints[:, _NECK])
    left = joints[:, _L_SHOULDER] - joints[:, _R_SHOULDER]
    left = _unit(left - (left * up).sum(-1, keepdims=True) * up)
    return up, left, np.cross(left, up)


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
    up, left, forward = _body_axes(joints)
    for op, (u, f, lat) in _FACE.items():
        out[:, op] = head + shoulder_width * (u * up + f * forward + lat * left)
    return out, joints[:, list(FEET_FROM_SMPL)]


def synthetic_hands(joints: np.ndarray) -> np.ndarray:
    """(T,2,21,3) OpenPose hands [left, right] fanned from each wrist->hand joint (SMPL has no fingers).

    The SMPL hand joint sits at the knuckles: the four fingers start there, spread across the palm
    (index on the thumb side), and the thumb leaves the palm towards the body's front (a relaxed hand's
    palm faces the thigh). Lengths are fractions of the wrist->knuckle distance.
    """
    _, _, forward = _body_axes(joints)
    hands = np.empty((joints.shape[0], 2, 21, 3))
    for side, (wrist, knuckle) in enumerate(HAND_FROM_SMPL):
        base = joints[:, wrist]
        along = joints[:, knuckle] - base
        length = np.linalg.norm(along, axis=-1, keepdims=True)
        u = _unit(along)
        hands[:, side, 0] = base
        for finger, (start, across, bend, segments) in enumerate(_FINGERS):
            point = base + length * (start * u + across * forward)
            direction = _unit(u + bend * forward)
            for k, segment in enumerate(segments):
                point = point + length * segment * direction
                hands[:, side, 1 + 4 * finger + k] = point
    return hands


def smpl24_joints(motion: Motion) -> np.ndarray:
    """(T,24,3) SMPL-24 joints the projector uses, by FK on the motion's own skeleton when it has them (SMPL-X
    does; its middle-finger knuckles stand in for SMPL's hand joints; the rest are NaN), else via to_smpl24."""
    names = motion.skeleton.joint_names
    if not all(SMPL24_JOINT_NAMES[j] in names for j in USED_JOINTS):
        return motion.to_smpl24().positions()
    positions = motion.positions()
    out = np.full((motion.num_frames, len(SMPL24_JOINT_NAMES), 3), np.nan)
    out[:, USED_JOINTS] = positions[:, [names.index(SMPL24_JOINT_NAMES[j]) for j in USED_JOINTS]]
    for joint, candidates in _KNUCKLES.items():
        found = [name for name in candidates if name in names]
        if found:
            out[:, joint] = positions[:, names.index(found[0])]
    return out


def _fit_orthographic(points: np.ndarray, width: int, height: int, fit: int) -> np.ndarray:
    """One similarity for the sequence, from its first `fit` points per frame (body + feet), applied to all:
    scale = min(0.72 W / span_x, 0.86 H / span_y), centre -> (W/2, 0.56 H)."""
    flat = points[:, :fit].reshape(-1, 2)
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
    points: np.ndarray, reference: tuple[np.ndarray, np.ndarray], width: int, height: int, margin: float
) -> np.ndarray:
    """Umeyama-fit frame 0 of (T,P,2) points (OpenPose-18 first) to the reference OpenPose-18 (points, scores) on
    joints 2-13, then shrink/shift everything to keep the margin."""
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
    points = points @ rotation.T * scale + shift
    flat = points.reshape(-1, 2)
    lo, hi = flat.min(0), flat.max(0)
    box = np.array([width, height]) * (1 - 2 * margin)
    shrink = min(1.0, *(box / np.maximum(hi - lo, 1e-6)))
    centre = (lo + hi) / 2
    low = np.array([width, height]) * margin
    target = np.clip(
        centre, low + (hi - lo) * shrink / 2, low + box - (hi - lo) * shrink / 2
    )
    return (points - centre) * shrink + target


class ProjectedPose(NamedTuple):
    """A motion in pose-video pixels: (T,18,2) OpenPose points, (T,18) scores, (T,4,2) feet, (T,2,21,2) hands or None."""

    points: np.ndarray
    scores: np.ndarray
    feet: np.ndarray
    hands: np.ndarray | None


def project_motion(
    motion: Motion,
    config: ProjectorConfig,
    reference: tuple[np.ndarray, np.ndarray] | None = None,
) -> ProjectedPose:
    """Motion -> pixel points at config.fps (T after resampling); hands when config.hands."""
    joints = smpl24_joints(motion.resample(config.fps))
    body, feet = openpose18_world(joints)
    parts = [body, feet]
    if config.hands:
        parts.append(synthetic_hands(joints).reshape(len(joints), 42, 3))
    world = np.concatenate(parts, axis=1)
    scores = np.ones(body.shape[:2])
    if config.mode == "perspective":
        pixels, depth = config.camera.project(world)  # type: ignore[union-attr]
        scores = (depth[:, :18] > 0).astype(np.float64)
    else:
        pixels = _fit_orthographic(world[..., :2] * [1.0, -1.0], config.width, config.height, fit=22)
    if reference is not None:
        pixels = align_to_reference(pixels, reference, config.width, config.height, config.margin)
    hands = pixels[:, 22:].reshape(len(pixels), 2, 21, 2) if config.hands else None
    return ProjectedPose(pixels[:, :18], scores, pixels[:, 18:22], hands)


def draw_projected(height: int, width: int, pose: ProjectedPose) -> Callable[[int], np.ndarray]:
    """index -> that frame of the pose video drawn on demand (relay rendering draws one segment at a time)."""
    return lambda i: draw_wan_pose(height, width, pose.points[i], pose.scores[i], pose.feet[i],
                                   hands=None if pose.hands is None else pose.hands[i])  # fmt: skip


def pose_video_frames(
    motion: Motion,
    config: ProjectorConfig,
    reference: tuple[np.ndarray, np.ndarray] | None = None,
) -> Iterator[np.ndarray]:
    """The pose video's (H,W,3) uint8 RGB frames in Wan-Animate's drawing."""
    pose = project_motion(motion, config, reference)
    draw = draw_projected(config.height, config.width, pose)
    return (draw(i) for i in range(len(pose.points)))


def write_pose_video(
    motion: Motion,
    out: str | Path,
    config: ProjectorConfig,
    reference: tuple[np.ndarray, np.ndarray] | None = None,
) -> int:
    """Encode the pose video to H.264 `out` atomically (encode_video); returns the frame count."""
    frames = pose_video_frames(motion, config, reference)
    return encode_video(Path(out), frames, config.fps, config.width, config.height)
