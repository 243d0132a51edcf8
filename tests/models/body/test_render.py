"""Body meshes (open mannequin, SMPL via smplx with a synthetic model file) and the headless renderer."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from mannequin import Mannequin

from manifests.sample import SAMPLE_ROOT
from models.body.formats import read_finedance
from models.body.mesh import MannequinBody, world_transforms
from models.body.mesh_smplx import SmplxBody
from models.body.render import BodyRenderer, SceneStyle
from models.body.render_camera import look_at, orbit_camera
from models.body.skeleton import SMPL24

BLACK = SceneStyle(background=(0.0, 0.0, 0.0), floor="none")


@pytest.fixture(scope="module")
def motion():
    return read_finedance(SAMPLE_ROOT / "motion" / "s003.npy").slice(0, 24)


@pytest.fixture(scope="module")
def renderer():
    renderer = BodyRenderer(160, 120)
    yield renderer
    renderer.close()


def test_world_transforms_match_fk_positions(motion):
    transforms = world_transforms(motion)
    np.testing.assert_allclose(transforms[..., :3, 3], motion.positions(), atol=1e-12)
    rotations = transforms[..., :3, :3]
    np.testing.assert_allclose(
        rotations @ np.swapaxes(rotations, -1, -2), np.broadcast_to(np.eye(3), rotations.shape), atol=1e-9
    )


def test_mannequin_posed_by_our_fk_equals_mannequin_x_posing(motion):
    body = MannequinBody.load(1)
    ours = body.posed_vertices(motion)
    model = Mannequin("convex", lod=1, flat_hand_mean=True)
    pose = model.rest_pose(batch_dims=(motion.num_frames,), dtype=np.float64)
    pose.update(body_pose=motion.rotations[:, 1:22], hand_pose=motion.rotations[:, 25:55],
                pelvis_rotation=motion.rotations[:, 0], global_translation=motion.root_translation)  # fmt: skip
    np.testing.assert_allclose(ours, model.vertices(pose), atol=1e-5)
    assert ours.shape == (motion.num_frames, model.num_vertices, 3) and body.faces.max() < model.num_vertices


def test_projection_matches_rendered_pixels(motion, renderer):
    """The stored camera convention is the renderer's: the mask's extent equals the projected mesh's."""
    body = MannequinBody.load(2)
    vertices = body.posed_vertices(motion)[:3]
    camera = orbit_camera(vertices.reshape(-1, 3).mean(0), 30.0, 10.0, 3.0, 35.0, 160, 120)
    for frame, verts in zip(renderer.frames(vertices, body.faces, camera, BLACK), vertices):
        ys, xs = np.nonzero(frame.max(axis=2) > 0)
        uv, z = camera.project(verts)
        assert (z > 0).all()
        # pixel i covers [i, i+1): extents agree to rasterisation (< 1 px)
        assert abs(xs.min() - uv[:, 0].min()) < 1.0 and abs(xs.max() + 1 - uv[:, 0].max()) < 1.0
        assert abs(ys.min() - uv[:, 1].min()) < 1.0 and abs(ys.max() + 1 - uv[:, 1].max()) < 1.0


def test_renderer_options_and_no_shader_leak(motion, renderer):
    body = MannequinBody.load(2)
    vertices = body.posed_vertices(motion)[:4]
    camera = orbit_camera(vertices.reshape(-1, 3).mean(0), 0.0, 15.0, 4.0, 35.0, 160, 120)
    checker = list(renderer.frames(vertices, body.faces, camera, SceneStyle(background=(0.0, 0.0, 1.0))))
    compiled = len(renderer.programs)
    plain = list(renderer.frames(vertices, body.faces, camera, SceneStyle(floor="plain", background=(0.0, 0.0, 1.0))))
    assert len(renderer.programs) == compiled <= 2  # stock pyrender on OSMesa compiled one per frame
    assert checker[0].shape == (120, 160, 3) and checker[0].dtype == np.uint8
    np.testing.assert_array_equal(checker[0][0, 0], [0, 0, 255])  # background above the horizon
    floor_rows = checker[0][-10:].reshape(-1, 3)
    assert len(np.unique(floor_rows, axis=0)) >= 2 and len(np.unique(plain[0][-10:].reshape(-1, 3), axis=0)) == 1
    with pytest.raises(ValueError, match="floor must be one of"):
        SceneStyle(floor="marble")
    with pytest.raises(ValueError, match="camera is 64x64, renderer is 160x120"):
        next(renderer.frames(vertices, body.faces, orbit_camera(np.zeros(3), 0, 0, 3, 35, 64, 64), BLACK))


