"""Configs of the Appearance Expert: architecture presets (`tiny`, `real` = Wan2.2-Animate-14B) and inference settings.

The architecture dicts are the keyword arguments of diffusers' / transformers' own classes, so a preset
is exactly what gets built. `tiny` is the spec's 2-core CPU config (section 4): random weights, for tests
and CI only; it says nothing about quality. `real` is the published 14B transformer (17.27 B parameters),
used by the benchmark with random weights; real weights come from a diffusers folder (see pipeline.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

PROMPT = "视频中的人在跳舞"  # MACE-Dance's inference prompt: "the person in the video is dancing"
LORA_TARGET = r"blocks\.\d+\.(attn1|attn2)\.(to_q|to_k|to_v|to_out\.0)|blocks\.\d+\.ffn\.net\.(0\.proj|2)"
ADAPTER_KEYS = ("pose_patch_embedding.weight", "pose_patch_embedding.bias")
TINY_VOCABULARY = 64  # word-level vocabulary of the tiny in-code tokenizer

REAL_TRANSFORMER: dict[str, Any] = {"added_kv_proj_dim": 5120}  # the rest are diffusers' defaults = the 14B model
TINY_TRANSFORMER: dict[str, Any] = {
    "patch_size": (1, 2, 2), "num_attention_heads": 2, "attention_head_dim": 12, "in_channels": 36,
    "latent_channels": 16, "out_channels": 16, "text_dim": 32, "freq_dim": 256, "ffn_dim": 32, "num_layers": 2,
    "cross_attn_norm": True, "qk_norm": "rms_norm_across_heads", "image_dim": 4, "rope_max_seq_len": 32,
    "motion_encoder_channel_sizes": {"4": 16, "8": 16, "16": 16}, "motion_encoder_size": 16,
    "motion_style_dim": 8, "motion_dim": 4, "motion_encoder_dim": 16, "face_encoder_hidden_dim": 16,
    "face_encoder_num_heads": 2, "inject_face_latents_blocks": 2,
}  # fmt: skip
TINY_VAE: dict[str, Any] = {
    "base_dim": 3, "z_dim": 16, "dim_mult": [1, 1, 1, 1], "num_res_blocks": 1,
    "temperal_downsample": [False, True, True],
}  # fmt: skip
TINY_IMAGE_ENCODER: dict[str, Any] = {
    "hidden_size": 4, "projection_dim": 4, "num_hidden_layers": 2, "num_attention_heads": 2, "image_size": 4,
    "intermediate_size": 16, "patch_size": 1,
}  # fmt: skip
TINY_TEXT_ENCODER: dict[str, Any] = {
    "vocab_size": TINY_VOCABULARY, "d_model": 32, "d_kv": 8, "d_ff": 37, "num_layers": 2, "num_heads": 4,
}  # fmt: skip


@dataclass(frozen=True)
class RenderConfig:
    """How a video is rendered: size (H x W, multiples of 16), segment length (4k+1), relay frames, steps, fps."""

    height: int = 1280
    width: int = 720
    segment_frames: int = 77
    prev_frames: Literal[1, 5] = 1
    steps: int = 20
    guidance: float = 1.0
    fps: float = 16.0
    seed: int = 0
    prompt: str = PROMPT
    max_sequence_length: int = 512  # hard-coded by the model's image K/V projections

    def __post_init__(self) -> None:
        if (self.segment_frames - 1) % 4 or self.segment_frames < 5:
            raise ValueError(f"segment_frames must be 4k+1 (>= 5), got {self.segment_frames}")
        if self.prev_frames not in (1, 5) or self.prev_frames >= self.segment_frames:
            raise ValueError(f"prev_frames must be 1 or 5 and below segment_frames, got {self.prev_frames}")
        if self.height % 16 or self.width % 16:
            raise ValueError(f"height and width must be multiples of 16, got {self.height}x{self.width}")


@dataclass(frozen=True)
class ModelConfig:
    """Which architecture: diffusers/transformers constructor kwargs for each component ('tiny' builds all in code)."""

    name: str
    transformer: dict[str, Any]
    vae: dict[str, Any] = field(default_factory=dict)
    image_encoder: dict[str, Any] = field(default_factory=dict)
    text_encoder: dict[str, Any] = field(default_factory=dict)
    render: RenderConfig = field(default_factory=RenderConfig)
    lora_rank: int = 32
    lora_alpha: int = 32
    lora_weight: float = 0.5  # MACE-Dance applies its LoRA at 0.5 at inference

    @property
    def motion_encoder_size(self) -> int:
        """Face-video frame size the motion encoder expects (512 real, 16 tiny)."""
        return int(self.transformer.get("motion_encoder_size", 512))


TINY = ModelConfig(
    name="tiny", transformer=TINY_TRANSFORMER, vae=TINY_VAE, image_encoder=TINY_IMAGE_ENCODER,
    text_encoder=TINY_TEXT_ENCODER, render=RenderConfig(height=16, width=16, segment_frames=9, steps=2),
)  # fmt: skip
REAL = ModelConfig(name="real", transformer=REAL_TRANSFORMER)
PRESETS = {"tiny": TINY, "real": REAL}


def preset(name: str, **render: Any) -> ModelConfig:
    """A preset by name with RenderConfig fields overridden (ValueError naming the choices)."""
    if name not in PRESETS:
        raise ValueError(f"unknown Appearance Expert preset {name!r}; expected one of {sorted(PRESETS)}")
    config = PRESETS[name]
    return replace(config, render=replace(config.render, **render)) if render else config
