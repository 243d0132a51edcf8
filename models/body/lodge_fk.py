"""LODGE's own SMPL-X forward kinematics, op for op in float32, for the `finedance3d@lodge` compat protocol.

The kinetic features of FineDance are ill-conditioned (one GT dim has a relative std of 1.6e-5), so the
compat protocol replays the exact float32 sequence of LODGE @a898e59 `dld/data/render_joints/smplfk.py`
(`do_smplxfk` -> `SMPLX_Skeleton.forward`): pytorch3d 6D -> matrix -> quaternion -> axis-angle, SMPL-X
`batch_rodrigues` (with its +1e-8), and the 4x4 homogeneous transform chain on the float32
`smplx_neu_J_1.npy` rest joints (bundled below bit for bit). The suite's own FK (`models.body.skeleton`)
stays float64 for everything else.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from models.body.skeleton import SMPLX55_PARENTS

# LODGE data/smplx_neu_J_1.npy, float32 (55,3), every value the shortest repr of its float32.
LODGE_REST_JOINTS = np.array(
    [
    [0.0031232573, -0.35140747, 0.012036551],
    [0.06131266, -0.44417092, -0.013964635],
    [-0.060144216, -0.4553155, -0.00921382],
    [0.0003605655, -0.24151686, -0.015581083],
    [0.11600812, -0.8229244, -0.023360701],
    [-0.10435417, -0.8176955, -0.0260377],
    [0.009808263, -0.109663606, -0.021521065],
    [0.07255466, -1.2259839, -0.055236645],
    [-0.08893737, -1.2284234, -0.046229966],
    [-0.0015221529, -0.057428457, 0.0069258306],
    [0.11981198, -1.2839811, 0.062979676],
    [-0.12774977, -1.2867517, 0.072819024],
    [-0.013686611, 0.10773861, -0.02468951],
    [0.044842005, 0.027515277, -0.00029464904],
    [-0.04921708, 0.026910221, -0.0064740703],
    [0.011096874, 0.26819038, -0.0039522466],
    [0.16408104, 0.0852433, -0.01575559],
    [-0.15179482, 0.08043467, -0.019142598],
    [0.4182039, 0.0130927805, -0.05821444],
    [-0.4229444, 0.04394219, -0.045609687],
    [0.67019063, 0.03631401, -0.06068652],
    [-0.6722118, 0.039409645, -0.06093487],
    [-0.004667762, 0.2676707, -0.009591399],
    [0.031599283, 0.3108321, 0.062195174],
    [-0.03159987, 0.31083193, 0.062194344],
    [0.77209264, 0.027625864, -0.041335385],
    [0.8040411, 0.029844131, -0.038324937],
    [0.826586, 0.02749405, -0.038270373],
    [0.7795882, 0.02998634, -0.06466734],
    [0.81019944, 0.030793745, -0.06869],
    [0.8337146, 0.028785001, -0.072804205],
    [0.7542375, 0.021774674, -0.10443614],
    [0.7697083, 0.0206431, -0.11643556],
    [0.7852416, 0.018978532, -0.12765253],
    [0.76763463, 0.027046373, -0.08803119],
    [0.7956817, 0.028531838, -0.09329713],
    [0.8185036, 0.027073551, -0.10039142],
    [0.7108265, 0.018337285, -0.035075642],
    [0.72784185, 0.0193131, -0.010097504],
    [0.7483652, 0.014153541, 0.0054255715],
    [-0.7720924, 0.027626783, -0.041334923],
    [-0.8040408, 0.029844671, -0.038324088],
    [-0.82658565, 0.027495291, -0.038268693],
    [-0.7795881, 0.029987698, -0.064668685],
    [-0.8101993, 0.030795172, -0.06869151],
    [-0.8337147, 0.028785843, -0.072805576],
    [-0.7542384, 0.021775207, -0.10443778],
    [-0.7697089, 0.020643137, -0.116436556],
    [-0.7852423, 0.018978406, -0.12765285],
    [-0.7676351, 0.02704771, -0.08803362],
    [-0.7956818, 0.02853291, -0.09329949],
    [-0.81850386, 0.02707412, -0.100392245],
    [-0.71082497, 0.01833522, -0.03507352],
    [-0.72784036, 0.019311322, -0.010095943],
    [-0.74836576, 0.0141541185, 0.005425603],
    ],
    dtype=np.float32,
)
LODGE_COLUMNS = {315: 0, 319: 4, 139: 4, 135: 0}  # FineDance layout -> leading contact columns
_BODY_JOINTS = 22


def _rotation_6d_to_matrix(d6: torch.Tensor) -> torch.Tensor:
    """pytorch3d `rotation_6d_to_matrix` (Gram-Schmidt; rows b1, b2, b3)."""
    a1, a2 = d6[..., :3], d6[..., 3:]
    b1 = F.normalize(a1, dim=-1)
    b2 = F.normalize(a2 - (b1 * a2).sum(-1, keepdim=True) * b1, dim=-1)
    return torch.stack((b1, b2, torch.cross(b1, b2, dim=-1)), dim=-2)


def _sqrt_positive_part(x: torch.Tensor) -> torch.Tensor:
    return torch.where(x > 0, torch.sqrt(torch.clamp(x, min=0)), torch.zeros_like(x))


def _matrix_to_quaternion(matrix: torch.Tensor) -> torch.Tensor:
    """pytorch3d 0.7 `matrix_to_quaternion`: the best-conditioned of four candidates, w >= 0."""
    batch = matrix.shape[:-2]
    m00, m01, m02, m10, m11, m12, m20, m21, m22 = torch.unbind(matrix.reshape(batch + (9,)), dim=-1)
    q_abs = _sqrt_positive_part(torch.stack([
        1.0 + m00 + m11 + m22, 1.0 + m00 - m11 - m22, 1.0 - m00 + m11 - m22, 1.0 - m00 - m11 + m22,
    ], dim=-1))  # fmt: skip
    by_rijk = torch.stack([
        torch.stack([q_abs[..., 0] ** 2, m21 - m12, m02 - m20, m10 - m01], dim=-1),
        torch.stack([m21 - m12, q_abs[..., 1] ** 2, m10 + m01, m02 + m20], dim=-1),
        torch.stack([m02 - m20, m10 + m01, q_abs[..., 2] ** 2, m12 + m21], dim=-1),
        torch.stack([m10 - m01, m20 + m02, m21 + m12, q_abs[..., 3] ** 2], dim=-1),
    ], dim=-2)  # fmt: skip
    floor = torch.tensor(0.1, dtype=q_abs.dtype)
    candidates = by_rijk / (2.0 * q_abs[..., None].max(floor))
    best = F.one_hot(q_abs.argmax(dim=-1), num_classes=4) > 0.5
    out = candidates[best, :].reshape(batch + (4,))
    return torch.where(out[..., 0:1] < 0, -out, out)


def _quaternion_to_axis_angle(quaternions: torch.Tensor) -> torch.Tensor:
    """pytorch3d 0.7 `quaternion_to_axis_angle` (sinc form)."""
    norms = torch.norm(quaternions[..., 1:], p=2, dim=-1, keepdim=True)
    half_angles = torch.atan2(norms, quaternions[..., :1])
    return quaternions[..., 1:] / (0.5 * torch.sinc(half_angles / torch.pi))


def _batch_rodrigues(rot_vecs: torch.Tensor) -> torch.Tensor:
    """SMPL-X `batch_rodrigues` (N,3) -> (N,3,3), including its `+ 1e-8` inside the norm."""
    angle = torch.norm(rot_vecs + 1e-8, dim=1, keepdim=True)
    rx, ry, rz = torch.split(rot_vecs / angle, 1, dim=1)
    zeros = torch.zeros_like(rx)
    k = torch.cat([zeros, -rz, ry, rz, zeros, -rx, -ry, rx, zeros], dim=1).view(-1, 3, 3)
    cos, sin = torch.cos(angle).unsqueeze(1), torch.sin(angle).unsqueeze(1)
    return torch.eye(3, dtype=rot_vecs.dtype).unsqueeze(0) + sin * k + (1 - cos) * torch.bmm(k, k)


def _rigid_chain(rotmats: torch.Tensor, rest: torch.Tensor) -> torch.Tensor:
    """SMPL-X `batch_rigid_transform`: chain 4x4 transforms (B,55,4,4), return the posed joints (B,55,3)."""
    parents = list(SMPLX55_PARENTS)
    rel = rest.clone()
    rel[:, 1:] -= rest[:, parents[1:]]
    transforms = torch.cat([F.pad(rotmats, [0, 0, 0, 1]), F.pad(rel[..., None], [0, 0, 0, 1], value=1)], dim=-1)
    chain = [transforms[:, 0]]
    for joint in range(1, len(parents)):
        chain.append(torch.matmul(chain[parents[joint]], transforms[:, joint]))
    return torch.stack(chain, dim=1)[:, :, :3, 3]


def lodge_smplx_fk(array: np.ndarray) -> np.ndarray:
    """FineDance motion (T,315|319|139|135) -> SMPL-X joints (T,55,3) float32, exactly as LODGE computes them
    (body rotations only: hands, jaw and eyes at identity, as LODGE feeds `data[:, :139]`)."""
    if array.ndim != 2 or array.shape[1] not in LODGE_COLUMNS:
        raise ValueError(f"LODGE FK needs a FineDance array (T,{'|'.join(map(str, LODGE_COLUMNS))}), got {array.shape}")
    start = LODGE_COLUMNS[array.shape[1]]
    data = torch.from_numpy(np.ascontiguousarray(array[:, start : start + 3 + 6 * _BODY_JOINTS], dtype=np.float32))
    frames = data.shape[0]
    with torch.no_grad():
        axis_angle = _quaternion_to_axis_angle(_matrix_to_quaternion(
            _rotation_6d_to_matrix(data[:, 3:].reshape(frames, _BODY_JOINTS, 6))))  # fmt: skip
        poses = torch.cat([axis_angle.reshape(frames, -1), torch.zeros(frames, 3 * (55 - _BODY_JOINTS))], dim=1)
        rotmats = _batch_rodrigues(poses.view(-1, 3)).view(frames, -1, 3, 3)
        rest = torch.from_numpy(LODGE_REST_JOINTS)[None].repeat(frames, 1, 1)
        joints = _rigid_chain(rotmats, rest)
        joints += data[:, None, :3]
    return joints.numpy()
