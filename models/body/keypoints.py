"""Body keypoints from SMPL-X FK (COCO-17, OpenPose-18) and OpenPose-style skeleton drawing.

Joints map directly (shoulders, elbows, wrists, hips, knees, ankles, eyes); nose and ears are fixed
points in the head joint's frame, placed on the SMPL-X neutral head at rest. The OpenPose neck is the
mid-point of the shoulders (as DWPose derives it from COCO). Drawing is `models.pose.wan_drawing`'s
(re-exported here for the curation): the pose-video input of Wan-Animate.
"""

from __future__ import annotations

import numpy as np

from models.body.mesh import world_transforms
from models.body.motion import Motion
from models.body.skeleton import SMPLX55
from models.pose.wan_drawing import OPENPOSE18_COLORS, OPENPOSE18_LIMBS, draw_openpose

__all__ = ["COCO17", "OPENPOSE18", "OPENPOSE18_COLORS", "OPENPOSE18_LIMBS", "coco17_world", "draw_openpose",
           "openpose18_from_coco17"]  # fmt: skip

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
_FACE_REST = {
    "nose": (0.0, 0.281, 0.110),
    "left_ear": (0.075, 0.292, -0.010),
    "right_ear": (-0.075, 0.292, -0.010),
}
_HEAD_REST = SMPLX55.rest_positions()[_HEAD]


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
    neck = (
        coco[..., index["left_shoulder"], :] + coco[..., index["right_shoulder"], :]
    ) / 2
    columns = [
        neck if name == "neck" else coco[..., index[name], :] for name in OPENPOSE18
    ]
    return np.stack(columns, axis=-2)
