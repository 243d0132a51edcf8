"""What every scoring pipeline shares: FID/DIV with CIs, per-item means, progress bars and the results dict."""

from __future__ import annotations

import logging
import re
from typing import Any

import numpy as np
from tqdm import tqdm

from benchmark.metrics.bootstrap import bootstrap_ci, bootstrap_set_ci
from benchmark.metrics.motion.diversity import diversity, diversity_resampled
from benchmark.metrics.motion.frechet import frechet_distance, frechet_distance_resampled
from benchmark.protocols.base import ProtocolBase
from benchmark.results import SCHEMA_VERSION, environment, metric_entry, now_iso

log = logging.getLogger(__name__)

_PROGRESS_MIN_ITEMS = 50  # below this the work takes a second or two: no bar


def progress(items, desc: str):
    """A progress bar for per-sequence loops over real datasets (quiet for small sets)."""
    return tqdm(items, desc=desc, leave=False, disable=len(items) < _PROGRESS_MIN_ITEMS)


def fid_div_metrics(
    name: str, pred: np.ndarray, ref: np.ndarray, gt: np.ndarray, protocol: ProtocolBase, n_boot: int, seed: int,
    pred_groups: np.ndarray | None = None, gt_groups: np.ndarray | None = None,
) -> tuple[dict, dict]:
    """FID (protocol.fid_form) of normalised pred against normalised ref, DIV of pred and of gt, with CIs.

    Returns the `fid_<name>`/`div_<name>` metric entries and the GT's `div_<name>` reference entry.
    `pred_groups` / `gt_groups` (a source label per row) make the CIs a grouped bootstrap."""
    n = len(pred)
    fid = frechet_distance(pred, ref, form=protocol.fid_form)
    if protocol.compat_with == "corrected":
        fid = max(fid, 0.0)  # a squared distance: negative values are eigenvalue round-off
    fid_ci = bootstrap_set_ci(
        lambda c: frechet_distance_resampled(pred, ref, c), n, estimate=fid, n_boot=n_boot, seed=seed, groups=pred_groups
    )
    div = diversity(pred)
    div_ci = bootstrap_set_ci(lambda c: diversity_resampled(pred, c), n, estimate=div, n_boot=n_boot, seed=seed,
                              groups=pred_groups)
    gt_div = diversity(gt)
    gt_div_ci = bootstrap_set_ci(
        lambda c: diversity_resampled(gt, c), len(gt), estimate=gt_div, n_boot=n_boot, seed=seed, groups=gt_groups
    )
    metrics = {
        f"fid_{name}": metric_entry(fid, clip_ci(protocol, f"fid_{name}", fid_ci), n, "lower"),
        f"div_{name}": metric_entry(div, clip_ci(protocol, f"div_{name}", div_ci), n, "higher"),
    }
    gt_ci = clip_ci(protocol, f"div_{name}", gt_div_ci)
    reference = {f"div_{name}": metric_entry(gt_div, gt_ci, len(gt), "higher")}
    return metrics, reference


def clip_ci(protocol: ProtocolBase, metric: str, ci: tuple[float, float]) -> tuple[float, float]:
    """Keep a bias-centred bootstrap interval inside the metric's valid range (FID >= 0, ...)."""
    spec = protocol.metric(metric)
    return min(max(ci[0], spec.low), spec.high), min(max(ci[1], spec.low), spec.high)


def per_item_metric(values: dict[str, float], better: str, n_boot: int, seed: int, aggregate: float | None = None,
                    sources: dict[str, str] | None = None) -> dict:
    """Mean (or `aggregate`) of the finite per-sequence values with a bootstrap CI; null when none is finite.

    `sources` (id -> source sequence) makes the CI a grouped bootstrap over sources, then items."""
    kept = [i for i, v in values.items() if np.isfinite(v)]
    arr = np.array([values[i] for i in kept])
    if arr.size == 0:
        return metric_entry(None, None, 0, better, "undefined for every sequence")
    value = float(arr.mean()) if aggregate is None else aggregate
    groups = None if sources is None else np.array([sources[i] for i in kept])
    return metric_entry(value, bootstrap_ci(arr, n_boot, seed, groups=groups), arr.size, better)


_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def group_warnings(messages: list[str]) -> list[str]:
    """Warnings that differ only in their numbers (one per sequence, say) as one line with a count, in first-seen order."""
    groups: dict[str, list[str]] = {}
    for message in messages:
        groups.setdefault(_NUMBER.sub("#", message), []).append(message)
    return [same[0] if len(same) == 1 else f"{same[0]} [x{len(same)}: this and {len(same) - 1} more like it]"
            for same in groups.values()]  # fmt: skip


def assemble_results(
    method: dict[str, Any],
    protocol_block: dict[str, Any],
    metrics: dict,
    reference: dict,
    per_item: list[dict],
    warning_messages: list[str],
    seed: int,
    label: str | None = None,
    timing: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A schema-shaped results dict; the warning messages are de-duplicated into `warnings` (and logged)."""
    messages = list(dict.fromkeys(warning_messages))
    for message in messages:
        log.info(message)
    results: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "method": method,
        "protocol": protocol_block,
        "metrics": metrics,
        "reference": reference,
        "per_item": per_item,
        "warnings": messages,
        "timing": timing or {"latency_fps": None, "throughput_fps": None},
        "environment": environment(),
        "seed": seed,
        "created_at": now_iso(),
    }
    if label:
        results["label"] = label
    return results
