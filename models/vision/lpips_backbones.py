"""AlexNet and VGG16 convolutional stacks with torchvision's `features.N` layout, tapped where LPIPS taps them.

torchvision does not import here, so the stacks are rebuilt layer for layer: the ImageNet files
torchvision publishes (alexnet-owt-7be5be79.pth, vgg16-397923af.pth) load by key name, and the
taps are LPIPS's slices (PerceptualSimilarity lpips/pretrained_networks.py: relu1..relu5).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from models.command_line import InputError
from models.vision.weights import WeightFile, load_checkpoint

ALEXNET = WeightFile(
    filename="alexnet-owt-7be5be79.pth",
    env_var="MACE_BENCH_ALEXNET",
    source="https://download.pytorch.org/models/alexnet-owt-7be5be79.pth",
    description="torchvision ImageNet AlexNet, the LPIPS 'alex' backbone",
)
VGG16 = WeightFile(
    filename="vgg16-397923af.pth",
    env_var="MACE_BENCH_VGG16",
    source="https://download.pytorch.org/models/vgg16-397923af.pth",
    description="torchvision ImageNet VGG16, the LPIPS 'vgg' backbone",
)


@dataclass(frozen=True)
class BackboneSpec:
    """One backbone: its `features` layers as torchvision orders them and LPIPS's tap points."""

    name: str
    layers: tuple[str | tuple[int, int, int, int], ...]  # "M" max-pool, else (in, out, kernel, stride)
    pool: tuple[int, int]  # max-pool (kernel, stride)
    taps: tuple[int, ...]  # index of the ReLU whose output LPIPS reads
    channels: tuple[int, ...]  # channels at each tap
    weights: WeightFile


def _vgg_layers(cfg: tuple[int | str, ...]) -> tuple[str | tuple[int, int, int, int], ...]:
    layers, channels = [], 3
    for item in cfg:
        if item == "M":
            layers.append("M")
        else:
            layers.append((channels, int(item), 3, 1))
            channels = int(item)
    return tuple(layers)


ALEX_SPEC = BackboneSpec(
    name="alex",
    layers=((3, 64, 11, 4), "M", (64, 192, 5, 1), "M", (192, 384, 3, 1), (384, 256, 3, 1), (256, 256, 3, 1), "M"),
    pool=(3, 2),
    taps=(1, 4, 7, 9, 11),
    channels=(64, 192, 384, 256, 256),
    weights=ALEXNET,
)
VGG16_SPEC = BackboneSpec(
    name="vgg",
    layers=_vgg_layers((64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M")),
    pool=(2, 2),
    taps=(3, 8, 15, 22, 29),
    channels=(64, 128, 256, 512, 512),
    weights=VGG16,
)
BACKBONES = {spec.name: spec for spec in (ALEX_SPEC, VGG16_SPEC)}


def _padding(kernel: int) -> int:
    return 2 if kernel == 11 else kernel // 2  # torchvision AlexNet pads its 11x11 stem by 2


class TappedFeatures(nn.Module):
    """`features` as an nn.Sequential with torchvision's indices, returning the activations at `taps`."""

    def __init__(self, spec: BackboneSpec) -> None:
        super().__init__()
        modules: list[nn.Module] = []
        for layer in spec.layers:
            if layer == "M":
                modules.append(nn.MaxPool2d(*spec.pool))
            else:
                c_in, c_out, kernel, stride = layer
                modules += [nn.Conv2d(c_in, c_out, kernel, stride, _padding(kernel)), nn.ReLU()]
        self.features = nn.Sequential(*modules[: spec.taps[-1] + 1])  # layers after the last tap are unused
        self.taps = spec.taps

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        out = []
        for index, module in enumerate(self.features):
            x = module(x)
            if index in self.taps:
                out.append(x)
        return out


def read_checked_state(path: Path, shapes: dict[str, tuple[int, ...]], what: str) -> dict[str, torch.Tensor]:
    """The tensors named in `shapes` from a torch state-dict file, ValueError naming the file on any mismatch."""
    state = load_checkpoint(path, what)
    if not isinstance(state, dict):
        raise InputError(path, f"not a {what} state dict (holds a {type(state).__name__})")
    missing = sorted(set(shapes) - set(state))
    if missing:
        raise ValueError(f"{path}: missing {len(missing)} {what} tensors, e.g. {missing[:3]}")
    for key, shape in shapes.items():
        if tuple(state[key].shape) != tuple(shape):
            raise ValueError(f"{path}: {key} has shape {tuple(state[key].shape)}, expected {tuple(shape)}")
    return {key: state[key] for key in shapes}


def build_backbone(name: str, path: str | Path | None = None, *, pretrained: bool = True) -> TappedFeatures:
    """The LPIPS backbone `name` ('alex' or 'vgg'), weights from `path` / env var / cache; random if not pretrained."""
    if name not in BACKBONES:
        raise ValueError(f"unknown LPIPS backbone {name!r}; expected one of {sorted(BACKBONES)}")
    spec = BACKBONES[name]
    model = TappedFeatures(spec)
    if pretrained:
        shapes = {k: tuple(v.shape) for k, v in model.state_dict().items()}  # classifier keys are ignored
        model.load_state_dict(read_checked_state(spec.weights.resolve(path), shapes, "backbone"))
    return model.eval().requires_grad_(False)
