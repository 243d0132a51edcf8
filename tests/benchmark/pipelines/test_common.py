"""What the pipelines share: warnings that differ only in numbers are grouped with a count."""

from __future__ import annotations

from benchmark.pipelines.common import group_warnings


def test_near_identical_warnings_are_grouped_with_a_count_in_first_seen_order():
    messages = [
        "FSR: the left foot never touches the ground in 270 frames",
        "no music beat",
        "FSR: the left foot never touches the ground in 120 frames",
        "FSR: the left foot never touches the ground in 270 frames",
    ]
    assert group_warnings(messages) == [
        "FSR: the left foot never touches the ground in 270 frames [x3: this and 2 more like it]",
        "no music beat",
    ]
    assert group_warnings(["a", "b"]) == ["a", "b"]
