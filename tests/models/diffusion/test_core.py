"""The shared diffusion core: cosine schedule, DDIM, GFT/CFG guidance, losses, normaliser, Adan."""

from __future__ import annotations

import math

import pytest
import torch

from models.diffusion.adan import Adan
from models.diffusion.guidance import (
    GUIDANCE_PRESETS,
    GuidanceConfig,
    sampling_denoiser,
    training_prediction,
)
from models.diffusion.losses import LOSS_WEIGHTS, dance_losses
from models.diffusion.normalizer import MinMaxNormalizer
from models.diffusion.schedule import (
    DiffusionConfig,
    GaussianDiffusion,
    cosine_betas,
    ddim_timesteps,
)
from models.motion_expert import MotionExpert, MotionExpertConfig

TINY = MotionExpertConfig.preset("cpu_small", width=32, ff_width=64, heads=2, dance_layers=1, music_layers=1)


def test_cosine_schedule_matches_the_closed_form() -> None:
    betas = cosine_betas(1000)
    f = lambda t: math.cos((t / 1000 + 0.008) / 1.008 * math.pi / 2) ** 2
    assert betas[0].item() == pytest.approx(1 - f(1) / f(0), rel=1e-12)
    assert betas[500].item() == pytest.approx(1 - f(501) / f(500), rel=1e-12)
    assert betas[-1].item() == 0.999  # clamped
    abar = GaussianDiffusion().alphas_cumprod
    assert (abar.diff() < 0).all() and abar[-1] < 1e-4


def test_ddim_timesteps_are_edges() -> None:
    pairs = ddim_timesteps(1000, 50)
    assert len(pairs) == 50 and pairs[0] == (999, 979) and pairs[-1] == (19, -1)  # int(linspace(-1, 999, 51))


def test_ddim_with_an_oracle_denoiser_returns_its_x0() -> None:
    target = torch.rand(2, 10, 5) * 2 - 1
    diffusion = GaussianDiffusion(DiffusionConfig(sampling_steps=8))
    calls = []
    out = diffusion.ddim_sample(lambda x, t: calls.append(int(t[0])) or target, target.shape, torch.Generator().manual_seed(0))
    torch.testing.assert_close(out, target)
    assert calls == [999, 874, 749, 624, 499, 374, 249, 124]


def _count_denoise(model: MotionExpert) -> list[int]:
    calls = [0, 0]  # denoise, encode
    denoise, encode = model.denoise, model.encode_music

    def counted_denoise(*args, **kwargs):
        calls[0] += 1
        return denoise(*args, **kwargs)

    def counted_encode(*args, **kwargs):
        calls[1] += 1
        return encode(*args, **kwargs)

    model.denoise, model.encode_music = counted_denoise, counted_encode  # type: ignore[method-assign]
    return calls


@pytest.mark.parametrize("preset, forwards", [("gft-paper", 1), ("cfg", 2)])
def test_network_forwards_per_sampling_step(preset: str, forwards: int) -> None:
    torch.manual_seed(0)
    model = MotionExpert(TINY).eval()
    calls = _count_denoise(model)
    guidance = GUIDANCE_PRESETS[preset]
    music, genre = torch.randn(1, 16, 35), torch.zeros(1, dtype=torch.long)
    steps = 5
    diffusion = GaussianDiffusion(DiffusionConfig(sampling_steps=steps))
    diffusion.ddim_sample(sampling_denoiser(model, music, genre, guidance), (1, 16, 151), torch.Generator().manual_seed(0))
    assert guidance.forwards_per_step == forwards
    assert calls == [forwards * steps, forwards]  # music encoded once per condition


def test_cfg_combines_conditional_and_unconditional() -> None:
    torch.manual_seed(0)
    model = MotionExpert(TINY).eval()
    music, genre = torch.randn(1, 12, 35), torch.zeros(1, dtype=torch.long)
    x, t = torch.randn(1, 12, 151), torch.tensor([500])
    with torch.no_grad():
        c = model(x, t, music, genre, torch.tensor([True]))
        u = model(x, t, music, genre, torch.tensor([False]))
        guided = sampling_denoiser(model, music, genre, GuidanceConfig("cfg", 2.0, 0.25))(x, t)
    torch.testing.assert_close(guided, u + 2.0 * (c - u))


class _Recorder(torch.nn.Module):
    """A stand-in model whose output encodes its inputs: keep -> +10, beta -> value, grad mode recorded."""

    def __init__(self) -> None:
        super().__init__()
        self.w = torch.nn.Parameter(torch.ones(()))
        self.calls: list[dict] = []

    def encode_music(self, music, genre, keep):
        return keep.float()

    def denoise(self, x, t, memory, beta):
        self.calls.append({"grad": torch.is_grad_enabled(), "training": self.training, "beta": beta.clone(), "keep": memory.clone()})
        return self.w * (10 * memory + beta).view(-1, 1, 1).expand_as(x)


