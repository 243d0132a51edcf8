"""SMPL-24 / SMPL-X-55 skeletons, forward kinematics, rotations, the `Motion` type, file formats and retargeting."""
