"""Array file helpers shared by the motion formats: atomic .npy writes and loading that names the file."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from models.files import atomic_write


def save_npy(path: str | Path, array: np.ndarray) -> Path:
    """Atomically write one array as .npy (no pickled objects)."""
    return atomic_write(path, lambda handle: np.save(handle, array, allow_pickle=False))


def require_file(path: str | Path) -> Path:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    return path


def load_npy(path: str | Path) -> np.ndarray:
    """Load a numeric .npy array, with errors that name the file."""
    path = require_file(path)
    try:
        array = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as error:
        raise ValueError(f"{path}: not a readable .npy array ({error})") from error
    if not np.issubdtype(array.dtype, np.number):
        raise ValueError(f"{path}: expected a numeric array, got dtype {array.dtype}")
    return array


def check_finite(array: np.ndarray, source: str) -> None:
    """Raise ValueError naming `source` if the array holds NaN or inf."""
    finite = np.isfinite(array)
    if not finite.all():
        first = tuple(int(i) for i in np.argwhere(~finite)[0])
        raise ValueError(f"{source}: {int((~finite).sum())} non-finite values (NaN/inf), first at index {first}")
