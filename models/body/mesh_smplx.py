"""The SMPL or SMPL-X mesh from user-supplied model files (licensed, never bundled), through `smplx`.

The file name says the model, as `smplx.create` expects: SMPL_NEUTRAL.pkl, SMPLX_NEUTRAL.npz, ...
SMPL-X takes FineDance's parameters as they are (its `transl` is SMPL-X `transl`); SMPL takes the
SMPL-24 body (`Motion.to_smpl24`) with its pelvis placed on the motion's pelvis.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from models.body.formats_io import require_file
from models.body.motion import Motion

SMPL_KINDS = ("smpl", "smplx")


class SmplxBody:
    """A `BodyMesh` backed by an SMPL / SMPL-X model file (betas zero, flat hands, no expression)."""

    def __init__(self, model_path: str | Path) -> None:
        import smplx

        path = require_file(model_path)
        self.kind = path.name.split("_")[0].lower()
        if self.kind not in SMPL_KINDS:
            raise ValueError(
                f"{path}: name the model file as smplx expects (SMPL_NEUTRAL.pkl, SMPLX_NEUTRAL.npz, ...); "
                f"supported kinds {SMPL_KINDS}, got {self.kind!r}"
            )
        extra = {"use_pca": False, "flat_hand_mean": True} if self.kind == "smplx" else {}
        try:
            self.model = smplx.create(str(path), num_betas=10, **extra)
        except Exception as error:  # smplx raises bare exceptions for unreadable or mismatched files
            raise ValueError(f"{path}: not a usable {self.kind} model file ({error})") from error
        self.name = f"{self.kind} {path.name}"
        self.faces = np.asarray(self.model.faces, dtype=np.uint32)
        with torch.no_grad():
            self._rest_pelvis = self.model().joints[0, 0].numpy().astype(np.float64)

    def posed_vertices(self, motion: Motion) -> np.ndarray:
        frames = motion.num_frames

        def tensor(array: np.ndarray) -> torch.Tensor:
            return torch.as_tensor(np.ascontiguousarray(array).reshape(frames, -1), dtype=torch.float32)

        if self.kind == "smplx":
            rot = motion.to_smplx55().rotations
            params = {
                "global_orient": rot[:, 0], "body_pose": rot[:, 1:22], "jaw_pose": rot[:, 22], "leye_pose": rot[:, 23],
                "reye_pose": rot[:, 24], "left_hand_pose": rot[:, 25:40], "right_hand_pose": rot[:, 40:55],
                "transl": motion.to_smplx55().root_translation, "expression": np.zeros((frames, 10)),
            }  # fmt: skip
        else:
            smpl = motion.to_smpl24()
            pelvis = smpl.root_translation + smpl.skeleton.offsets[0]
            params = {
                "global_orient": smpl.rotations[:, 0],
                "body_pose": smpl.rotations[:, 1:],
                "transl": pelvis - self._rest_pelvis,
            }
        inputs = {key: tensor(value) for key, value in params.items()}
        with torch.no_grad():
            output = self.model(betas=torch.zeros(frames, 10), **inputs)
        return output.vertices.numpy().astype(np.float32)
