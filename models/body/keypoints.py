"""Body keypoints from SMPL-X FK (COCO-17, OpenPose-18) and OpenPose-style skeleton drawing.

Joints map directly (shoulders, elbows, wrists, hips, knees, ankles, eyes); nose and ears are fixed
points in the head joint's frame, placed on the SMPL-X neutral head at rest. The OpenPose neck is the
mid-point of the shoulders (as DWPose derives it from COCO). Drawing follows DWPose's `draw_bodypose`
(limbs as ellipses at 60% colour, then joint discs) with the ControlNet colour list read as RGB,
on black: the pose-video input of Wan-Animate.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from models.body.mesh import world_transforms
from models.body.motion import Motion
from models.body.skeleton import SMPLX55

COCO17 = (
    "nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee",
    "right_knee", "left_ankle", "right_ankle",
)  # fmt: skip
OPENPOSE18 = (
    "nose", "neck", "right_shoulder", "right_elbow", "right_wrist", "left_shoulder", "left_elbow",
    "left_wrist", "right_hip", "right_knee", "right_ankle", "left_hip", "left_knee", "left_ankle",
    "right_eye", "left_eye", "right_ear", "left_ear",
)  # fmt: skip

_HEAD = SMPLX55.joint_names.index("head")
# Rest positions on the SMPL-X neutral head (metres, same frame as SMPLX55_REST_JOINTS).
_FACE_REST = {"nose": (0.0, 0.281, 0.110), "left_ear": (0.075, 0.292, -0.010), "right_ear": (-0.075, 0.292, -0.010)}
_HEAD_REST = SMPLX55.rest_positions()[_HEAD]

# OpenPose-18 limbs (0-based pairs) and colours, as in DWPose / ControlNet (first 17 limbs drawn).
OPENPOSE18_LIMBS = (
    (1, 2), (1, 5), (2, 3), (3, 4), (5, 6), (6, 7), (1, 8), (8, 9), (9, 10), (1, 11), (11, 12),
    (12, 13), (1, 0), (0, 14), (14, 16), (0, 15), (15, 17),
)  # fmt: skip
OPENPOSE18_COLORS = (
    (255, 0, 0), (255, 85, 0), (255, 170, 0), (255, 255, 0), (170, 255, 0), (85, 255, 0), (0, 255, 0),
    (0, 255, 85), (0, 255, 170), (0, 255, 255), (0, 170, 255), (0, 85, 255), (0, 0, 255), (85, 0, 255),
    (170, 0, 255), (255, 0, 255), (255, 0, 170), (255, 0, 85),
)  # fmt: skip


def coco17_world(motion: Motion) -> np.ndarray:
    """(T,17,3) world COCO-17 keypoints of a motion (any skeleton convertible to SMPL-X-55)."""
    transforms = world_transforms(motion.to_smplx55())
    positions = transforms[..., :3, 3]
    out = np.empty((motion.num_frames, len(COCO17), 3))
    for k, name in enumerate(COCO17):
        if name in _FACE_REST:
            offset = np.asarray(_FACE_REST[name]) - _HEAD_REST
            out[:, k] = positions[:, _HEAD] + transforms[:, _HEAD, :3, :3] @ offset
        else:
            out[:, k] = positions[:, SMPLX55.joint_names.index(name)]
    return out


def openpose18_from_coco17(coco: np.ndarray) -> np.ndarray:
    """(...,17,D) COCO-17 -> (...,18,D) OpenPose-18 (neck = mean of the shoulders)."""
    if coco.shape[-2] != len(COCO17):
        raise ValueError(f"expected (...,17,D) COCO-17 keypoints, got {coco.shape}")
    index = {name: k for k, name in enumerate(COCO17)}
    neck = (coco[..., index["left_shoulder"], :] + coco[..., index["right_shoulder"], :]) / 2
    columns = [neck if name == "neck" else coco[..., index[name], :] for name in OPENPOSE18]
    return np.stack(columns, axis=-2)


def draw_openpose(canvas: np.ndarray, points: np.ndarray, visible: np.ndarray, stick_width: int = 4) -> np.ndarray:
    """Draw one OpenPose-18 skeleton (pixel points (18,2), visibility (18,)) onto an RGB canvas in place.

    Points use the continuous convention of `render_camera` (pixel i covers [i, i+1)).
    """
    if points.shape != (len(OPENPOSE18), 2) or visible.shape != (len(OPENPOSE18),):
        raise ValueError(f"expected points (18,2) and visible (18,), got {points.shape} and {visible.shape}")
    points = points - 0.5  # OpenCV draws at pixel centres
    for (a, b), color in zip(OPENPOSE18_LIMBS, OPENPOSE18_COLORS):
        if not (visible[a] and visible[b]):
            continue
        (xa, ya), (xb, yb) = points[a], points[b]
        length = math.hypot(xa - xb, ya - yb)
        angle = math.degrees(math.atan2(ya - yb, xa - xb))
        center = (round((xa + xb) / 2), round((ya + yb) / 2))
        polygon = cv2.ellipse2Poly(center, (int(length / 2), stick_width), int(angle), 0, 360, 1)
        cv2.fillConvexPoly(canvas, polygon, [int(c * 0.6) for c in color])
    for (x, y), color, seen in zip(points, OPENPOSE18_COLORS, visible):
        if seen:
            cv2.circle(canvas, (round(x), round(y)), stick_width, color, thickness=-1)
    return canvas
