"""Seeded percentile-bootstrap confidence intervals over test sequences.

Per-item metrics (BAS, PFC, FSR per sequence): resample the items, recompute the statistic
(`bootstrap_ci`). Set-level metrics (FID, Div) have no per-item value: resample the sequence set
and recompute the metric on each resample (`bootstrap_set_ci` with a statistic over draw
counts, e.g. `frechet_distance_resampled`, which keeps the GT statistics fixed, or
`diversity_resampled`; the replicates are centred on the full-set value by default because
resampling with replacement biases set statistics). Both draw their resamples from
`resample_indices(n, n_boot, seed)`, so one seed gives the same resamples for every metric of a run.

Grouped (two-stage cluster) bootstrap, for items that are not independent (windows cut from a few
sequences): `groups` labels each item with its source; a resample draws the sources with replacement,
then each drawn source's items with replacement (`resample_counts_grouped`), so the interval reflects
how few independent sources there are.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

from benchmark.metrics.warnings import DegenerateMetricWarning, MetricWarning


def resample_indices(n_items: int, n_boot: int = 1000, seed: int = 0) -> np.ndarray:
    """(n_boot, n_items) item indices drawn with replacement by numpy's PCG64 seeded with `seed`."""
    if n_items < 1:
        raise ValueError(f"cannot bootstrap {n_items} items")
    if n_boot < 1:
        raise ValueError(f"n_boot must be >= 1, got {n_boot}")
    if n_items == 1:
        warnings.warn(
            "bootstrap over a single item: every resample equals the original, the CI is a point",
            DegenerateMetricWarning,
            stacklevel=3,
        )
    return np.random.default_rng(seed).integers(0, n_items, size=(n_boot, n_items))


def resample_counts(n_items: int, n_boot: int = 1000, seed: int = 0) -> np.ndarray:
    """(n_boot, n_items) draw counts of each item, for the same resamples as `resample_indices`."""
    idx = resample_indices(n_items, n_boot, seed)
    flat = idx + n_items * np.arange(n_boot)[:, None]
    return np.bincount(flat.ravel(), minlength=n_boot * n_items).reshape(n_boot, n_items)


def resample_counts_grouped(groups: np.ndarray, n_boot: int = 1000, seed: int = 0) -> np.ndarray:
    """(n_boot, n_items) draw counts of a two-stage bootstrap: sources with replacement, then items within each.

    A source drawn k times contributes k * size draws of its items (a multinomial: the same law as k
    separate with-replacement draws of its items)."""
    labels = np.unique(np.asarray(groups), return_inverse=True)[1].reshape(-1)
    if n_boot < 1:
        raise ValueError(f"n_boot must be >= 1, got {n_boot}")
    num_groups = int(labels.max()) + 1
    rng = np.random.default_rng(seed)
    drawn = rng.integers(0, num_groups, size=(n_boot, num_groups))
    times = np.stack([np.bincount(row, minlength=num_groups) for row in drawn])  # (n_boot, G)
    counts = np.zeros((n_boot, len(labels)), dtype=np.int64)
    for g in range(num_groups):
        members = np.flatnonzero(labels == g)
        counts[:, members] = rng.multinomial(times[:, g] * len(members), np.full(len(members), 1.0 / len(members)))
    return counts


def _counts(n_items: int, n_boot: int, seed: int, groups: np.ndarray | None) -> np.ndarray:
    """Ungrouped counts, or grouped ones when `groups` has at least 2 sources (one source: ungrouped, warned)."""
    if groups is None:
        return resample_counts(n_items, n_boot, seed)
    if len(groups) != n_items:
        raise ValueError(f"groups must label each of the {n_items} items, got {len(groups)} labels")
    if len(set(np.asarray(groups).tolist())) < 2:
        warnings.warn("grouped bootstrap over a single source: resampling items instead", DegenerateMetricWarning,
                      stacklevel=3)  # fmt: skip
        return resample_counts(n_items, n_boot, seed)
    return resample_counts_grouped(groups, n_boot, seed)


