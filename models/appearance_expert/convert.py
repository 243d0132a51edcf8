"""Convert MACE-Dance's Expert-Appearance weights to our layout (or back): `Adapter.safetensors`, `LoRA.safetensors`;
and Wan2.2-Animate-14B's original transformer shards to a diffusers `transformer/` folder.

    python -m models.appearance_expert.convert --adapter MACE_Adapter.safetensors --lora MACE_LoRA.safetensors --out DIR
    python -m models.appearance_expert.convert --adapter DIR/adapter.safetensors --lora DIR/lora.safetensors \
        --out MACE_DIR --to mace
    python -m models.appearance_expert.convert --wan-original Wan2.2-Animate-14B/diffusion_pytorch_model-*.safetensors \
        --out WAN_DIFFUSERS_DIR    # writes WAN_DIFFUSERS_DIR/transformer (models.appearance_expert.original_layout)

Writes DIR/adapter.safetensors and DIR/lora.safetensors (layouts: models.appearance_expert.weights), or with
`--to mace` DIR/Adapter.safetensors and DIR/LoRA.safetensors. Shapes are checked against the preset's transformer
(built on the meta device: no memory, no weights). Either input may be in either layout. Only safetensors are read.
A bad file ends with one line naming it and the problem, exit status 1 (2 for a bad flag or output folder).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import torch

from models.appearance_expert.config import PRESETS, preset
from models.appearance_expert.weights import (
    check_adapter,
    check_lora,
    export_mace_adapter,
    export_mace_lora,
    load_adapter,
    load_lora,
    save_adapter,
    save_lora,
)
from models.command_line import ArgumentParser, UsageError, command, require_file, require_writable

log = logging.getLogger(__name__)


def shape_reference(name: str) -> torch.nn.Module:
    """The preset's transformer on the meta device: module names and shapes only.

    Built from diffusers directly (pipeline.build_transformer's one line): importing pipeline.py pulls in the
    transformers image processors, whose torchvision warning would add a line to this CLI's one-line errors.
    """
    from diffusers import WanAnimateTransformer3DModel

    with torch.device("meta"):
        return WanAnimateTransformer3DModel(**preset(name).transformer)


def check_inputs(adapter: Path | None, lora: Path | None, out: Path, wan_original: list[Path] | None) -> None:
    """Every input file and the output folder checked before diffusers (seconds to import) or any tensor loads."""
    if adapter is None and lora is None and not wan_original:
        raise UsageError("nothing to convert: pass --adapter, --lora and/or --wan-original")
    for path in wan_original or []:
        require_file(path, "--wan-original")
    for path, flag in ((adapter, "--adapter"), (lora, "--lora")):
        if path is not None:
            require_file(path, flag)
    require_writable(out, "--out", folder=True)


def convert(
    adapter: Path | None, lora: Path | None, out: Path, to: str = "ours", preset_name: str = "real",
    wan_original: list[Path] | None = None,
) -> list[Path]:  # fmt: skip
    """Convert the given files into `out`; returns the files (or the transformer folder) written.

    Every input is read and checked before anything is written, so a bad file leaves `out` as it was."""
    check_inputs(adapter, lora, out, wan_original)
    adapter_tensors = load_adapter(adapter) if adapter is not None else None  # layouts first: no diffusers import yet
    lora_weights = load_lora(lora) if lora is not None else None
    if adapter_tensors is not None or lora_weights is not None:
        transformer = shape_reference(preset_name)
        if adapter is not None and adapter_tensors is not None:
            check_adapter(adapter, adapter_tensors, transformer)
        if lora is not None and lora_weights is not None:
            check_lora(lora, lora_weights, transformer)
    written = []
    if wan_original:
        from models.appearance_expert.original_layout import convert_original_transformer, write_transformer_folder

        written.append(write_transformer_folder(convert_original_transformer(wan_original, preset(preset_name)), out))
    if adapter is not None and adapter_tensors is not None:
        if to == "mace":
            written.append(export_mace_adapter(adapter_tensors, out / "Adapter.safetensors"))
        else:
            written.append(save_adapter(out / "adapter.safetensors", adapter_tensors, {"source": str(adapter.name)}))
    if lora is not None and lora_weights is not None:
        if to == "mace":
            written.append(export_mace_lora(lora_weights, out / "LoRA.safetensors"))
        else:
            lora_weights.metadata.setdefault("source", str(lora.name))
            written.append(save_lora(out / "lora.safetensors", lora_weights))
    return written


def build_parser() -> argparse.ArgumentParser:
    p = ArgumentParser(prog="python -m models.appearance_expert.convert", description=__doc__.splitlines()[0])
    p.add_argument("--adapter", type=Path, help="body adapter: MACE's Adapter.safetensors (or ours)")
    p.add_argument("--lora", type=Path, help="aesthetic LoRA: MACE's LoRA.safetensors (or ours)")
    p.add_argument("--wan-original", type=Path, nargs="+", metavar="SHARD",
                   help="Wan2.2-Animate-14B transformer shards in the original release layout -> OUT/transformer")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--to", choices=["ours", "mace"], default="ours", help="layout to write (default: ours)")
    p.add_argument("--preset", choices=sorted(PRESETS), default="real", help="architecture the shapes must fit")
    p.add_argument("-v", "--verbose", action="store_true")
    return p


@command
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    written = convert(args.adapter, args.lora, args.out, args.to, args.preset, args.wan_original)
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
