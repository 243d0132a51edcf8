"""Bring a generated/ground-truth video pair to common frames, and cut FVD's 16-frame I3D inputs.

Frame metrics: the prediction is centre-cropped to the GT aspect ratio, then both are resized
with area interpolation so the short side is the protocol's size (the same downsampling for a
1080p GT and a 512p prediction). FVD: consecutive-frame windows of those frames, each resized
bilinearly to short side 224, centre-cropped to 224x224 and scaled to [-1, 1], as the
StyleGAN-V I3D expects (common_metrics_on_video_quality's `preprocess_single`).
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import torch
import torch.nn.functional as F

ASPECT_TOLERANCE = 0.01  # relative aspect difference accepted without cropping


def eval_size(height: int, width: int, short_side: int) -> tuple[int, int]:
    """(H, W) with the short side `short_side` and the long side scaled to keep the aspect ratio."""
    scale = short_side / min(height, width)
    return (short_side, round(width * scale)) if height <= width else (round(height * scale), short_side)


def crop_to_aspect(frame: np.ndarray, aspect: float) -> np.ndarray:
    """Centre-crop an (H, W, 3) frame to width/height `aspect` (unchanged within ASPECT_TOLERANCE)."""
    h, w = frame.shape[:2]
    if abs(w / h - aspect) <= ASPECT_TOLERANCE * aspect:
        return frame
    if w / h > aspect:
        new_w = max(1, round(h * aspect))
        left = (w - new_w) // 2
        return frame[:, left : left + new_w]
    new_h = max(1, round(w / aspect))
    top = (h - new_h) // 2
    return frame[top : top + new_h]


def conform_frame(frame: np.ndarray, aspect: float, size: tuple[int, int]) -> np.ndarray:
    """Crop an (H, W, 3) uint8 frame to `aspect`, then resize it to `size` (H, W) by area interpolation."""
    frame = crop_to_aspect(frame, aspect)
    if frame.shape[:2] == size:
        return frame
    return cv2.resize(frame, (size[1], size[0]), interpolation=cv2.INTER_AREA)


def window_starts(num_frames: int, length: int = 16, step: int = 16, frame_step: int = 1) -> list[int]:
    """First frame of every window of `length` frames taken `frame_step` apart, windows `step` apart."""
    span = (length - 1) * frame_step + 1
    if num_frames < span:
        raise ValueError(f"FVD needs at least {span} frames per clip, got {num_frames}")
    return list(range(0, num_frames - span + 1, step))


def i3d_input(frames: np.ndarray, resolution: int = 224) -> torch.Tensor:
    """(T, H, W, 3) uint8 -> (3, T, resolution, resolution) float32 in [-1, 1]: short side to
    `resolution` (bilinear, the other side rounded up), centre crop, 2 * (x / 255) - 1."""
    video = torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2).float() / 255.0
    h, w = video.shape[2:]
    scale = resolution / min(h, w)
    size = (resolution, math.ceil(w * scale)) if h < w else (math.ceil(h * scale), resolution)
    video = F.interpolate(video, size=size, mode="bilinear", align_corners=False)
    top, left = (size[0] - resolution) // 2, (size[1] - resolution) // 2
    video = video[:, :, top : top + resolution, left : left + resolution]
    return ((video - 0.5) * 2.0).permute(1, 0, 2, 3).contiguous()


def fvd_windows(frames: np.ndarray, length: int, step: int, frame_step: int, resolution: int) -> torch.Tensor:
    """All FVD windows of one clip as a (K, 3, length, resolution, resolution) batch in [-1, 1]."""
    prepared = i3d_input(frames, resolution)  # resize once, then slice the windows
    return torch.stack([
        prepared[:, s : s + (length - 1) * frame_step + 1 : frame_step]
        for s in window_starts(len(frames), length, step, frame_step)
    ])
