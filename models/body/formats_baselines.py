"""Readers for the output files the published dance generators release, so their results can be re-scored.

Layouts (one file per sequence; docs/baseline_outputs.md says where each comes from):
- `edge`: EDGE `test.py --save_motions` pickles {smpl_poses (T,72), smpl_trans (T,3), full_pose (T,24,3)},
  z-up metres, 30 fps; read by the safe unpickler.
- `bailando`: Bailando `write2pkl` files: `np.save` of {"pred_position": (T,72)} to `<id>.pkl` (which numpy
  names `<id>.pkl.npy`), SMPL-24 joint positions, y-up metres, 60 fps; read without allow_pickle by the safe
  unpickler. Positions only: kept as joint positions (the joints the paper scored).
- `fact`: FACT (mint) result .npy (T,225): 6 zero pads, root translation (3), 24 rotation matrices (216),
  y-up metres, 60 fps; the first 120 frames are the seed motion FACT was conditioned on.
- `aist`: AIST++ SMPL pickles {smpl_poses, smpl_trans, smpl_scaling}, 60 fps (`read_aist_pkl`).
- `lodge`: LODGE / FineDance .npy in the FineDance layouts (T,315|319|139), SMPL-X, 30 fps.
`detect_layout` tells them apart by suffix, keys and columns.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import numpy as np

from models import safe_pickle
from models.body.formats_aist import AIST_FPS, load_pickle_dict, read_aist_pkl
from models.body.formats_edge import EDGE_FPS, YUP_TO_ZUP, to_yup
from models.body.formats_finedance import FINEDANCE_FPS, FINEDANCE_LAYOUTS, motion_from_finedance
from models.body.formats_io import check_finite, load_npy, require_file
from models.body.motion import Motion
from models.body.rotations import axis_angle_to_matrix, matrix_to_axis_angle
from models.body.skeleton import SMPL24

BAILANDO_FPS = AIST_FPS
FACT_FPS = AIST_FPS
FACT_DIM = 225
_EDGE_KEYS = ("smpl_poses", "smpl_trans", "full_pose")
_NPY_MAGIC = b"\x93NUMPY"

Output = Motion | np.ndarray  # a Motion, or SMPL-24 joint positions (T,24,3) for positions-only layouts


def _smpl_motion(path: Path, poses: np.ndarray, trans: np.ndarray, fps: float) -> Motion:
    poses, trans = np.asarray(poses, np.float64), np.asarray(trans, np.float64)
    if poses.ndim != 2 or poses.shape[1] != 72 or trans.shape != (len(poses), 3):
        raise ValueError(f"{path}: smpl_poses must be (T,72) and smpl_trans (T,3), got {poses.shape} and {trans.shape}")
    check_finite(poses, f"{path}: smpl_poses")
    check_finite(trans, f"{path}: smpl_trans")
    return Motion(poses.reshape(len(poses), 24, 3), trans, fps, SMPL24)


def read_edge_pkl(path: str | Path) -> Motion:
    """EDGE's saved motion pickle as a y-up SMPL-24 Motion (root rotation and translation taken out of z-up)."""
    path = require_file(path)
    data = load_pickle_dict(path, _EDGE_KEYS, "EDGE output pickles")
    motion = _smpl_motion(path, data["smpl_poses"], data["smpl_trans"], EDGE_FPS)
    rotations = motion.rotations.copy()
    rotations[:, 0] = matrix_to_axis_angle(YUP_TO_ZUP.T @ axis_angle_to_matrix(rotations[:, 0]))
    return Motion(rotations, to_yup(motion.root_translation), EDGE_FPS, SMPL24)


def _npy_header(path: Path, handle: BinaryIO) -> tuple[tuple[int, ...], np.dtype]:
    """Shape and dtype of a .npy from its header (the handle is left at the data); ValueError naming the file."""
    try:
        version = np.lib.format.read_magic(handle)
        read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, _, dtype = read(handle)
    except ValueError as error:
        raise ValueError(f"{path}: not a .npy file ({error})") from error
    return shape, dtype


def _npy_object(path: Path) -> object:
    """The object `np.save` stored (e.g. a dict), read by the safe unpickler instead of allow_pickle=True."""
    with path.open("rb") as handle:
        shape, dtype = _npy_header(path, handle)
        if not dtype.hasobject or shape != ():
            raise ValueError(f"{path}: expected np.save of one dict (Bailando's write2pkl), got {dtype} {shape}")
        try:
            array = safe_pickle.load(handle)
        except safe_pickle.RefusedGlobal as error:
            raise ValueError(f"{path}: {error} (Bailando outputs hold only arrays)") from None
        except Exception as error:  # a corrupt file can raise almost anything
            raise ValueError(f"{path}: not a readable np.save file ({type(error).__name__}: {error})") from error
    return array.item() if isinstance(array, np.ndarray) else array


