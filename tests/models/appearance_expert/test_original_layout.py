"""Original Wan2.2-Animate release layout -> our transformer, through diffusers' converter: a tiny model round trip."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from models.appearance_expert.config import TINY
from models.appearance_expert.original_layout import convert_original_transformer, write_transformer_folder
from models.appearance_expert.pipeline import build_transformer

# diffusers name -> Wan original name, applied in this order (the inverse of the release converter's renames)
_BASE = (
    ("condition_embedder.time_embedder.linear_1", "time_embedding.0"),
    ("condition_embedder.time_embedder.linear_2", "time_embedding.2"),
    ("condition_embedder.text_embedder.linear_1", "text_embedding.0"),
    ("condition_embedder.text_embedder.linear_2", "text_embedding.2"),
    ("condition_embedder.time_proj", "time_projection.1"),
    ("condition_embedder.image_embedder.norm1", "img_emb.proj.0"),
    ("condition_embedder.image_embedder.ff.net.0.proj", "img_emb.proj.1"),
    ("condition_embedder.image_embedder.ff.net.2", "img_emb.proj.3"),
    ("condition_embedder.image_embedder.norm2", "img_emb.proj.4"),
    ("attn2", "cross_attn"), ("attn1", "self_attn"), (".to_out.0.", ".o."), (".to_q.", ".q."), (".to_k.", ".k."),
    (".to_v.", ".v."), (".add_k_proj.", ".k_img."), (".add_v_proj.", ".v_img."), (".norm_added_k.", ".norm_k_img."),
    ("ffn.net.0.proj", "ffn.0"), ("ffn.net.2", "ffn.2"), ("proj_out", "head.head"),
    ("norm3", "norm__swap"), ("norm2", "norm3"), ("norm__swap", "norm2"),
)  # fmt: skip
_MOTION = {
    "motion_encoder.motion_synthesis_weight": "motion_encoder.dec.direction.weight",
    "motion_encoder.conv_in.weight": "motion_encoder.enc.net_app.convs.0.0.weight",
    "motion_encoder.conv_in.act_fn.bias": "motion_encoder.enc.net_app.convs.0.1.bias",
    "motion_encoder.conv_out.weight": "motion_encoder.enc.net_app.convs.8.weight",
}
for _i in range(7):
    _MOTION.update({
        f"motion_encoder.res_blocks.{_i}.conv1.weight": f"motion_encoder.enc.net_app.convs.{_i + 1}.conv1.0.weight",
        f"motion_encoder.res_blocks.{_i}.conv1.act_fn.bias": f"motion_encoder.enc.net_app.convs.{_i + 1}.conv1.1.bias",
        f"motion_encoder.res_blocks.{_i}.conv2.weight": f"motion_encoder.enc.net_app.convs.{_i + 1}.conv2.1.weight",
        f"motion_encoder.res_blocks.{_i}.conv2.act_fn.bias": f"motion_encoder.enc.net_app.convs.{_i + 1}.conv2.2.bias",
        f"motion_encoder.res_blocks.{_i}.conv_skip.weight": f"motion_encoder.enc.net_app.convs.{_i + 1}.skip.1.weight",
    })  # fmt: skip


def _original(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Our transformer's tensors under the names and shapes of the Wan2.2-Animate release files."""
    out: dict[str, torch.Tensor] = {}
    for key, tensor in state.items():
        if key.startswith("face_adapter."):
            if ".to_v." in key:
                continue  # joined with to_k into linear1_kv below
            name = key.replace("face_adapter.", "face_adapter.fuser_blocks.")
            for new, old in ((".to_q.", ".linear1_q."), (".to_out.", ".linear2."), (".norm_q.", ".q_norm."),
                             (".norm_k.", ".k_norm.")):  # fmt: skip
                name = name.replace(new, old)
            if ".to_k." in key:
                name = name.replace(".to_k.", ".linear1_kv.")
                tensor = torch.cat([tensor, state[key.replace(".to_k.", ".to_v.")]])
        elif key.startswith("motion_encoder."):
            name = _MOTION.get(key) or key.replace("motion_encoder.motion_network", "motion_encoder.enc.fc")
            if ".net_app.convs." in name and name.endswith(".bias"):
                tensor = tensor[None, :, None, None]
        elif key.startswith("face_encoder."):
            name = key
            for conv in ("conv1_local", "conv2", "conv3"):
                name = name.replace(f"face_encoder.{conv}.", f"face_encoder.{conv}.conv.")
        elif key == "scale_shift_table":
            name = "head.modulation"
        else:
            name = key.replace("scale_shift_table", "modulation")
            for new, old in _BASE:
                name = name.replace(new, old)
        out[name] = tensor.clone()
    return out


def _shards(tmp_path: Path, tensors: dict[str, torch.Tensor]) -> list[Path]:
    keys = sorted(tensors)
    half = len(keys) // 2
    paths = []
    for k, part in enumerate((keys[:half], keys[half:])):
        path = tmp_path / f"diffusion_pytorch_model-0000{k + 1}-of-00002.safetensors"
        save_file({key: tensors[key].contiguous() for key in part}, str(path))
        paths.append(path)
    return paths


def test_release_shards_convert_to_the_same_tensors(tmp_path: Path):
    torch.manual_seed(0)
    source = build_transformer(TINY).state_dict()
    shards = _shards(tmp_path, _original(source))
    model = convert_original_transformer(shards, TINY, dtype=torch.float32)
    for key, tensor in model.state_dict().items():
        assert torch.equal(tensor, source[key]), key
    folder = write_transformer_folder(model, tmp_path / "wan")
    reloaded = type(model).from_pretrained(folder, local_files_only=True)
    assert all(torch.equal(v, source[k]) for k, v in reloaded.state_dict().items())


def test_a_file_in_another_layout_is_refused_by_name(tmp_path: Path):
    torch.manual_seed(0)
    shards = _shards(tmp_path, build_transformer(TINY).state_dict())  # diffusers names, not the release's
    with pytest.raises(ValueError, match="not the Wan2.2-Animate original layout"):
        convert_original_transformer(shards, TINY)
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"\x00" * 64)
    with pytest.raises(ValueError, match="junk.safetensors: not a readable safetensors file"):
        convert_original_transformer([junk], TINY)


def test_convert_cli_writes_a_transformer_folder_and_names_a_missing_shard(tmp_path: Path, capsys):
    from models.appearance_expert.convert import main

    torch.manual_seed(0)
    shards = _shards(tmp_path, _original(build_transformer(TINY).state_dict()))
    out = tmp_path / "wan"
    assert main(["--wan-original", *map(str, shards), "--preset", "tiny", "--out", str(out)]) == 0
    assert (out / "transformer" / "config.json").is_file()
    assert main(["--wan-original", str(tmp_path / "gone.safetensors"), "--out", str(out)]) == 1
    assert "gone.safetensors: no such file (--wan-original)" in capsys.readouterr().err
