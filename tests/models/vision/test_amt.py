"""AMT-S: amt-s.pth's state-dict names and shapes, checkpoint loading, warping, padding, frame-size checks."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from models.vision.amt import AMT, AMT_S, AMTConfig, interpolate_midframes, load_amt, replicate_pad
from models.vision.amt_flow import warp

TINY = AMTConfig.preset("tiny")

# A sample of amt-s.pth's keys (networks/AMT-S.py with cfgs/AMT-S.yaml), shapes worked out from the source.
AMT_S_KEYS = {
    "feat_encoder.conv1.weight": (32, 3, 7, 7),
    "feat_encoder.layer1.0.conv1.weight": (8, 32, 1, 1),
    "feat_encoder.layer2.0.downsample.0.weight": (64, 32, 1, 1),
    "feat_encoder.layer3.1.conv3.bias": (96,),
    "feat_encoder.conv2.weight": (84, 96, 1, 1),
    "encoder.pyramid1.0.0.weight": (20, 3, 3, 3),
    "encoder.pyramid1.0.1.weight": (20,),
    "encoder.pyramid4.1.0.weight": (56, 56, 3, 3),
    "decoder4.convblock.0.0.weight": (112, 113, 3, 3),
    "decoder4.convblock.1.conv2.0.weight": (20, 20, 3, 3),
    "decoder4.convblock.1.prelu.weight": (112,),
    "decoder4.convblock.2.weight": (112, 48, 4, 4),
    "decoder3.convblock.0.0.weight": (132, 136, 3, 3),
    "decoder2.convblock.2.weight": (96, 24, 4, 4),
    "decoder1.convblock.2.weight": (60, 24, 4, 4),
    "update4.convc1.weight": (64, 392, 1, 1),
    "update4.convf1.weight": (40, 4, 7, 7),
    "update4.gru.0.weight": (76, 116, 3, 3),
    "update3.feat_head.2.weight": (32, 76, 3, 3),
    "update2.flow_head.2.weight": (4, 76, 3, 3),
    "comb_block.0.weight": (18, 9, 3, 3),
    "comb_block.1.weight": (18,),
    "comb_block.2.weight": (3, 18, 3, 3),
}


def test_state_dict_has_amt_s_names_and_shapes_at_real_size() -> None:
    with torch.device("meta"):
        state = AMT().state_dict()
    assert len(state) == 213
    assert {k: tuple(state[k].shape) for k in AMT_S_KEYS} == AMT_S_KEYS
    assert sum(v.numel() for v in state.values()) == 2_990_543  # AMT-S: "3.0M parameters"


def test_load_amt_reads_weights_under_state_dict(tmp_path) -> None:
    torch.manual_seed(0)
    weights = {k: torch.randn_like(v) for k, v in AMT(TINY).state_dict().items()}
    path = tmp_path / AMT_S.filename
    torch.save({"state_dict": weights}, path)
    model = load_amt(path, TINY)
    assert not model.training
    assert all(torch.equal(v, weights[k]) for k, v in model.state_dict().items())


def test_missing_checkpoint_names_the_file_and_where_to_get_it(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("MACE_BENCH_WEIGHTS", str(tmp_path))
    monkeypatch.delenv(AMT_S.env_var, raising=False)
    with pytest.raises(FileNotFoundError, match=r"amt-s\.pth.*huggingface\.co/lalala125/AMT"):
        load_amt(config=TINY)


def test_warp_by_zero_flow_is_identity_and_by_one_pixel_shifts() -> None:
    img = torch.rand(1, 3, 6, 7)
    flow = torch.zeros(1, 2, 6, 7)
    assert torch.allclose(warp(img, flow), img, atol=1e-6)
    flow[:, 0] = 1.0  # sample one pixel to the right
    assert torch.allclose(warp(img, flow)[..., :-1], img[..., 1:], atol=1e-5)


def test_replicate_pad_centres_to_multiples_of_16() -> None:
    frames = torch.arange(2 * 3 * 20 * 35, dtype=torch.float32).reshape(2, 3, 20, 35)
    padded, (left, right, top, bottom) = replicate_pad(frames)
    assert padded.shape[-2:] == (32, 48) and (left, right, top, bottom) == (6, 7, 6, 6)
    assert torch.equal(padded[..., top : top + 20, left : left + 35], frames)
    assert torch.equal(padded[..., 0, left : left + 35], frames[..., 0, :])


def test_interpolated_frames_are_uint8_between_each_pair() -> None:
    torch.manual_seed(1)
    model = AMT(TINY).eval()
    frames = np.random.default_rng(0).integers(0, 256, (4, 30, 40, 3), dtype=np.uint8)
    mid = interpolate_midframes(model, frames, batch=2)
    assert mid.shape == (3, 30, 40, 3) and mid.dtype == np.uint8
    single = interpolate_midframes(model, frames[1:])  # batching does not change pairs (up to a rounding step)
    assert np.abs(mid[1:].astype(int) - single).max() <= 1


def test_frames_too_small_for_the_correlation_pyramid_are_refused() -> None:
    model = AMT(TINY).eval()
    with pytest.raises(ValueError, match="at least 32 px"):
        interpolate_midframes(model, np.zeros((2, 16, 64, 3), np.uint8))
