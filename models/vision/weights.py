"""Find weight files that cannot ship with the project: a flag, an environment variable or a cache folder.

Every backbone names its file, the variable that may point at it and where to get it, so a missing
weight fails with one message that says all three.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

CACHE_ENV = "MACE_BENCH_WEIGHTS"  # a folder searched for every weight file by its file name
DEFAULT_CACHE = Path.home() / ".cache" / "mace_bench"


@dataclass(frozen=True)
class WeightFile:
    """One downloadable weight file: its usual file name, its own environment variable, its source."""

    filename: str
    env_var: str
    source: str  # URL or instructions, shown when the file is missing
    description: str = ""

    def candidates(self, path: str | Path | None = None) -> list[Path]:
        """Where the file is looked for, in order."""
        found = [Path(path)] if path else []
        if os.environ.get(self.env_var):
            found.append(Path(os.environ[self.env_var]))
        cache = Path(os.environ.get(CACHE_ENV, DEFAULT_CACHE))
        found.append(cache / self.filename)
        return found

    def resolve(self, path: str | Path | None = None) -> Path:
        """The first existing candidate; FileNotFoundError naming the file, the places tried and the source."""
        tried = self.candidates(path)
        for candidate in tried:
            if candidate.exists():
                return candidate
        what = f" ({self.description})" if self.description else ""
        raise FileNotFoundError(
            f"weight file {self.filename}{what} not found; tried: {', '.join(map(str, tried))}. "
            f"Get it from {self.source} and pass its path, set {self.env_var}, or put it in ${CACHE_ENV} "
            f"(default {DEFAULT_CACHE})."
        )
