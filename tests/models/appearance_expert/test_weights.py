"""Appearance Expert weights: body adapter and LoRA round trips in our layout and MACE-Dance's (every adapter
prefix, original Wan LoRA naming), shape/key checks, merging at weight w = peft at scale w, the converter CLI."""

from __future__ import annotations

import pytest
import torch
from safetensors.torch import save_file

from models.appearance_expert import convert
from models.appearance_expert.config import ADAPTER_KEYS, TINY
from models.appearance_expert.pipeline import build_transformer
from models.appearance_expert.weights import (
    ADAPTER_FORMAT,
    MACE_ADAPTER_PREFIXES,
    LoraWeights,
    add_lora,
    adapter_state,
    export_mace_adapter,
    export_mace_lora,
    import_mace_adapter,
    import_mace_lora,
    load_adapter,
    load_lora,
    lora_state,
    merge_lora,
    read_safetensors,
    save_adapter,
    save_lora,
    set_lora,
)

WAN_NAMES = {  # diffusers module -> original Wan module, per block
    "attn1.to_q": "self_attn.q", "attn1.to_k": "self_attn.k", "attn1.to_v": "self_attn.v", "attn1.to_out.0": "self_attn.o",
    "attn2.to_q": "cross_attn.q", "attn2.to_k": "cross_attn.k", "attn2.to_v": "cross_attn.v",
    "attn2.to_out.0": "cross_attn.o", "ffn.net.0.proj": "ffn.0", "ffn.net.2": "ffn.2",
}  # fmt: skip


@pytest.fixture(scope="module")
def transformer() -> torch.nn.Module:
    torch.manual_seed(0)
    return build_transformer(TINY).eval()


def random_adapter(transformer: torch.nn.Module, seed: int = 1) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return {k: torch.randn(v.shape, generator=g) for k, v in adapter_state(transformer).items()}


def random_lora(seed: int = 2) -> LoraWeights:
    """LoRA tensors of the tiny model's 20 target modules with random A and B (rank 32, alpha 32)."""
    torch.manual_seed(0)
    model = build_transformer(TINY)
    add_lora(model, TINY.lora_rank, TINY.lora_alpha)
    g = torch.Generator().manual_seed(seed)
    tensors = {k: torch.randn(v.shape, generator=g) * 0.1 for k, v in lora_state(model).items()}
    return LoraWeights(tensors, TINY.lora_rank, float(TINY.lora_alpha))


def test_adapter_round_trip_ours(tmp_path, transformer):
    tensors = random_adapter(transformer)
    path = save_adapter(tmp_path / "adapter.safetensors", tensors, {"stage": "kinematic"})
    raw, metadata = read_safetensors(path)
    assert sorted(raw) == sorted(ADAPTER_KEYS)
    assert metadata["format"] == ADAPTER_FORMAT and metadata["version"] == "1" and metadata["stage"] == "kinematic"
    loaded = load_adapter(path, transformer)
    assert all(torch.equal(loaded[k], tensors[k]) for k in ADAPTER_KEYS)


@pytest.mark.parametrize("prefix", MACE_ADAPTER_PREFIXES)
def test_mace_adapter_every_prefix(tmp_path, transformer, prefix):
    tensors = random_adapter(transformer)
    mace = {prefix + k: v for k, v in tensors.items()}
    mace[prefix + "face_adapter.0.linear1_kv.weight"] = torch.zeros(3, 3)  # rest of the animate adapter: dropped
    mace[prefix + "motion_encoder.enc.fc.weight"] = torch.zeros(2)
    path = tmp_path / "Adapter.safetensors"
    save_file(mace, str(path))
    for loaded in (import_mace_adapter(path, transformer), load_adapter(path, transformer)):
        assert sorted(loaded) == sorted(ADAPTER_KEYS)
        assert all(torch.equal(loaded[k], tensors[k]) for k in ADAPTER_KEYS)


def test_mace_adapter_export_and_back(tmp_path, transformer):
    tensors = random_adapter(transformer)
    path = export_mace_adapter(tensors, tmp_path / "Adapter.safetensors")
    raw, _ = read_safetensors(path)
    assert all(key.startswith("pipe.animate_adapter.pose_patch_embedding.") for key in raw)
    back = import_mace_adapter(path, transformer)
    assert all(torch.equal(back[k], tensors[k]) for k in ADAPTER_KEYS)


def test_adapter_wrong_shape_names_file_and_key(tmp_path, transformer):
    tensors = random_adapter(transformer)
    tensors["pose_patch_embedding.bias"] = torch.zeros(7)
    path = tmp_path / "Adapter.safetensors"
    save_file({"animate_adapter." + k: v for k, v in tensors.items()}, str(path))
    with pytest.raises(ValueError, match=r"Adapter\.safetensors: pose_patch_embedding\.bias has shape \(7,\)"):
        import_mace_adapter(path, transformer)
    save_file({"animate_adapter.face_encoder.w": torch.zeros(2)}, str(path))
    with pytest.raises(ValueError, match="no pose_patch_embedding tensors"):
        import_mace_adapter(path, transformer)


