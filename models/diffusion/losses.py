"""EDGE's training losses with its published weights (also used by MACE-Dance):
0.636 reconstruction + 2.964 velocity + 0.646 FK joints + 10.942 foot contact.

`variant="public"` is the released code: velocity on the normalised representation (contacts
excluded) and FK run on *normalised* values. `variant="paper"`: FK on unnormalised values and the
velocity term on FK joint positions, as the MACE-Dance paper describes.
"""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F

from models.body.formats_edge import EDGE_FOOT_JOINTS
from models.body.rotations import rotation_6d_to_matrix
from models.body.skeleton import SMPL24, forward_kinematics
from models.diffusion.normalizer import MinMaxNormalizer

LOSS_WEIGHTS = {"rec": 0.636, "vel": 2.964, "fk": 0.646, "foot": 10.942}
CONTACT_THRESHOLD = 0.95
LossVariant = Literal["public", "paper"]


def representation_joints(rep: torch.Tensor) -> torch.Tensor:
    """(B,T,151) -> FK joint positions (B,T,24,3) in the representation's (z-up) frame."""
    rotations = rotation_6d_to_matrix(rep[..., 7:].reshape(*rep.shape[:-1], SMPL24.num_joints, 6))
    return forward_kinematics(rotations, rep[..., 4:7], SMPL24)


def dance_losses(
    pred: torch.Tensor, target: torch.Tensor, normalizer: MinMaxNormalizer | None = None,
    variant: LossVariant = "public",
) -> dict[str, torch.Tensor]:
    """Weighted loss terms {rec, vel, fk, foot} for normalised prediction/target (B,T,151)."""
    if variant not in ("public", "paper"):
        raise ValueError(f"unknown loss variant {variant!r}; expected 'public' or 'paper'")
    rec = F.mse_loss(pred, target)
    if variant == "paper":
        if normalizer is None:
            raise ValueError("the 'paper' loss variant runs FK on unnormalised values: pass the normaliser")
        pred_raw, target_raw = normalizer.unnormalize(pred), normalizer.unnormalize(target)
    else:
        pred_raw, target_raw = pred, target
    pred_joints, target_joints = representation_joints(pred_raw), representation_joints(target_raw)
    if variant == "paper":
        vel = F.mse_loss(pred_joints.diff(dim=1), target_joints.diff(dim=1))
    else:
        vel = F.mse_loss(pred[..., 4:].diff(dim=1), target[..., 4:].diff(dim=1))
    fk = F.mse_loss(pred_joints, target_joints)
    static = pred_raw[..., :4] > CONTACT_THRESHOLD
    feet = pred_joints[:, :, list(EDGE_FOOT_JOINTS)]
    foot_velocity = torch.zeros_like(feet)
    foot_velocity[:, :-1] = feet.diff(dim=1)
    foot = (foot_velocity * static.unsqueeze(-1)).pow(2).mean()
    terms = {"rec": rec, "vel": vel, "fk": fk, "foot": foot}
    return {name: LOSS_WEIGHTS[name] * value for name, value in terms.items()}
