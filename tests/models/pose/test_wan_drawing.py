"""Wan-Animate pose drawing: the spec's limb pairs and palette, 0.6 limb factor, joint dots on top, feet."""

from __future__ import annotations

import numpy as np
import pytest

from models.pose.wan_drawing import (
    OPENPOSE18_COLORS,
    OPENPOSE18_LIMBS,
    draw_hand,
    draw_wan_pose,
)

SPEC_LIMBS_1BASED = ((2, 3), (2, 6), (3, 4), (4, 5), (6, 7), (7, 8), (2, 9), (9, 10), (10, 11), (2, 12),
                     (12, 13), (13, 14), (2, 1), (1, 15), (15, 17), (1, 16), (16, 18))  # fmt: skip


def _pose() -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.uniform(20, 180, size=(18, 2))


def test_limbs_and_palette_match_draw_bodypose():
    assert tuple((a - 1, b - 1) for a, b in SPEC_LIMBS_1BASED) == OPENPOSE18_LIMBS
    assert OPENPOSE18_COLORS[0] == (255, 0, 0) and OPENPOSE18_COLORS[1] == (255, 85, 0)
    assert OPENPOSE18_COLORS[-1] == (255, 0, 85) and len(set(OPENPOSE18_COLORS)) == 18


def test_limb_colour_at_60_percent_and_dots_on_top():
    points = np.full((18, 2), np.nan)
    points[1], points[2] = (
        (50.5, 100.5),
        (150.5, 100.5),
    )  # neck -> right shoulder: limb 0 (red)
    scores = np.zeros(18)
    scores[[1, 2]] = 1.0
    frame = draw_wan_pose(200, 200, points, scores)
    assert frame.dtype == np.uint8 and frame.shape == (200, 200, 3)
    np.testing.assert_array_equal(
        frame[100, 100], [153, 0, 0]
    )  # limb middle: 0.6 x (255,0,0)
    np.testing.assert_array_equal(
        frame[103, 100], [153, 0, 0]
    )  # inside the half-width 4
    np.testing.assert_array_equal(
        frame[106, 100], [0, 0, 0]
    )  # outside it: black canvas
    np.testing.assert_array_equal(
        frame[100, 50], OPENPOSE18_COLORS[1]
    )  # neck dot, full colour
    np.testing.assert_array_equal(frame[100, 150], OPENPOSE18_COLORS[2])


def test_threshold_hides_joints_and_feet_drawn_ankle_to_toe():
    points = _pose()
    scores = np.ones(18)
    scores[4] = 0.2
    hidden = draw_wan_pose(200, 200, points, scores)
    x, y = points[4].astype(int)
    assert not (hidden[y, x] == OPENPOSE18_COLORS[4]).all()
    points = np.full((18, 2), np.nan)
    points[13] = (40.5, 150.5)
    feet = np.array([[40.5, 150.5], [100.5, 150.5], [np.nan, np.nan], [np.nan, np.nan]])
    frame = draw_wan_pose(200, 200, points, np.ones(18), feet)
    np.testing.assert_array_equal(
        frame[150, 80], [int(c * 0.6) for c in OPENPOSE18_COLORS[13]]
    )
    with pytest.raises(ValueError, match="feet"):
        draw_wan_pose(200, 200, points, np.ones(18), feet[:3])


def test_hands_are_drawn_in_controlnet_colours_only_where_the_wrist_is_seen():
    points, scores = _pose(), np.ones(18)
    hand = np.stack([np.linspace(20, 60, 21), np.full(21, 150.0)], axis=1)
    hand[1:] += np.stack([np.zeros(20), np.repeat(np.arange(5), 4) * 6.0], axis=1)  # five fingers side by side
    bare = draw_wan_pose(200, 200, points, scores)
    drawn = draw_wan_pose(200, 200, points, scores, hands=np.stack([hand, hand + [100, 0]]))
    changed = (drawn != bare).any(axis=2)
    assert changed[140:180, 15:70].any() and changed[140:180, 115:170].any()
    assert tuple(drawn[150, 20]) == (0, 0, 255)  # the wrist keypoint disc
    scores[7] = 0  # left wrist unseen: its hand is not drawn
    one = draw_wan_pose(200, 200, points, scores, hands=np.stack([hand, hand + [100, 0]]))
    assert not (one != draw_wan_pose(200, 200, points, scores)).any(axis=2)[140:180, 15:70].any()
    with pytest.raises(ValueError, match="hand"):
        draw_hand(bare.copy(), hand[:20])
