"""One entry point for motion files: `load_motion` dispatches on extension and array layout, and
`read_positions` loads stacked joint positions; the format modules hold the readers and writers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from models.body.bvh import BvhMotion, read_bvh, write_bvh
from models.body.formats_aist import AIST_FPS, read_aist_pkl, write_aist_pkl
from models.body.formats_edge import EDGE_DIM, EDGE_FPS, decode_edge151, encode_edge151, to_yup, to_zup
from models.body.formats_finedance import (
    FINEDANCE_FPS,
    FINEDANCE_LAYOUTS,
    encode_finedance,
    motion_from_finedance,
    read_finedance,
    write_finedance,
)
from models.body.formats_io import check_finite, load_npy
from models.body.motion import Motion
from models.body.named_positions import NAMED_POSITION_SUFFIXES, read_named_positions
from models.body.skeleton_map import SkeletonMap

__all__ = [
    "BvhMotion", "decode_edge151", "encode_edge151", "encode_finedance", "load_motion", "read_aist_pkl",
    "read_bvh", "read_finedance", "read_positions", "to_yup", "to_zup", "write_aist_pkl", "write_bvh",
    "write_finedance",
]  # fmt: skip


def read_positions(path: str | Path) -> np.ndarray:
    """Stacked joint positions from .npy: (N,T,J,3), or (T,J,3) returned as (1,T,J,3)."""
    array = load_npy(path)
    if array.ndim == 3:
        array = array[None]
    if array.ndim != 4 or array.shape[-1] != 3 or 0 in array.shape:
        raise ValueError(f"{path}: joint positions must be (N,T,J,3) or (T,J,3), got shape {array.shape}")
    check_finite(array, str(path))
    return array


def load_motion(path: str | Path, fps: float | None = None, skeleton_map: SkeletonMap | None = None) -> Motion:
    """Motion from .npy (FineDance 315/319/139 or EDGE 151 columns), AIST++ .pkl, .bvh (any skeleton), or
    named joint positions .npz/.csv (any skeleton, retargeted onto SMPL-24).

    `fps` overrides the format's default rate (30 for FineDance/EDGE, 60 for AIST++) and gives named
    positions without a rate theirs; a BVH file carries its own rate, so passing `fps` for one is an error.
    `skeleton_map` maps BVH / named positions of other rigs (default: the shipped map their names fit).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".npy":
        array = load_npy(path)
        columns = array.shape[-1] if array.ndim == 2 else None
        if columns in FINEDANCE_LAYOUTS:
            return motion_from_finedance(array, FINEDANCE_FPS if fps is None else fps, source=str(path))
        if columns == EDGE_DIM:
            return decode_edge151(array, EDGE_FPS if fps is None else fps, source=str(path))
        hint = ("; it looks like joint positions: save them as .npz with `positions` (T,J,3) and `joint_names` "
                "(docs/motion_inputs.md)") if array.shape[-1:] == (3,) else ""  # fmt: skip
        raise ValueError(
            f"{path}: unknown motion layout {array.shape}; expected (T,C) with C in "
            f"{sorted(FINEDANCE_LAYOUTS)} (FineDance) or {EDGE_DIM} (EDGE){hint}"
        )
    if suffix == ".pkl":
        return read_aist_pkl(path, AIST_FPS if fps is None else fps)
    if suffix == ".bvh":
        if fps is not None:
            raise ValueError(f"{path}: a BVH file carries its own frame rate; do not pass fps")
        return read_bvh(path).to_motion(skeleton_map, where=str(path))
    if suffix in NAMED_POSITION_SUFFIXES:
        return read_named_positions(path).to_motion(skeleton_map, fps)
    raise ValueError(f"{path}: unknown motion file type {suffix!r}; expected .npy, .pkl, .bvh, .npz or .csv")
