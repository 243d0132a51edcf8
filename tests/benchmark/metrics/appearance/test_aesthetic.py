"""Aesthetic quality: head(normalise(CLIP embedding)) / 10, the shipped LAION head, weight loading and errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from benchmark.metrics.appearance import aggregate_scores, build_metric
from benchmark.metrics.appearance.aesthetic import LAION_HEAD, AestheticQuality, aesthetic_quality, load_aesthetic_head
from benchmark.metrics.appearance.frames import clip_pixels
from models.video.io import read_frames
from models.vision.clip import CLIP_VIT_L14, ClipImageEncoder, ClipVisionConfig, load_clip_image_encoder

DEMO = Path("/work/shared/assets/video/demo.mp4")
TINY_L14 = ClipVisionConfig(width=64, layers=1, patch=32, image_size=224, embed_dim=768)  # the head's 768-d input


@pytest.fixture(scope="module")
def demo_frames() -> np.ndarray:
    return read_frames(DEMO, stop=3)[:, ::4, ::4]


def test_shipped_head_is_the_laion_vit_l14_linear():
    head = load_aesthetic_head()
    assert LAION_HEAD.is_file() and (LAION_HEAD.parent / "LICENSE").is_file()
    assert (head.in_features, head.out_features) == (768, 1)


def test_score_is_head_of_normalised_embedding_over_ten(demo_frames):
    torch.manual_seed(0)
    metric = aesthetic_quality(random_init=True, config=TINY_L14)
    values = metric.score_video(demo_frames)
    with torch.no_grad():
        embedding = metric.encoder(clip_pixels(demo_frames))
        expected = metric.head(embedding / embedding.norm(dim=-1, keepdim=True)).squeeze(-1) / 10
    np.testing.assert_allclose(values, expected.numpy(), rtol=1e-5, atol=1e-6)
    assert values.shape == (3,)
    assert aggregate_scores(metric, [values, values[:1]]) == pytest.approx((values.mean() + values[0]) / 2)


def test_batching_does_not_change_scores(demo_frames):
    torch.manual_seed(0)
    metric = aesthetic_quality(random_init=True, config=TINY_L14)
    one = AestheticQuality(metric.encoder, metric.head, batch=1).score_video(demo_frames)
    np.testing.assert_allclose(one, metric.score_video(demo_frames), rtol=1e-5, atol=1e-6)


def test_hugging_face_folder_loads(tmp_path, demo_frames):
    torch.manual_seed(3)
    encoder = ClipImageEncoder.from_config(TINY_L14).eval()
    encoder.model.save_pretrained(tmp_path / "clip-vit-large-patch14")
    loaded = load_clip_image_encoder(CLIP_VIT_L14, tmp_path / "clip-vit-large-patch14")
    pixels = clip_pixels(demo_frames[:1])
    with torch.no_grad():
        torch.testing.assert_close(loaded(pixels), encoder(pixels))


def test_wrong_encoder_width_and_bad_head(tmp_path):
    encoder = ClipImageEncoder.from_config(ClipVisionConfig(width=64, layers=1, patch=32, embed_dim=512))
    with pytest.raises(ValueError, match="768-d embeddings but the CLIP encoder gives 512-d"):
        AestheticQuality(encoder, load_aesthetic_head())
    bad = tmp_path / "head.pth"
    torch.save({"w": torch.zeros(1, 768)}, bad)
    with pytest.raises(ValueError, match="not a LAION aesthetic linear head"):
        load_aesthetic_head(bad)


def test_missing_clip_weights_name_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("MACE_BENCH_WEIGHTS", str(tmp_path))
    monkeypatch.delenv("MACE_BENCH_CLIP_VITL14", raising=False)
    with pytest.raises(FileNotFoundError, match="ViT-L-14.pt.*MACE_BENCH_CLIP_VITL14"):
        build_metric("aesthetic_quality")

