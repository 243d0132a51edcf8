"""Array file helpers shared by the motion formats: atomic .npy writes and loading that names the file."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from models import array_files
from models.command_line import InputError
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
    """Load a numeric .npy array, its header checked first (models.array_files), with errors that name the file."""
    array = array_files.load_npy(require_file(path))
    if not np.issubdtype(array.dtype, np.number):
        raise InputError(path, f"expected a numeric array, got dtype {array.dtype}")
    return array


def check_finite(array: np.ndarray, source: str) -> None:
    """Raise ValueError naming `source` if the array holds NaN or inf."""
    finite = np.isfinite(array)
    if not finite.all():
        first = tuple(int(i) for i in np.argwhere(~finite)[0])
        raise InputError(source, f"{int((~finite).sum())} non-finite values (NaN/inf), first at index {first}")
