"""Warning categories for metric computations on degenerate or numerically fragile input.

Filter them by category (`warnings.simplefilter("error", DegenerateMetricWarning)`) to make a
benchmark run strict; they are never raised for ordinary, well-conditioned input.
"""

from __future__ import annotations


class MetricWarning(UserWarning):
    """Base class of every warning emitted by `benchmark.metrics`."""


class DegenerateMetricWarning(MetricWarning):
    """The input makes the metric ill-defined (constant GT dims, singular covariance, no beats,
    no contact frames); the value returned is the documented convention, named in the message."""


class NumericalMetricWarning(MetricWarning):
    """The computation needed a numerical fallback (regularised matrix square root) or left a
    non-negligible imaginary part behind; the value may differ from an exact computation."""
