"""Pose-driven image animation (`animation@v1`): generated vs ground-truth videos of the same clips.

MACE-Dance released no script for its Table 3 (FVD, SSIM, LPIPS, PSNR), so every choice that moves
these numbers is fixed here and explained in docs/protocols/animation_at_v1.md: pairing, clip
count, frames, stride, resolution and resizing per metric, FVD's windows and statistics.
"""

from __future__ import annotations

from dataclasses import dataclass

from benchmark.protocols.base import MetricSpec, ProtocolBase


@dataclass(frozen=True, kw_only=True)
class AnimationProtocol(ProtocolBase):
    """The recipe of one animation evaluation: which frames are compared, at what size, and how."""

    kind: str = "animation"
    num_clips: int  # expected test clips; another count is scored with a warning
    video_suffixes: tuple[str, ...]  # a GT and a generated file pair up by stem
    max_frames: int  # frames compared per clip: the first min(T, max_frames)
    frame_stride: int  # every n-th of those frames enters SSIM / PSNR / LPIPS
    frame_short_side: int  # both videos are area-resized to this short side (pred first cropped to GT aspect)
    psnr_cap_db: float  # PSNR of an identical frame (infinite otherwise)
    lpips_net: str  # LPIPS v0.1 backbone: "alex" or "vgg"
    fvd_frames: int  # frames per I3D window
    fvd_window_step: int  # first frames of successive windows are this far apart
    fvd_frame_step: int  # frames inside a window are this far apart (StyleGAN-V subsample_factor)
    fvd_resolution: int  # I3D input: short side to this, centre crop square


ANIMATION_V1 = AnimationProtocol(
    id="animation@v1",
    version="1",
    title="Pose-driven image animation on MA-Data (FVD, SSIM, LPIPS, PSNR)",
    compat_with="corrected",
    num_clips=200,
    video_suffixes=(".mp4", ".webm", ".mkv", ".mov", ".avi"),
    max_frames=150,  # 5 s at 30 fps
    frame_stride=1,
    frame_short_side=256,
    psnr_cap_db=100.0,
    lpips_net="alex",
    fvd_frames=16,
    fvd_window_step=16,  # non-overlapping: 9 windows per 150-frame clip
    fvd_frame_step=1,
    fvd_resolution=224,
    metrics=(
        MetricSpec("fvd", "lower", description="Frechet video distance, StyleGAN-V I3D, 16-frame windows"),
        MetricSpec("ssim", "higher", 0.0, 1.0, "structural similarity, Gaussian 11x11 window, per frame"),
        MetricSpec("lpips", "lower", description="LPIPS v0.1 (AlexNet), per frame"),
        MetricSpec("psnr", "higher", description="peak signal-to-noise ratio (dB), per frame"),
    ),
)

ANIMATION_PROTOCOLS = (ANIMATION_V1,)