def test_look_at_puts_target_on_the_principal_point():
    camera = orbit_camera(np.array([0.5, 1.0, -2.0]), 40.0, 25.0, 3.0, 50.0, 200, 100)
    uv, z = camera.project(np.array([0.5, 1.0, -2.0]))
    np.testing.assert_allclose(uv, [100.0, 50.0], atol=1e-9)
    assert z == pytest.approx(3.0)
    above, _ = camera.project(np.array([0.5, 1.5, -2.0]))
    assert above[1] < 50.0  # world up is image up
    with pytest.raises(ValueError, match="straight along the up axis"):
        look_at(np.zeros(3), np.array([0.0, -1.0, 0.0]))


def _synthetic_smpl(path):
    """An SMPL-shaped model file (official keys and shapes) whose vertex clusters sit on the SMPL-24 joints."""
    rng = np.random.default_rng(0)
    rest = SMPL24.rest_positions()
    per_joint = 6890 // 24 + 1
    offsets = rng.normal(scale=0.02, size=(24, per_joint, 3))
    offsets -= offsets.mean(axis=1, keepdims=True)  # each cluster's centroid is its joint
    owner = np.repeat(np.arange(24), per_joint)[:6890]
    slot = np.concatenate([np.arange(per_joint)] * 24)[:6890]
    v_template = rest[owner] + offsets[owner, slot]
    counts = np.bincount(owner, minlength=24)
    regressor = np.zeros((24, 6890))
    regressor[owner, np.arange(6890)] = 1.0 / counts[owner]
    offsets_kept = v_template - rest[owner]
    v_template -= (regressor @ offsets_kept)[owner]  # exact centroids after truncation
    weights = np.zeros((6890, 24))
    weights[np.arange(6890), owner] = 1.0
    model = {
        "v_template": v_template, "shapedirs": np.zeros((6890, 3, 10)), "posedirs": np.zeros((6890, 3, 207)),
        "J_regressor": regressor, "weights": weights, "f": rng.integers(0, 6890, size=(13776, 3)),
        "kintree_table": np.array([[4294967295, *SMPL24.parents[1:]], list(range(24))]),
    }  # fmt: skip
    with open(path, "wb") as handle:
        pickle.dump(model, handle)
    return owner


def test_smpl_model_file_path_with_a_synthetic_pickle(tmp_path, motion, renderer):
    owner = _synthetic_smpl(tmp_path / "SMPL_NEUTRAL.pkl")
    body = SmplxBody(tmp_path / "SMPL_NEUTRAL.pkl")
    vertices = body.posed_vertices(motion)
    assert vertices.shape == (motion.num_frames, 6890, 3) and body.faces.shape == (13776, 3)
    centroids = np.stack([vertices[:, owner == j].mean(axis=1) for j in range(24)], axis=1)
    np.testing.assert_allclose(centroids, motion.to_smpl24().positions(), atol=2e-4)
    camera = orbit_camera(vertices.reshape(-1, 3).mean(0), 0.0, 10.0, 4.0, 35.0, 160, 120)
    frame = next(renderer.frames(vertices, body.faces, camera, BLACK))
    assert (frame.max(axis=2) > 0).sum() > 50
    (tmp_path / "BODY.pkl").write_bytes(b"")
    with pytest.raises(ValueError, match="name the model file as smplx expects"):
        SmplxBody(tmp_path / "BODY.pkl")
    with pytest.raises(FileNotFoundError, match="no such file"):
        SmplxBody(tmp_path / "SMPLX_NEUTRAL.npz")