def test_lora_injection_targets_only_blocks(transformer):
    lora = random_lora()
    assert len(lora.tensors) == 40  # spec: 2 layers x 10 modules x (A, B)
    assert all(k.startswith("blocks.") and "face_adapter" not in k and "add_k_proj" not in k for k in lora.tensors)


def test_lora_round_trip_ours(tmp_path, transformer):
    lora = random_lora()
    path = save_lora(tmp_path / "lora.safetensors", lora)
    _, metadata = read_safetensors(path)
    assert metadata["rank"] == "32" and float(metadata["alpha"]) == 32.0
    loaded = load_lora(path, transformer)
    assert loaded.rank == 32 and loaded.alpha == 32.0
    assert loaded.tensors.keys() == lora.tensors.keys()
    assert all(torch.equal(loaded.tensors[k], v) for k, v in lora.tensors.items())


def _wan_key(key: str, style: str) -> str:
    block, rest = key.split(".", 2)[1], key.split(".", 2)[2]
    module, part = rest.rsplit(".", 2)[0], rest.rsplit(".", 2)[1]
    wan = WAN_NAMES[module]
    if style == "diffsynth":  # DiffSynth trainer: peft adapter name left in
        return f"blocks.{block}.{wan}.{part}.default.weight"
    part = {"lora_A": "lora_down", "lora_B": "lora_up"}[part]
    return f"diffusion_model.blocks.{block}.{wan}.{part}.weight"


@pytest.mark.parametrize("style", ["diffsynth", "down_up"])
def test_mace_lora_original_wan_naming(tmp_path, transformer, style):
    lora = random_lora(seed=3)
    path = tmp_path / "LoRA.safetensors"
    save_file({_wan_key(k, style): v for k, v in lora.tensors.items()}, str(path))
    for loaded in (import_mace_lora(path, transformer), load_lora(path, transformer)):
        assert loaded.rank == 32 and loaded.scale == 1.0
        assert loaded.tensors.keys() == lora.tensors.keys()
        assert all(torch.equal(loaded.tensors[k], v) for k, v in lora.tensors.items())


def test_mace_lora_alpha_is_folded_into_b(tmp_path, transformer):
    lora = random_lora(seed=4)
    raw = {_wan_key(k, "down_up"): v for k, v in lora.tensors.items()}
    for key in list(raw):
        if key.endswith("lora_down.weight"):
            raw[key.replace(".lora_down.weight", ".alpha")] = torch.tensor(16.0)
    path = tmp_path / "LoRA.safetensors"
    save_file(raw, str(path))
    loaded = import_mace_lora(path, transformer)
    key = "blocks.1.ffn.net.2.lora_B.weight"
    assert torch.allclose(loaded.tensors[key], lora.tensors[key] * 0.5)


def test_mace_lora_export_and_back(tmp_path, transformer):
    lora = random_lora(seed=5)
    path = export_mace_lora(lora, tmp_path / "LoRA.safetensors")
    raw, _ = read_safetensors(path)
    assert "blocks.0.self_attn.q.lora_A.default.weight" in raw and "blocks.1.ffn.2.lora_B.default.weight" in raw
    back = import_mace_lora(path, transformer)
    assert all(torch.equal(back.tensors[k], v) for k, v in lora.tensors.items())


def test_mace_lora_wrong_keys(tmp_path, transformer):
    path = tmp_path / "LoRA.safetensors"
    save_file({"blocks.0.cross_attn.k_img.lora_A.default.weight": torch.zeros(32, 4)}, str(path))
    with pytest.raises(ValueError, match=r"LoRA\.safetensors: blocks\.0\.cross_attn\.k_img"):
        import_mace_lora(path, transformer)
    lora = random_lora()
    wrong = {_wan_key(k, "diffsynth"): v for k, v in lora.tensors.items()}
    wrong["blocks.0.self_attn.q.lora_B.default.weight"] = torch.zeros(5, 32)
    save_file(wrong, str(path))
    with pytest.raises(ValueError, match=r"LoRA\.safetensors: blocks\.0\.attn1\.to_q maps 24 -> 5"):
        import_mace_lora(path, transformer)


