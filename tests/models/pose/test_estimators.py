"""Pose estimators on real footage (bundled MediaPipe model), the coco_25 layout, and ViTPose's pieces."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
import torch

from models.pose import FOOT6, PoseFrames, load_pose_estimator, to_coco25
from models.pose.vitpose import (
    VITPOSE_SIZES,
    ViTPose,
    ViTPoseNet,
    YoloV8Onnx,
    decode_heatmaps,
)
from models.video.frames import FrameGeometryError, FrameLimits, square_tiles
from models.video.io import read_frames
from tests.golden import SHARED_ASSETS

DEMO = Path("/work/shared/assets/video/demo.mp4")
if not DEMO.is_file():  # the repository copy of the shared asset folder
    DEMO = SHARED_ASSETS / "video" / "demo.mp4"


@pytest.fixture(scope="module")
def demo_frames() -> np.ndarray:
    return read_frames(DEMO, 40, 160, 20)  # both people are in view from frame ~40 to ~100, one after


@pytest.fixture(scope="module")
def mediapipe():
    with load_pose_estimator("mediapipe") as estimator:
        yield estimator


def test_mediapipe_counts_the_two_people_of_the_demo(mediapipe, demo_frames):
    pose = mediapipe.estimate(demo_frames)
    assert pose.keypoints.shape == (len(demo_frames), 2, 17, 2) and (pose.width, pose.height) == (1768, 994)
    counts = pose.persons_per_frame.tolist()
    assert counts[:3] == [2, 2, 2]  # frames 40, 60, 80: the man on the box and the woman walking
    assert counts[4:] == [1, 1]  # frames 120, 140: the man has left
    nose_heights = sorted(pose.keypoints[0, :, 0, 1].tolist())  # the man on the box high, the woman low
    assert nose_heights[0] < 200 and nose_heights[1] > 500
    nose_y, ankle_y = pose.keypoints[:, 0, 0, 1], pose.keypoints[:, 0, 15:17, 1].mean(axis=-1)
    assert (nose_y < ankle_y).all()
    assert pose.foot_keypoints.shape == (len(demo_frames), 2, len(FOOT6), 2)


def test_mediapipe_sees_one_person_in_a_crop_around_her(mediapipe, demo_frames):
    crop = np.ascontiguousarray(demo_frames[4:, 300:900, 250:850])  # frames 120, 140: the woman only
    pose = mediapipe.estimate(crop)
    assert pose.persons_per_frame.tolist() == [1, 1]
    assert pose.scores[:, 0].mean() > 0.7


def test_mediapipe_finds_one_whole_dancer_filling_a_portrait_frame(mediapipe, demo_frames):
    """9:16 phone framing of the woman alone (frames 120, 140): tiles cut her in two, the whole pass sees her once."""
    crops = [demo_frames[i, 510:934, x0 : x0 + 238] for i, x0 in ((4, 716), (5, 507))]
    pose = mediapipe.estimate(np.ascontiguousarray(np.stack(crops)))
    assert (pose.width, pose.height) == (238, 424) and len(square_tiles(238, 424)) == 3
    assert pose.persons_per_frame.tolist() == [1, 1]
    nose_y, ankle_y = pose.keypoints[:, 0, 0, 1], pose.keypoints[:, 0, 15:17, 1].mean(axis=-1)
    assert ((ankle_y - nose_y) > 0.6 * 424).all() and (pose.scores[:, 0].mean(axis=-1) > 0.6).all()


def test_degenerate_frame_shapes_are_refused_before_any_tile_runs(mediapipe):
    limits = FrameLimits.from_env()
    assert limits.problem(1920, 1080) is None and limits.problem(1080, 1920) is None
    assert "aspect ratio" in limits.problem(10000, 10) and "pixels" in limits.problem(10000, 8000)
    assert "no pixels" in limits.problem(0, 10)
    assert "tiles" in FrameLimits(max_tiles=2).problem(1920, 1080)
    started = time.perf_counter()
    with pytest.raises(FrameGeometryError, match=r"mediapipe_blazepose_full pose estimation: frame 10000x10 has aspect"):
        mediapipe.estimate(np.zeros((80, 10, 10000, 3), np.uint8))
    assert time.perf_counter() - started < 1.0  # 1000 tiles x 80 frames took ~40 minutes before the check


def test_square_tiles_cover_wide_and_tall_frames():
    assert square_tiles(1280, 720) == [(0, 0, 720, 720), (280, 0, 720, 720), (560, 0, 720, 720)]
    assert square_tiles(720, 1280, 2) == [(0, 0, 720, 720), (0, 560, 720, 720)]
    assert square_tiles(640, 480) == [(0, 0, 640, 480)]
    with pytest.raises(ValueError, match="tiles"):
        square_tiles(640, 480, 0)


def _synthetic_pose() -> PoseFrames:
    keypoints = np.arange(2 * 1 * 17 * 2, dtype=np.float32).reshape(2, 1, 17, 2)
    scores = np.linspace(0.2, 1.0, 34, dtype=np.float32).reshape(2, 1, 17)
    feet = np.full((2, 1, 6, 2), 7.0, np.float32)
    return PoseFrames(keypoints, scores, np.array([[0.9], [0.0]], np.float32), 64, 48, feet,
                      np.full((2, 1, 6), 0.5, np.float32))  # fmt: skip


def test_to_coco25_layout_order_and_absent_frames():
    pose = _synthetic_pose()
    out = to_coco25(pose)
    assert out.shape == (2, 25, 3) and out.dtype == np.float32
    kp, sc = pose.keypoints[0, 0], pose.scores[0, 0]
    np.testing.assert_allclose(out[0, 0], [kp[0, 1], kp[0, 0], sc[0]])  # (y, x, score)
    np.testing.assert_allclose(out[0, 6, :2], kp[5, ::-1])  # left shoulder
    np.testing.assert_allclose(out[0, 18, :2], kp[16, ::-1])  # right ankle
    np.testing.assert_allclose(out[0, 5], [*(kp[5] + kp[6])[::-1] / 2, min(sc[5], sc[6])])  # neck
    np.testing.assert_allclose(out[0, 14], [*(kp[11] + kp[12])[::-1] / 2, min(sc[11], sc[12])])  # mid-hip
    np.testing.assert_allclose(out[0, 19:25], [[7.0, 7.0, 0.5]] * 6)
    assert not out[1].any()  # person absent in frame 1
    assert not to_coco25(pose, person=3).any()


def test_to_coco25_without_feet_and_on_real_poses(mediapipe, demo_frames):
    pose = _synthetic_pose()
    no_feet = PoseFrames(pose.keypoints, pose.scores, pose.person_scores, 64, 48)
    assert not to_coco25(no_feet)[:, 19:].any()
    real = to_coco25(mediapipe.estimate(demo_frames[:1]))
    assert (real[0, :, 2] > 0).all() and (real[0, 21, 0] > real[0, 0, 0])  # heel below nose (y grows down)


def test_vitpose_state_dict_names_match_easy_vitpose():
    state = ViTPoseNet(*VITPOSE_SIZES["s"], 25).state_dict()
    for key in ("backbone.patch_embed.proj.weight", "backbone.blocks.11.attn.qkv.bias", "backbone.blocks.0.mlp.fc2.weight",
                "backbone.last_norm.weight", "keypoint_head.deconv_layers.0.weight",
                "keypoint_head.deconv_layers.4.running_var", "keypoint_head.final_layer.weight"):  # fmt: skip
        assert key in state
    assert state["backbone.pos_embed"].shape == (1, 16 * 12 + 1, 384)
    assert state["keypoint_head.final_layer.weight"].shape == (25, 256, 1, 1)


def test_decode_heatmaps_finds_a_subpixel_peak():
    rows, cols = np.mgrid[0:64, 0:48]
    peak = (20.3, 30.6)  # x, y in heatmap cells
    heatmap = np.exp(-((cols - peak[0]) ** 2 + (rows - peak[1]) ** 2) / (2 * 2.0**2))[None].astype(np.float32)
    x, y, score = decode_heatmaps(heatmap, 192, 256)[0]
    assert abs(x - peak[0] * 192 / 47) < 0.5 and abs(y - peak[1] * 256 / 63) < 0.5 and score > 0.9


def test_vitpose_runs_a_tiny_random_network_on_real_frames(tmp_path, demo_frames):
    torch.manual_seed(0)
    net = ViTPoseNet(32, 1, 2, 25)
    torch.save({"state_dict": net.state_dict()}, tmp_path / "tiny-coco_25.pth")
    boxes = [(np.array([500, 40, 800, 500], np.float32), 0.9), (np.array([1300, 380, 1600, 880], np.float32), 0.8)]
    estimator = ViTPose(net=net, detector=lambda frame: boxes)
    pose = estimator.estimate(demo_frames[:2])
    assert estimator.name == "vitpose-s-coco_25"
    assert pose.keypoints.shape == (2, 2, 17, 2) and pose.foot_keypoints.shape == (2, 2, 6, 2)
    x, y = pose.keypoints[:, 0, :, 0], pose.keypoints[:, 0, :, 1]  # box + 10 px, padded to 3:4: x 470..830
    assert ((x > 465) & (x < 835) & (y > 25) & (y < 515)).all()  # keypoints land in the crop they came from
    with pytest.raises(FileNotFoundError, match="vitpose-s-coco_25.pth.*huggingface"):
        ViTPose(checkpoint=tmp_path / "missing.pth")


def test_yolo_onnx_boxes_are_decoded_scaled_and_suppressed(tmp_path):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    preds = np.zeros((1, 84, 3), np.float32)
    preds[0, :5, 0] = [320, 240, 100, 200, 0.9]  # a person at 640-input pixels
    preds[0, :5, 1] = [322, 242, 100, 200, 0.8]  # its duplicate
    preds[0, :5, 2] = [100, 100, 50, 50, 0.2]  # below the confidence threshold
    graph = helper.make_graph(
        [helper.make_node("ReduceSum", ["images"], ["total"], keepdims=0),
         helper.make_node("Mul", ["total", "zero"], ["nothing"]),
         helper.make_node("Add", ["preds", "nothing"], ["output0"])],
        "yolo_stub",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, 640, 640])],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, [1, 84, 3])],
        [numpy_helper.from_array(preds, "preds"), numpy_helper.from_array(np.zeros((), np.float32), "zero")],
    )
    path = tmp_path / "yolov8s.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)
    boxes = YoloV8Onnx(path)(np.zeros((1280, 1280, 3), np.uint8))  # scale 0.5: boxes double
    assert len(boxes) == 1
    np.testing.assert_allclose(boxes[0][0], [540, 280, 740, 680], atol=1e-3)
    assert boxes[0][1] == pytest.approx(0.9)


def test_track_keeps_the_dancer_in_every_frame_where_the_tracker_alone_lost_her(mediapipe):
    """The stand-in clip's first 12 frames: VIDEO-mode tracking alone found nobody in 5 of them; frames the
    tracker loses are detected afresh, so every frame has the dancer."""
    from benchmark.inputs.video_items import standin_set

    frames = read_frames(standin_set(None).items[0].gt_video, 0, 12)
    pose = mediapipe.track(iter(frames), 30.0)
    assert (pose.person_scores[:, 0] > 0).all()
    assert ((pose.scores[:, 0, 5:] >= 0.3).sum(axis=1) >= 6).all()  # shoulders down: a body, not a speck
