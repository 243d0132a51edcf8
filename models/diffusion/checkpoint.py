"""safetensors checkpoints of the dance diffusion models: weights (+EMA, optimiser, RNG for
resuming) as tensors; model kind, config, guidance, diffusion settings, genre vocabulary, normaliser
and training state as JSON metadata. Writes are atomic (temp file + rename)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save
from torch import nn

from models.command_line import InputError
from models.diffusion.guidance import GuidanceConfig
from models.diffusion.kinds import ModelKind
from models.diffusion.normalizer import MinMaxNormalizer
from models.diffusion.schedule import DiffusionConfig
from models.files import atomic_write, sha256_file

FORMAT = "mace-bench/dance-diffusion/1"


@dataclass(frozen=True)
class CheckpointMeta:
    """Everything besides tensors that a checkpoint needs to rebuild and use its model."""

    kind: str
    model: dict
    guidance: dict
    diffusion: dict = field(default_factory=lambda: asdict(DiffusionConfig()))
    genres: tuple[str, ...] = ("unknown",)
    step: int = 0
    train: dict = field(default_factory=dict)
    label: str | None = None

    def guidance_config(self) -> GuidanceConfig:
        return GuidanceConfig(**self.guidance)

    def diffusion_config(self) -> DiffusionConfig:
        return DiffusionConfig(**self.diffusion)


def build_model(meta: CheckpointMeta, kind: ModelKind) -> nn.Module:
    """A fresh module of `kind` with the checkpoint's config (ValueError when the kinds differ)."""
    if meta.kind != kind.name:
        raise ValueError(f"a {meta.kind} checkpoint cannot build a {kind.name} model")
    return kind.model(kind.config(**meta.model))


def save_checkpoint(path: str | Path, meta: CheckpointMeta, tensors: dict[str, torch.Tensor]) -> Path:
    """Atomically write tensors (contiguous CPU copies) and `meta` as one safetensors file."""
    data = {k: v.detach().to("cpu").contiguous() for k, v in tensors.items()}
    header = {"format": FORMAT, "meta": json.dumps(asdict(meta))}
    blob = save(data, metadata=header)
    return atomic_write(path, lambda handle: handle.write(blob))


def read_checkpoint_meta(path: str | Path) -> CheckpointMeta:
    """A checkpoint's metadata from its header alone (cheap, so a resume is checked before any data loads)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such checkpoint")
    try:
        with safe_open(str(path), framework="pt") as handle:
            header = handle.metadata() or {}
    except (SafetensorError, OSError, ValueError) as error:
        raise InputError(path, f"not a readable safetensors checkpoint ({error})") from error
    if header.get("format") != FORMAT:
        raise InputError(path, f"not a {FORMAT} checkpoint (format {header.get('format')!r})")
    try:
        raw = json.loads(header["meta"])
        raw["genres"] = tuple(raw["genres"])
        return CheckpointMeta(**raw)
    except (KeyError, TypeError, ValueError) as error:
        raise InputError(path, f"unreadable checkpoint metadata ({type(error).__name__}: {error})") from error


def load_checkpoint(path: str | Path) -> tuple[CheckpointMeta, dict[str, torch.Tensor]]:
    """(metadata, tensors) of a checkpoint written by `save_checkpoint`; clear errors otherwise."""
    meta = read_checkpoint_meta(path)
    try:
        tensors = load_file(str(path))
    except (SafetensorError, OSError, ValueError) as error:
        raise InputError(path, f"not a readable safetensors checkpoint ({error})") from error
    return meta, tensors


def prefixed(tensors: dict[str, torch.Tensor], prefix: str) -> dict[str, torch.Tensor]:
    """The entries under `prefix.` with the prefix removed."""
    cut = len(prefix) + 1
    return {k[cut:]: v for k, v in tensors.items() if k.startswith(prefix + ".")}


@dataclass
class LoadedModel:
    """A model ready to sample: weights, normaliser, guidance, diffusion settings and genres."""

    meta: CheckpointMeta
    model: nn.Module
    normalizer: MinMaxNormalizer
    sha256: str


def load_model(
    path: str | Path, kinds: Mapping[str, ModelKind], weights: str = "ema", device: str | torch.device = "cpu"
) -> LoadedModel:
    """Rebuild a model from a checkpoint, its architecture looked up in `kinds`; `weights` = "ema" (when stored) or "model"."""
    meta, tensors = load_checkpoint(path)
    if meta.kind not in kinds:
        raise ValueError(f"{path}: unknown model kind {meta.kind!r}; expected one of {sorted(kinds)}")
    if weights not in ("ema", "model"):
        raise ValueError(f"weights must be 'ema' or 'model', got {weights!r}")
    state = prefixed(tensors, weights) or prefixed(tensors, "model")
    model = build_model(meta, kinds[meta.kind])
    try:
        model.load_state_dict(state)
    except RuntimeError as error:
        raise ValueError(f"{path}: weights do not fit a {meta.kind} with config {meta.model}: {error}") from error
    norm = prefixed(tensors, "normalizer")
    if set(norm) != {"data_min", "data_max"}:
        raise ValueError(f"{path}: checkpoint has no normaliser (normalizer.data_min/data_max)")
    normalizer = MinMaxNormalizer(norm["data_min"], norm["data_max"])
    digest = sha256_file(path)
    return LoadedModel(meta, model.to(device).eval(), normalizer.to(device), digest)


def export_checkpoint(source: str | Path, dest: str | Path, weights: str = "ema", label: str | None = None) -> Path:
    """A slim inference checkpoint: the chosen weights as `model.*` + normaliser, no optimiser state."""
    meta, tensors = load_checkpoint(source)
    state = prefixed(tensors, weights) or prefixed(tensors, "model")
    out = {f"model.{k}": v for k, v in state.items()}
    out.update({f"normalizer.{k}": v for k, v in prefixed(tensors, "normalizer").items()})
    train = {k: v for k, v in meta.train.items() if k != "optimizer_groups"}
    slim = CheckpointMeta(**{**asdict(meta), "train": train, "label": label or meta.label})
    return save_checkpoint(dest, slim, out)
