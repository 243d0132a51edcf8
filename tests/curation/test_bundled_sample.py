"""The committed bundled sample: it loads, its motion and music agree, and the builder reproduces it."""

import json
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from curation.bundled_sample import (
    MUSIC_LICENSE,
    plan_items,
    retarget_take,
    write_motions,
    write_music,
)
from manifests.sample import SAMPLE_FPS, SAMPLE_ROOT, load_sample_index
from models.body.formats_finedance import read_finedance
from models.body.rotations import axis_angle_to_matrix
from tests.golden import FIXTURES

CYRIL = FIXTURES / "motion" / "Cyril.tsv"


@pytest.fixture(scope="module")
def index():
    return load_sample_index()


def test_committed_sample_loads_with_matching_motion_and_music(index):
    assert 12 <= len(index) <= 16
    assert list(index) == [f"s{i:03d}" for i in range(1, len(index) + 1)]
    assert {item["split"] for item in index.values()} == {"train", "val", "test"}
    music_windows = set()
    for item_id, item in index.items():
        array = np.load(SAMPLE_ROOT / item["motion"])
        assert array.shape == (item["frames"], 315) and array.dtype == np.float32
        assert np.isfinite(array).all()
        motion = read_finedance(SAMPLE_ROOT / item["motion"])
        audio, rate = sf.read(SAMPLE_ROOT / item["music"], dtype="float32")
        assert abs(motion.num_frames - len(audio) / rate * SAMPLE_FPS) <= 1.0, item_id
        assert item["music_end_s"] - item["music_start_s"] == pytest.approx(motion.num_frames / SAMPLE_FPS)
        assert np.sqrt(np.mean(audio**2)) > 0.01, f"{item_id}: silent music"
        music_windows.add((item["music_source"], item["music_start_s"]))
        assert (SAMPLE_ROOT / "licenses" / Path(item["music_source"]).with_suffix(".txt").name).is_file()
        heights = motion.to_smpl24().positions()[..., 1]
        assert -0.05 < heights.min() < 0.1 and heights.max() < 2.0, f"{item_id}: dancer off the floor"
    assert len(music_windows) == len(index)  # every item has its own music
    assert (SAMPLE_ROOT / "licenses" / MUSIC_LICENSE).is_file()
    assert "not FineDance" in (SAMPLE_ROOT / "README.md").read_text()


def test_mirrored_items_are_left_right_mirrors_of_their_window(index):
    pairs = [(a, b) for a, b in zip(index, list(index)[1:]) if not index[a]["mirrored"] and index[b]["mirrored"]]
    assert len(pairs) == len(index) // 2
    for plain_id, mirrored_id in pairs:
        assert index[plain_id]["source_window"] == index[mirrored_id]["source_window"]
        plain = read_finedance(SAMPLE_ROOT / index[plain_id]["motion"])
        mirrored = read_finedance(SAMPLE_ROOT / index[mirrored_id]["motion"])
        np.testing.assert_allclose(
            axis_angle_to_matrix(mirrored.rotations), axis_angle_to_matrix(plain.mirror().rotations), atol=1e-5
        )
        assert not np.allclose(plain.rotations, mirrored.rotations, atol=1e-2)


def test_builder_reproduces_committed_motion_bit_for_bit(tmp_path, index):
    _, motion = retarget_take(CYRIL)
    items = plan_items(motion.num_frames)
    assert {k: asdict(v) for k, v in items.items()} == index
    write_motions(motion, items, tmp_path)
    for item in items.values():
        assert (tmp_path / item.motion).read_bytes() == (SAMPLE_ROOT / item.motion).read_bytes(), item.motion


def test_write_music_cuts_exact_windows_and_copies_attribution(tmp_path):
    rate = 22050
    source = tmp_path / "src"
    source.mkdir()
    tone = 0.3 * np.sin(2 * np.pi * 440 * np.arange(20 * rate) / rate).astype(np.float32)
    sf.write(source / "tune.ogg", tone, rate, format="OGG", subtype="VORBIS")
    (source / "tune.txt").write_text("tune by someone, CC-BY\n")
    (source / MUSIC_LICENSE).write_text("licence\n")
    item = replace(
        next(iter(plan_items(247).values())), music_source="tune.ogg", music_start_s=8.0, music_end_s=12.0
    )
    write_music(source, {"s001": item}, tmp_path / "out")
    audio, out_rate = sf.read(tmp_path / "out" / item.music)
    assert out_rate == rate and len(audio) == 4 * rate
    assert np.sqrt(np.mean(audio**2)) == pytest.approx(0.3 / np.sqrt(2), rel=0.05)
    assert (tmp_path / "out/licenses/tune.txt").read_text() == "tune by someone, CC-BY\n"
    late = replace(item, music_start_s=18.0, music_end_s=22.0)
    with pytest.raises(ValueError, match="runs past the end"):
        write_music(source, {"s001": late}, tmp_path / "out")
    with pytest.raises(ValueError, match="not a readable audio file"):
        write_music(source, {"s001": replace(item, music_source="missing.ogg")}, tmp_path / "out")


def test_plan_rejects_a_take_shorter_than_a_window():
    with pytest.raises(ValueError, match="fewer than one 120-frame window"):
        plan_items(100)


def test_sample_index_errors_name_the_file(tmp_path):
    with pytest.raises(ValueError, match=rf"{tmp_path / 'sample.json'}: not a readable sample index"):
        load_sample_index(tmp_path)
    good = json.loads((SAMPLE_ROOT / "sample.json").read_text())
    del good["items"]["s001"]["split"]
    (tmp_path / "sample.json").write_text(json.dumps(good))
    with pytest.raises(ValueError, match="item 's001' has a missing or mistyped 'split'"):
        load_sample_index(tmp_path)

