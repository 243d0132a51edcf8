"""Another method's motions from a folder as the motion half of a composition (`--method motion_folder --motions DIR`).

Lets a user render and score motions made elsewhere, e.g. "EDGE's released outputs + our Appearance Expert":
files are matched to test items by id (`<id>.npy|.pkl|.bvh|.npz|.csv`, or a baseline's released layout with
`--motions-format`), resampled to the item's frame rate and cut to its length. Joint-position outputs
(Bailando's) are retargeted onto SMPL-24 so a renderer can pose a body.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from benchmark.inputs.baseline_outputs import load_output_set
from benchmark.inputs.motion_sets import MotionSet, load_motion_set
from benchmark.methods.base import Method, TestItem, register_method
from models.body.motion import Motion
from models.body.retarget import retarget_positions


@register_method("motion_folder")
@dataclass
class MotionFolder(Method):
    """Replays the motions of a folder; `layout` 'suite' reads the suite's formats, else a baseline's layout."""

    path: str = ""
    layout: str = "suite"
    version: str = "1"
    label: str | None = "motions read from a folder (another method's outputs)"

    def __post_init__(self) -> None:
        if not self.path:
            raise ValueError("motion_folder needs --motions DIR (a folder of another method's motion files)")
        folder = Path(self.path)
        self._set: MotionSet = (load_motion_set(folder, name=str(folder)) if self.layout == "suite"
                                else load_output_set(folder, self.layout, str(folder)))  # fmt: skip
        self.config = {"path": str(folder), "layout": self.layout, "files_sha256": self._set.sha256}

    def _motion(self, item_id: str) -> Motion:
        if self._set.motions is not None:
            return self._set.motions[item_id]
        assert self._set.positions is not None
        return retarget_positions(self._set.positions[item_id][:, :24], self._set.fps)

    def generate(self, items: list[TestItem], seed: int) -> dict[str, Motion]:
        missing = [item.id for item in items if item.id not in self._set.ids]
        if missing:
            raise ValueError(f"{self.path}: no motion file for items {missing[:10]} (files are matched by id)")
        out = {}
        for item in items:
            motion = self._motion(item.id).resample(item.fps)
            if motion.num_frames < item.num_frames:
                raise ValueError(f"{self.path}: {item.id} has {motion.duration:.2f} s of motion, the item needs "
                                 f"{item.num_frames / item.fps:.2f} s")  # fmt: skip
            out[item.id] = motion.slice(0, item.num_frames)
        return out
