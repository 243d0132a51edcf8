"""AMT's two image encoders: RAFT's small correlation-feature encoder and IFRNet's context pyramid.

Followed: AMT networks/blocks/feat_enc.py (SmallEncoder, BottleneckBlock; instance norm, so no norm
parameters) and networks/blocks/ifrnet.py (Encoder, convrelu, ResBlock); names match amt-s.pth.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def convrelu(in_ch: int, out_ch: int, kernel: int = 3, stride: int = 1, padding: int = 1) -> nn.Sequential:
    """Conv2d then a per-channel PReLU (IFRNet's convrelu)."""
    return nn.Sequential(nn.Conv2d(in_ch, out_ch, kernel, stride, padding), nn.PReLU(out_ch))


class ResBlock(nn.Module):
    """IFRNet's residual block whose last `side_channels` channels get extra convolutions in between."""

    def __init__(self, in_channels: int, side_channels: int) -> None:
        super().__init__()
        self.side_channels = side_channels
        self.conv1 = convrelu(in_channels, in_channels)
        self.conv2 = convrelu(side_channels, side_channels)
        self.conv3 = convrelu(in_channels, in_channels)
        self.conv4 = convrelu(side_channels, side_channels)
        self.conv5 = nn.Conv2d(in_channels, in_channels, 3, 1, 1)
        self.prelu = nn.PReLU(in_channels)

    def _side(self, x: torch.Tensor, conv: nn.Module) -> torch.Tensor:
        split = x.shape[1] - self.side_channels
        return torch.cat([x[:, :split], conv(x[:, split:])], 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv3(self._side(self.conv1(x), self.conv2))
        out = self.conv5(self._side(out, self.conv4))
        return self.prelu(x + out)


class PyramidEncoder(nn.Module):
    """Four stride-2 stages (IFRNet's Encoder): features at 1/2, 1/4, 1/8, 1/16 resolution."""

    def __init__(self, channels: tuple[int, ...]) -> None:
        super().__init__()
        self.depth = len(channels)
        for idx, (prev, ch) in enumerate(zip((3, *channels), channels), 1):
            self.register_module(f"pyramid{idx}", nn.Sequential(convrelu(prev, ch, 3, 2, 1), convrelu(ch, ch)))

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        features = []
        for idx in range(1, self.depth + 1):
            x = getattr(self, f"pyramid{idx}")(x)
            features.append(x)
        return features


class BottleneckBlock(nn.Module):
    """RAFT's instance-normalised bottleneck (1x1, 3x3 with stride, 1x1), 1x1 shortcut when strided."""

    def __init__(self, in_planes: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes // 4, 1)
        self.conv2 = nn.Conv2d(planes // 4, planes // 4, 3, padding=1, stride=stride)
        self.conv3 = nn.Conv2d(planes // 4, planes, 1)
        self.downsample = None if stride == 1 else nn.Sequential(nn.Conv2d(in_planes, planes, 1, stride=stride))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(F.instance_norm(self.conv1(x)))
        y = F.relu(F.instance_norm(self.conv2(y)))
        y = F.relu(F.instance_norm(self.conv3(y)))
        if self.downsample is not None:
            x = F.instance_norm(self.downsample(x))
        return F.relu(x + y)


class SmallEncoder(nn.Module):
    """RAFT's small encoder with instance norm: a 7x7 stride-2 stem, three bottleneck stages, 1x1 out (1/8)."""

    def __init__(self, stages: tuple[int, int, int], output_dim: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, stages[0], 7, stride=2, padding=3)
        layers = []
        for idx, (prev, dim) in enumerate(zip((stages[0], *stages), stages)):
            stride = 1 if idx == 0 else 2
            layers.append(nn.Sequential(BottleneckBlock(prev, dim, stride), BottleneckBlock(dim, dim)))
        self.layer1, self.layer2, self.layer3 = layers
        self.conv2 = nn.Conv2d(stages[-1], output_dim, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(F.instance_norm(self.conv1(x)))
        return self.conv2(self.layer3(self.layer2(self.layer1(x))))
