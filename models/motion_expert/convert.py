"""Import a checkpoint of the public MACE-Dance Motion Expert (AMAP-ML/MACE-Dance, Expert-Motion,
EDGE-style `torch.save({"model_state_dict", "ema_state_dict", "optimizer_state_dict", "normalizer"})`)
into this project's `MotionExpert` and write it as a safetensors checkpoint.

    python -m models.motion_expert.convert train-2000.pt --out motion_expert.safetensors [--weights ema]

The key layout assumed is written down in docs/models.md. The pickled `normalizer` (EDGE's
`Normalizer` holding a `MinMaxScaler` with `data_min_`/`data_max_`) is read by torch's `weights_only`
unpickler: tensors and containers, plus those two class names mapped to an inert attribute holder (EDGE's
code is never imported); any other global (builtins, os, torch/numpy callables) is refused.
"""

from __future__ import annotations

import pickle
import re
import sys
import zipfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch

from models import safe_pickle
from models.diffusion.checkpoint import CheckpointMeta, save_checkpoint
from models.diffusion.guidance import GUIDANCE_PRESETS
from models.diffusion.normalizer import MinMaxNormalizer
from models.motion_expert.model import MotionExpert, MotionExpertConfig
from models.command_line import ArgumentParser, InputError, command, require_file, require_writable

# (official key pattern, this project's key) applied in order; \1 is the layer index.
RENAMES = [
    (r"^time_mlp\.1\.", "time_embed.linear_1."), (r"^time_mlp\.3\.", "time_embed.linear_2."),
    (r"^beta_mlp\.1\.", "beta_embed.linear_1."), (r"^beta_mlp\.3\.", "beta_embed.linear_2."),
    (r"^input_projection\.", "motion_in."), (r"^cond_projection\.", "music_in."),
    (r"^final_layer\.", "motion_out."), (r"^null_cond_embed$", "null_music"),
    (r"^musiclayerstack\.(\d+)\.bimamba\.mamba_forward\.", r"music_layers.\1.mixer.forward_mamba."),
    (r"^musiclayerstack\.(\d+)\.bimamba\.mamba_backward\.", r"music_layers.\1.mixer.backward_mamba."),
    (r"^musiclayerstack\.(\d+)\.bimamba\.norm\.", r"music_layers.\1.mixer.norm."),
    (r"^musiclayerstack\.(\d+)\.film\.block\.1\.", r"music_layers.\1.film.proj."),
    (r"^musiclayerstack\.(\d+)\.genre_MLP\.0\.", r"music_layers.\1.genre.embed."),
    (r"^musiclayerstack\.(\d+)\.genre_MLP\.1\.", r"music_layers.\1.genre.linear_1."),
    (r"^musiclayerstack\.(\d+)\.genre_MLP\.3\.", r"music_layers.\1.genre.linear_2."),
    (r"^dancelayerstack\.(\d+)\.bimamba\.mamba_forward\.", r"dance_layers.\1.mixer.forward_mamba."),
    (r"^dancelayerstack\.(\d+)\.bimamba\.mamba_backward\.", r"dance_layers.\1.mixer.backward_mamba."),
    (r"^dancelayerstack\.(\d+)\.bimamba\.norm\.", r"dance_layers.\1.mixer.norm."),
    (r"^dancelayerstack\.(\d+)\.transformer\.cross_attn\.", r"dance_layers.\1.cross.attn."),
    (r"^dancelayerstack\.(\d+)\.transformer\.norm_dance\.", r"dance_layers.\1.cross.norm_motion."),
    (r"^dancelayerstack\.(\d+)\.transformer\.norm_music\.", r"dance_layers.\1.cross.norm_music."),
    (r"^dancelayerstack\.(\d+)\.transformer\.norm\.", r"dance_layers.\1.cross.norm_ff."),
    (r"^dancelayerstack\.(\d+)\.transformer\.linear1\.", r"dance_layers.\1.cross.ff_in."),
    (r"^dancelayerstack\.(\d+)\.transformer\.linear2\.", r"dance_layers.\1.cross.ff_out."),
    (r"^dancelayerstack\.(\d+)\.film1\.block\.1\.", r"dance_layers.\1.film_mixer.proj."),
    (r"^dancelayerstack\.(\d+)\.film2\.block\.1\.", r"dance_layers.\1.film_cross.proj."),
]  # fmt: skip


