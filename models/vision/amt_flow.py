"""AMT's flow machinery: warping, the bidirectional correlation pyramid, the update block, the decoders.

Followed: AMT utils/flow_utils.py (warp), networks/blocks/raft.py (coords_grid, bilinear_sampler,
BidirCorrBlock, SmallUpdateBlock), networks/blocks/ifrnet.py (InitDecoder, IntermediateDecoder) and
networks/blocks/multi_flow.py (MultiFlowDecoder, multi_flow_combine); names match amt-s.pth.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from models.vision.amt_encoders import ResBlock, convrelu


def resize(x: torch.Tensor, scale_factor: float) -> torch.Tensor:
    """Bilinear rescale by a factor, corners not aligned (AMT's resize)."""
    return F.interpolate(x, scale_factor=scale_factor, mode="bilinear", align_corners=False)


def warp(img: torch.Tensor, flow: torch.Tensor) -> torch.Tensor:
    """Backward-warp img by a pixel flow (B, 2, H, W), bilinear with border padding (AMT's warp)."""
    b, _, h, w = flow.shape
    xx = torch.linspace(-1.0, 1.0, w).view(1, 1, 1, w).expand(b, -1, h, -1)
    yy = torch.linspace(-1.0, 1.0, h).view(1, 1, h, 1).expand(b, -1, -1, w)
    grid = torch.cat([xx, yy], 1).to(img)
    flow = torch.cat([flow[:, 0:1] / ((w - 1.0) / 2.0), flow[:, 1:2] / ((h - 1.0) / 2.0)], 1)
    grid = (grid + flow).permute(0, 2, 3, 1)
    return F.grid_sample(img, grid, mode="bilinear", padding_mode="border", align_corners=True)


def coords_grid(batch: int, ht: int, wd: int, device: torch.device) -> torch.Tensor:
    """Pixel coordinates (B, 2, H, W), x first."""
    ys, xs = torch.meshgrid(torch.arange(ht, device=device), torch.arange(wd, device=device), indexing="ij")
    return torch.stack([xs, ys]).float()[None].repeat(batch, 1, 1, 1)


def bilinear_sampler(img: torch.Tensor, coords: torch.Tensor) -> torch.Tensor:
    """Sample img at pixel coordinates (..., 2) with zero padding (RAFT's bilinear_sampler)."""
    h, w = img.shape[-2:]
    x, y = coords.split([1, 1], dim=-1)
    grid = torch.cat([2 * x / (w - 1) - 1, 2 * y / (h - 1) - 1], dim=-1)
    return F.grid_sample(img, grid, align_corners=True)


class BidirCorrelation:
    """All-pairs correlation of two 1/8 feature maps, pooled into `levels`, looked up both ways (BidirCorrBlock)."""

    def __init__(self, fmap0: torch.Tensor, fmap1: torch.Tensor, levels: int, radius: int) -> None:
        self.radius = radius
        b, dim, h, w = fmap0.shape
        corr = fmap0.reshape(b, dim, h * w).transpose(1, 2) @ fmap1.reshape(b, dim, h * w)
        corr = corr.view(b, h, w, 1, h, w) / torch.sqrt(torch.tensor(dim).float())
        corr_t = corr.permute(0, 4, 5, 3, 1, 2).reshape(b * h * w, 1, h, w)
        corr = corr.reshape(b * h * w, 1, h, w)
        self.pyramid, self.pyramid_t = [corr], [corr_t]
        for _ in range(levels - 1):
            self.pyramid.append(F.avg_pool2d(self.pyramid[-1], 2, stride=2))
            self.pyramid_t.append(F.avg_pool2d(self.pyramid_t[-1], 2, stride=2))

    def __call__(self, coords0: torch.Tensor, coords1: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Correlation windows around coords0 in the forward volume and coords1 in the transposed one."""
        r = self.radius
        b, _, h, w = coords0.shape
        d = torch.linspace(-r, r, 2 * r + 1, device=coords0.device)
        delta = torch.stack(torch.meshgrid(d, d, indexing="ij"), dim=-1).view(1, 2 * r + 1, 2 * r + 1, 2)
        outs = []
        for coords, pyramid in ((coords0, self.pyramid), (coords1, self.pyramid_t)):
            centre = coords.permute(0, 2, 3, 1).reshape(b * h * w, 1, 1, 2)
            levels = [bilinear_sampler(vol, centre / 2**i + delta).view(b, h, w, -1) for i, vol in enumerate(pyramid)]
            outs.append(torch.cat(levels, dim=-1).permute(0, 3, 1, 2).contiguous().float())
        return outs[0], outs[1]


class SmallUpdateBlock(nn.Module):
    """Refines the intermediate feature and both flows from correlation lookups (AMT's SmallUpdateBlock)."""

    def __init__(
        self, cdim: int, hidden_dim: int, flow_dim: int, corr_dim: int, fc_dim: int,
        corr_levels: int, radius: int, scale_factor: int | None = None,
    ) -> None:  # fmt: skip
        super().__init__()
        cor_planes = corr_levels * (2 * radius + 1) ** 2
        self.scale_factor = scale_factor
        self.convc1 = nn.Conv2d(2 * cor_planes, corr_dim, 1)
        self.convf1 = nn.Conv2d(4, flow_dim * 2, 7, padding=3)
        self.convf2 = nn.Conv2d(flow_dim * 2, flow_dim, 3, padding=1)
        self.conv = nn.Conv2d(corr_dim + flow_dim, fc_dim, 3, padding=1)
        self.gru = self._head(fc_dim + 4 + cdim, hidden_dim, hidden_dim)
        self.feat_head = self._head(hidden_dim, hidden_dim, cdim)
        self.flow_head = self._head(hidden_dim, hidden_dim, 4)

    @staticmethod
    def _head(in_ch: int, hidden: int, out_ch: int) -> nn.Sequential:
        return nn.Sequential(
            nn.Conv2d(in_ch, hidden, 3, padding=1), nn.LeakyReLU(0.1), nn.Conv2d(hidden, out_ch, 3, padding=1)
        )

    def forward(self, net: torch.Tensor, flow: torch.Tensor, corr: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if self.scale_factor is not None:
            net = resize(net, 1 / self.scale_factor)
        cor = F.leaky_relu(self.convc1(corr), 0.1)
        flo = F.leaky_relu(self.convf2(F.leaky_relu(self.convf1(flow), 0.1)), 0.1)
        inp = F.leaky_relu(self.conv(torch.cat([cor, flo], dim=1)), 0.1)
        out = self.gru(torch.cat([inp, flow, net], dim=1))
        delta_net, delta_flow = self.feat_head(out), self.flow_head(out)
        if self.scale_factor is not None:
            delta_net = resize(delta_net, self.scale_factor)
            delta_flow = self.scale_factor * resize(delta_flow, self.scale_factor)
        return delta_net, delta_flow


def _decoder_block(in_ch: int, mid_ch: int, skip_ch: int, out_ch: int) -> nn.Sequential:
    """convrelu, ResBlock, then a stride-2 transposed convolution (every AMT decoder's `convblock`)."""
    return nn.Sequential(
        convrelu(in_ch, mid_ch), ResBlock(mid_ch, skip_ch), nn.ConvTranspose2d(mid_ch, out_ch, 4, 2, 1)
    )


class InitDecoder(nn.Module):
    """Coarsest decoder: both 1/16 features and t give the first flows and intermediate feature at 1/8."""

    def __init__(self, in_ch: int, out_ch: int, skip_ch: int) -> None:
        super().__init__()
        self.convblock = _decoder_block(in_ch * 2 + 1, in_ch * 2, skip_ch, out_ch + 4)

    def forward(self, f0: torch.Tensor, f1: torch.Tensor, embt: torch.Tensor) -> tuple[torch.Tensor, ...]:
        embt = embt.expand(-1, 1, *f0.shape[2:])
        out = self.convblock(torch.cat([f0, f1, embt], 1))
        flow0, flow1 = torch.chunk(out[:, :4], 2, 1)
        return flow0, flow1, out[:, 4:]


class IntermediateDecoder(nn.Module):
    """Warps both features by the current flows, predicts residual flows (x2 upsampled) and the next feature."""

    def __init__(self, in_ch: int, out_ch: int, skip_ch: int) -> None:
        super().__init__()
        self.convblock = _decoder_block(in_ch * 3 + 4, in_ch * 3, skip_ch, out_ch + 4)

    def forward(
        self, ft: torch.Tensor, f0: torch.Tensor, f1: torch.Tensor, flow0: torch.Tensor, flow1: torch.Tensor
    ) -> tuple[torch.Tensor, ...]:
        out = self.convblock(torch.cat([ft, warp(f0, flow0), warp(f1, flow1), flow0, flow1], 1))
        delta0, delta1 = torch.chunk(out[:, :4], 2, 1)
        return delta0 + 2.0 * resize(flow0, 2.0), delta1 + 2.0 * resize(flow1, 2.0), out[:, 4:]


class MultiFlowDecoder(nn.Module):
    """Finest decoder: `num_flows` flow pairs, blending masks and image residuals at full resolution."""

    def __init__(self, in_ch: int, skip_ch: int, num_flows: int) -> None:
        super().__init__()
        self.num_flows = num_flows
        self.convblock = _decoder_block(in_ch * 3 + 4, in_ch * 3, skip_ch, 8 * num_flows)

    def forward(
        self, ft: torch.Tensor, f0: torch.Tensor, f1: torch.Tensor, flow0: torch.Tensor, flow1: torch.Tensor
    ) -> tuple[torch.Tensor, ...]:
        n = self.num_flows
        out = self.convblock(torch.cat([ft, warp(f0, flow0), warp(f1, flow1), flow0, flow1], 1))
        delta0, delta1, mask, img_res = torch.split(out, [2 * n, 2 * n, n, 3 * n], 1)
        flow0 = delta0 + 2.0 * resize(flow0, 2.0).repeat(1, n, 1, 1)
        flow1 = delta1 + 2.0 * resize(flow1, 2.0).repeat(1, n, 1, 1)
        return flow0, flow1, torch.sigmoid(mask), img_res


def multi_flow_combine(
    comb_block: nn.Module, img0: torch.Tensor, img1: torch.Tensor, flow0: torch.Tensor, flow1: torch.Tensor,
    mask: torch.Tensor, img_res: torch.Tensor, mean: torch.Tensor,
) -> torch.Tensor:  # fmt: skip
    """Warp both images by each flow pair, blend by mask, add residual and mean, average, refine (AMT's)."""
    b, c, h, w = flow0.shape
    n = c // 2
    flow0 = flow0.reshape(b * n, 2, h, w)
    flow1 = flow1.reshape(b * n, 2, h, w)
    mask = mask.reshape(b * n, 1, h, w)
    img_res = img_res.reshape(b * n, 3, h, w)
    img0 = img0.repeat_interleave(n, dim=0)
    img1 = img1.repeat_interleave(n, dim=0)
    mean = mean.repeat_interleave(n, dim=0).reshape(-1, 1, 1, 1)
    warps = mask * warp(img0, flow0) + (1 - mask) * warp(img1, flow1) + mean + img_res
    warps = warps.reshape(b, n, 3, h, w)
    return warps.mean(1) + comb_block(warps.view(b, -1, h, w))
