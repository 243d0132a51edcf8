"""What the benchmark reads: motion sets, keypoint sets and their cache, video pairs, music beats, the test set."""
