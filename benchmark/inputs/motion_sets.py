"""Sets of sequences to score: stacked joint-position arrays or folders of per-sequence motion files.

A set is matched to another by sequence id (file stem, or `seq000...` for stacked arrays) and is
turned into the joint positions a protocol's features need (SMPL-24 or SMPL-X joints).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from benchmark.protocols.registry import Protocol
from benchmark.results import sha256_paths
from models.body.formats import load_motion, read_positions
from models.body.formats_finedance import encode_finedance
from models.body.formats_io import load_npy
from models.body.lodge_fk import LODGE_COLUMNS, lodge_smplx_fk
from models.body.motion import Motion, nominal_fps
from models.body.named_positions import NAMED_POSITION_SUFFIXES
from models.body.skeleton_map import SkeletonMap
from models.array_files import npy_header
from models.command_line import InputError

log = logging.getLogger(__name__)

MOTION_SUFFIXES = (".npy", ".pkl", ".bvh", ".npz", ".csv")
AUDIO_SUFFIXES = (".wav", ".ogg", ".mp3", ".flac", ".m4a", ".mp4")


@dataclass(frozen=True)
class MotionSet:
    """Sequences by id: either full motions (rotations) or bare joint positions, at one fps."""

    name: str
    ids: tuple[str, ...]
    fps: float
    motions: dict[str, Motion] | None
    positions: dict[str, np.ndarray] | None
    sha256: str
    finedance_files: dict[str, Path] = field(default_factory=dict)  # id -> FineDance .npy, for LODGE's own FK
    snapped_from: dict[str, float] = field(default_factory=dict)  # id -> its file's rate, snapped to `fps`

    def __len__(self) -> int:
        return len(self.ids)

    def joints(self, protocol: Protocol) -> dict[str, np.ndarray]:
        """World joint positions (T,J,3), y-up metres, on the skeleton the protocol's code uses."""
        if self.motions is not None and protocol.fk == "lodge":
            return {i: lodge_smplx_fk(self.finedance_array(i)) for i in self.ids}
        if self.motions is not None:
            convert = Motion.to_smplx55 if protocol.skeleton == "smplx55" else Motion.to_smpl24
            return {i: convert(self.motions[i]).positions() for i in self.ids}
        assert self.positions is not None
        need = 55 if protocol.skeleton == "smplx55" else 24
        joints = {i: p for i, p in self.positions.items()}
        bad = sorted({p.shape[1] for p in joints.values() if p.shape[1] != need})
        if bad:
            raise ValueError(
                f"{self.name}: protocol {protocol.id} needs {need}-joint "
                f"{protocol.skeleton.upper()} positions, got {bad} joints; give motion files "
                "(FineDance .npy / AIST++ .pkl) so FK can produce the right skeleton"
            )
        return joints

    def finedance_array(self, sequence_id: str) -> np.ndarray:
        """The sequence as the FineDance float32 array LODGE reads: its file when it came from one, else the
        encoding a method would have written (`encode_finedance`)."""
        path = self.finedance_files.get(sequence_id)
        if path is not None:
            return load_npy(path)
        assert self.motions is not None
        return encode_finedance(self.motions[sequence_id])

    def motion(self, sequence_id: str) -> Motion | None:
        return None if self.motions is None else self.motions[sequence_id]

    @classmethod
    def from_motions(cls, name: str, motions: dict[str, Motion]) -> MotionSet:
        """A set of in-memory motions (e.g. a method's output), hashed by content."""
        rates = {m.fps for m in motions.values()}
        if len(rates) != 1:
            raise ValueError(f"{name}: motions have different frame rates {sorted(rates)}")
        digest = hashlib.sha256()
        for i in sorted(motions):
            digest.update(i.encode() + motions[i].rotations.tobytes() + motions[i].root_translation.tobytes())
        return cls(name, tuple(sorted(motions)), rates.pop(), dict(motions), None, digest.hexdigest())


