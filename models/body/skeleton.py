"""SMPL-24 (EDGE table) and SMPL-X-55 (FineDance rest joints) skeletons and batched forward kinematics.

Both tables ship with the code, so FK needs no licensed SMPL files. Positions are y-up metres.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from models.body.rotations import Array, axis_angle_to_matrix


@dataclass(frozen=True)
class Skeleton:
    """A kinematic tree: offsets[j] is joint j's rest position relative to its parent
    (offsets[0] is the root's rest position, added to the root translation)."""

    name: str
    joint_names: tuple[str, ...]
    parents: tuple[int, ...]
    offsets: np.ndarray

    @property
    def num_joints(self) -> int:
        return len(self.parents)

    def children(self, joint: int) -> tuple[int, ...]:
        return tuple(j for j, p in enumerate(self.parents) if p == joint)

    def rest_positions(self) -> np.ndarray:
        """Absolute rest joint positions (J,3), root at its rest position."""
        identity = np.broadcast_to(np.eye(3), (self.num_joints, 3, 3))
        return forward_kinematics(identity, np.zeros(3), self)


SMPL24_JOINT_NAMES = (
    "pelvis", "left_hip", "right_hip", "spine1", "left_knee", "right_knee", "spine2",
    "left_ankle", "right_ankle", "spine3", "left_foot", "right_foot", "neck", "left_collar",
    "right_collar", "head", "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
    "left_wrist", "right_wrist", "left_hand", "right_hand",
)  # fmt: skip

SMPL24 = Skeleton(
    name="smpl24",
    joint_names=SMPL24_JOINT_NAMES,
    parents=(-1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 16, 17, 18, 19, 20, 21),
    offsets=np.array(
        [
            [0.0, 0.0, 0.0],
            [0.05858135, -0.08228004, -0.01766408],
            [-0.06030973, -0.09051332, -0.01354254],
            [0.00443945, 0.12440352, -0.03838522],
            [0.04345142, -0.38646945, 0.008037],
            [-0.04325663, -0.38368791, -0.00484304],
            [0.00448844, 0.1379564, 0.02682033],
            [-0.01479032, -0.42687458, -0.037428],
            [0.01905555, -0.4200455, -0.03456167],
            [-0.00226458, 0.05603239, 0.00285505],
            [0.04105436, -0.06028581, 0.12204243],
            [-0.03483987, -0.06210566, 0.13032329],
            [-0.0133902, 0.21163553, -0.03346758],
            [0.07170245, 0.11399969, -0.01889817],
            [-0.08295366, 0.11247234, -0.02370739],
            [0.01011321, 0.08893734, 0.05040987],
            [0.12292141, 0.04520509, -0.019046],
            [-0.11322832, 0.04685326, -0.00847207],
            [0.2553319, -0.01564902, -0.02294649],
            [-0.26012748, -0.01436928, -0.03126873],
            [0.26570925, 0.01269811, -0.00737473],
            [-0.26910836, 0.00679372, -0.00602676],
            [0.08669055, -0.01063603, -0.01559429],
            [-0.0887537, -0.00865157, -0.01010708],
        ]
    ),
)

_HAND_FINGERS = ("index", "middle", "pinky", "ring", "thumb")
SMPLX55_JOINT_NAMES = (
    SMPL24_JOINT_NAMES[:22]
    + ("jaw", "left_eye", "right_eye")
    + tuple(f"left_{f}{k}" for f in _HAND_FINGERS for k in (1, 2, 3))
    + tuple(f"right_{f}{k}" for f in _HAND_FINGERS for k in (1, 2, 3))
)

SMPLX55_PARENTS = (
    -1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 16, 17, 18, 19, 15, 15, 15,
    20, 25, 26, 20, 28, 29, 20, 31, 32, 20, 34, 35, 20, 37, 38,
    21, 40, 41, 21, 43, 44, 21, 46, 47, 21, 49, 50, 21, 52, 53,
)  # fmt: skip

# SMPL-X neutral rest joints (absolute, metres, y-up) used by FineDance/LODGE FK (smplx_neu_J_1.npy).
SMPLX55_REST_JOINTS = np.array(
    [
        [0.00312326, -0.35140747, 0.01203655], [0.06131266, -0.44417092, -0.01396464],
        [-0.06014422, -0.45531550, -0.00921382], [0.00036057, -0.24151686, -0.01558108],
        [0.11600812, -0.82292438, -0.02336070], [-0.10435417, -0.81769550, -0.02603770],
        [0.00980826, -0.10966361, -0.02152107], [0.07255466, -1.22598386, -0.05523665],
        [-0.08893737, -1.22842336, -0.04622997], [-0.00152215, -0.05742846, 0.00692583],
        [0.11981198, -1.28398108, 0.06297968], [-0.12774977, -1.28675175, 0.07281902],
        [-0.01368661, 0.10773861, -0.02468951], [0.04484200, 0.02751528, -0.00029465],
        [-0.04921708, 0.02691022, -0.00647407], [0.01109687, 0.26819038, -0.00395225],
        [0.16408104, 0.08524330, -0.01575559], [-0.15179482, 0.08043467, -0.01914260],
        [0.41820389, 0.01309278, -0.05821444], [-0.42294440, 0.04394219, -0.04560969],
        [0.67019063, 0.03631401, -0.06068652], [-0.67221183, 0.03940964, -0.06093487],
        [-0.00466776, 0.26767069, -0.00959140], [0.03159928, 0.31083211, 0.06219517],
        [-0.03159987, 0.31083193, 0.06219434], [0.77209264, 0.02762586, -0.04133539],
        [0.80404109, 0.02984413, -0.03832494], [0.82658601, 0.02749405, -0.03827037],
        [0.77958822, 0.02998634, -0.06466734], [0.81019944, 0.03079375, -0.06869000],
        [0.83371460, 0.02878500, -0.07280421], [0.75423747, 0.02177467, -0.10443614],
        [0.76970828, 0.02064310, -0.11643556], [0.78524160, 0.01897853, -0.12765253],
        [0.76763463, 0.02704637, -0.08803119], [0.79568172, 0.02853184, -0.09329713],
        [0.81850362, 0.02707355, -0.10039142], [0.71082652, 0.01833729, -0.03507564],
        [0.72784185, 0.01931310, -0.01009750], [0.74836522, 0.01415354, 0.00542557],
        [-0.77209240, 0.02762678, -0.04133492], [-0.80404079, 0.02984467, -0.03832409],
        [-0.82658565, 0.02749529, -0.03826869], [-0.77958810, 0.02998770, -0.06466869],
        [-0.81019932, 0.03079517, -0.06869151], [-0.83371472, 0.02878584, -0.07280558],
        [-0.75423843, 0.02177521, -0.10443778], [-0.76970887, 0.02064314, -0.11643656],
        [-0.78524232, 0.01897841, -0.12765285], [-0.76763511, 0.02704771, -0.08803362],
        [-0.79568177, 0.02853291, -0.09329949], [-0.81850386, 0.02707412, -0.10039224],
        [-0.71082497, 0.01833522, -0.03507352], [-0.72784036, 0.01931132, -0.01009594],
        [-0.74836576, 0.01415412, 0.00542560],
    ]
)


def _offsets_from_rest(rest: np.ndarray, parents: tuple[int, ...]) -> np.ndarray:
    offsets = rest.copy()
    offsets[1:] = rest[1:] - rest[list(parents[1:])]
    return offsets


SMPLX55 = Skeleton(
    name="smplx55",
    joint_names=SMPLX55_JOINT_NAMES,
    parents=SMPLX55_PARENTS,
    offsets=_offsets_from_rest(SMPLX55_REST_JOINTS, SMPLX55_PARENTS),
)

# FineDance stores 52 rotations: SMPL-X joints 0-21 (body) and 25-54 (hands); jaw and eyes are absent.
FINEDANCE52_TO_SMPLX55 = tuple(range(22)) + tuple(range(25, 55))

SKELETONS = {s.name: s for s in (SMPL24, SMPLX55)}


def smplx55_rotmats_from_finedance52(rotmats52: Array) -> Array:
    """Insert identity rotations for jaw and eyes: (...,52,3,3) -> (...,55,3,3)."""
    if tuple(rotmats52.shape[-3:]) != (52, 3, 3):
        raise ValueError(f"expected (...,52,3,3) FineDance rotations, got {tuple(rotmats52.shape)}")
    if isinstance(rotmats52, torch.Tensor):
        eye = torch.eye(3, dtype=rotmats52.dtype, device=rotmats52.device)
        eye = eye.expand(*rotmats52.shape[:-3], 3, 3, 3)
        return torch.cat([rotmats52[..., :22, :, :], eye, rotmats52[..., 22:, :, :]], dim=-3)
    eye = np.broadcast_to(np.eye(3, dtype=rotmats52.dtype), (*rotmats52.shape[:-3], 3, 3, 3))
    return np.concatenate([rotmats52[..., :22, :, :], eye, rotmats52[..., 22:, :, :]], axis=-3)


def forward_kinematics(rotmats: Array, root_translation: Array, skeleton: Skeleton = SMPL24) -> Array:
    """Local joint rotations (...,J,3,3) + root translation (...,3) -> world joint positions (...,J,3).

    Batched over all leading dimensions (sequences, frames); the loop runs over joints only.
    """
    num = skeleton.num_joints
    if tuple(rotmats.shape[-3:]) != (num, 3, 3):
        raise ValueError(
            f"{skeleton.name} FK expects rotations (...,{num},3,3), got {tuple(rotmats.shape)}"
        )
    if root_translation.shape[-1] != 3:
        raise ValueError(f"root translation must end in 3, got {tuple(root_translation.shape)}")
    if isinstance(rotmats, torch.Tensor):
        offsets = torch.as_tensor(skeleton.offsets, dtype=rotmats.dtype, device=rotmats.device)
        stack = torch.stack
    else:
        offsets = skeleton.offsets.astype(np.result_type(rotmats.dtype, np.float32), copy=False)
        stack = np.stack
    world_rot = [rotmats[..., 0, :, :]]
    world_pos = [root_translation + offsets[0]]
    for j in range(1, num):
        p = skeleton.parents[j]
        world_pos.append(world_pos[p] + (world_rot[p] @ offsets[j][:, None])[..., 0])
        world_rot.append(world_rot[p] @ rotmats[..., j, :, :])
    return stack(world_pos, -2)


def fk_axis_angle(axis_angle: Array, root_translation: Array, skeleton: Skeleton = SMPL24) -> Array:
    """FK from axis-angle joint rotations (...,J,3)."""
    return forward_kinematics(axis_angle_to_matrix(axis_angle), root_translation, skeleton)
