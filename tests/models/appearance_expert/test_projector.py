"""Motion Projector: spec joint map, canvas fit on the bundled dancer, perspective = curation keypoints, fps, NaN."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from manifests.sample import SAMPLE_ROOT, load_sample_index
from models.appearance_expert.projector import (
    OPENPOSE_FROM_SMPL,
    ProjectorConfig,
    openpose18_world,
    pose_video_frames,
    project_motion,
    smpl24_joints,
    synthetic_hands,
    write_pose_video,
)
from models.body.formats import load_motion
from models.body.keypoints import coco17_world, openpose18_from_coco17
from models.body.motion import Motion
from models.body.render_camera import orbit_camera
from models.video.io import probe_video

SMALL = ProjectorConfig(width=96, height=160)


@functools.cache
def _dancer() -> Motion:
    index = load_sample_index()
    return load_motion(SAMPLE_ROOT / index[min(index)]["motion"])


def test_joint_map_is_the_spec():
    assert OPENPOSE_FROM_SMPL == {
        2: 17,
        3: 19,
        4: 21,
        5: 16,
        6: 18,
        7: 20,
        8: 2,
        9: 5,
        10: 8,
        11: 1,
        12: 4,
        13: 7,
    }
    joints = np.random.default_rng(0).normal(size=(3, 24, 3))
    body, feet = openpose18_world(joints)
    np.testing.assert_array_equal(body[:, 1], (joints[:, 16] + joints[:, 17]) / 2)
    np.testing.assert_array_equal(feet, joints[:, [7, 10, 8, 11]])


def test_orthographic_fit_keeps_the_dancer_inside_the_frame():
    points, scores, feet, _ = project_motion(_dancer(), ProjectorConfig())
    both = np.concatenate([points, feet], axis=1).reshape(-1, 2)
    assert (both >= 0).all() and (both[:, 0] < 720).all() and (both[:, 1] < 1280).all()
    assert (scores == 1).all()
    assert both[:, 1].max() - both[:, 1].min() <= 0.86 * 1280 + 1e-6
    assert (
        points[:, 0, 1].mean() < points[:, 10, 1].mean()
    )  # y-up motion: the head is above the ankles


def test_perspective_equals_curation_keypoints():
    motion = _dancer().resample(16)
    camera = orbit_camera(np.array([0.0, 1.0, 0.0]), 20.0, 5.0, 4.0, 35.0, 96, 160)
    points, scores, _, _ = project_motion(
        _dancer(), ProjectorConfig(96, 160, mode="perspective", camera=camera)
    )
    uv, depth = camera.project(
        coco17_world(motion)
    )  # as curation/clip_render.py stores "openpose18"
    stored = openpose18_from_coco17(uv)
    np.testing.assert_allclose(
        points[:, 2:14], stored[:, 2:14], atol=1e-9
    )  # face points are synthesised
    np.testing.assert_allclose(
        points[:, 1], stored[:, 1], atol=0.5
    )  # neck: 3D midpoint vs mean of projections
    assert (scores == (openpose18_from_coco17(depth[..., None])[..., 0] > 0)).all()


def test_resamples_to_the_video_fps():
    motion = _dancer()
    points = project_motion(motion, SMALL).points
    assert motion.fps == 30 and len(points) == round(motion.num_frames * 16 / 30)
    assert len(list(pose_video_frames(motion.slice(0, 30), SMALL))) == 16


def test_reference_alignment_maps_frame_zero_onto_the_reference():
    motion = _dancer().slice(0, 15)
    base = project_motion(motion, SMALL).points
    reference = (base[0] * 0.5 + [20.0, 30.0], np.ones(18))
    aligned = project_motion(motion, SMALL, reference).points
    np.testing.assert_allclose(aligned[0, 2:14], reference[0][2:14], atol=1e-6)
    with pytest.raises(ValueError, match="joints"):
        project_motion(motion, SMALL, (base[0], np.zeros(18)))


def test_nan_motion_is_a_clear_error():
    motion = _dancer().slice(0, 4)
    rotations = motion.rotations.copy()
    rotations[2, 5] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        project_motion(
            Motion(rotations, motion.root_translation, motion.fps, motion.skeleton),
            SMALL,
        )
    names = motion.skeleton.joint_names  # SMPL-X: its middle-finger knuckles stand in for SMPL's hand joints
    np.testing.assert_array_equal(smpl24_joints(motion)[:, 22], motion.positions()[:, names.index("left_middle1")])


def test_hands_fan_from_the_wrists_inside_the_frame_without_moving_the_body():
    motion = _dancer()
    plain = project_motion(motion, ProjectorConfig())
    pose = project_motion(motion, ProjectorConfig(hands=True))
    assert plain.hands is None and pose.hands.shape == (len(pose.points), 2, 21, 2)
    np.testing.assert_array_equal(pose.points, plain.points)  # the fit is the body's and feet's alone
    np.testing.assert_allclose(pose.hands[:, 0, 0], pose.points[:, 7])  # left hand root = left wrist
    np.testing.assert_allclose(pose.hands[:, 1, 0], pose.points[:, 4])
    hands = pose.hands.reshape(-1, 2)
    assert (hands >= 0).all() and (hands[:, 0] < 720).all() and (hands[:, 1] < 1280).all()
    joints = smpl24_joints(motion)
    world = synthetic_hands(joints)
    forearm = np.linalg.norm(joints[:, 20] - joints[:, 18], axis=-1)
    reach = np.linalg.norm(world[:, 0, 1:] - world[:, 0, :1], axis=-1).max(axis=1)
    assert (reach < forearm).all() and (reach > 0.3 * forearm).all()  # a hand, shorter than the forearm
    tips = pose.hands[:, 0, [4, 8, 12, 16, 20]]
    assert (np.linalg.norm(tips[:, :, None] - tips[:, None], axis=-1).sum(axis=(1, 2)) > 0).all()  # fingers spread
    frames = list(pose_video_frames(motion.slice(0, 4), ProjectorConfig(hands=True)))
    bare = list(pose_video_frames(motion.slice(0, 4), ProjectorConfig()))
    assert (frames[0] != bare[0]).any()


def test_write_pose_video(tmp_path):
    out = tmp_path / "pose.mp4"
    assert write_pose_video(_dancer().slice(0, 30), out, SMALL) == 16
    info = probe_video(out)
    assert (info.width, info.height) == (96, 160)