def _snap(motions: dict[str, Motion]) -> tuple[dict[str, Motion], dict[str, float]]:
    """Motions whose rate is within rounding of a whole rate (30.00003) set to it, and those ids' file rates."""
    snapped = {i: nominal_fps(m.fps) for i, m in motions.items()}
    changed = {i: m.fps for i, m in motions.items() if snapped[i] != m.fps}
    return {i: replace(m, fps=snapped[i]) if i in changed else m for i, m in motions.items()}, changed


def load_motion_set(path: str | Path, fps: float | None = None, name: str | None = None,
                    skeleton_map: SkeletonMap | None = None) -> MotionSet:
    """Read a stacked positions `.npy` (N,T,J,3) or a folder of `<id>.npy|.pkl|.bvh|.npz|.csv` motion files.

    `fps` is required for stacked positions (they carry none) and, when given for a folder,
    must agree with the files' own rate. Rates within rounding of a whole rate are snapped to it
    (`nominal_fps`: a BVH frame time of 0.0333333 s is 30 fps), recorded in `snapped_from`.
    `skeleton_map` maps BVH / named positions of other rigs onto SMPL-24 (default: detected by joint names).
    """
    path = Path(path)
    name = name or str(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or folder")
    if path.is_file():
        if fps is None:
            raise ValueError(f"{path}: stacked joint positions carry no frame rate; pass --fps")
        stacked = read_positions(path)
        if stacked.ndim == 3:
            stacked = stacked[None]
        ids = tuple(f"seq{i:03d}" for i in range(stacked.shape[0]))
        positions = {i: stacked[k] for k, i in enumerate(ids)}
        rate = nominal_fps(fps)
        snapped = {i: float(fps) for i in ids} if rate != fps else {}
        return MotionSet(name, ids, rate, None, positions, sha256_paths([path]), snapped_from=snapped)
    files = sorted(f for f in path.iterdir() if f.suffix in MOTION_SUFFIXES and f.is_file())
    if not files:
        raise ValueError(f"{path}: no motion files ({', '.join(MOTION_SUFFIXES)}) in this folder")
    stems = [f.stem for f in files]
    duplicated = sorted({s for s in stems if stems.count(s) > 1})
    if duplicated:
        raise ValueError(f"{path}: several files share the ids {duplicated}")
    rate_of = {f: fps if f.suffix in NAMED_POSITION_SUFFIXES else None for f in files}  # --fps: named positions only
    motions, snapped = _snap({f.stem: load_motion(f, rate_of[f], skeleton_map) for f in files})
    rates = {m.fps for m in motions.values()}
    if len(rates) != 1:
        raise ValueError(f"{path}: files have different frame rates {sorted(rates)}")
    rate = rates.pop()
    if fps is not None and abs(nominal_fps(fps) - rate) > 1e-6:
        raise ValueError(f"{path}: files are at {rate} fps but --fps {fps} was given")
    if snapped:
        log.info("%s: %d files' rates %s snapped to %g fps", path, len(snapped), sorted(set(snapped.values())), rate)
    finedance = {f.stem: f for f in files if f.suffix == ".npy" and _is_finedance(f)}
    return MotionSet(name, tuple(stems), rate, motions, None, sha256_paths(files), finedance, snapped)


def _is_finedance(path: Path) -> bool:
    """Whether a .npy file holds a FineDance (T,C) array LODGE's FK reads (its header only is read)."""
    shape, _ = npy_header(path)
    return len(shape) == 2 and shape[1] in LODGE_COLUMNS


def find_music(music_dir: str | Path, sequence_id: str) -> Path:
    """The audio file `<id>.<ext>` in music_dir, with an error naming what was looked for."""
    music_dir = Path(music_dir)
    for suffix in AUDIO_SUFFIXES:
        candidate = music_dir / f"{sequence_id}{suffix}"
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"{music_dir}: no music for sequence {sequence_id!r} (looked for {sequence_id}"
        f"{{{','.join(AUDIO_SUFFIXES)}}})"
    )
