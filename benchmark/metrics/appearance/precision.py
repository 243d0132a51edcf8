"""How each appearance backbone computes: as VBench does, all in float32, or all in half precision.

- `reference` (default): VBench 0.1.5's own precision on the same device. Its CLIP comes from OpenAI's
  `clip.load`, whose `build_model` converts the linear, convolution, attention and projection weights to
  float16 and computes LayerNorm in float32 (cast back to float16), and which calls `model.float()` on CPU:
  so aesthetic_quality and background_consistency run CLIP in float16 on CUDA, float32 elsewhere. DINO
  (subject_consistency, torch.hub), MUSIQ (imaging_quality, pyiqa) and AMT-S (motion_smoothness) stay float32.
- `float32`: every backbone in float32 (what this suite did before the choice existed).
- `half`: every backbone under `torch.autocast`, float16 on CUDA and bfloat16 elsewhere (CPU autocast's type).

Only the backbone's forward pass changes: preprocessing and the math after it (normalising, cosines, the
aesthetic head, differences of uint8 frames) stay float32 as VBench's are, except that VBench normalises and
compares its float16 CLIP features in float16 for background_consistency (here float32). Global flags (TF32
convolutions on CUDA, on by default in torch and so in VBench) are left as they are.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Literal, get_args

import torch
import torch.nn as nn

PrecisionChoice = Literal["reference", "float32", "half"]
PRECISIONS: tuple[str, ...] = get_args(PrecisionChoice)
PRECISION_HELP = ("backbone numerics: reference (as VBench: CLIP float16 on CUDA, the rest float32; the default), "
                  "float32, or half (autocast float16 on CUDA, bfloat16 on CPU); recorded in the results")


@dataclass(frozen=True)
class Precision:
    """One dimension's numerics: the choice it came from, what its backbone computes in, the autocast type (None: off)."""

    choice: str
    computes: str
    device_type: str = "cpu"
    autocast_dtype: torch.dtype | None = None

    def __str__(self) -> str:
        return f"{self.computes} (precision {self.choice})"

    def autocast(self) -> AbstractContextManager:
        """The context the backbone's forward runs in: autocast to half, or nothing."""
        if self.autocast_dtype is None:
            return nullcontext()
        return torch.autocast(self.device_type, dtype=self.autocast_dtype)


FLOAT32 = Precision("float32", "backbone float32")  # a metric built directly, without a precision choice


def check_precision(choice: str) -> str:
    """`choice` when it is a known precision, else ValueError listing them."""
    if choice not in PRECISIONS:
        raise ValueError(f"unknown precision {choice!r}; known: {', '.join(PRECISIONS)}")
    return choice


def half_dtype(device_type: str) -> torch.dtype:
    """The half type autocast uses on this kind of device: float16 on CUDA, bfloat16 on CPU."""
    return torch.float16 if device_type == "cuda" else torch.bfloat16


def model_free(choice: str) -> Precision:
    """The precision record of a dimension without a network (computed from uint8 frames in float64)."""
    return Precision(check_precision(choice), "no backbone")


def apply_precision(model: nn.Module, choice: str, device: str, openai_clip: bool = False) -> Precision:
    """Set `model` (a backbone for `device`) up for `choice` and say how it computes; `openai_clip`: a CLIP tower
    that VBench loads with clip.load, which `reference` turns into float16 on CUDA (in place, as clip.load does)."""
    device_type = torch.device(device).type
    if check_precision(choice) == "half":
        dtype = half_dtype(device_type)
        return Precision(choice, f"backbone autocast {str(dtype).removeprefix('torch.')}", device_type, dtype)
    if choice == "reference" and openai_clip and device_type == "cuda":
        clip_float16(model)
        return Precision(choice, "backbone float16, LayerNorm in float32 (clip.load on CUDA)", device_type)
    return Precision(choice, "backbone float32", device_type)


def clip_float16(model: nn.Module) -> nn.Module:
    """`model` converted as OpenAI clip's build_model does: float16 everywhere but LayerNorm, which keeps
    float32 parameters and computes in float32, its output cast back to float16 (clip.model.LayerNorm)."""
    model.half()
    for module in model.modules():
        if isinstance(module, nn.LayerNorm):
            module.float()
            module.register_forward_pre_hook(lambda _module, args: (args[0].float(), *args[1:]))
            module.register_forward_hook(lambda _module, _args, output: output.half())
    return model
