"""Which coco_25 joints the 2D features read under each protocol: MACE's COCO-17 table (defect D1) or the true one.

A named point is one joint index or the midpoint of two. Under `MACE_JOINTS` every index 5-18 is the
COCO-17 meaning MACE assumed (e.g. its "hips" 11/12 are coco_25's right wrist and left hip).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Point = int | tuple[int, int]  # a joint index, or the midpoint of two

NUM_JOINTS = 25  # easy_ViTPose coco_25
POINT_NAMES = (
    "root", "belly", "spine", "chest", "neck", "lhip", "rhip", "lknee", "rknee", "lankle", "rankle",
    "ltoes", "rtoes", "lshoulder", "linshoulder", "rshoulder", "rinshoulder", "lelbow", "relbow",
    "lwrist", "lhand", "rwrist", "rhand", "head",
)  # fmt: skip


@dataclass(frozen=True)
class JointMap:
    """Where each named point of the virtual skeleton comes from, and the kinetic root."""

    name: str
    points: dict[str, Point]
    kinetic_root: tuple[int, int]

    def positions(self, keypoints: np.ndarray) -> np.ndarray:
        """(T, 24, 2) float32 named points (POINT_NAMES order) from (T, 25, 2) float64 keypoints."""
        rows = []
        for name in POINT_NAMES:
            point = self.points[name]
            if isinstance(point, tuple):
                rows.append((keypoints[:, point[0]] + keypoints[:, point[1]]) / 2)
            else:
                rows.append(keypoints[:, point])
        return np.stack(rows, axis=1).astype(np.float32)


def _table(root: Point, chest: Point, neck: Point, limbs: dict[str, int]) -> dict[str, Point]:
    return {"root": root, "belly": root, "spine": root, "chest": chest, "neck": neck, "head": 0, **limbs,
            "linshoulder": limbs["lshoulder"], "rinshoulder": limbs["rshoulder"],
            "lhand": limbs["lwrist"], "rhand": limbs["rwrist"]}  # fmt: skip


MACE_JOINTS = JointMap(
    name="mace",
    points=_table(
        root=(11, 12), chest=(5, 6), neck=(5, 6),
        limbs={"lhip": 11, "rhip": 12, "lknee": 13, "rknee": 14, "lankle": 15, "rankle": 16, "ltoes": 19,
               "rtoes": 22, "lshoulder": 5, "rshoulder": 6, "lelbow": 7, "relbow": 8, "lwrist": 9, "rwrist": 10},
    ),
    kinetic_root=(11, 12),
)

COCO25_JOINTS = JointMap(
    name="coco25",
    points=_table(
        root=(12, 13), chest=(6, 7), neck=5,
        limbs={"lhip": 12, "rhip": 13, "lknee": 15, "rknee": 16, "lankle": 17, "rankle": 18, "ltoes": 19,
               "rtoes": 22, "lshoulder": 6, "rshoulder": 7, "lelbow": 8, "relbow": 9, "lwrist": 10, "rwrist": 11},
    ),
    kinetic_root=(12, 13),
)

JOINT_MAPS = {m.name: m for m in (MACE_JOINTS, COCO25_JOINTS)}
