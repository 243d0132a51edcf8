"""COCO-17 / OpenPose-18 keypoints from SMPL-X FK and the OpenPose skeleton drawing."""

from __future__ import annotations

import numpy as np
import pytest

from manifests.sample import SAMPLE_ROOT
from models.body.formats import read_finedance
from models.body.keypoints import (
    COCO17,
    OPENPOSE18,
    OPENPOSE18_COLORS,
    coco17_world,
    draw_openpose,
    openpose18_from_coco17,
)
from models.body.skeleton import SMPLX55


@pytest.fixture(scope="module")
def motion():
    return read_finedance(SAMPLE_ROOT / "motion" / "s005.npy").slice(0, 30)


def test_coco17_joints_are_the_fk_joints(motion):
    coco = coco17_world(motion)
    positions = motion.positions()
    for k, name in enumerate(COCO17):
        if name in SMPLX55.joint_names:
            np.testing.assert_allclose(coco[:, k], positions[:, SMPLX55.joint_names.index(name)], atol=1e-12)
    # face points ride the head: fixed distance from the head joint, nose in front of the ears
    head = positions[:, SMPLX55.joint_names.index("head")]
    nose, left_ear, right_ear = coco[:, 0], coco[:, 3], coco[:, 4]
    distance = np.linalg.norm(nose - head, axis=1)
    np.testing.assert_allclose(distance, distance[0], atol=1e-9)
    ear_width = np.linalg.norm(left_ear - right_ear, axis=1)
    np.testing.assert_allclose(ear_width, 0.15, atol=1e-9)
    ears_mid = (left_ear + right_ear) / 2
    eyes_mid = (coco[:, 1] + coco[:, 2]) / 2
    assert (np.einsum("ti,ti->t", nose - ears_mid, eyes_mid - ears_mid) > 0).all()


def test_smpl24_motion_gets_keypoints_too(motion):
    coco = coco17_world(motion.to_smpl24())
    assert coco.shape == (motion.num_frames, 17, 3) and np.isfinite(coco).all()


def test_openpose18_order_and_neck():
    coco = np.arange(17 * 2, dtype=float).reshape(17, 2)
    openpose = openpose18_from_coco17(coco)
    assert openpose.shape == (18, 2)
    for k, name in enumerate(OPENPOSE18):
        if name == "neck":
            np.testing.assert_allclose(openpose[k], (coco[5] + coco[6]) / 2)
        else:
            np.testing.assert_array_equal(openpose[k], coco[COCO17.index(name)])
    with pytest.raises(ValueError, match="expected"):
        openpose18_from_coco17(np.zeros((18, 2)))


def test_draw_openpose_colours_on_black():
    points = np.array([[20 + 5 * k, 10 + 4 * k] for k in range(18)], dtype=float) + 0.5
    visible = np.ones(18, bool)
    visible[17] = False
    canvas = draw_openpose(np.zeros((100, 120, 3), np.uint8), points, visible, stick_width=2)
    for k in (0, 1, 8):  # joint discs in their OpenPose colour (RGB), centred on the pixel holding the point
        x, y = int(points[k, 0]), int(points[k, 1])
        np.testing.assert_array_equal(canvas[y, x], OPENPOSE18_COLORS[k])
    x, y = int(points[17, 0]), int(points[17, 1])
    assert not canvas[y, x].any()  # invisible joints are not drawn
    assert canvas[0, -1].tolist() == [0, 0, 0]
