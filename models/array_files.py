"""Read .npy/.npz files with their headers checked first: nothing is allocated for a shape the file cannot hold.

A 200-byte .npy whose header claims 10^9 rows would make `np.load` ask for a terabyte; here it is
refused in microseconds, naming the file. The size limit is `MACE_MAX_ARRAY_BYTES` (docs/errors.md).
"""

from __future__ import annotations

import math
import zipfile
from pathlib import Path
from typing import IO

import numpy as np

from models.command_line import InputError, env_number

MAX_ARRAY_BYTES_ENV = "MACE_MAX_ARRAY_BYTES"
DEFAULT_MAX_ARRAY_BYTES = 8 * 2**30  # 8 GiB: a 3-hour 55-joint float64 motion is 0.2 GiB


def max_array_bytes() -> int:
    """The largest array a file may declare, from $MACE_MAX_ARRAY_BYTES (default 8 GiB)."""
    return int(env_number(MAX_ARRAY_BYTES_ENV, DEFAULT_MAX_ARRAY_BYTES))


def _read_header(handle: IO[bytes], name: str) -> tuple[tuple[int, ...], np.dtype]:
    """(shape, dtype) from an open .npy stream, refusing object arrays and sizes over the limit."""
    try:
        version = np.lib.format.read_magic(handle)
        read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, _, dtype = read(handle)  # the header only; no data is read
    except (ValueError, OSError, EOFError, SyntaxError) as error:
        raise InputError(name, f"not a readable .npy array ({error})") from None
    if dtype.hasobject:
        raise InputError(name, "holds Python objects (dtype object); only numeric arrays are read")
    nbytes = math.prod(shape) * dtype.itemsize
    limit = max_array_bytes()
    if nbytes > limit:
        raise InputError(name, f"header declares a {'x'.join(map(str, shape))} {dtype} array of {nbytes / 2**30:.3g} GiB, "
                         f"over the {limit / 2**30:.3g} GiB limit (${MAX_ARRAY_BYTES_ENV})")
    return shape, dtype


def npy_header(path: str | Path) -> tuple[tuple[int, ...], np.dtype]:
    """(shape, dtype) of a .npy file from its header, after checking the file holds that much data."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            shape, dtype = _read_header(handle, str(path))
            data_bytes = path.stat().st_size - handle.tell()
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except IsADirectoryError:
        raise InputError(path, "is a folder, not a .npy file") from None
    needed = math.prod(shape) * dtype.itemsize
    if data_bytes < needed:
        raise InputError(path, f"truncated: its header declares shape {shape} {dtype} ({needed} bytes) "
                         f"but the file holds {data_bytes} bytes of data")
    return shape, dtype


def load_npy(path: str | Path, mmap: bool = False) -> np.ndarray:
    """A .npy array (memory-mapped when `mmap`), its header checked before any allocation."""
    path = Path(path)
    npy_header(path)
    try:
        return np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
    except (ValueError, OSError, EOFError) as error:
        raise InputError(path, f"not a readable .npy array ({error})") from None


def load_npz(path: str | Path) -> dict[str, np.ndarray]:
    """Every array of a .npz archive, each member's header checked before it is read."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "no such file")
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.filename.endswith(".npy"):
                    with archive.open(info) as member:
                        shape, dtype = _read_header(member, f"{path}:{info.filename}")
                    if math.prod(shape) * dtype.itemsize > info.file_size:
                        raise InputError(path, f"member {info.filename} declares shape {shape} {dtype}, "
                                         f"more than its {info.file_size} bytes")
        with np.load(path, allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as error:
        if isinstance(error, InputError):
            raise
        raise InputError(path, f"not a readable .npz archive ({error})") from None
