"""Pinhole cameras for rendering and 2D keypoints: intrinsics + world-to-camera in OpenCV axes.

Pixel coordinates are continuous with (0, 0) at the top-left corner of the image, so pixel (i, j)
covers [i, i+1) x [j, j+1); a point projects to u = fx X/Z + cx, v = fy Y/Z + cy in camera
coordinates (x right, y down, z forward). The same camera drives pyrender, so projected joints
land on the rendered body.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

FULL_FRAME_DIAGONAL_MM = math.hypot(36.0, 24.0)
_CV_TO_GL = np.diag([1.0, -1.0, -1.0, 1.0])
_UP = np.array([0.0, 1.0, 0.0])


@dataclass(frozen=True)
class Camera:
    """A pinhole camera: image size, focal lengths and principal point in pixels, and its pose."""

    width: int
    height: int
    fx: float
    fy: float
    cx: float
    cy: float
    world_to_camera: np.ndarray  # (4,4), OpenCV axes

    def project(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """World points (...,3) -> pixel coordinates (...,2) and camera depth z (...,)."""
        rotation, translation = self.world_to_camera[:3, :3], self.world_to_camera[:3, 3]
        cam = np.asarray(points, dtype=np.float64) @ rotation.T + translation
        z = cam[..., 2]
        with np.errstate(divide="ignore", invalid="ignore"):
            uv = np.stack([self.fx * cam[..., 0] / z + self.cx, self.fy * cam[..., 1] / z + self.cy], axis=-1)
        return uv, z

    def camera_to_world_gl(self) -> np.ndarray:
        """Camera pose in OpenGL axes (x right, y up, looking down -z), as pyrender expects."""
        return np.linalg.inv(self.world_to_camera) @ _CV_TO_GL


def focal_px(focal_mm: float, width: int, height: int) -> float:
    """Focal length in pixels of a 35 mm-equivalent lens (matched along the image diagonal)."""
    return focal_mm / FULL_FRAME_DIAGONAL_MM * math.hypot(width, height)


def look_at(eye: np.ndarray, target: np.ndarray) -> np.ndarray:
    """World-to-camera (4,4) in OpenCV axes for a camera at `eye` looking at `target` (y-up world)."""
    forward = np.asarray(target, float) - np.asarray(eye, float)
    forward /= np.linalg.norm(forward)
    right = np.cross(forward, _UP)
    if np.linalg.norm(right) < 1e-9:
        raise ValueError("camera looks straight along the up axis; elevation must stay within (-90, 90) degrees")
    right /= np.linalg.norm(right)
    down = np.cross(forward, right)
    rotation = np.stack([right, down, forward])
    out = np.eye(4)
    out[:3, :3] = rotation
    out[:3, 3] = -rotation @ np.asarray(eye, float)
    return out


def orbit_camera(
    target: np.ndarray, yaw_deg: float, elevation_deg: float, distance: float, focal_mm: float, width: int, height: int
) -> Camera:
    """Camera on a sphere around `target`: yaw about +y (0 looks from +z towards -z), elevation up."""
    yaw, elevation = math.radians(yaw_deg), math.radians(elevation_deg)
    direction = np.array(
        [math.sin(yaw) * math.cos(elevation), math.sin(elevation), math.cos(yaw) * math.cos(elevation)]
    )
    focal = focal_px(focal_mm, width, height)
    eye = np.asarray(target, float) + distance * direction
    return Camera(width, height, focal, focal, width / 2.0, height / 2.0, look_at(eye, target))
