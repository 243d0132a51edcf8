"""Shot boundaries with PySceneDetect (AdaptiveDetector by default) and 5-10 s windows inside each shot."""

from __future__ import annotations

import json
import math

from curation.windows import Window, plan_windows

DETECTORS = ("adaptive", "content")


def detector_description(settings: dict) -> str:
    """The detector and its parameters as JSON, for provenance."""
    import scenedetect

    keys = {"adaptive": ("adaptive_threshold", "window_width", "min_content_val", "min_scene_len"),
            "content": ("content_threshold", "min_scene_len")}[settings["detector"]]  # fmt: skip
    params = {k: settings[k] for k in keys}
    return json.dumps({"scenedetect": scenedetect.__version__, "detector": settings["detector"], **params,
                       "trim_frames": settings["trim_frames"]}, sort_keys=True)  # fmt: skip


def detect_shots(path: str, num_frames: int, settings: dict) -> list[tuple[int, int]]:
    """Shots as [start, end) frame ranges covering the video (one shot when no cut is found)."""
    from scenedetect import AdaptiveDetector, ContentDetector, detect

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
