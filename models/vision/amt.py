"""AMT-S frame interpolation (All-Pairs Multi-Field Transforms), as VBench's motion smoothness runs it.

Followed: AMT networks/AMT-S.py (Model), cfgs/AMT-S.yaml, utils/utils.py (InputPadder, img2tensor,
tensor2img). Parameter names match the `state_dict` of amt-s.pth as VBench downloads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from models.presets import PresetConfig
from models.vision.amt_encoders import PyramidEncoder, SmallEncoder
from models.vision.amt_flow import (
    BidirCorrelation,
    InitDecoder,
    IntermediateDecoder,
    MultiFlowDecoder,
    SmallUpdateBlock,
    coords_grid,
    multi_flow_combine,
    resize,
)
from models.command_line import InputError
from models.vision.weights import WeightFile, load_checkpoint, load_state

AMT_S = WeightFile(
    filename="amt-s.pth",
    env_var="MACE_BENCH_AMT_S",
    source="https://huggingface.co/lalala125/AMT/resolve/main/amt-s.pth",
    description="AMT-S frame interpolation, the checkpoint VBench's motion smoothness uses",
)
PAD_DIVISOR = 16  # VBench pads to 16 / scale with scale 1 (it never downscales on CPU)
TINY = {
    "corr_radius": 1, "corr_levels": 2, "num_flows": 2, "channels": (8, 12, 16, 20), "skip_channels": 4,
    "feat_stages": (8, 12, 16), "feat_dim": 16, "update_hidden": 12, "update_flow_dim": 4, "update_corr_dim": 8,
    "update_fc_dim": 8,
}  # fmt: skip


@dataclass(frozen=True)
class AMTConfig(PresetConfig):
    """AMT-S ("paper": cfgs/AMT-S.yaml plus the widths fixed in networks/AMT-S.py; "tiny" for tests)."""

    PRESETS: ClassVar[dict[str, dict[str, Any]]] = {"paper": {}, "tiny": TINY}

    corr_radius: int = 3
    corr_levels: int = 4
    num_flows: int = 3
    channels: tuple[int, int, int, int] = (20, 32, 44, 56)
    skip_channels: int = 20
    feat_stages: tuple[int, int, int] = (32, 64, 96)
    feat_dim: int = 84
    update_hidden: int = 76
    update_flow_dim: int = 20
    update_corr_dim: int = 64
    update_fc_dim: int = 68


class AMT(nn.Module):
    """Predicts the frame at time `embt` between img0 and img1 (B, 3, H, W) in [0, 1], H and W divisible by 16."""

    def __init__(self, config: AMTConfig = AMTConfig()) -> None:
        super().__init__()
        self.config = config
        c = config.channels
        self.feat_encoder = SmallEncoder(config.feat_stages, config.feat_dim)
        self.encoder = PyramidEncoder(c)
        self.decoder4 = InitDecoder(c[3], c[2], config.skip_channels)
        self.decoder3 = IntermediateDecoder(c[2], c[1], config.skip_channels)
        self.decoder2 = IntermediateDecoder(c[1], c[0], config.skip_channels)
        self.decoder1 = MultiFlowDecoder(c[0], config.skip_channels, config.num_flows)
        self.update4 = self._update_block(c[2], None)
        self.update3 = self._update_block(c[1], 2)
        self.update2 = self._update_block(c[0], 4)
        n = config.num_flows
        self.comb_block = nn.Sequential(nn.Conv2d(3 * n, 6 * n, 3, 1, 1), nn.PReLU(6 * n), nn.Conv2d(6 * n, 3, 3, 1, 1))

    def _update_block(self, cdim: int, scale_factor: int | None) -> SmallUpdateBlock:
        cfg = self.config
        return SmallUpdateBlock(
            cdim, cfg.update_hidden, cfg.update_flow_dim, cfg.update_corr_dim, cfg.update_fc_dim,
            cfg.corr_levels, cfg.corr_radius, scale_factor,
        )  # fmt: skip

    @staticmethod
    def _lookup(
        corr_fn: BidirCorrelation, coord: torch.Tensor, flow0: torch.Tensor, flow1: torch.Tensor,
        embt: torch.Tensor, downsample: int,
    ) -> tuple[torch.Tensor, torch.Tensor]:  # fmt: skip
        """Correlation at the 1/8 grid after scaling t->0 / t->1 flows to 1->0 / 0->1 (AMT's _corr_scale_lookup)."""
        if downsample != 1:
            inv = 1 / downsample
            flow0 = inv * resize(flow0, inv)
            flow1 = inv * resize(flow1, inv)
        corr0, corr1 = corr_fn(coord + flow1 * (1.0 / embt), coord + flow0 * (1.0 / (1.0 - embt)))
        return torch.cat([corr0, corr1], dim=1), torch.cat([flow0, flow1], dim=1)

    def _refine(
        self, update: SmallUpdateBlock, corr_fn: BidirCorrelation, coord: torch.Tensor, flow0: torch.Tensor,
        flow1: torch.Tensor, ft: torch.Tensor, embt: torch.Tensor, downsample: int,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:  # fmt: skip
        """One residual update of both flows and the intermediate feature from a correlation lookup."""
        corr, flow = self._lookup(corr_fn, coord, flow0, flow1, embt, downsample)
        delta_ft, delta_flow = update(ft, flow, corr)
        delta0, delta1 = torch.chunk(delta_flow, 2, 1)
        return flow0 + delta0, flow1 + delta1, ft + delta_ft

    def forward(self, img0: torch.Tensor, img1: torch.Tensor, embt: torch.Tensor) -> torch.Tensor:
        """The interpolated frame, clamped to [0, 1]; embt is (B, 1, 1, 1)."""
        mean = torch.cat([img0, img1], 2).mean(1, keepdim=True).mean(2, keepdim=True).mean(3, keepdim=True)
        img0, img1 = img0 - mean, img1 - mean
        b, _, h, w = img0.shape
        coord = coords_grid(b, h // 8, w // 8, img0.device)
        fmap0, fmap1 = self.feat_encoder(torch.cat([img0, img1])).chunk(2)
        corr_fn = BidirCorrelation(fmap0, fmap1, self.config.corr_levels, self.config.corr_radius)
        f0_1, f0_2, f0_3, f0_4 = self.encoder(img0)
        f1_1, f1_2, f1_3, f1_4 = self.encoder(img1)

        flow0, flow1, ft = self.decoder4(f0_4, f1_4, embt)
        flow0, flow1, ft = self._refine(self.update4, corr_fn, coord, flow0, flow1, ft, embt, 1)
        flow0, flow1, ft = self.decoder3(ft, f0_3, f1_3, flow0, flow1)
        flow0, flow1, ft = self._refine(self.update3, corr_fn, coord, flow0, flow1, ft, embt, 2)
        flow0, flow1, ft = self.decoder2(ft, f0_2, f1_2, flow0, flow1)
        flow0, flow1, ft = self._refine(self.update2, corr_fn, coord, flow0, flow1, ft, embt, 4)
        flow0, flow1, mask, img_res = self.decoder1(ft, f0_1, f1_1, flow0, flow1)
        pred = multi_flow_combine(self.comb_block, img0, img1, flow0, flow1, mask, img_res, mean)
        return pred.clamp(0, 1)


def replicate_pad(frames: torch.Tensor, divisor: int = PAD_DIVISOR) -> tuple[torch.Tensor, tuple[int, int, int, int]]:
    """Pad (B, C, H, W) by edge replication to multiples of divisor, centred (AMT's InputPadder)."""
    h, w = frames.shape[-2:]
    pad_h, pad_w = -h % divisor, -w % divisor
    pad = (pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2)
    return F.pad(frames, pad, mode="replicate"), pad


@torch.no_grad()
def interpolate_midframes(model: AMT, frames: np.ndarray, batch: int = 1) -> np.ndarray:
    """Frames halfway between each consecutive pair of (T, H, W, 3) uint8 RGB frames, (T-1, H, W, 3) uint8,
    quantised as AMT's tensor2img does (x255, clip, truncate); VBench's MotionSmoothness.motion_score loop."""
    device = next(model.parameters()).device
    images = torch.from_numpy(frames).permute(0, 3, 1, 2).float() / 255.0
    padded, (left, right, top, bottom) = replicate_pad(images)
    h, w = padded.shape[-2:]
    smallest = 8 * 2**model.config.corr_levels  # below it the coarsest correlation level is 1 pixel wide: NaN
    if min(h, w) < smallest:
        raise ValueError(f"AMT needs frames of at least {smallest} px per side (padded), got {frames.shape[1:3]}")
    out = []
    for start in range(0, len(frames) - 1, batch):
        stop = min(start + batch, len(frames) - 1)
        img0 = padded[start:stop].to(device)
        img1 = padded[start + 1 : stop + 1].to(device)
        embt = torch.full((stop - start, 1, 1, 1), 0.5, device=device)
        pred = model(img0, img1, embt)[..., top : h - bottom, left : w - right]
        out.append((pred * 255.0).permute(0, 2, 3, 1).cpu().numpy().clip(0, 255).astype(np.uint8))
    return np.concatenate(out)


def load_amt(path: str | Path | None = None, config: AMTConfig = AMTConfig()) -> AMT:
    """AMT-S with VBench's amt-s.pth (its weights under 'state_dict'), found by models.vision.weights; eval mode."""
    model = AMT(config)
    file = AMT_S.resolve(path)
    checkpoint = load_checkpoint(file, "AMT-S checkpoint")
    if not isinstance(checkpoint, dict) or "state_dict" not in checkpoint:
        raise InputError(file, f"not an AMT-S checkpoint (no 'state_dict'); expected {AMT_S.filename}")
    load_state(model, checkpoint["state_dict"], file, "AMT-S checkpoint")
    return model.eval()