def _is_npy(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(_NPY_MAGIC)) == _NPY_MAGIC


def read_bailando(path: str | Path) -> np.ndarray:
    """Bailando's output file: SMPL-24 joint positions (T,24,3), y-up metres, 60 fps."""
    path = require_file(path)
    data = _npy_object(path) if _is_npy(path) else load_pickle_dict(path, ("pred_position",), "Bailando outputs")
    if not isinstance(data, dict) or "pred_position" not in data:
        raise ValueError(f"{path}: expected a dict with 'pred_position' (Bailando's write2pkl)")
    positions = np.asarray(data["pred_position"], np.float64)
    if positions.ndim != 2 or positions.shape[1] != 72 or not len(positions):
        raise ValueError(f"{path}: pred_position must be (T,72) SMPL-24 joint positions, got {positions.shape}")
    check_finite(positions, f"{path}: pred_position")
    return positions.reshape(len(positions), 24, 3)


def read_fact_npy(path: str | Path) -> Motion:
    """FACT's result .npy (T,225) as a y-up SMPL-24 Motion at 60 fps (seed frames included)."""
    array = load_npy(path)
    if array.ndim != 2 or array.shape[1] != FACT_DIM:
        raise ValueError(f"{path}: FACT results must be (T,{FACT_DIM}), got {array.shape}")
    check_finite(array, str(path))
    matrices = array[:, 9:].astype(np.float64).reshape(len(array), 24, 3, 3)
    return Motion(matrix_to_axis_angle(matrices), array[:, 6:9], FACT_FPS, SMPL24)


def read_lodge_npy(path: str | Path) -> Motion:
    """LODGE / FineDance output .npy in a FineDance layout as an SMPL-X Motion at 30 fps."""
    array = load_npy(path)
    if array.ndim != 2 or array.shape[1] not in FINEDANCE_LAYOUTS:
        raise ValueError(f"{path}: LODGE outputs must be (T,C) with C in {sorted(FINEDANCE_LAYOUTS)}, got {array.shape}")
    return motion_from_finedance(array, FINEDANCE_FPS, source=str(path))


OUTPUT_READERS: dict[str, Callable[[Path], Output]] = {
    "edge": read_edge_pkl,
    "bailando": read_bailando,
    "lodge": read_lodge_npy,
    "fact": read_fact_npy,
    "aist": read_aist_pkl,
}
POSITIONS_FPS = {"bailando": BAILANDO_FPS}  # positions-only layouts and their rate
OUTPUT_SUFFIXES = {"edge": (".pkl",), "bailando": (".pkl", ".npy"), "lodge": (".npy",), "fact": (".npy",),
                   "aist": (".pkl",)}  # fmt: skip


def output_id(path: Path) -> str:
    """The sequence id of an output file: its name without the suffix (and without Bailando's `.pkl.npy`)."""
    return path.name[: -len(".pkl.npy")] if path.name.endswith(".pkl.npy") else path.stem


def detect_layout(path: str | Path) -> str:
    """Which baseline layout a file is in (by suffix, pickle keys, array columns); ValueError naming the file."""
    path = require_file(path)
    suffix = path.suffix.lower()
    if _is_npy(path):
        with path.open("rb") as handle:
            shape, dtype = _npy_header(path, handle)
        if dtype.hasobject:
            return "bailando"
        if len(shape) == 2 and shape[1] == FACT_DIM:
            return "fact"
        if len(shape) == 2 and shape[1] in FINEDANCE_LAYOUTS:
            return "lodge"
        raise ValueError(f"{path}: array {shape} matches no known output layout (fact: (T,{FACT_DIM}), "
                         f"lodge: (T,{sorted(FINEDANCE_LAYOUTS)}))")  # fmt: skip
    if suffix == ".pkl":
        keys = set(load_pickle_dict(path, (), "motion pickles"))
        for layout, needed in (("edge", {"full_pose"}), ("aist", {"smpl_scaling"}), ("bailando", {"pred_position"})):
            if needed <= keys:
                return layout
        raise ValueError(f"{path}: pickle keys {sorted(keys)} match no known output layout (edge, aist, bailando)")
    raise ValueError(f"{path}: {suffix!r} is no baseline output layout (.pkl or .npy)")
