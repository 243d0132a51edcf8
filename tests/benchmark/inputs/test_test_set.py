"""MA-Data test-set loader: the stand-in validates; missing files, wrong counts and short clips are errors naming the file."""

from __future__ import annotations

import shutil

import pyarrow.parquet as pq
import pytest

from benchmark.inputs.standin import bundled_standin
from benchmark.inputs.test_set import load_ma_data_test
from manifests.ma_video_test_set import MANIFEST_NAME, STANDIN_CLIPS
from models.video.encode import encode_video
from models.video.io import probe_video, read_frames


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return bundled_standin(tmp_path_factory.mktemp("standin")).test_set.root


@pytest.fixture
def root(built, tmp_path):
    return shutil.copytree(built, tmp_path / "ma_data")


def test_standin_is_a_valid_test_set_of_5s_16fps_clips(root):
    test_set = load_ma_data_test(root, expected_clips=len(STANDIN_CLIPS))
    assert [c.id for c in test_set.clips] == [c.id for c in STANDIN_CLIPS]
    for clip in test_set.clips:
        info = probe_video(clip.video)
        assert (info.fps, info.num_frames, info.has_audio) == (16.0, 80, True) and clip.audio.is_file()


def test_missing_manifest_and_wrong_count_name_the_manifest(root, tmp_path):
    with pytest.raises(FileNotFoundError, match=str(tmp_path / "empty" / MANIFEST_NAME)):
        load_ma_data_test(tmp_path / "empty")
    with pytest.raises(ValueError, match=rf"{MANIFEST_NAME}: 4 ok test clips, expected 200"):
        load_ma_data_test(root)


def test_missing_clip_file_is_named(root):
    (root / "videos" / "standin_002.mp4").unlink()
    with pytest.raises(FileNotFoundError, match=r"videos/standin_002\.mp4: GT video of clip 'standin_002'"):
        load_ma_data_test(root, expected_clips=4)


def test_short_clip_is_named(root):
    video = root / "videos" / "standin_001.mp4"
    frames = read_frames(video)[:48]  # 3 s at 16 fps
    encode_video(video, frames, 16.0, frames.shape[2], frames.shape[1])
    with pytest.raises(ValueError, match=r"standin_001\.mp4: 3\.00 s long, shorter than the 5 s test clip"):
        load_ma_data_test(root, expected_clips=4)


def test_wrong_manifest_duration_is_named(root):
    table = pq.read_table(root / MANIFEST_NAME)
    durations = [4.0] + table.column("duration_s").to_pylist()[1:]
    pq.write_table(table.set_column(table.schema.get_field_index("duration_s"), "duration_s", [durations]), root / MANIFEST_NAME)
    with pytest.raises(ValueError, match=r"clip 'standin_000' has duration_s 4.0, expected 5 s"):
        load_ma_data_test(root, expected_clips=4)
