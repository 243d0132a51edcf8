"""Wan2.2-Animate-14B's original release files -> a diffusers-layout transformer folder, by diffusers' own converter.

The original transformer ships as safetensors shards in Wan's naming (`self_attn.q`, `ffn.0`, `face_adapter.
fuser_blocks`, `motion_encoder.enc.net_app`, ...). The shards are merged, renamed by diffusers'
`convert_wan_transformer_to_diffusers` (the function behind `from_single_file`), loaded strictly into the
architecture (every tensor present, none left over, shapes checked) and saved with `save_pretrained`, so
`load_pipeline` can use the folder. The umT5 and open-clip `.pth` files have no diffusers converter: take
those components from the diffusers release (see docs/models.md).
"""

from __future__ import annotations

from pathlib import Path

import torch
from diffusers import WanAnimateTransformer3DModel
from diffusers.loaders.single_file_utils import convert_wan_transformer_to_diffusers
from safetensors import SafetensorError
from safetensors.torch import load_file

from models.appearance_expert.config import ModelConfig
from models.files import atomic_dir


def read_shards(shards: list[Path]) -> dict[str, torch.Tensor]:
    """All tensors of the safetensors `shards`, merged (ValueError naming a file that is unreadable or repeats a key)."""
    merged: dict[str, torch.Tensor] = {}
    for shard in shards:
        try:
            tensors = load_file(str(shard))
        except (SafetensorError, OSError) as error:
            raise ValueError(f"{shard}: not a readable safetensors file ({error})") from error
        repeated = merged.keys() & tensors.keys()
        if repeated:
            raise ValueError(f"{shard}: tensor {sorted(repeated)[0]!r} is also in another shard")
        merged.update(tensors)
    return merged


def _shards_name(shards: list[Path]) -> str:
    """The shard file, or the folder and count of several, for messages."""
    return str(shards[0]) if len(shards) == 1 else f"{shards[0].parent} ({len(shards)} shards)"


def convert_original_transformer(
    shards: list[Path], config: ModelConfig, dtype: torch.dtype = torch.bfloat16
) -> WanAnimateTransformer3DModel:
    """The transformer of `config` holding the original-layout `shards` (ValueError naming missing/extra tensors)."""
    state = convert_wan_transformer_to_diffusers(read_shards(shards))
    with torch.device("meta"):
        model = WanAnimateTransformer3DModel(**config.transformer)
    expected = model.state_dict()
    missing, extra = expected.keys() - state.keys(), state.keys() - expected.keys()
    where = _shards_name(shards)
    if missing or extra:
        raise ValueError(
            f"{where}: not the Wan2.2-Animate original layout for the {config.name!r} transformer: "
            f"{len(missing)} tensors missing (e.g. {sorted(missing)[:2]}), {len(extra)} unexpected (e.g. {sorted(extra)[:2]})"
        )
    wrong = [k for k, v in state.items() if v.shape != expected[k].shape]
    if wrong:
        raise ValueError(f"{where}: tensor {wrong[0]!r} is {tuple(state[wrong[0]].shape)}, "
                         f"the {config.name!r} transformer needs {tuple(expected[wrong[0]].shape)}")  # fmt: skip
    model.load_state_dict({k: v.to(dtype) for k, v in state.items()}, strict=True, assign=True)
    return model.eval()


def write_transformer_folder(model: WanAnimateTransformer3DModel, out: Path) -> Path:
    """Save `model` as `out/transformer` (config + sharded safetensors), atomically as a folder."""
    target = Path(out) / "transformer"
    with atomic_dir(target) as tmp:
        model.save_pretrained(tmp, safe_serialization=True)
    return target
