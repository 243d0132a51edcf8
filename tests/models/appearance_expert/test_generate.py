"""Appearance Expert end to end on the tiny model: motion + real reference frame + music -> video; face policy; errors."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import PIL.Image
import pytest

from manifests.sample import SAMPLE_ROOT
from models.appearance_expert.face import face_box, face_frames, reference_face, reference_pose
from models.appearance_expert.generate import AppearanceExpert, main
from models.video.images import read_image
from models.video.io import probe_video, read_frames_at

STANDIN_FOOTAGE = Path(__file__).parents[3] / "manifests/data/ma_video_standin/source.mp4"
MOTION = SAMPLE_ROOT / "motion/s001.npy"
MUSIC = SAMPLE_ROOT / "music/s001.ogg"


@functools.cache
def _reference() -> np.ndarray:
    """A real frame of the bundled stand-in footage (a dancer filmed in a room)."""
    return read_frames_at(STANDIN_FOOTAGE, [0])[0]


@pytest.fixture
def reference_png(tmp_path: Path) -> Path:
    path = tmp_path / "ref.png"
    PIL.Image.fromarray(_reference()).save(path)
    return path


def test_reference_face_is_cropped_around_the_detected_head():
    image = _reference()
    pose = reference_pose(image)
    assert pose is not None
    keypoints, scores = pose
    cx, cy, side = face_box(keypoints, scores, image.shape[1], image.shape[0])
    nose = keypoints[0]
    assert abs(cx - nose[0]) < side / 2 and abs(cy - nose[1]) < side / 2
    assert side < image.shape[0] / 2  # a face, not the whole body
    face = reference_face(image, 64, pose)
    assert face.shape == (64, 64, 3) and face.std() > 5  # a real crop, not a black frame


def test_face_policies_blank_and_video_file(tmp_path: Path):
    image = _reference()
    assert not face_frames("blank", image, 16)(3).any()
    held = face_frames("reference", image, 16)
    assert np.array_equal(held(0), held(100))
    with pytest.raises(FileNotFoundError, match="face video not found"):
        face_frames(tmp_path / "missing.mp4", image, 16)
    from_video = face_frames(STANDIN_FOOTAGE, image, 16)
    assert from_video(0).shape == (16, 16, 3)


def test_tiny_cli_writes_video_with_music_and_pose_video(tmp_path: Path, reference_png: Path, capsys):
    out = tmp_path / "dance.mp4"
    assert main(["--tiny", "--motion", str(MOTION), "--image", str(reference_png), "--music", str(MUSIC),
                 "--out", str(out)]) == 0  # fmt: skip
    video, pose = probe_video(out), probe_video(tmp_path / "dance_pose.mp4")
    assert video.num_frames == pose.num_frames == 64  # the 4 s sample motion at 16 fps
    assert video.fps == pytest.approx(16) and video.has_audio
    assert "tiny random Wan-Animate" in capsys.readouterr().out


def test_motion_is_resampled_to_the_video_fps(tmp_path: Path):
    from models.body.formats import load_motion

    motion = load_motion(MOTION)  # 30 fps
    render = AppearanceExpert.tiny().config.render
    expert = AppearanceExpert.tiny(render=render.__class__(**{**render.__dict__, "fps": 8.0}))
    result = expert.render(motion, _reference(), tmp_path / "v.mp4", face="blank", progress=False)
    assert result.frames == round(motion.duration * 8)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_bytes(b"not an image at all"), "not a readable image"),
        (lambda p: None, "no such file (--image)"),
    ],
)
def test_bad_reference_image_is_one_line_and_leaves_no_video(tmp_path: Path, capsys, make, message):
    image = tmp_path / "ref.png"
    make(image)
    out = tmp_path / "dance.mp4"
    assert main(["--tiny", "--motion", str(MOTION), "--image", str(image), "--out", str(out)]) == 1
    err = capsys.readouterr().err.strip()
    assert message in err and str(image) in err and "\n" not in err
    assert not any(tmp_path.glob("dance*"))


def test_missing_weights_folder_names_the_flag_and_source(tmp_path: Path, reference_png: Path, capsys):
    missing = tmp_path / "no-wan"
    assert main(["--weights", str(missing), "--motion", str(MOTION), "--image", str(reference_png),
                 "--out", str(tmp_path / "v.mp4")]) == 1  # fmt: skip
    err = capsys.readouterr().err
    assert str(missing) in err and "MACE_WAN_ANIMATE_DIR" in err and "huggingface.co/Wan-AI" in err


def test_read_image_refuses_a_tiny_image(tmp_path: Path):
    path = tmp_path / "dot.png"
    PIL.Image.new("RGB", (4, 4)).save(path)
    with pytest.raises(ValueError, match="4x4"):
        read_image(path)