class _Holder:
    """Stands in for EDGE's normaliser classes: torch's safe unpickler fills its `__dict__`, nothing runs."""


# the only globals a public checkpoint holds beyond torch's weights_only defaults (EDGE's dataset/preprocess.py
# `Normalizer` holding a dataset/scaler.py `MinMaxScaler`, pickled under the training script's module paths)
_NORMALIZER_GLOBALS = [(_Holder, "dataset.preprocess.Normalizer"), (_Holder, "dataset.scaler.MinMaxScaler")]


# the tensors whose shapes give the architecture: official name -> ours
SIZE_KEYS = {
    "input_projection.weight": "motion_in.weight", "cond_projection.weight": "music_in.weight",
    "musiclayerstack.0.genre_MLP.0.weight": "music_layers.0.genre.embed.weight",
    "dancelayerstack.0.transformer.linear1.weight": "dance_layers.0.cross.ff_in.weight",
    "dancelayerstack.0.bimamba.mamba_forward.A_log": "dance_layers.0.mixer.forward_mamba.A_log",
    "dancelayerstack.0.bimamba.mamba_forward.conv1d.weight": "dance_layers.0.mixer.forward_mamba.conv1d.weight",
}  # fmt: skip


def rename_official(state: dict[str, torch.Tensor], source: str | Path = "state dict") -> dict[str, torch.Tensor]:
    """Official DanceDecoder keys (optionally `module.`-prefixed) -> MotionExpert keys."""
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise InputError(source, "the state dict is not a mapping of names to tensors")
    out = {}
    for key, value in state.items():
        key = key.removeprefix("module.")
        for pattern, repl in RENAMES:
            new, hits = re.subn(pattern, repl, key)
            if hits:
                out[new] = value
                break
        else:
            raise InputError(source, f"unexpected key {key!r}: not the public MACE-Dance Motion Expert layout "
                             "(input_projection, musiclayerstack, dancelayerstack, ...; docs/models.md)")  # fmt: skip
    missing = [official for official, ours in SIZE_KEYS.items() if ours not in out]
    if missing:
        raise InputError(source, f"missing {', '.join(missing)}: not the public MACE-Dance Motion Expert layout "
                         "(docs/models.md)")  # fmt: skip
    return out


def infer_config(state: dict[str, torch.Tensor]) -> MotionExpertConfig:
    """Architecture sizes read off the (renamed) weights; heads are not stored, the public code uses 8."""
    width = state["motion_in.weight"].shape[0]
    layers = lambda prefix: len({k.split(".")[1] for k in state if k.startswith(prefix)})
    mamba = "dance_layers.0.mixer.forward_mamba."
    return MotionExpertConfig(
        width=width, ff_width=state["dance_layers.0.cross.ff_in.weight"].shape[0], heads=8,
        dance_layers=layers("dance_layers."), music_layers=layers("music_layers."),
        motion_dim=state["motion_in.weight"].shape[1], music_dim=state["music_in.weight"].shape[1],
        num_genres=state["music_layers.0.genre.embed.weight"].shape[0],
        d_state=state[mamba + "A_log"].shape[1], d_conv=state[mamba + "conv1d.weight"].shape[-1],
        expand=state[mamba + "A_log"].shape[0] // width,
    )


def _as_tensor(value: Any, what: str) -> torch.Tensor:
    if isinstance(value, (torch.Tensor, np.ndarray)):
        return torch.as_tensor(np.asarray(value, dtype=np.float32))
    raise ValueError(f"official checkpoint normaliser: {what} is {type(value).__name__}, expected an array")


def official_normalizer(normalizer: Any) -> MinMaxNormalizer:
    """EDGE's Normalizer(scaler=MinMaxScaler(data_min_, data_max_)) -> MinMaxNormalizer."""
    scaler = getattr(normalizer, "scaler", normalizer)
    if not hasattr(scaler, "data_min_") or not hasattr(scaler, "data_max_"):
        raise ValueError("official checkpoint normaliser has no scaler.data_min_ / data_max_")
    return MinMaxNormalizer(_as_tensor(scaler.data_min_, "data_min_"), _as_tensor(scaler.data_max_, "data_max_"))


def _first_line(error: BaseException) -> str:
    """The first non-empty line of an error message (torch's refusals append paragraphs of advice)."""
    return next((line.strip() for line in str(error).splitlines() if line.strip()), type(error).__name__)