def test_gft_paper_target_drops_conditions_and_uses_beta_one_for_the_unconditional_branch() -> None:
    model = _Recorder().train()
    x, t = torch.zeros(4000, 1, 1), torch.zeros(4000, dtype=torch.long)
    guidance = GuidanceConfig("gft", 4 / 3, 0.1, "paper")
    pred = training_prediction(model, x, t, x, t, guidance, torch.Generator().manual_seed(0))
    cond, unc = model.calls
    beta, keep = cond["beta"], cond["keep"].bool()
    assert cond["grad"] and not unc["grad"] and cond["training"] and not unc["training"]
    assert (unc["beta"] == 1).all() and (unc["keep"] == 0).all()
    assert (beta[~keep] == 1).all() and 0.07 < (~keep).float().mean() < 0.13
    assert 0.45 < beta[keep].mean() < 0.55
    expected = beta * (10 * keep.float() + beta) + (1 - beta) * 1.0
    torch.testing.assert_close(pred.view(-1), expected)
    pred.sum().backward()  # gradient flows through the conditional branch only
    assert model.w.grad == pytest.approx(float((beta * (10 * keep.float() + beta)).sum()), rel=1e-5)


def test_gft_public_variant_reuses_beta_and_never_drops() -> None:
    model = _Recorder().train()
    x, t = torch.zeros(256, 1, 1), torch.zeros(256, dtype=torch.long)
    training_prediction(model, x, t, x, t, GUIDANCE_PRESETS["gft-public"], torch.Generator().manual_seed(0))
    cond, unc = model.calls
    assert (cond["keep"] == 1).all() and torch.equal(unc["beta"], cond["beta"])
    assert unc["training"] and not unc["grad"]


def test_gft_sampling_uses_beta_one_over_scale() -> None:
    model = _Recorder().eval()
    x = torch.zeros(2, 3, 1)
    out = sampling_denoiser(model, x, torch.zeros(2, dtype=torch.long), GUIDANCE_PRESETS["gft-paper"])(x, torch.zeros(2))
    torch.testing.assert_close(out, torch.full_like(x, 10.75))  # keep=1, beta=0.75


def test_guidance_rejects_bad_settings() -> None:
    with pytest.raises(ValueError):
        GuidanceConfig("gft", 0.5)
    with pytest.raises(ValueError):
        GuidanceConfig("cfg", 2.0, 1.0)


def test_normalizer_round_trip_and_clip() -> None:
    data = torch.randn(10, 20, 151)
    data[..., 3] = 5.0  # a constant feature gets scale 1
    norm = MinMaxNormalizer.fit(data)
    x = norm.normalize(data)
    assert x.min() >= -1 and x.max() <= 1 and x[..., 0].max() == 1
    torch.testing.assert_close(norm.unnormalize(x), data, atol=1e-5, rtol=1e-5)
    assert norm.normalize(data * 10).max() == 1  # clipped like sklearn's clip=True


def test_losses_vanish_at_the_target_and_carry_the_published_weights() -> None:
    assert LOSS_WEIGHTS == {"rec": 0.636, "vel": 2.964, "fk": 0.646, "foot": 10.942}
    torch.manual_seed(0)
    target = torch.rand(2, 8, 151) * 2 - 1
    norm = MinMaxNormalizer(-torch.ones(151), torch.ones(151))
    for variant in ("public", "paper"):
        terms = dance_losses(target, target, norm, variant)
        assert all(v.item() == 0 for k, v in terms.items() if k != "foot")
    pred = target + 0.1
    terms = dance_losses(pred, target, norm, "public")
    assert terms["rec"].item() == pytest.approx(0.636 * 0.01, rel=1e-4)
    assert terms["vel"].item() == pytest.approx(0.0, abs=1e-9)  # a constant shift has no velocity
    with pytest.raises(ValueError, match="normaliser"):
        dance_losses(pred, target, None, "paper")


def test_foot_loss_counts_only_predicted_contacts() -> None:
    target = torch.zeros(1, 6, 151)
    target[..., 7:] = torch.tensor([1.0, 0, 0, 0, 1, 0]).repeat(24)  # identity rotations
    moving = target.clone()
    moving[..., 4] = torch.arange(6.0) * 0.1  # root slides along x
    moving[..., :4] = -1.0
    assert dance_losses(moving, target)["foot"].item() == 0
    moving[..., :4] = 1.0
    assert dance_losses(moving, target)["foot"].item() == pytest.approx(10.942 * 0.01 * 5 / 6 / 3, rel=1e-4)


def test_adan_minimises_a_quadratic() -> None:
    p = torch.nn.Parameter(torch.tensor([3.0, -2.0]))
    opt = Adan([p], lr=0.05, weight_decay=0.0)
    for _ in range(300):
        opt.zero_grad()
        (p**2).sum().backward()
        opt.step()
    assert (p**2).sum() < 0.05  # from 13