def percentile_interval(replicates: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Central `level` percentile interval of bootstrap replicates."""
    if not 0.0 < level < 1.0:
        raise ValueError(f"confidence level must be in (0, 1), got {level}")
    replicates = np.asarray(replicates, dtype=np.float64)
    if not np.isfinite(replicates).all():
        raise ValueError(
            f"{int((~np.isfinite(replicates)).sum())} of {replicates.size} bootstrap replicates "
            "are not finite"
        )
    alpha = 100.0 * (1.0 - level) / 2.0
    low, high = np.percentile(replicates, [alpha, 100.0 - alpha])
    return float(low), float(high)


def bootstrap_ci(
    values: np.ndarray,
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    statistic: Callable[..., np.ndarray] = np.mean,
    groups: np.ndarray | None = None,
) -> tuple[float, float]:
    """Percentile CI of `statistic` over per-item values (N,) (or (N, ...) items).

    `statistic(samples, axis=1)` receives all resamples at once, shape (n_boot, N, ...), and must
    reduce axis 1 (np.mean, np.median, ... do). Undefined items (NaN) must be dropped by the caller:
    they raise ValueError here instead of widening the interval silently. With `groups` (a source
    label per item) the resamples are grouped and the statistic is the mean."""
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 0:
        raise ValueError("values must have one entry per item, got a scalar")
    if not np.isfinite(values).all():
        bad = np.flatnonzero(~np.isfinite(values.reshape(len(values), -1)).all(axis=1))
        raise ValueError(
            f"non-finite per-item values at items {bad[:10].tolist()}; drop them first"
        )
    if groups is not None:
        if statistic is not np.mean or values.ndim != 1:
            raise ValueError("a grouped bootstrap CI is computed for the mean of scalar items only")
        counts = _counts(len(values), n_boot, seed, groups).astype(np.float64)
        return percentile_interval(counts @ values / counts.sum(axis=1), level)
    idx = resample_indices(len(values), n_boot, seed)
    replicates = np.asarray(statistic(values[idx], axis=1))
    if replicates.shape != (n_boot,):
        raise ValueError(
            f"statistic must reduce each resample to a scalar, got shape {replicates.shape}"
        )
    return percentile_interval(replicates, level)


def bootstrap_set_ci(
    statistic_of_counts: Callable[[np.ndarray], np.ndarray],
    n_items: int,
    *,
    estimate: float,
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    centre: bool = True,
    groups: np.ndarray | None = None,
) -> tuple[float, float]:
    """CI of a set-level metric (value `estimate` on the full set) recomputed on resampled sets.

    `statistic_of_counts(counts)` gets (n_boot, n_items) draw counts and returns (n_boot,) values,
    e.g. `lambda c: frechet_distance_resampled(pred, gt, c)` (pred resampled, GT fixed).
    A with-replacement resample holds only ~63% distinct sequences, which biases set statistics
    (FID up, Div down): on caseD every FID replicate exceeds the full-set FID. With `centre` the
    replicates are shifted by that bias (estimate - mean of replicates) before taking
    percentiles, so the interval shows the resampling spread around the reported value.
    `centre=False` gives the raw percentile interval and warns when it excludes `estimate`.
    `groups` (a source label per item): grouped resamples (`resample_counts_grouped`)."""
    counts = _counts(n_items, n_boot, seed, groups)
    replicates = np.asarray(statistic_of_counts(counts), dtype=np.float64)
    if replicates.shape != (n_boot,):
        raise ValueError(
            f"statistic must return one value per resample, got shape {replicates.shape}"
        )
    if centre:
        return percentile_interval(replicates + (estimate - replicates.mean()), level)
    low, high = percentile_interval(replicates, level)
    if not low <= estimate <= high:
        warnings.warn(
            f"raw bootstrap interval ({low:.6g}, {high:.6g}) excludes the full-set value "
            f"{estimate:.6g}: resampling bias {replicates.mean() - estimate:+.6g}",
            MetricWarning,
            stacklevel=2,
        )
    return low, high
