"""models.video.prefetch: order, per-item errors, one read ahead, overlap with the caller, no hang when abandoned."""

from __future__ import annotations

import threading
import time

import pytest

from models.video.prefetch import prefetch


def test_items_come_in_order_with_their_results():
    assert [(item, future.result()) for item, future in prefetch(range(5), lambda x: x * x)] == [
        (0, 0), (1, 1), (2, 4), (3, 9), (4, 16)]  # fmt: skip
    assert list(prefetch([], lambda x: x)) == []


def test_a_failing_read_raises_for_its_item_only():
    def read(x: int) -> int:
        if x == 2:
            raise ValueError(f"item {x}: unreadable")
        return x

    outcomes = []
    for item, future in prefetch(range(5), read):
        try:
            outcomes.append(future.result())
        except ValueError as error:
            outcomes.append(str(error))
    assert outcomes == [0, 1, "item 2: unreadable", 3, 4]


def test_the_next_read_runs_while_the_caller_works_and_no_further():
    started = {i: threading.Event() for i in range(4)}
    ahead = []

    def read(x: int) -> int:
        started[x].set()
        return x

    for item, future in prefetch(range(4), read):
        future.result()
        if item + 1 in started:  # item+1 is read while the caller still holds item: it starts without waiting
            assert started[item + 1].wait(10), f"item {item + 1} was not read while {item} was worked on"
        ahead.append(sum(e.is_set() for e in started.values()) - (item + 1))
    assert max(ahead) == 1  # one item ahead at most: two items' frames held at a time


def test_reading_overlaps_working():
    """4 items, each read 0.4 s and worked on 0.4 s: 3.2 s one after the other, about 2 s overlapped."""
    def read(x: int) -> int:
        time.sleep(0.4)
        return x

    start = time.perf_counter()
    for _, future in prefetch(range(4), read):
        future.result()
        time.sleep(0.4)
    assert time.perf_counter() - start < 2.8  # generous: a loaded machine still overlaps the sleeps


def test_an_error_in_the_caller_does_not_wait_for_the_read_in_flight():
    def read(x: int) -> int:
        time.sleep(3.0 if x else 0.0)
        return x

    start = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        for _, future in prefetch(range(3), read):
            future.result()
            raise KeyboardInterrupt  # the read of item 1 is still sleeping in its daemon thread
    assert time.perf_counter() - start < 1.5
