"""Dataset schema and versioned manifest data (splits, genres, bundled sample); imports nothing else of the suite."""
