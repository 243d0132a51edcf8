"""Official MACE-Dance checkpoint import, on a random-weight checkpoint written in the public
code's layout (EDGE-style dict with `model_state_dict`, `ema_state_dict`, a pickled normaliser)."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest
import torch

from models.motion_expert.convert import convert, main
from models.registry import load_model

D, FF, DANCE, MUSIC, STATE, GENRES = 32, 64, 2, 1, 16, 16


def _mamba(prefix: str) -> dict[str, tuple[int, ...]]:
    inner, rank = 2 * D, D // 16
    return {
        f"{prefix}.A_log": (inner, STATE), f"{prefix}.D": (inner,), f"{prefix}.in_proj.weight": (2 * inner, D),
        f"{prefix}.conv1d.weight": (inner, 1, 4), f"{prefix}.conv1d.bias": (inner,),
        f"{prefix}.x_proj.weight": (rank + 2 * STATE, inner), f"{prefix}.dt_proj.weight": (inner, rank),
        f"{prefix}.dt_proj.bias": (inner,), f"{prefix}.out_proj.weight": (D, inner),
    }  # fmt: skip


def _bimamba(prefix: str) -> dict[str, tuple[int, ...]]:
    return {**_mamba(f"{prefix}.mamba_forward"), **_mamba(f"{prefix}.mamba_backward"),
            f"{prefix}.norm.weight": (D,), f"{prefix}.norm.bias": (D,)}


def _linear(prefix: str, out: int, inp: int) -> dict[str, tuple[int, ...]]:
    return {f"{prefix}.weight": (out, inp), f"{prefix}.bias": (out,)}


def official_layout() -> dict[str, tuple[int, ...]]:
    """Key -> shape of the public DanceDecoder (Expert-Motion/model/model.py) state dict."""
    keys: dict[str, tuple[int, ...]] = {"null_cond_embed": (1, 1, D)}
    for mlp in ("time_mlp", "beta_mlp"):
        keys.update(_linear(f"{mlp}.1", 4 * D, D) | _linear(f"{mlp}.3", D, 4 * D))
    keys.update(_linear("input_projection", D, 151) | _linear("cond_projection", D, 35) | _linear("final_layer", 151, D))
    for i in range(MUSIC):
        p = f"musiclayerstack.{i}"
        keys.update(_bimamba(f"{p}.bimamba") | _linear(f"{p}.film.block.1", 2 * D, D))
        keys.update({f"{p}.genre_MLP.0.weight": (GENRES, D)} | _linear(f"{p}.genre_MLP.1", FF, D) | _linear(f"{p}.genre_MLP.3", D, FF))
    for i in range(DANCE):
        p = f"dancelayerstack.{i}"
        keys.update(_bimamba(f"{p}.bimamba") | _linear(f"{p}.film1.block.1", 2 * D, D) | _linear(f"{p}.film2.block.1", 2 * D, D))
        t = f"{p}.transformer"
        keys.update({f"{t}.cross_attn.in_proj_weight": (3 * D, D), f"{t}.cross_attn.in_proj_bias": (3 * D,)})
        keys.update(_linear(f"{t}.cross_attn.out_proj", D, D) | _linear(f"{t}.linear1", FF, D) | _linear(f"{t}.linear2", D, FF))
        for norm in ("norm_dance", "norm_music", "norm"):
            keys.update({f"{t}.{norm}.weight": (D,), f"{t}.{norm}.bias": (D,)})
    return keys


@pytest.fixture()
def official_checkpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A random-weight checkpoint as EDGE.py saves it: the normaliser is `dataset.preprocess.Normalizer` holding a
    `dataset.scaler.MinMaxScaler` (the public code's module paths), the optimiser state a real state dict."""
    classes = {"dataset.preprocess": "Normalizer", "dataset.scaler": "MinMaxScaler"}
    monkeypatch.setitem(sys.modules, "dataset", types.ModuleType("dataset"))
    for module_name, class_name in classes.items():
        module = types.ModuleType(module_name)
        setattr(module, class_name, type(class_name, (), {"__module__": module_name}))
        monkeypatch.setitem(sys.modules, module_name, module)
    scaler = sys.modules["dataset.scaler"].MinMaxScaler()
    scaler.feature_range, scaler.copy, scaler.clip, scaler.n_samples_seen_ = (-1, 1), True, True, 1000
    scaler.data_min_, scaler.data_max_ = -torch.rand(151) - 1, torch.rand(151) + 1
    scaler.data_range_ = scaler.data_max_ - scaler.data_min_
    scaler.scale_, scaler.min_ = 2 / scaler.data_range_, -1 - scaler.data_min_ * 2 / scaler.data_range_
    normalizer = sys.modules["dataset.preprocess"].Normalizer()
    normalizer.scaler = scaler
    weight = torch.nn.Parameter(torch.zeros(3))
    optimizer = torch.optim.Adam([weight], lr=4e-4, betas=(0.02, 0.08), weight_decay=0.02)
    weight.grad = torch.ones(3)
    optimizer.step()
    g = torch.Generator().manual_seed(0)
    state = {k: torch.randn(shape, generator=g) for k, shape in official_layout().items()}
    ema = {k: v + 1 for k, v in state.items()}
    path = tmp_path / "train-2000.pt"
    torch.save({"model_state_dict": {f"module.{k}": v for k, v in state.items()}, "ema_state_dict": ema,
                "optimizer_state_dict": optimizer.state_dict(), "normalizer": normalizer}, path)
    return path