def _refusal(source: Path, error: pickle.UnpicklingError) -> str:
    """Name the globals torch's safe loader refused: read from the archive's pickle opcodes, else torch's message."""
    allowed = {name for _, name in _NORMALIZER_GLOBALS} | {"collections.OrderedDict", "_codecs.encode"}
    try:
        with zipfile.ZipFile(source) as archive:
            data = next(archive.read(n) for n in archive.namelist() if n.endswith("/data.pkl"))
        names = [n for n in safe_pickle.pickle_globals(data) if not n.startswith("torch.") and n not in allowed]
    except (OSError, zipfile.BadZipFile, StopIteration):  # legacy (non-zip) torch format
        names = []
    if names:
        return f"refused pickle global {', '.join(names)}"
    detail = [line.strip() for line in str(error).splitlines() if "GLOBAL" in line or "Unsupported" in line]
    return f"refused by torch's safe loader ({detail[0] if detail else _first_line(error)})"


def _torch_archive(source: Path) -> None:
    """InputError unless `source` starts like a torch.save file (a zip archive or a protocol-2 pickle)."""
    with source.open("rb") as handle:
        legacy_pickle = handle.read(2) == b"\x80\x02"
    if not legacy_pickle and not zipfile.is_zipfile(source):
        raise InputError(source, "not a torch checkpoint (neither a torch.save zip archive nor a pickle); the public "
                         "Motion Expert release is a .pt file such as train-2000.pt")  # fmt: skip


def convert(source: str | Path, dest: str | Path, weights: str = "model", genres: tuple[str, ...] = ("unknown",)) -> Path:
    """Official checkpoint -> this project's safetensors checkpoint (GFT as in the public code)."""
    source = require_file(source, "source")
    _torch_archive(source)
    try:
        with torch.serialization.safe_globals(_NORMALIZER_GLOBALS):
            checkpoint = torch.load(source, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:  # weights_only refusal
        raise InputError(source, f"{_refusal(source, error)} (a public checkpoint holds only tensors and its normaliser)") from None
    except Exception as error:  # a corrupt file can make the unpickler raise almost anything
        raise InputError(source, f"not a readable torch checkpoint ({_first_line(error)})") from error
    key = {"model": "model_state_dict", "ema": "ema_state_dict"}[weights]
    if not isinstance(checkpoint, dict) or key not in checkpoint or "normalizer" not in checkpoint:
        raise InputError(source, f"expected a dict with {key!r} and 'normalizer' (EDGE-style checkpoint)")
    state = rename_official(checkpoint[key], source)
    try:
        config = infer_config(state)
        MotionExpert(config).load_state_dict(state)  # strict: every tensor accounted for, shapes right
    except (RuntimeError, IndexError, ValueError) as error:
        raise InputError(source, f"tensors do not fit the Motion Expert their sizes describe ({_first_line(error)})") from None
    try:
        normalizer = official_normalizer(checkpoint["normalizer"])
    except ValueError as error:
        raise InputError(source, str(error)) from None
    meta = CheckpointMeta(
        kind="motion_expert", model=config.to_dict(), guidance=asdict(GUIDANCE_PRESETS["gft-public"]),
        genres=genres, label=f"converted from the public MACE-Dance checkpoint {source.name} ({weights} weights)",
    )
    tensors = {f"model.{k}": v for k, v in state.items()}
    tensors.update({f"normalizer.{k}": v for k, v in normalizer.state_dict().items()})
    return save_checkpoint(dest, meta, tensors)


@command
def main(argv: list[str] | None = None) -> int:
    p = ArgumentParser(prog="python -m models.motion_expert.convert", description=__doc__.split("\n\n")[0])
    p.add_argument("source", type=Path, help="official .pt checkpoint")
    p.add_argument("--out", type=Path, required=True, help="safetensors checkpoint to write")
    p.add_argument("--weights", choices=["model", "ema"], default="model", help="the public test code loads 'model'")
    p.add_argument("--genres", nargs="*", help="genre names by embedding index (index 0 is used for unknown genres)")
    args = p.parse_args(argv)
    require_file(args.source, "source")
    require_writable(args.out, "--out")
    out = convert(args.source, args.out, args.weights, tuple(args.genres) if args.genres else ("unknown",))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
