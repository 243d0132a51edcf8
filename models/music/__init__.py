"""Music features for dance generation and evaluation: EDGE 35-d feature, onset envelope, beats, tempo."""
