"""MUSIQ: pyiqa's state-dict layout, checkpoint loading, the multi-scale patch input against a plain
loop implementation, masking of padded tokens, batching."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from models.vision.musiq import MUSIQ_SPAQ, Musiq, MusiqConfig, load_musiq, multiscale_patches

TINY = MusiqConfig.preset("tiny")


def pyiqa_layout(cfg: MusiqConfig) -> dict[str, tuple[int, ...]]:
    """Names and shapes of pyiqa's MUSIQ state dict (pyiqa/archs/musiq_arch.py, num_class=1), written out."""
    r, d, m = cfg.resnet_token_dim, cfg.hidden_size, cfg.mlp_dim
    keys = {"conv_root.weight": (r, 3, 7, 7), "gn_root.weight": (r,), "gn_root.bias": (r,)}
    for conv, shape in [
        ("conv1", (r, r, 1, 1)),
        ("conv2", (r, r, 3, 3)),
        ("conv3", (4 * r, r, 1, 1)),
        ("conv_proj", (4 * r, r, 1, 1)),
    ]:
        keys[f"block1.{conv}.weight"] = shape
        gn = conv.replace("conv", "gn")
        keys[f"block1.{gn}.weight"] = keys[f"block1.{gn}.bias"] = (shape[0],)
    keys["embedding.weight"] = (d, 4 * r * (cfg.patch_size // 4) ** 2)
    keys["embedding.bias"] = (d,)
    enc = "transformer_encoder"
    keys[f"{enc}.posembed_input.position_emb"] = (1, cfg.spatial_pos_grid_size**2, d)
    keys[f"{enc}.scaleembed_input.scale_emb"] = (len(cfg.longer_side_lengths) + 1, d)
    keys[f"{enc}.cls"] = (1, 1, d)
    keys[f"{enc}.encoder_norm.weight"] = keys[f"{enc}.encoder_norm.bias"] = (d,)
    for i in range(cfg.num_layers):
        block = f"{enc}.transformer.encoderblock_{i}"
        for norm in ("norm1", "norm2"):
            keys[f"{block}.{norm}.weight"] = keys[f"{block}.{norm}.bias"] = (d,)
        for proj in ("query", "key", "value", "out"):
            keys[f"{block}.attention.{proj}.weight"], keys[f"{block}.attention.{proj}.bias"] = (d, d), (d,)
        keys[f"{block}.mlp.fc1.weight"], keys[f"{block}.mlp.fc1.bias"] = (m, d), (m,)
        keys[f"{block}.mlp.fc2.weight"], keys[f"{block}.mlp.fc2.bias"] = (d, m), (d,)
    keys["head.weight"], keys["head.bias"] = (1, d), (1,)
    return keys


def test_state_dict_has_pyiqa_names_and_shapes_at_real_size() -> None:
    with torch.device("meta"):
        state = Musiq().state_dict()
    assert {k: tuple(v.shape) for k, v in state.items()} == pyiqa_layout(MusiqConfig())


def test_load_musiq_reads_a_checkpoint_in_pyiqa_layout(tmp_path) -> None:
    torch.manual_seed(0)
    checkpoint = {name: torch.randn(shape) * 0.1 for name, shape in pyiqa_layout(TINY).items()}
    path = tmp_path / MUSIQ_SPAQ.filename
    torch.save(checkpoint, path)
    model = load_musiq(path, TINY)
    assert not model.training
    for name, value in model.state_dict().items():
        assert torch.equal(value, checkpoint[name]), name


def test_missing_checkpoint_names_the_file_and_where_to_get_it(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("MACE_BENCH_WEIGHTS", str(tmp_path))
    monkeypatch.delenv(MUSIQ_SPAQ.env_var, raising=False)
    with pytest.raises(FileNotFoundError, match=r"musiq_spaq_ckpt-358bb6af\.pth.*github\.com/chaofengc/IQA-PyTorch"):
        load_musiq(config=TINY)


def naive_patches(image: torch.Tensor, cfg: MusiqConfig) -> tuple[list, list, list, list]:
    """Plain-loop multi-scale patches of one (3, H, W) image: TF 'SAME' zero padding, patches row by row,
    hashed position floor(row * G / rows) * G + floor(col * G / cols), fixed-length padding of the resized scales."""
    p, g = cfg.patch_size, cfg.spatial_pos_grid_size
    _, h, w = image.shape
    scales = [(side, math.ceil(side / p) ** 2) for side in sorted(cfg.longer_side_lengths)] + [(None, None)]
    patches, positions, scale_ids, mask = [], [], [], []
    for scale_id, (side, seq_len) in enumerate(scales):
        img = image
        if side is not None:
            size = (round(h * side / max(h, w)), round(w * side / max(h, w)))
            img = F.interpolate(image[None], size, mode="bicubic", align_corners=False)[0]
        rows, cols = -(-img.shape[1] // p), -(-img.shape[2] // p)
        pad_h, pad_w = rows * p - img.shape[1], cols * p - img.shape[2]
        canvas = torch.zeros(3, rows * p, cols * p)
        canvas[:, pad_h // 2 : pad_h // 2 + img.shape[1], pad_w // 2 : pad_w // 2 + img.shape[2]] = img
        count = 0
        for r in range(rows):
            for c in range(cols):
                if seq_len is not None and count == seq_len:
                    break
                patches.append(canvas[:, r * p : (r + 1) * p, c * p : (c + 1) * p].reshape(-1))
                positions.append((r * g // rows) * g + c * g // cols)
                scale_ids.append(scale_id)
                mask.append(1)
                count += 1
        for _ in range(0 if seq_len is None else seq_len - count):
            patches.append(torch.zeros(3 * p * p))
            positions.append(0), scale_ids.append(0), mask.append(0)
    return patches, positions, scale_ids, mask


@pytest.mark.parametrize("size", [(20, 30), (30, 17), (40, 40), (9, 50)])
def test_multiscale_patches_match_a_plain_loop_implementation(size) -> None:
    torch.manual_seed(1)
    image = torch.rand(2, 3, *size) * 2 - 1
    got = multiscale_patches(image, TINY)
    for n in range(2):
        patches, positions, scales, mask = naive_patches(image[n], TINY)
        assert torch.allclose(got.patches[n], torch.stack(patches), atol=1e-6)
        assert got.positions[n].tolist() == positions
        assert got.scales[n].tolist() == scales
        assert got.mask[n].tolist() == mask


def test_padded_tokens_do_not_change_the_score_but_real_ones_do() -> None:
    torch.manual_seed(2)
    model = Musiq(TINY).eval()
    inputs = multiscale_patches(torch.rand(1, 3, 20, 12) * 2 - 1, TINY)
    padded = inputs.mask[0] == 0
    assert padded.any()
    with torch.no_grad():
        base = model.score_patches(inputs)
        inputs.patches[0, padded] = torch.randn(int(padded.sum()), inputs.patches.shape[-1])
        assert torch.allclose(model.score_patches(inputs), base, atol=1e-6)
        inputs.patches[0, ~padded] += torch.randn(int((~padded).sum()), inputs.patches.shape[-1])
        assert not torch.allclose(model.score_patches(inputs), base, atol=1e-4)


def test_batched_frames_score_as_one_at_a_time() -> None:
    torch.manual_seed(3)
    model = Musiq(TINY).eval()
    images = torch.rand(3, 3, 18, 26)
    with torch.no_grad():
        batched = model(images)
        single = torch.cat([model(images[i : i + 1]) for i in range(3)])
    assert batched.shape == (3,)
    assert torch.allclose(batched, single, atol=1e-5)
    assert batched.std() > 0
