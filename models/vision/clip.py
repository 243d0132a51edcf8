"""OpenAI CLIP image encoders (ViT-B/32, ViT-L/14) as transformers CLIPVisionModelWithProjection.

VBench loads them with the `clip` package (clip.load of ViT-B-32.pt / ViT-L-14.pt, TorchScript archives)
and calls `encode_image`: ln_post([CLS]) @ proj. `openai_to_hf` maps that state dict (clip/model.py
VisionTransformer names, architecture inferred as clip's build_model does) onto transformers' module;
a Hugging Face folder (openai/clip-vit-base-patch32, ...) loads directly.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn as nn
from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

from models.command_line import InputError
from models.vision.weights import WeightFile, load_checkpoint, load_state

_OPENAI = "https://openaipublic.azureedge.net/clip/models"
CLIP_VIT_B32 = WeightFile(
    "ViT-B-32.pt",
    "MACE_BENCH_CLIP_VITB32",
    f"{_OPENAI}/40d365715913c9da98579312b702a82c18be219cc2a73407c4526f58eba950af/ViT-B-32.pt "
    "(or a local openai/clip-vit-base-patch32 Hugging Face folder)",
    "OpenAI CLIP ViT-B/32",
)
CLIP_VIT_L14 = WeightFile(
    "ViT-L-14.pt",
    "MACE_BENCH_CLIP_VITL14",
    f"{_OPENAI}/b8cca3fd41ae0c99ba7e8951adf17d267cdb84cd88be6f7c2e0eca1737a03836/ViT-L-14.pt "
    "(or a local openai/clip-vit-large-patch14 Hugging Face folder)",
    "OpenAI CLIP ViT-L/14",
)


@dataclass(frozen=True)
class ClipVisionConfig:
    """The image tower of an OpenAI CLIP model; heads = width / 64 as in clip's build_model."""

    width: int
    layers: int
    patch: int
    image_size: int = 224
    embed_dim: int = 512

    @property
    def heads(self) -> int:
        return self.width // 64

    def to_hf(self) -> CLIPVisionConfig:
        return CLIPVisionConfig(
            hidden_size=self.width, intermediate_size=4 * self.width, num_hidden_layers=self.layers,
            num_attention_heads=self.heads, image_size=self.image_size, patch_size=self.patch,
            projection_dim=self.embed_dim, hidden_act="quick_gelu", layer_norm_eps=1e-5,
        )


VIT_B_32 = ClipVisionConfig(width=768, layers=12, patch=32, embed_dim=512)
VIT_L_14 = ClipVisionConfig(width=1024, layers=24, patch=14, embed_dim=768)


class ClipImageEncoder(nn.Module):
    """(N, 3, S, S) CLIP-normalised images -> (N, embed_dim) image embeddings, as clip's encode_image."""

    def __init__(self, model: CLIPVisionModelWithProjection):
        super().__init__()
        self.model = model

    @classmethod
    def from_config(cls, config: ClipVisionConfig) -> ClipImageEncoder:
        return cls(CLIPVisionModelWithProjection(config.to_hf()))

    @property
    def embed_dim(self) -> int:
        return self.model.config.projection_dim

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.model(pixel_values=images).image_embeds


def clip_config_from_state_dict(state: dict[str, torch.Tensor]) -> ClipVisionConfig:
    """The image tower an OpenAI CLIP state dict holds, read from its shapes as clip's build_model does."""
    conv = state["visual.conv1.weight"]
    grid = math.isqrt(state["visual.positional_embedding"].shape[0] - 1)
    layers = len({k.split(".")[3] for k in state if k.startswith("visual.transformer.resblocks.")})
    return ClipVisionConfig(
        width=conv.shape[0], layers=layers, patch=conv.shape[-1], image_size=grid * conv.shape[-1],
        embed_dim=state["visual.proj"].shape[1],
    )


_BLOCK_NAMES = {
    "ln_1": "layer_norm1", "ln_2": "layer_norm2", "mlp.c_fc": "mlp.fc1", "mlp.c_proj": "mlp.fc2",
    "attn.out_proj": "self_attn.out_proj",
}


def openai_to_hf(state: dict[str, torch.Tensor]) -> tuple[ClipVisionConfig, dict[str, torch.Tensor]]:
    """(config, CLIPVisionModelWithProjection state dict) from an OpenAI CLIP state dict (text tower ignored)."""
    config = clip_config_from_state_dict(state)
    v = {k[len("visual."):]: t.float() for k, t in state.items() if k.startswith("visual.")}
    out = {
        "vision_model.embeddings.class_embedding": v["class_embedding"],
        "vision_model.embeddings.patch_embedding.weight": v["conv1.weight"],
        "vision_model.embeddings.position_embedding.weight": v["positional_embedding"],
        "visual_projection.weight": v["proj"].T.contiguous(),
    }
    for ours, theirs in (("ln_pre", "pre_layrnorm"), ("ln_post", "post_layernorm")):
        for p in ("weight", "bias"):
            out[f"vision_model.{theirs}.{p}"] = v[f"{ours}.{p}"]
    for i in range(config.layers):
        src, dst = f"transformer.resblocks.{i}.", f"vision_model.encoder.layers.{i}."
        for ours, theirs in _BLOCK_NAMES.items():
            for p in ("weight", "bias"):
                out[f"{dst}{theirs}.{p}"] = v[f"{src}{ours}.{p}"]
        for p in ("weight", "bias"):  # nn.MultiheadAttention packs q, k, v in one projection
            for name, part in zip("qkv", v[f"{src}attn.in_proj_{p}"].chunk(3)):
                out[f"{dst}self_attn.{name}_proj.{p}"] = part
    return config, out


def _read_openai_state(file: Path) -> dict[str, torch.Tensor]:
    try:  # the released .pt files are TorchScript archives; clip.load falls back to a plain state dict
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # torch.jit.load is deprecated, still the only reader
            return torch.jit.load(str(file), map_location="cpu").state_dict()
    except RuntimeError:
        return load_checkpoint(file, "CLIP checkpoint")


def load_clip_image_encoder(weight: WeightFile, path: str | Path | None = None) -> ClipImageEncoder:
    """CLIP image tower from an OpenAI .pt (TorchScript or state dict) or a Hugging Face folder, in float32."""
    file = weight.resolve(path)
    if file.is_dir():
        model = CLIPVisionModelWithProjection.from_pretrained(file, local_files_only=True)
        return ClipImageEncoder(model.float()).eval()
    state = _read_openai_state(file)
    if not isinstance(state, dict) or "visual.conv1.weight" not in state:
        raise InputError(file, f"not an OpenAI CLIP checkpoint (no 'visual.conv1.weight'); expected {weight.filename}")
    config, hf_state = openai_to_hf(state)
    encoder = ClipImageEncoder.from_config(config)
    load_state(encoder.model, hf_state, file, "CLIP image-tower checkpoint")
    return encoder.eval()
