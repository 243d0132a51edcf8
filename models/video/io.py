"""Decode videos to RGB uint8 frames (PyAV; OpenCV for sparse frame sets), with errors naming the file and problem.

Curation filters, keypoint extraction and the appearance/animation metrics all read frames here,
so every part of the suite sees the same pixels for the same file.

Decoding is bounded (docs/errors.md): one file may take at most $MACE_DECODE_TIMEOUT_S seconds (default
600, checked between frames) and yield at most $MACE_MAX_DECODE_FRAMES frames (default 50000, ~28 min at
30 fps); past either, ValueError names the file and the variable. `check_video` refuses, from the
container alone (milliseconds), a file that is not a video, outside the frame limits, or truncated (fewer
packets than its header declares: a half-downloaded file), so batch commands can drop it before any
model loads.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import av
import cv2
import numpy as np

from models.command_line import InputError, env_number
from models.video.frames import FrameLimits

DECODE_TIMEOUT_ENV = "MACE_DECODE_TIMEOUT_S"
MAX_FRAMES_ENV = "MACE_MAX_DECODE_FRAMES"
DEFAULT_DECODE_TIMEOUT_S = 600.0
DEFAULT_MAX_FRAMES = 50_000
TRUNCATION_TOLERANCE = 2  # packets a complete file may lack against its header (edit lists, a dropped last frame)


@dataclass(frozen=True)
class DecodeLimits:
    """How long one file may take to decode and how many frames it may yield."""

    timeout_s: float
    max_frames: int

    @classmethod
    def from_env(cls) -> DecodeLimits:
        """The limits from $MACE_DECODE_TIMEOUT_S and $MACE_MAX_DECODE_FRAMES (or their defaults)."""
        return cls(env_number(DECODE_TIMEOUT_ENV, DEFAULT_DECODE_TIMEOUT_S), int(env_number(MAX_FRAMES_ENV, DEFAULT_MAX_FRAMES)))


@dataclass(frozen=True)
class VideoInfo:
    """What a container says about its first video stream (and whether it has audio)."""

    path: Path
    width: int
    height: int
    fps: float
    num_frames: int  # from the container; 0 when it does not say (count by decoding)
    duration_s: float
    has_audio: bool
    codec: str


def _open(path: Path) -> av.container.InputContainer:
    if not path.is_file():
        raise InputError(path, "no such video file")
    if path.stat().st_size == 0:
        raise InputError(path, "empty file (0 bytes): not a video (an interrupted download?)")
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, UnicodeDecodeError) as error:
        raise InputError(path, f"not a readable video ({_reason(error)})") from None
    if not container.streams.video:
        container.close()
        raise InputError(path, "has no video stream")
    return container


def _reason(error: Exception) -> str:
    """FFmpeg's message without the errno and the path it repeats."""
    return getattr(error, "strerror", None) or str(error)


def probe_video(path: str | Path) -> VideoInfo:
    """Stream facts without decoding frames."""
    path = Path(path)
    with _open(path) as container:
        stream = container.streams.video[0]
        rate = stream.average_rate or stream.guessed_rate
        fps = float(rate) if rate else 0.0
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration = container.duration / av.time_base
        else:
            duration = 0.0
        return VideoInfo(
            path=path,
            width=stream.codec_context.width,
            height=stream.codec_context.height,
            fps=fps,
            num_frames=int(stream.frames or 0),
            duration_s=duration,
            has_audio=bool(container.streams.audio),
            codec=stream.codec_context.name,
        )


def check_video(path: str | Path, limits: FrameLimits | None = None) -> VideoInfo:
    """The video's facts once it is known usable without decoding it: readable, inside `limits` and the
    decode frame bound, and complete (InputError naming the file otherwise; a demux pass, milliseconds)."""
    info = probe_video(path)
    (limits or FrameLimits.from_env()).check(info.width, info.height, str(info.path))
    max_frames = DecodeLimits.from_env().max_frames
    if info.num_frames > max_frames:
        raise InputError(info.path, f"{info.num_frames} frames, over the {max_frames}-frame decode limit (${MAX_FRAMES_ENV})")
    if info.num_frames:
        packets = _count_packets(info.path)
        if packets < info.num_frames - TRUNCATION_TOLERANCE:
            raise InputError(info.path, f"truncated: holds {packets} of the {info.num_frames} frames its header "
                             "declares (a half-downloaded or cut file?)")
    return info


