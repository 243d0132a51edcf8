"""The VBench appearance dimensions by name, each a factory of an `AppearanceMetric`.

Every factory is called as `factory(weights=PATH_OR_NONE, device="cpu", random_init=False, precision="reference")`:
`weights` is the dimension's backbone file (None: its environment variable or the cache, see models.vision.weights),
`random_init` builds the real architecture with random weights (timing, wiring tests), `precision` is one of
PRECISIONS (precision.py: VBench's own, all float32 or all half); the metric's `precision` says how it computed.
Adding a dimension: import its factory and add one line to APPEARANCE_METRICS.
"""

from __future__ import annotations

from collections.abc import Callable

from benchmark.metrics.appearance.aesthetic import aesthetic_quality
from benchmark.metrics.appearance.base import AppearanceMetric, aggregate_scores
from benchmark.metrics.appearance.consistency import (
    background_consistency,
    subject_consistency,
)
from benchmark.metrics.appearance.flickering import temporal_flickering
from benchmark.metrics.appearance.imaging_quality import imaging_quality
from benchmark.metrics.appearance.motion_smoothness import motion_smoothness
from benchmark.metrics.appearance.precision import PRECISION_HELP, PRECISIONS

MetricFactory = Callable[..., AppearanceMetric]

APPEARANCE_METRICS: dict[str, MetricFactory] = {  # in MACE-Dance's table order
    "imaging_quality": imaging_quality,
    "aesthetic_quality": aesthetic_quality,
    "subject_consistency": subject_consistency,
    "background_consistency": background_consistency,
    "motion_smoothness": motion_smoothness,
    "temporal_flickering": temporal_flickering,
}


def build_metric(name: str, **kwargs) -> AppearanceMetric:
    """The named dimension's metric; ValueError listing the known names for an unknown one."""
    if name not in APPEARANCE_METRICS:
        raise ValueError(f"unknown appearance dimension {name!r}; known: {', '.join(sorted(APPEARANCE_METRICS))}")
    return APPEARANCE_METRICS[name](**kwargs)


__all__ = ["APPEARANCE_METRICS", "PRECISION_HELP", "PRECISIONS", "AppearanceMetric", "MetricFactory", "aggregate_scores", "build_metric"]
