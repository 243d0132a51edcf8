"""The music-beat cache: keyed by audio content and pipeline, damaged entries recomputed."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from benchmark.inputs.beat_cache import beat_cache_path, cached_beats


def test_beats_are_cached_by_content_and_pipeline(tmp_path):
    calls: list[Path] = []

    def track(music: Path) -> np.ndarray:
        calls.append(music)
        return np.array([3, 9, len(music.read_bytes())])

    cache = tmp_path / "cache"
    (tmp_path / "a.wav").write_bytes(b"same audio")
    (tmp_path / "b.wav").write_bytes(b"same audio")
    (tmp_path / "c.wav").write_bytes(b"other audio!")
    first = cached_beats(tmp_path / "a.wav", "lodge", track, cache)
    np.testing.assert_array_equal(cached_beats(tmp_path / "b.wav", "lodge", track, cache), first)  # renamed copy: a hit
    assert len(calls) == 1
    cached_beats(tmp_path / "c.wav", "lodge", track, cache)  # other content
    cached_beats(tmp_path / "a.wav", "bailando", track, cache)  # other pipeline
    assert len(calls) == 3
    beat_cache_path(cache, tmp_path / "a.wav", "lodge").write_bytes(b"damaged")
    np.testing.assert_array_equal(cached_beats(tmp_path / "a.wav", "lodge", track, cache), first)
    assert len(calls) == 4
    cached_beats(tmp_path / "a.wav", "lodge", track, None)  # no cache: always computed
    assert len(calls) == 5