def _count_packets(path: Path) -> int:
    """Non-empty packets of the first video stream, read without decoding."""
    with _open(path) as container:
        try:
            return sum(1 for packet in container.demux(container.streams.video[0]) if packet.size)
        except av.error.FFmpegError as error:
            raise InputError(path, f"unreadable container ({_reason(error)})") from None


def iter_frames(path: str | Path, start: int = 0, stop: int | None = None, step: int = 1) -> Iterator[np.ndarray]:
    """Yield RGB uint8 (H, W, 3) frames with index in range(start, stop, step), in decode order.

    A decode error mid-stream, or a file past the decode limits (`DecodeLimits`), raises ValueError naming
    the file and the frame it happened at.
    """
    path = Path(path)
    if start < 0 or step < 1 or (stop is not None and stop < start):
        raise ValueError(f"{path}: bad frame range start={start} stop={stop} step={step}")
    limits = DecodeLimits.from_env()
    deadline = time.monotonic() + limits.timeout_s
    with _open(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        index = 0
        try:
            for frame in container.decode(stream):
                if stop is not None and index >= stop:
                    return
                _check_progress(path, index, limits, deadline)
                if index >= start and (index - start) % step == 0:
                    yield frame.to_ndarray(format="rgb24")
                index += 1
        except av.error.FFmpegError as error:
            raise InputError(path, f"decoding failed at frame {index} ({_reason(error)})") from None


def _check_progress(path: Path, index: int, limits: DecodeLimits, deadline: float) -> None:
    """InputError once frame `index` is past the frame bound or the decode deadline."""
    if index >= limits.max_frames:
        raise InputError(path, f"more than {limits.max_frames} frames, the decode limit (${MAX_FRAMES_ENV})")
    if time.monotonic() > deadline:
        raise InputError(path, f"decoding took over {limits.timeout_s:g} s (at frame {index}), "
                         f"the per-file limit (${DECODE_TIMEOUT_ENV})")


def read_frames(path: str | Path, start: int = 0, stop: int | None = None, step: int = 1) -> np.ndarray:
    """All selected frames as one (T, H, W, 3) uint8 array; ValueError if the video has none."""
    frames = list(iter_frames(path, start, stop, step))
    if not frames:
        raise ValueError(f"{path}: no decodable frames in range start={start} stop={stop}")
    return np.stack(frames)


def read_frames_at(path: str | Path, indices: Sequence[int], max_side: int | None = None) -> np.ndarray:
    """(len(indices), H, W, 3) uint8 RGB frames at sorted unique `indices`, decoded in one OpenCV pass.

    OpenCV's grab() skips colour conversion of unwanted frames (~1.7x PyAV's speed at 1080p). Frames are
    downscaled so the long side is at most `max_side`. ValueError, naming the file, if a frame is missing.
    """
    path = Path(path)
    wanted = sorted({int(i) for i in indices})
    if not wanted or wanted[0] < 0:
        raise ValueError(f"{path}: frame indices must be non-empty and >= 0")
    if not path.is_file():
        raise InputError(path, "no such video file")
    capture = cv2.VideoCapture(str(path))
    frames = []
    try:
        if not capture.isOpened():
            raise ValueError(f"{path}: not a readable video")
        index, targets = 0, iter(wanted)
        target = next(targets)
        while target is not None:
            if not capture.grab():
                raise ValueError(f"{path}: video ends at frame {index}, before frame {target}")
            if index == target:
                ok, frame = capture.retrieve()
                if not ok:
                    raise ValueError(f"{path}: decoding failed at frame {index}")
                frames.append(_resize_rgb(frame, max_side))
                target = next(targets, None)
            index += 1
    finally:
        capture.release()
    return np.stack(frames)


def _resize_rgb(bgr: np.ndarray, max_side: int | None) -> np.ndarray:
    scale = 1.0 if not max_side else min(1.0, max_side / max(bgr.shape[:2]))
    if scale < 1.0:
        size = (round(bgr.shape[1] * scale), round(bgr.shape[0] * scale))
        bgr = cv2.resize(bgr, size, interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
