"""Motion-appearance benchmark: protocols, metrics, method registry, runner and results."""
