"""Build diffusers' `WanAnimatePipeline`: the `tiny` preset entirely in code, or real weights from a local folder.

Real weights are the diffusers layout of Wan2.2-Animate-14B (`Wan-AI/Wan2.2-Animate-14B-Diffusers`), found by
`--weights DIR` or `$MACE_WAN_ANIMATE_DIR`; original-layout transformer shards are converted once by
`models.appearance_expert.convert`. Nothing here downloads: a missing file fails with one line naming it,
the flag/variable and where to get it. Transformer and encoders load in bf16 (or fp32), the VAE in fp32;
on a GPU under 80 GB the pipeline uses `enable_model_cpu_offload`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import torch
from diffusers import AutoencoderKLWan, UniPCMultistepScheduler, WanAnimatePipeline, WanAnimateTransformer3DModel
from transformers import (
    CLIPImageProcessor,
    CLIPVisionConfig,
    CLIPVisionModel,
    PreTrainedTokenizerFast,
    UMT5Config,
    UMT5EncoderModel,
)

from models.appearance_expert.config import TINY_VOCABULARY, ModelConfig
from models.vision.weights import CACHE_ENV, WeightFile

WAN_ANIMATE = WeightFile(
    filename="Wan2.2-Animate-14B-Diffusers", env_var="MACE_WAN_ANIMATE_DIR",
    source="https://huggingface.co/Wan-AI/Wan2.2-Animate-14B-Diffusers",
    description="Wan2.2-Animate-14B, diffusers layout",
)  # fmt: skip
# (file or glob inside the weights folder) that a complete diffusers-layout folder holds.
REQUIRED_FILES = (
    "model_index.json", "scheduler/scheduler_config.json", "tokenizer/tokenizer_config.json",
    "image_processor/preprocessor_config.json", "transformer/config.json",
    "transformer/diffusion_pytorch_model*.safetensors", "vae/config.json", "vae/diffusion_pytorch_model*.safetensors",
    "text_encoder/config.json", "text_encoder/model*.safetensors", "image_encoder/config.json",
    "image_encoder/model*.safetensors",
)  # fmt: skip
FULL_GPU_BYTES = 80 * 1000**3  # below this the 14B pipeline is offloaded to the CPU between components
DTYPES = {"bfloat16": torch.bfloat16, "float32": torch.float32}


@dataclass(frozen=True)
class LoadConfig:
    """Where the real weights are, which dtype and device, and whether to offload ('auto': under 80 GB)."""

    weights: Path | None = None
    dtype: Literal["bfloat16", "float32"] = "bfloat16"
    device: str = "cuda"
    offload: Literal["auto", "on", "off"] = "auto"
    flag: str = "--weights"  # the calling command's flag for the folder, named in errors


def tiny_tokenizer() -> PreTrainedTokenizerFast:
    """A word-level tokenizer built in code (no hub): pad 0, eos 1, unk 2, then placeholder words."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors

    vocab = {"<pad>": 0, "</s>": 1, "<unk>": 2, **{f"w{i}": i for i in range(3, TINY_VOCABULARY)}}
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.post_processor = processors.TemplateProcessing(single="$A </s>", special_tokens=[("</s>", 1)])
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, pad_token="<pad>", eos_token="</s>", unk_token="<unk>")


def scheduler() -> UniPCMultistepScheduler:
    """Wan-Animate's sampler: UniPC on flow sigmas with shift 5."""
    return UniPCMultistepScheduler(prediction_type="flow_prediction", use_flow_sigmas=True, flow_shift=5.0)


def build_transformer(config: ModelConfig) -> WanAnimateTransformer3DModel:
    """A randomly initialised transformer of the preset (the current torch default device and dtype)."""
    return WanAnimateTransformer3DModel(**config.transformer)


def build_tiny_pipeline(config: ModelConfig, seed: int = 0) -> WanAnimatePipeline:
    """Every component of `config` built in code with random weights (fixed by `seed`), fp32 on the CPU."""
    torch.manual_seed(seed)
    size = config.image_encoder["image_size"]
    return WanAnimatePipeline(
        tokenizer=tiny_tokenizer(),
        text_encoder=UMT5EncoderModel(UMT5Config(**config.text_encoder)).eval(),
        vae=AutoencoderKLWan(**config.vae).eval(),
        scheduler=scheduler(),
        image_processor=CLIPImageProcessor(size={"shortest_edge": size}, crop_size=size),
        image_encoder=CLIPVisionModel(CLIPVisionConfig(**config.image_encoder)).eval(),
        transformer=build_transformer(config).eval(),
    )


def check_weights_folder(folder: Path, flag: str = "--weights") -> None:
    """FileNotFoundError (one line: the file, the flag/variable, the source) unless `folder` is complete."""
    for pattern in REQUIRED_FILES:
        if not any(folder.glob(pattern)):
            raise FileNotFoundError(
                f"{folder / pattern}: missing from the Wan-Animate weights folder; pass {flag} DIR or set "
                f"{WAN_ANIMATE.env_var} to a full download of {WAN_ANIMATE.source} (diffusers layout)"
            )


def weights_folder(path: Path | None, flag: str = "--weights") -> Path:
    """The weights folder from `path`, $MACE_WAN_ANIMATE_DIR or the cache, checked complete."""
    try:
        folder = WAN_ANIMATE.resolve(path)
    except FileNotFoundError as error:
        raise FileNotFoundError(
            f"{path or WAN_ANIMATE.filename}: Wan-Animate weights folder not found; pass {flag} DIR, set "
            f"{WAN_ANIMATE.env_var} or put it in ${CACHE_ENV}; get it from {WAN_ANIMATE.source}"
        ) from error
    check_weights_folder(folder, flag)
    return folder


def needs_offload(device: str) -> bool:
    """Whether `device` is a GPU with under 80 GB (the 14B pipeline does not fit with activations)."""
    target = torch.device(device)
    return target.type == "cuda" and torch.cuda.get_device_properties(target).total_memory < FULL_GPU_BYTES


def load_pipeline(config: LoadConfig) -> WanAnimatePipeline:
    """The real pipeline from a local diffusers folder (never the hub), VAE in fp32, placed or offloaded."""
    folder = weights_folder(config.weights, config.flag)
    dtype = DTYPES[config.dtype]
    vae = AutoencoderKLWan.from_pretrained(folder, subfolder="vae", torch_dtype=torch.float32, local_files_only=True)
    pipe = WanAnimatePipeline.from_pretrained(folder, vae=vae, torch_dtype=dtype, local_files_only=True)
    offload = config.offload == "on" or (config.offload == "auto" and needs_offload(config.device))
    if offload:
        pipe.enable_model_cpu_offload(device=config.device)
    else:
        pipe.to(config.device)
    return pipe
