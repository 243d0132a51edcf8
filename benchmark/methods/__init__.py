"""Method registry; importing this package registers the built-in methods."""

from benchmark.methods import edge, ground_truth, mace_dance, motion_folder, random_motion  # noqa: F401  (registration)
from benchmark.methods.base import (
    Method,
    TestItem,
    available_methods,
    create_method,
    register_method,
    takes_option,
)

__all__ = ["Method", "TestItem", "available_methods", "create_method", "register_method", "takes_option"]
