"""Makers of malformed inputs, written at test time (no committed binaries): each returns the path it made."""

from __future__ import annotations

import io
import json
import os
import shutil
from pathlib import Path

import numpy as np

from manifests.ma_video_test_set import STANDIN_SOURCE

STANDIN_VIDEO = STANDIN_SOURCE  # a real dance video


def npy_claiming(path: Path, shape: tuple[int, ...], payload: int = 64) -> Path:
    """A .npy whose header declares `shape` (float64) but which holds only `payload` bytes of data."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": shape})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(header.getvalue() + b"\0" * payload)
    return path


def random_bytes(path: Path, size: int = 4096, seed: int = 0) -> Path:
    """A file of random bytes (a corrupt video, weights file or archive)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(np.random.default_rng(seed).bytes(size))
    return path


def empty_file(path: Path) -> Path:
    """A zero-byte file (an interrupted download)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    return path


def truncated_copy(source: Path, path: Path, fraction: float = 0.3) -> Path:
    """The first `fraction` of a real file's bytes (a half-downloaded video)."""
    data = source.read_bytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data[: int(len(data) * fraction)])
    return path


def copy_of(source: Path, path: Path) -> Path:
    """A byte copy of a real asset."""
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, path)
    return path


def earlier_output(path: Path, content: str | None = None) -> Path:
    """A complete results file from an earlier run, which a failed run must leave byte-identical."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content if content is not None else json.dumps({"earlier": "complete results"}) + "\n")
    return path


def readonly_target() -> str:
    """An output path in a folder nobody can write, root included (sysfs is mounted read-only)."""
    return "/sys/mace_bench_out/results.json" if os.path.isdir("/sys") else "/proc/mace_bench_out/results.json"
