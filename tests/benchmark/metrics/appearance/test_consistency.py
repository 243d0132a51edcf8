"""Subject / background consistency: formula, VBench preprocessing, DINO and CLIP backbones and converters."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from transformers import ViTConfig, ViTModel

from benchmark.metrics.appearance import aggregate_scores
from benchmark.metrics.appearance.consistency import background_consistency, consistency_values, subject_consistency
from benchmark.metrics.appearance.frames import (
    CLIP_MEAN,
    CLIP_STD,
    center_crop,
    clip_pixels,
    dino_pixels,
    resize_short_side,
)
from benchmark.pipelines.appearance import set_score
from models.video.io import read_frames
from models.vision.clip import CLIP_VIT_B32, ClipVisionConfig, load_clip_image_encoder
from models.vision.dino import DinoConfig, DinoViT, load_dino

DEMO = Path("/work/shared/assets/video/demo.mp4")
TINY_DINO = DinoConfig(width=64, depth=2, heads=1, patch=16, image_size=32)
TINY_CLIP = ClipVisionConfig(width=64, layers=2, patch=32, image_size=224, embed_dim=16)  # VBench feeds 224


@pytest.fixture(scope="module")
def demo_frames() -> np.ndarray:
    return read_frames(DEMO, stop=4)[:, ::4, ::4]  # 4 real frames, 249x442


def test_consistency_formula_against_a_loop():
    torch.manual_seed(0)
    features = torch.randn(6, 5)
    expected = []
    for t in range(1, 6):
        prev = max(0.0, F.cosine_similarity(features[t - 1 : t], features[t : t + 1]).item())
        first = max(0.0, F.cosine_similarity(features[:1], features[t : t + 1]).item())
        expected.append((prev + first) / 2)
    assert min(expected) < 0.5  # some negative cosines were clamped
    np.testing.assert_allclose(consistency_values(features), expected, atol=1e-6)


def test_preprocessing_sizes_crop_and_normalisation():
    frames = np.full((2, 994, 1768, 3), 200, np.uint8)
    assert tuple(dino_pixels(frames).shape) == (2, 3, 224, 398)  # short side 224, long int(224 * 1768 / 994)
    clip = clip_pixels(frames)
    assert tuple(clip.shape) == (2, 3, 224, 224)
    expected = (200 / 255 - torch.tensor(CLIP_MEAN)) / torch.tensor(CLIP_STD)
    torch.testing.assert_close(clip[0, :, 100, 100], expected)
    portrait = torch.arange(3 * 5 * 3, dtype=torch.uint8).reshape(1, 3, 5, 3)
    assert tuple(resize_short_side(portrait, 6, "bilinear").shape) == (1, 3, 10, 6)
    assert center_crop(portrait, 3)[0, 0, 0, 0] == portrait[0, 0, 1, 0]  # offset round((5 - 3) / 2) = 1


def test_static_video_is_perfectly_consistent(demo_frames):
    static = np.repeat(demo_frames[:1], 3, axis=0)
    torch.manual_seed(0)
    for metric in (subject_consistency(random_init=True, config=TINY_DINO), background_consistency(random_init=True, config=TINY_CLIP)):
        np.testing.assert_allclose(metric.score_video(static), [1.0, 1.0], atol=1e-6)
        values = metric.score_video(demo_frames)
        assert values.shape == (3,) and np.all((values >= 0) & (values <= 1 + 1e-6))
        assert aggregate_scores(metric, [values, values[:1]]) == pytest.approx(np.concatenate([values, values[:1]]).mean())


def test_dino_matches_transformers_vit_on_square_input():
    torch.manual_seed(0)
    ours = DinoViT(TINY_DINO).eval()
    hf = ViTModel(ViTConfig(hidden_size=64, num_hidden_layers=2, num_attention_heads=1, intermediate_size=256,
                            image_size=32, patch_size=16, layer_norm_eps=1e-6, hidden_act="gelu", qkv_bias=True),
                  add_pooling_layer=False).eval()
    s = ours.state_dict()
    mapped = {"embeddings.cls_token": s["cls_token"], "embeddings.position_embeddings": s["pos_embed"],
              "embeddings.patch_embeddings.projection.weight": s["patch_embed.proj.weight"],
              "embeddings.patch_embeddings.projection.bias": s["patch_embed.proj.bias"],
              "layernorm.weight": s["norm.weight"], "layernorm.bias": s["norm.bias"]}
    for i in range(2):
        b, h = f"blocks.{i}.", f"layers.{i}."
        for p in ("weight", "bias"):
            for name, part in zip("qkv", s[f"{b}attn.qkv.{p}"].chunk(3)):
                mapped[f"{h}attention.{name}_proj.{p}"] = part
            mapped[f"{h}attention.o_proj.{p}"] = s[f"{b}attn.proj.{p}"]
            mapped[f"{h}layernorm_before.{p}"] = s[f"{b}norm1.{p}"]
            mapped[f"{h}layernorm_after.{p}"] = s[f"{b}norm2.{p}"]
            mapped[f"{h}mlp.fc1.{p}"] = s[f"{b}mlp.fc1.{p}"]
            mapped[f"{h}mlp.fc2.{p}"] = s[f"{b}mlp.fc2.{p}"]
    hf.load_state_dict(mapped, strict=True)
    images = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(ours(images), hf(pixel_values=images).last_hidden_state[:, 0], atol=1e-5, rtol=1e-5)


def test_dino_position_embeddings_follow_the_input_grid():
    model = DinoViT(TINY_DINO).eval()
    with torch.no_grad():
        model.pos_embed[:, 1:] = 0.25  # bicubic resizing keeps a constant grid constant
        pos = model.interpolate_pos_encoding(32, 80)  # 2 x 5 patches
        assert tuple(pos.shape) == (1, 1 + 10, 64)
        torch.testing.assert_close(pos[:, 1:], torch.full((1, 10, 64), 0.25))
        assert model.interpolate_pos_encoding(32, 32) is model.pos_embed
        assert tuple(model(torch.randn(1, 3, 32, 80)).shape) == (1, 64)


def test_dino_hub_checkpoint_loads_with_its_key_names(tmp_path):
    hub_keys = {"cls_token", "pos_embed", "patch_embed.proj.weight", "patch_embed.proj.bias", "norm.weight", "norm.bias"}
    for i in range(2):
        hub_keys |= {f"blocks.{i}.{m}.{p}" for m in ("norm1", "attn.qkv", "attn.proj", "norm2", "mlp.fc1", "mlp.fc2")
                     for p in ("weight", "bias")}
    torch.manual_seed(1)
    source = DinoViT(TINY_DINO)
    assert set(source.state_dict()) == hub_keys
    path = tmp_path / "dino_vitbase16_pretrain.pth"
    torch.save(source.state_dict(), path)
    loaded = load_dino(path)
    assert loaded.config == TINY_DINO
    image = torch.randn(1, 3, 32, 48)
    with torch.no_grad():
        torch.testing.assert_close(loaded(image), source.eval()(image))


class _OpenAIBlock(nn.Module):
    """clip/model.py ResidualAttentionBlock: nn.MultiheadAttention, QuickGELU MLP."""

    def __init__(self, width: int):
        super().__init__()
        self.attn = nn.MultiheadAttention(width, width // 64)
        self.ln_1 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(OrderedDict(c_fc=nn.Linear(width, 4 * width), c_proj=nn.Linear(4 * width, width)))
        self.ln_2 = nn.LayerNorm(width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (L, N, D) as in clip
        h = self.ln_1(x)
        x = x + self.attn(h, h, h, need_weights=False)[0]
        h = self.mlp.c_fc(self.ln_2(x))
        return x + self.mlp.c_proj(h * torch.sigmoid(1.702 * h))


class _OpenAIVisual(nn.Module):
    """clip/model.py VisionTransformer with its parameter names; forward is encode_image."""

    def __init__(self, c: ClipVisionConfig):
        super().__init__()
        grid = c.image_size // c.patch
        self.conv1 = nn.Conv2d(3, c.width, c.patch, c.patch, bias=False)
        self.class_embedding = nn.Parameter(torch.randn(c.width))
        self.positional_embedding = nn.Parameter(torch.randn(grid * grid + 1, c.width))
        self.ln_pre = nn.LayerNorm(c.width)
        self.transformer = nn.Module()
        self.transformer.resblocks = nn.Sequential(*[_OpenAIBlock(c.width) for _ in range(c.layers)])
        self.ln_post = nn.LayerNorm(c.width)
        self.proj = nn.Parameter(torch.randn(c.width, c.embed_dim))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        x = self.conv1(images).flatten(2).transpose(1, 2)
        x = torch.cat([self.class_embedding.expand(len(x), 1, -1), x], dim=1) + self.positional_embedding
        x = self.transformer.resblocks(self.ln_pre(x).permute(1, 0, 2)).permute(1, 0, 2)
        return self.ln_post(x[:, 0]) @ self.proj


class _OpenAICLIP(nn.Module):
    def __init__(self, c: ClipVisionConfig):
        super().__init__()
        self.visual = _OpenAIVisual(c)
        self.token_embedding = nn.Embedding(10, 8)  # a text-tower key the converter must ignore

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.visual(images)


@pytest.mark.filterwarnings("ignore::torch.jit.TracerWarning", "ignore::DeprecationWarning")
@pytest.mark.parametrize("torchscript", [True, False])
def test_openai_clip_checkpoint_converts(tmp_path, torchscript):
    torch.manual_seed(2)
    reference = _OpenAICLIP(TINY_CLIP).eval()
    images = torch.randn(2, 3, 224, 224)
    path = tmp_path / "ViT-B-32.pt"
    if torchscript:  # the layout of the released files
        torch.jit.trace(reference, images).save(str(path))
    else:
        torch.save({k: v.half() for k, v in reference.state_dict().items()}, path)  # fp16 as released
    encoder = load_clip_image_encoder(CLIP_VIT_B32, path)
    assert encoder.embed_dim == TINY_CLIP.embed_dim
    if not torchscript:
        reference = reference.half().float()
    with torch.no_grad():
        torch.testing.assert_close(encoder(images), reference(images), atol=1e-4, rtol=1e-4)


def test_missing_weights_name_the_file_and_source(tmp_path, monkeypatch):
    monkeypatch.setenv("MACE_BENCH_WEIGHTS", str(tmp_path))
    monkeypatch.delenv("MACE_BENCH_DINO_VITB16", raising=False)
    monkeypatch.delenv("MACE_BENCH_CLIP_VITB32", raising=False)
    with pytest.raises(FileNotFoundError, match="dino_vitbase16_pretrain.pth.*dl.fbaipublicfiles.com"):
        subject_consistency(weights=tmp_path / "nothing.pth")
    with pytest.raises(FileNotFoundError, match="ViT-B-32.pt.*openaipublic"):
        background_consistency()
    bad = tmp_path / "bad.pth"
    torch.save({"weight": torch.zeros(1)}, bad)
    with pytest.raises(ValueError, match="not a dino ViT"):
        subject_consistency(weights=bad)


def test_set_score_divides_all_values_by_their_count():
    metric = background_consistency(random_init=True, config=TINY_CLIP)
    per_video = [np.array([1.0, 0.5, 0.5]), np.array([0.8])]  # VBench: sim / cnt = 2.8 / 4
    value, (low, high) = set_score(metric, per_video, n_boot=200, seed=0)
    assert value == pytest.approx(0.7)
    assert 0.5 <= low <= value <= high <= 0.8
