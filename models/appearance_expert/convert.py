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
A bad file ends with one line naming it and the problem, exit status 2.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import torch

from models.appearance_expert.config import PRESETS, preset
from models.appearance_expert.weights import (
    export_mace_adapter,
    export_mace_lora,
    load_adapter,
    load_lora,
    save_adapter,
    save_lora,
)
from models.command_line import ArgumentParser, command

log = logging.getLogger(__name__)


def shape_reference(name: str) -> torch.nn.Module:
    """The preset's transformer on the meta device: module names and shapes only.

    Built from diffusers directly (pipeline.build_transformer's one line): importing pipeline.py pulls in the
    transformers image processors, whose torchvision warning would add a line to this CLI's one-line errors.
    """
    from diffusers import WanAnimateTransformer3DModel

    with torch.device("meta"):
        return WanAnimateTransformer3DModel(**preset(name).transformer)


def convert(
    adapter: Path | None, lora: Path | None, out: Path, to: str = "ours", preset_name: str = "real",
    wan_original: list[Path] | None = None,
) -> list[Path]:  # fmt: skip
    """Convert the given files into `out`; returns the files (or the transformer folder) written."""
    if adapter is None and lora is None and not wan_original:
        raise ValueError("nothing to convert: pass --adapter, --lora and/or --wan-original")
    written = []
    if wan_original:
        from models.appearance_expert.original_layout import convert_original_transformer, write_transformer_folder

        missing = [path for path in wan_original if not path.is_file()]
        if missing:
            raise FileNotFoundError(f"{missing[0]}: Wan2.2-Animate transformer shard not found")
        written.append(write_transformer_folder(convert_original_transformer(wan_original, preset(preset_name)), out))
    if adapter is None and lora is None:
        return written
    transformer = shape_reference(preset_name)
    if adapter is not None:
        tensors = load_adapter(adapter, transformer)
        if to == "mace":
            written.append(export_mace_adapter(tensors, out / "Adapter.safetensors"))
        else:
            written.append(save_adapter(out / "adapter.safetensors", tensors, {"source": str(adapter.name)}))
    if lora is not None:
        weights = load_lora(lora, transformer)
        if to == "mace":
            written.append(export_mace_lora(weights, out / "LoRA.safetensors"))
        else:
            weights.metadata.setdefault("source", str(lora.name))
            written.append(save_lora(out / "lora.safetensors", weights))
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
    try:
        written = convert(args.adapter, args.lora, args.out, args.to, args.preset, args.wan_original)
    except (ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
