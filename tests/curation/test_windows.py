"""Music-aligned clip windows."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from curation.windows import Window, plan_windows

FPS = 30.0


def test_boundaries_on_beats_within_the_length_range():
    beats = np.arange(7, 3000, 15)  # 120 BPM, first beat at frame 7
    windows = plan_windows(1200, FPS, beats)
    assert windows[0].start == 7
    on_beat = set(beats.tolist())
    for a, b in itertools.pairwise(windows):
        assert a.end == b.start  # contiguous
    for w in windows:
        assert 150 <= w.end - w.start <= 300 and w.start in on_beat and w.end in on_beat and w.rule == "beats"
        assert abs((w.end - w.start) - 225) <= 7  # nearest beat to the 7.5 s target
    assert 1200 - windows[-1].end < 150  # only a tail shorter than the minimum is left out


def test_without_beats_windows_are_fixed_length():
    windows = plan_windows(700, FPS, np.array([], dtype=int))
    assert windows == [Window(0, 225, "fixed"), Window(225, 450, "fixed"), Window(450, 675, "fixed")]


def test_sparse_beats_mix_rules():
    assert plan_windows(900, FPS, np.array([30, 250, 400])) == [
        Window(30, 250, "beats"),
        Window(250, 400, "beats"),  # exactly the 5 s minimum
        Window(400, 625, "partial_beats"),  # no beat within 5-10 s: fixed 7.5 s end
        Window(625, 850, "fixed"),
    ]
    # a fixed end is followed by a gap up to the next beat, so the next window starts on it
    assert plan_windows(900, FPS, np.array([30, 400])) == [
        Window(30, 255, "partial_beats"),
        Window(400, 625, "partial_beats"),
        Window(625, 850, "fixed"),
    ]


def test_short_sources():
    assert plan_windows(120, FPS, np.array([10, 40])) == [Window(0, 120, "short_source")]
    with pytest.raises(ValueError, match="only 0.50 s long"):
        plan_windows(15, FPS, np.array([]))
    with pytest.raises(ValueError, match="0 < min <= max"):
        plan_windows(300, FPS, np.array([]), min_s=8, max_s=6)
