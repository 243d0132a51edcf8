"""Wan-Animate's pose-video drawing of OpenPose-18 (+ feet), the one skeleton drawer of the suite.

As DWPose's / controlnet_aux's `draw_bodypose` (Wan's own visualiser): black canvas, the 17 standard
limbs with the 18-colour ControlNet palette read as RGB, limb i in colour i as a filled ellipse of
half-width 4 px at 60% colour (the limb layer x 0.6), then joint discs of radius 4 on top. Feet
(ankle->toe) are limbs in the colour of their ankle joint. Points use `render_camera`'s continuous
pixel convention (pixel i covers [i, i+1)).
"""

from __future__ import annotations

import colorsys
import math

import cv2
import numpy as np

# OpenPose-18 limbs (0-based pairs; 1-based: [2,3],[2,6],[3,4],... as in draw_bodypose) and colours.
OPENPOSE18_LIMBS = (
    (1, 2), (1, 5), (2, 3), (3, 4), (5, 6), (6, 7), (1, 8), (8, 9), (9, 10), (1, 11), (11, 12),
    (12, 13), (1, 0), (0, 14), (14, 16), (0, 15), (15, 17),
)  # fmt: skip
OPENPOSE18_COLORS = (
    (255, 0, 0), (255, 85, 0), (255, 170, 0), (255, 255, 0), (170, 255, 0), (85, 255, 0), (0, 255, 0),
    (0, 255, 85), (0, 255, 170), (0, 255, 255), (0, 170, 255), (0, 85, 255), (0, 0, 255), (85, 0, 255),
    (170, 0, 255), (255, 0, 255), (255, 0, 170), (255, 0, 85),
)  # fmt: skip
LIMB_FACTOR = 0.6
LEFT_ANKLE, RIGHT_ANKLE = 13, 10
LEFT_WRIST, RIGHT_WRIST = 7, 4
# OpenPose hand bones: wrist -> thumb, index, middle, ring, little, four joints each (controlnet_aux order)
HAND21_BONES = tuple(
    (0 if j == 0 else 4 * f + j, 4 * f + j + 1) for f in range(5) for j in range(4)
)
FOOT_COLORS = (
    OPENPOSE18_COLORS[LEFT_ANKLE],
    OPENPOSE18_COLORS[RIGHT_ANKLE],
)  # feet = [l_ankle,l_toe,r_ankle,r_toe]


def draw_limb(
    canvas: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    color: tuple[int, int, int],
    width: int,
) -> None:
    """Fill the ellipse from pixel-centre point a to b (half-width `width`) at LIMB_FACTOR of `color`."""
    (xa, ya), (xb, yb) = a, b
    length = math.hypot(xa - xb, ya - yb)
    angle = math.degrees(math.atan2(ya - yb, xa - xb))
    center = (round((xa + xb) / 2), round((ya + yb) / 2))
    polygon = cv2.ellipse2Poly(center, (int(length / 2), width), int(angle), 0, 360, 1)
    cv2.fillConvexPoly(canvas, polygon, [int(c * LIMB_FACTOR) for c in color])


def draw_openpose(
    canvas: np.ndarray, points: np.ndarray, visible: np.ndarray, stick_width: int = 4
) -> np.ndarray:
    """Draw one OpenPose-18 skeleton (pixel points (18,2), visibility (18,)) onto an RGB canvas in place."""
    if points.shape != (len(OPENPOSE18_COLORS), 2) or visible.shape != (
        len(OPENPOSE18_COLORS),
    ):
        raise ValueError(
            f"expected points (18,2) and visible (18,), got {points.shape} and {visible.shape}"
        )
    points = points - 0.5  # OpenCV draws at pixel centres
    for (a, b), color in zip(OPENPOSE18_LIMBS, OPENPOSE18_COLORS):
        if visible[a] and visible[b]:
            draw_limb(canvas, points[a], points[b], color, stick_width)
    for (x, y), color, seen in zip(points, OPENPOSE18_COLORS, visible):
        if seen:
            cv2.circle(canvas, (round(x), round(y)), stick_width, color, thickness=-1)
    return canvas


def draw_hand(canvas: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Draw one OpenPose hand (21,2) in place as controlnet_aux's `draw_handpose`: 20 bones of width 2 in hues
    going round the colour wheel, then keypoint discs of radius 4 in (0,0,255)."""
    if points.shape != (21, 2):
        raise ValueError(f"expected a hand (21,2), got {points.shape}")
    if not np.isfinite(points).all():
        return canvas
    pixels = np.round(points - 0.5).astype(int)
    for k, (a, b) in enumerate(HAND21_BONES):
        color = [int(c * 255) for c in colorsys.hsv_to_rgb(k / len(HAND21_BONES), 1.0, 1.0)]
        cv2.line(canvas, tuple(pixels[a]), tuple(pixels[b]), color, thickness=2)
    for x, y in pixels:
        cv2.circle(canvas, (int(x), int(y)), 4, (0, 0, 255), thickness=-1)
    return canvas


def draw_wan_pose(
    height: int, width: int, points: np.ndarray, scores: np.ndarray, feet: np.ndarray | None = None,
    threshold: float = 0.3, hands: np.ndarray | None = None,
) -> np.ndarray:  # fmt: skip
    """(H,W,3) uint8 RGB pose frame: feet (4,2) [l_ankle,l_toe,r_ankle,r_toe] under the OpenPose-18 skeleton,
    optional hands (2,21,2) on top (drawn only where their wrist is visible)."""
    points, scores = np.asarray(points, np.float64), np.asarray(scores, np.float64)
    visible = np.isfinite(points).all(axis=1) & (scores >= threshold)
    canvas = np.zeros((height, width, 3), np.uint8)
    if feet is not None:
        feet = np.asarray(feet, np.float64)
        if feet.shape != (4, 2):
            raise ValueError(
                f"expected feet (4,2) [l_ankle,l_toe,r_ankle,r_toe], got {feet.shape}"
            )
        for k, (ankle, color) in enumerate(zip((LEFT_ANKLE, RIGHT_ANKLE), FOOT_COLORS)):
            if visible[ankle] and np.isfinite(feet[2 * k : 2 * k + 2]).all():
                draw_limb(canvas, feet[2 * k] - 0.5, feet[2 * k + 1] - 0.5, color, 4)
    draw_openpose(canvas, points, visible)
    if hands is not None:
        for hand, wrist in zip(np.asarray(hands, np.float64), (LEFT_WRIST, RIGHT_WRIST)):
            if visible[wrist]:
                draw_hand(canvas, hand)
    return canvas
