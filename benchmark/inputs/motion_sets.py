"""Sets of sequences to score: stacked joint-position arrays or folders of per-sequence motion files.

A set is matched to another by sequence id (file stem, or `seq000...` for stacked arrays) and is
turned into the joint positions a protocol's features need (SMPL-24 or SMPL-X joints).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmark.protocols.registry import Protocol
from benchmark.results import sha256_paths
from models.body.formats import load_motion, read_positions
from models.body.motion import Motion

MOTION_SUFFIXES = (".npy", ".pkl", ".bvh")
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

    def __len__(self) -> int:
        return len(self.ids)

    def joints(self, protocol: Protocol) -> dict[str, np.ndarray]:
        """World joint positions (T,J,3), y-up metres, on the skeleton the protocol's code uses."""
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


def load_motion_set(path: str | Path, fps: float | None = None, name: str | None = None) -> MotionSet:
    """Read a stacked positions `.npy` (N,T,J,3) or a folder of `<id>.npy|.pkl|.bvh` motion files.

    `fps` is required for stacked positions (they carry none) and, when given for a folder,
    must agree with the files' own rate.
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
        return MotionSet(name, ids, float(fps), None, positions, sha256_paths([path]))
    files = sorted(f for f in path.iterdir() if f.suffix in MOTION_SUFFIXES and f.is_file())
    if not files:
        raise ValueError(f"{path}: no motion files ({', '.join(MOTION_SUFFIXES)}) in this folder")
    stems = [f.stem for f in files]
    duplicated = sorted({s for s in stems if stems.count(s) > 1})
    if duplicated:
        raise ValueError(f"{path}: several files share the ids {duplicated}")
    motions = {f.stem: load_motion(f) for f in files}
    rates = {m.fps for m in motions.values()}
    if len(rates) != 1:
        raise ValueError(f"{path}: files have different frame rates {sorted(rates)}")
    rate = rates.pop()
    if fps is not None and abs(fps - rate) > 1e-6:
        raise ValueError(f"{path}: files are at {rate} fps but --fps {fps} was given")
    return MotionSet(name, tuple(stems), rate, motions, None, sha256_paths(files))


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
