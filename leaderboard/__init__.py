"""Results store, submission validation, ranking and rendering (reads benchmark results JSON)."""