def test_set_lora_and_merge_match_peft(transformer):
    """peft layers at scale 0.5 and merging B@A at weight 0.5 give the same forward; set_lora round-trips."""
    lora = random_lora(seed=6)
    torch.manual_seed(0)
    peft_model = build_transformer(TINY).eval()
    add_lora(peft_model, lora.rank, lora.alpha)
    set_lora(peft_model, lora)
    assert all(torch.equal(lora_state(peft_model)[k], v) for k, v in lora.tensors.items())
    peft_model.set_adapters(["default"], weights=[0.5])
    torch.manual_seed(0)
    merged = build_transformer(TINY).eval()
    assert merge_lora(merged, lora, weight=0.5) == 20
    g = torch.Generator().manual_seed(0)
    inputs = {
        "hidden_states": torch.randn(1, 36, 3, 2, 2, generator=g), "timestep": torch.tensor([500.0]),
        "encoder_hidden_states": torch.randn(1, 8, 32, generator=g),
        "encoder_hidden_states_image": torch.randn(1, 5, 4, generator=g),
        "pose_hidden_states": torch.randn(1, 16, 2, 2, 2, generator=g),
        "face_pixel_values": torch.rand(1, 3, 5, 16, 16, generator=g) * 2 - 1, "return_dict": False,
    }  # fmt: skip
    with torch.no_grad():
        a, b = peft_model(**inputs)[0], merged(**inputs)[0]
        base = transformer(**inputs)[0]
    assert torch.allclose(a, b, atol=1e-5)
    assert not torch.allclose(a, base, atol=1e-3)


def test_convert_cli_mace_to_ours_and_back(tmp_path, transformer):
    tensors = random_adapter(transformer, seed=7)
    lora = random_lora(seed=8)
    save_file({"module.pipe.animate_adapter." + k: v for k, v in tensors.items()}, str(tmp_path / "Adapter.safetensors"))
    save_file({_wan_key(k, "diffsynth"): v for k, v in lora.tensors.items()}, str(tmp_path / "LoRA.safetensors"))
    out = tmp_path / "ours"
    args = ["--adapter", str(tmp_path / "Adapter.safetensors"), "--lora", str(tmp_path / "LoRA.safetensors"),
            "--out", str(out), "--preset", "tiny"]  # fmt: skip
    assert convert.main(args) == 0
    assert all(torch.equal(load_adapter(out / "adapter.safetensors")[k], tensors[k]) for k in ADAPTER_KEYS)
    ours = load_lora(out / "lora.safetensors")
    assert read_safetensors(out / "lora.safetensors")[1]["format"] == "mace-bench/appearance-lora"
    assert all(torch.equal(ours.tensors[k], v) for k, v in lora.tensors.items())
    back = tmp_path / "mace"
    assert convert.main(["--adapter", str(out / "adapter.safetensors"), "--lora", str(out / "lora.safetensors"),
                         "--out", str(back), "--to", "mace", "--preset", "tiny"]) == 0  # fmt: skip
    assert all(torch.equal(import_mace_adapter(back / "Adapter.safetensors")[k], tensors[k]) for k in ADAPTER_KEYS)
    assert all(torch.equal(import_mace_lora(back / "LoRA.safetensors").tensors[k], v) for k, v in lora.tensors.items())


@pytest.mark.parametrize("flag", ["--adapter", "--lora"])
def test_convert_cli_bad_files_one_line(tmp_path, capsys, flag):
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(bytes(range(256)) * 8)
    assert convert.main([flag, str(junk), "--out", str(tmp_path / "o"), "--preset", "tiny"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(junk) in err and "not a readable safetensors file" in err
    assert "Traceback" not in err
    wrong = tmp_path / "wrong.safetensors"
    save_file({"something.else": torch.zeros(2)}, str(wrong))
    assert convert.main([flag, str(wrong), "--out", str(tmp_path / "o"), "--preset", "tiny"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(wrong) in err
    assert convert.main([flag, str(tmp_path / "absent.safetensors"), "--out", str(tmp_path / "o"), "--preset", "tiny"]) == 1
    assert f"absent.safetensors: no such file ({flag})" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_inference_helpers_load_and_merge_files(tmp_path, transformer):
    """What generate.py calls: the adapter file copied in, the LoRA file merged at the given weight."""
    from models.appearance_expert.weights import load_adapter_into, merge_lora_into

    tensors = random_adapter(transformer, seed=9)
    lora = random_lora(seed=10)
    save_file({"pipe.animate_adapter." + k: v for k, v in tensors.items()}, str(tmp_path / "Adapter.safetensors"))
    save_file({_wan_key(k, "diffsynth"): v for k, v in lora.tensors.items()}, str(tmp_path / "LoRA.safetensors"))
    torch.manual_seed(0)
    model = build_transformer(TINY)
    load_adapter_into(model, tmp_path / "Adapter.safetensors")
    assert torch.equal(model.pose_patch_embedding.weight, tensors["pose_patch_embedding.weight"])
    base = model.blocks[0].attn1.to_q.weight.detach().clone()
    merge_lora_into(model, tmp_path / "LoRA.safetensors", 0.5)
    a, b = lora.tensors["blocks.0.attn1.to_q.lora_A.weight"], lora.tensors["blocks.0.attn1.to_q.lora_B.weight"]
    assert torch.allclose(model.blocks[0].attn1.to_q.weight, base + 0.5 * b @ a, atol=1e-6)