def test_convert_official_checkpoint(official_checkpoint: Path, tmp_path: Path) -> None:
    out = convert(official_checkpoint, tmp_path / "me.safetensors")
    loaded = load_model(out)
    config = loaded.model.config
    assert (config.width, config.ff_width, config.dance_layers, config.music_layers, config.num_genres) == (D, FF, DANCE, MUSIC, GENRES)
    original = torch.load(official_checkpoint, weights_only=False)["model_state_dict"]
    state = loaded.model.state_dict()
    pairs = {
        "dancelayerstack.1.transformer.linear1.weight": "dance_layers.1.cross.ff_in.weight",
        "dancelayerstack.0.transformer.norm.bias": "dance_layers.0.cross.norm_ff.bias",
        "dancelayerstack.0.bimamba.mamba_backward.A_log": "dance_layers.0.mixer.backward_mamba.A_log",
        "musiclayerstack.0.genre_MLP.0.weight": "music_layers.0.genre.embed.weight",
        "dancelayerstack.1.film2.block.1.weight": "dance_layers.1.film_cross.proj.weight",
        "time_mlp.3.bias": "time_embed.linear_2.bias", "null_cond_embed": "null_music",
    }
    for theirs, ours in pairs.items():
        torch.testing.assert_close(state[ours], original[f"module.{theirs}"])
    assert loaded.meta.guidance["variant"] == "public" and loaded.meta.guidance["scale"] == pytest.approx(4 / 3)
    raw = torch.load(official_checkpoint, weights_only=False)["normalizer"].scaler
    torch.testing.assert_close(loaded.normalizer.data_min, raw.data_min_)
    ema = load_model(convert(official_checkpoint, tmp_path / "ema.safetensors", weights="ema"))
    torch.testing.assert_close(ema.model.state_dict()["motion_in.bias"], original["module.input_projection.bias"] + 1)


def test_convert_cli_reports_bad_input(official_checkpoint: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main([str(official_checkpoint), "--out", str(tmp_path / "ok.safetensors")]) == 0
    state = torch.load(official_checkpoint, weights_only=False)
    state["model_state_dict"]["module.extra.weight"] = torch.zeros(1)
    torch.save(state, tmp_path / "extra.pt")
    assert main([str(tmp_path / "extra.pt"), "--out", str(tmp_path / "x.safetensors")]) == 1
    assert "unexpected key 'extra.weight'" in capsys.readouterr().err
    (tmp_path / "junk.pt").write_bytes(b"junk")
    assert main([str(tmp_path / "junk.pt"), "--out", str(tmp_path / "y.safetensors")]) == 1
    assert "junk.pt" in capsys.readouterr().err
