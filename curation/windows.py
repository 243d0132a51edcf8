"""Clip windows of min..max seconds whose boundaries fall on music beats where possible.

Rule: the first window starts on the first beat; each window ends on the beat nearest to
start + target (target = the middle of [min, max]) among the beats that keep it within
[min, max]; with no such beat it ends at start + target ("fixed" boundary). The next window starts
at the previous end, or on the first beat after a fixed end. A tail shorter than min is left out.
A source shorter than min becomes one clip of its whole length, rule "short_source" (the bundled
sample's 4-s items take this path); a source shorter than `MIN_SOURCE_S` is an error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

MIN_SOURCE_S = 1.0
WINDOW_RULES = ("beats", "partial_beats", "fixed", "short_source")


@dataclass(frozen=True)
class Window:
    """Source frames [start, end) and how the boundaries were chosen (one of WINDOW_RULES)."""

    start: int
    end: int
    rule: str


def plan_windows(
    num_frames: int, fps: float, beats: np.ndarray, min_s: float = 5.0, max_s: float = 10.0
) -> list[Window]:
    """Windows over a `num_frames` source at `fps`, with beat frame indices `beats` (any order)."""
    if not 0 < min_s <= max_s:
        raise ValueError(f"clip length range must satisfy 0 < min <= max, got {min_s}..{max_s} s")
    if num_frames < MIN_SOURCE_S * fps:
        raise ValueError(f"source is only {num_frames / fps:.2f} s long; clips need at least {MIN_SOURCE_S} s")
    min_f, max_f = math.ceil(min_s * fps), math.floor(max_s * fps)
    target_f = (min_f + max_f) // 2
    if num_frames < min_f:
        return [Window(0, num_frames, "short_source")]
    beats = np.unique(np.asarray(beats, dtype=np.int64))
    beats = beats[(beats >= 0) & (beats <= num_frames)]
    on_beat = set(beats.tolist())
    start = int(beats[0]) if len(beats) and beats[0] + min_f <= num_frames else 0
    windows = []
    while start + min_f <= num_frames:
        reachable = beats[(beats >= start + min_f) & (beats <= min(start + max_f, num_frames))]
        if len(reachable):
            end = int(reachable[np.argmin(np.abs(reachable - (start + target_f)))])
        else:
            end = min(start + target_f, num_frames)
        hits = (start in on_beat) + (end in on_beat)
        windows.append(Window(start, end, ("fixed", "partial_beats", "beats")[hits]))
        later = beats[beats >= end]
        start = end if end in on_beat or not len(later) else int(later[0])
    return windows
