"""Grouped (two-stage) bootstrap: sources first, then their windows; wider than the item bootstrap when windows cluster."""

from __future__ import annotations

import numpy as np
import pytest

from benchmark.metrics.bootstrap import bootstrap_ci, bootstrap_set_ci, resample_counts_grouped
from benchmark.metrics.motion.diversity import diversity, diversity_resampled
from benchmark.metrics.warnings import DegenerateMetricWarning


def _windows(num_sources: int = 4, per_source: int = 12, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Per-window values that mostly depend on their source sequence (few independent sources)."""
    rng = np.random.default_rng(seed)
    groups = np.repeat(np.arange(num_sources), per_source)
    return rng.normal(size=num_sources)[groups] + 0.1 * rng.normal(size=groups.size), groups


def test_grouped_counts_draw_whole_sources_then_their_windows():
    groups = np.repeat(["a", "b", "c"], [2, 3, 5])
    counts = resample_counts_grouped(groups, n_boot=500, seed=1)
    assert counts.shape == (500, 10) and (counts >= 0).all()
    per_source = np.stack([counts[:, groups == g].sum(axis=1) for g in "abc"], axis=1)
    np.testing.assert_array_equal(per_source % np.array([2, 3, 5]), 0)  # k draws of a source: k * its size
    assert (per_source // np.array([2, 3, 5])).sum(axis=1).tolist() == [3] * 500  # 3 sources drawn each time
    np.testing.assert_array_equal(resample_counts_grouped(groups, 50, 7), resample_counts_grouped(groups, 50, 7))


def test_grouped_ci_is_wider_on_windows_cut_from_few_sequences():
    values, groups = _windows()
    flat = bootstrap_ci(values, 1000, 0)
    grouped = bootstrap_ci(values, 1000, 0, groups=groups)
    assert grouped[1] - grouped[0] > 2 * (flat[1] - flat[0])
    assert grouped[0] <= values.mean() <= grouped[1]


def test_grouped_set_ci_is_wider_for_diversity():
    rng = np.random.default_rng(0)
    values, groups = _windows()
    feats = np.stack([values, rng.normal(size=values.size) * 0.05], axis=1) + rng.normal(size=(4, 2))[groups] * 3
    estimate = diversity(feats)
    stat = lambda c: diversity_resampled(feats, c)  # noqa: E731
    flat = bootstrap_set_ci(stat, len(feats), estimate=estimate, n_boot=500, seed=0)
    grouped = bootstrap_set_ci(stat, len(feats), estimate=estimate, n_boot=500, seed=0, groups=groups)
    assert grouped[1] - grouped[0] > 1.5 * (flat[1] - flat[0])


def test_one_source_falls_back_to_items_with_a_warning():
    values, _ = _windows(num_sources=1)
    with pytest.warns(DegenerateMetricWarning, match="single source"):
        ci = bootstrap_ci(values, 200, 0, groups=np.zeros(values.size))
    assert ci == bootstrap_ci(values, 200, 0)
    with pytest.raises(ValueError, match="mean of scalar items"):
        bootstrap_ci(values, 200, 0, statistic=np.median, groups=np.arange(values.size) % 2)
