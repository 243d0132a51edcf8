"""Find weight files that cannot ship with the project: a flag, an environment variable or a cache folder.

Every backbone names its file, the variable that may point at it and where to get it, so a missing
weight fails with one message that says all three.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.command_line import InputError

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


def load_checkpoint(path: Path, what: str, loader: Callable[[Path], Any] | None = None) -> Any:
    """`loader(path)` (default: torch.load, tensors only) with any failure as one InputError naming the file."""
    import torch

    try:
        return (loader or (lambda file: torch.load(file, map_location="cpu", weights_only=True)))(path)
    except Exception as error:  # noqa: BLE001 - torch raises pickle, zip, runtime and value errors for a bad file
        raise InputError(path, f"not a readable {what} ({type(error).__name__}: {_first_line(error)})") from None


def load_state(model: Any, state: Any, path: Path, what: str) -> None:
    """model.load_state_dict(state) with a mismatch (a wrong or foreign file) as one InputError naming the file."""
    try:
        model.load_state_dict(state)
    except (RuntimeError, KeyError, TypeError, AttributeError) as error:
        raise InputError(path, f"not a {what} ({type(error).__name__}: {_first_line(error)})") from None


def _first_line(error: BaseException) -> str:
    """The first non-empty line of an error's text (torch's are many lines long)."""
    return next((line.strip() for line in str(error).splitlines() if line.strip()), "")[:200]
