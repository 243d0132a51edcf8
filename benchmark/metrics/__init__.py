"""Metric implementations; every metric is tested against a reference implementation's output."""
