"""The Appearance Expert's trained tensors: the body adapter (`pose_patch_embedding`) and the aesthetic LoRA.

Our layout (safetensors, written atomically, metadata `format` + `version`):
- adapter: exactly ADAPTER_KEYS (`pose_patch_embedding.weight` (inner, 16, 1, 2, 2), `.bias` (inner,)).
- LoRA: peft's state-dict names on the diffusers transformer, `blocks.N.attn1.to_q.lora_A.weight` /
  `.lora_B.weight` for every module LORA_TARGET matches; metadata holds `rank`, `alpha` and the target regex.

MACE-Dance's files (pre-2.0 DiffSynth on the original Wan layout) convert both ways:
- `Adapter.safetensors`: the DiffSynth animate adapter under one of MACE_ADAPTER_PREFIXES; after the prefix
  the keys are ours 1:1, and only `pose_patch_embedding.*` is kept (the rest is not used at inference).
- `LoRA.safetensors`: `blocks.N.{self_attn,cross_attn}.{q,k,v,o}` and `blocks.N.ffn.{0,2}` with
  `lora_A/lora_B` (or `lora_down/lora_up`, optional `.alpha`), optionally `.default.` (peft's adapter name)
  and a `diffusion_model.` / `pipe.dit.` / `dit.` / `module.` prefix; renamed to diffusers' `attn1/attn2.to_*`,
  `ffn.net.0.proj`, `ffn.net.2`. Without `.alpha` keys alpha = rank (MACE's scale 1).

At inference (`load_adapter_into`, `merge_lora_into`) the LoRA is merged into the base weights:
W += weight * (alpha / rank) * B @ A with weight ModelConfig.lora_weight (0.5, MACE-Dance's setting), so it
costs nothing per step (equal to peft layers at scale 0.5, tested). Training uses peft layers (`add_lora`).
Only safetensors are read (never pickles); a bad file is a one-line ValueError naming the file and the problem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save
from torch import nn

from models.appearance_expert.config import ADAPTER_KEYS, LORA_TARGET
from models.files import atomic_write

ADAPTER_FORMAT = "mace-bench/appearance-adapter"
LORA_FORMAT = "mace-bench/appearance-lora"
FORMAT_VERSION = "1"
MACE_ADAPTER_PREFIXES = (
    "module.pipe.animate_adapter.", "pipe.animate_adapter.", "module.animate_adapter.", "animate_adapter.",
)  # fmt: skip
MACE_ADAPTER_EXPORT_PREFIX = "pipe.animate_adapter."  # what DiffSynth's trainer writes for `pipe.animate_adapter`
# Prefixes a LoRA file may carry in front of `blocks.` (DeepSpeed, DiffSynth trainer, ComfyUI/diffusers styles).
LORA_PREFIXES = ("module.", "pipe.dit.", "dit.", "model.diffusion_model.", "diffusion_model.", "transformer.")
_WAN_MODULES = {  # original Wan name -> diffusers name inside a block
    "self_attn.q": "attn1.to_q", "self_attn.k": "attn1.to_k", "self_attn.v": "attn1.to_v", "self_attn.o": "attn1.to_out.0",
    "cross_attn.q": "attn2.to_q", "cross_attn.k": "attn2.to_k", "cross_attn.v": "attn2.to_v",
    "cross_attn.o": "attn2.to_out.0", "ffn.0": "ffn.net.0.proj", "ffn.2": "ffn.net.2",
}  # fmt: skip
_DIFFUSERS_MODULES = {v: k for k, v in _WAN_MODULES.items()}
_LORA_KEY = re.compile(r"^blocks\.(\d+)\.(.+)\.(lora_A|lora_B|lora_down|lora_up)\.weight$")
_ALPHA_KEY = re.compile(r"^blocks\.(\d+)\.(.+)\.alpha$")
_OUR_LORA_KEY = re.compile(r"^(blocks\.\d+\..+)\.(lora_A|lora_B)\.weight$")


def read_safetensors(path: str | Path) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """(tensors, metadata) of a safetensors file on the CPU; FileNotFoundError / one-line ValueError otherwise."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    try:
        with safe_open(str(path), framework="pt", device="cpu") as handle:
            metadata = dict(handle.metadata() or {})
            tensors = {key: handle.get_tensor(key) for key in handle.keys()}
    except (SafetensorError, OSError, ValueError, RuntimeError) as error:
        problem = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ValueError(f"{path}: not a readable safetensors file ({problem})") from error
    return tensors, metadata


def write_safetensors(path: str | Path, tensors: dict[str, torch.Tensor], metadata: dict[str, str]) -> Path:
    """Atomically write contiguous CPU copies of `tensors` with string `metadata`."""
    data = {k: v.detach().to("cpu").contiguous() for k, v in tensors.items()}
    blob = save(data, metadata={k: str(v) for k, v in metadata.items()})
    return atomic_write(path, lambda handle: handle.write(blob))


def _first_error_key(path: Path, what: str, keys: list[str]) -> ValueError:
    shown = ", ".join(keys[:3]) + (" ..." if len(keys) > 3 else "")
    return ValueError(f"{path}: {what}: {shown}")


# ---------------------------------------------------------------------------------------------------- adapter


def adapter_state(transformer: nn.Module) -> dict[str, torch.Tensor]:
    """The body adapter's tensors (ADAPTER_KEYS) of a transformer, detached CPU copies."""
    state = transformer.state_dict()
    return {key: state[key].detach().to("cpu").clone() for key in ADAPTER_KEYS}


def check_adapter(path: str | Path, tensors: dict[str, torch.Tensor], transformer: nn.Module | None) -> None:
    """ValueError (naming the file and the key) unless `tensors` are exactly ADAPTER_KEYS with the transformer's shapes."""
    path = Path(path)
    missing = [key for key in ADAPTER_KEYS if key not in tensors]
    if missing:
        raise _first_error_key(path, "missing adapter key", missing)
    extra = sorted(set(tensors) - set(ADAPTER_KEYS))
    if extra:
        raise _first_error_key(path, "unexpected adapter key", extra)
    if transformer is None:
        return
    state = transformer.state_dict()
    for key in ADAPTER_KEYS:
        if tuple(tensors[key].shape) != tuple(state[key].shape):
            raise ValueError(
                f"{path}: {key} has shape {tuple(tensors[key].shape)}, the transformer expects {tuple(state[key].shape)}"
            )


def save_adapter(path: str | Path, tensors: dict[str, torch.Tensor], metadata: dict[str, str] | None = None) -> Path:
    """Write the body adapter in our layout (keys exactly ADAPTER_KEYS)."""
    check_adapter(path, tensors, None)
    header = {**(metadata or {}), "format": ADAPTER_FORMAT, "version": FORMAT_VERSION}
    return write_safetensors(path, {key: tensors[key] for key in ADAPTER_KEYS}, header)


def strip_mace_adapter(path: str | Path, tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """MACE's animate-adapter keys with the prefix stripped, keeping only `pose_patch_embedding.*`."""
    out: dict[str, torch.Tensor] = {}
    for key, value in tensors.items():
        name = next((key[len(p) :] for p in MACE_ADAPTER_PREFIXES if key.startswith(p)), key)
        if name.startswith("pose_patch_embedding."):
            if name in out:
                raise ValueError(f"{path}: {name} appears twice (under two prefixes)")
            out[name] = value
    if not out:
        raise _first_error_key(Path(path), "no pose_patch_embedding tensors; keys are", sorted(tensors))
    return out


def import_mace_adapter(path: str | Path, transformer: nn.Module | None = None) -> dict[str, torch.Tensor]:
    """The body adapter from MACE's `Adapter.safetensors`, checked against `transformer` when given."""
    tensors, _ = read_safetensors(path)
    adapter = strip_mace_adapter(path, tensors)
    check_adapter(path, adapter, transformer)
    return adapter


def export_mace_adapter(
    tensors: dict[str, torch.Tensor], path: str | Path, prefix: str = MACE_ADAPTER_EXPORT_PREFIX
) -> Path:
    """Write the body adapter as MACE's `Adapter.safetensors` (keys under `prefix`)."""
    if prefix not in MACE_ADAPTER_PREFIXES:
        raise ValueError(f"adapter prefix {prefix!r} is not one of {MACE_ADAPTER_PREFIXES}")
    check_adapter(path, tensors, None)
    return write_safetensors(path, {prefix + key: tensors[key] for key in ADAPTER_KEYS}, {"format": "pt"})


def load_adapter(path: str | Path, transformer: nn.Module | None = None) -> dict[str, torch.Tensor]:
    """A body adapter in our layout or MACE's (told apart by the metadata), checked against `transformer`."""
    tensors, metadata = read_safetensors(path)
    if metadata.get("format") == ADAPTER_FORMAT:
        if metadata.get("version") != FORMAT_VERSION:
            raise ValueError(f"{path}: adapter format version {metadata.get('version')!r}, expected {FORMAT_VERSION}")
        adapter = tensors
    else:
        adapter = strip_mace_adapter(path, tensors)
    check_adapter(path, adapter, transformer)
    return adapter


@torch.no_grad()
def apply_adapter(transformer: nn.Module, tensors: dict[str, torch.Tensor]) -> None:
    """Copy the body adapter into the transformer's `pose_patch_embedding` (its dtype and device)."""
    state = transformer.state_dict()
    for key in ADAPTER_KEYS:
        state[key].copy_(tensors[key].to(dtype=state[key].dtype, device=state[key].device))


# ---------------------------------------------------------------------------------------------------- LoRA


@dataclass
class LoraWeights:
    """LoRA tensors in our layout with their rank and alpha (scale = alpha / rank) and any metadata."""

    tensors: dict[str, torch.Tensor]
    rank: int
    alpha: float
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def scale(self) -> float:
        return self.alpha / self.rank

    def modules(self) -> list[str]:
        """The module names (e.g. `blocks.0.attn1.to_q`) the LoRA adapts, sorted."""
        return sorted({_OUR_LORA_KEY.match(key).group(1) for key in self.tensors})  # type: ignore[union-attr]


def lora_config(rank: int, alpha: float):  # -> peft.LoraConfig
    """peft's LoraConfig for the aesthetic LoRA: LORA_TARGET regex, A random, B zero (starts as a no-op)."""
    from peft import LoraConfig

    return LoraConfig(r=rank, lora_alpha=alpha, target_modules=LORA_TARGET, init_lora_weights=True)


def add_lora(transformer: nn.Module, rank: int, alpha: float) -> None:
    """Insert peft LoRA layers on every LORA_TARGET module of the transformer (adapter name `default`)."""
    transformer.add_adapter(lora_config(rank, alpha))  # type: ignore[operator]


def lora_state(transformer: nn.Module) -> dict[str, torch.Tensor]:
    """The transformer's LoRA tensors in our layout (peft names without the adapter name), CPU copies."""
    from peft.utils import get_peft_model_state_dict

    return {k: v.detach().to("cpu").clone() for k, v in get_peft_model_state_dict(transformer).items()}


def check_lora(path: str | Path, lora: LoraWeights, transformer: nn.Module | None) -> None:
    """ValueError (file and key) unless every key is `<LORA_TARGET module>.lora_{A,B}.weight` with matching shapes."""
    path = Path(path)
    target = re.compile(LORA_TARGET)
    bad = [key for key in lora.tensors if not (m := _OUR_LORA_KEY.match(key)) or not target.fullmatch(m.group(1))]
    if bad:
        raise _first_error_key(path, "not a LoRA key on the target modules", sorted(bad))
    if not lora.tensors:
        raise ValueError(f"{path}: no LoRA tensors")
    modules = dict(transformer.named_modules()) if transformer is not None else {}
    for module in lora.modules():
        a, b = lora.tensors.get(f"{module}.lora_A.weight"), lora.tensors.get(f"{module}.lora_B.weight")
        if a is None or b is None:
            raise ValueError(f"{path}: {module} has lora_{'A' if a is None else 'B'} missing")
        if a.ndim != 2 or b.ndim != 2 or a.shape[0] != lora.rank or b.shape[1] != lora.rank:
            shapes = f"lora_A {tuple(a.shape)} / lora_B {tuple(b.shape)}"
            raise ValueError(f"{path}: {module} {shapes} do not have rank {lora.rank}")
        if transformer is not None:
            layer = modules.get(module)
            base = getattr(layer, "base_layer", layer)
            if not isinstance(base, nn.Linear):
                raise ValueError(f"{path}: {module}: no such linear layer in the transformer")
            if a.shape[1] != base.in_features or b.shape[0] != base.out_features:
                raise ValueError(
                    f"{path}: {module} maps {a.shape[1]} -> {b.shape[0]}, the transformer's layer "
                    f"{base.in_features} -> {base.out_features}"
                )


def save_lora(path: str | Path, lora: LoraWeights) -> Path:
    """Write the LoRA in our layout with rank, alpha and the target regex in the metadata."""
    check_lora(path, lora, None)
    header = {**lora.metadata, "format": LORA_FORMAT, "version": FORMAT_VERSION, "rank": str(lora.rank),
              "alpha": repr(float(lora.alpha)), "target_modules": LORA_TARGET}  # fmt: skip
    return write_safetensors(path, lora.tensors, header)


def _rank_of(path: Path, tensors: dict[str, torch.Tensor]) -> int:
    ranks = {v.shape[0] for k, v in tensors.items() if k.endswith(".lora_A.weight")}
    if len(ranks) != 1:
        raise ValueError(f"{path}: LoRA ranks {sorted(ranks)}; expected one rank for every module")
    return int(ranks.pop())


def _diffusers_module(path: Path, block: str, module: str, key: str) -> str:
    if module in _WAN_MODULES:
        return f"blocks.{block}.{_WAN_MODULES[module]}"
    if module in _DIFFUSERS_MODULES:  # already diffusers naming
        return f"blocks.{block}.{module}"
    raise ValueError(f"{path}: {key}: not a LoRA on self_attn/cross_attn q,k,v,o or ffn.0/ffn.2")


def import_mace_lora(path: str | Path, transformer: nn.Module | None = None) -> LoraWeights:
    """MACE's `LoRA.safetensors` (original Wan naming, see the module docstring) converted to our layout."""
    path = Path(path)
    raw, _ = read_safetensors(path)
    tensors: dict[str, torch.Tensor] = {}
    alphas: dict[str, float] = {}
    for key, value in raw.items():
        name = key.replace(".default.", ".").replace(".default_0.", ".")
        stripped = True
        while stripped:
            stripped = False
            for prefix in LORA_PREFIXES:
                if name.startswith(prefix):
                    name, stripped = name[len(prefix) :], True
        if match := _ALPHA_KEY.match(name):
            alphas[_diffusers_module(path, match.group(1), match.group(2), key)] = float(value.float().item())
            continue
        match = _LORA_KEY.match(name)
        if not match:
            raise ValueError(f"{path}: {key}: not a LoRA key (expected blocks.N.<module>.lora_A/lora_B.weight)")
        module = _diffusers_module(path, match.group(1), match.group(2), key)
        part = {"lora_down": "lora_A", "lora_up": "lora_B"}.get(match.group(3), match.group(3))
        ours = f"{module}.{part}.weight"
        if ours in tensors:
            raise ValueError(f"{path}: {key}: {ours} appears twice")
        tensors[ours] = value
    if not tensors:
        raise ValueError(f"{path}: no LoRA tensors")
    rank = _rank_of(path, tensors)
    alpha = float(rank)
    if alphas:  # fold each module's alpha/rank into B so one scale of 1 holds for all
        for module, a in alphas.items():
            key = f"{module}.lora_B.weight"
            if key in tensors:
                tensors[key] = tensors[key] * (a / rank)
    lora = LoraWeights(tensors, rank, alpha, {"source": "MACE-Dance LoRA.safetensors"})
    check_lora(path, lora, transformer)
    return lora


def export_mace_lora(lora: LoraWeights, path: str | Path) -> Path:
    """Write the LoRA as MACE's `LoRA.safetensors`: `blocks.N.self_attn.q.lora_A.default.weight` (alpha folded into B)."""
    check_lora(path, lora, None)
    out = {}
    for key, value in lora.tensors.items():
        module, part = _OUR_LORA_KEY.match(key).groups()  # type: ignore[union-attr]
        block, name = re.match(r"^blocks\.(\d+)\.(.+)$", module).groups()  # type: ignore[union-attr]
        scaled = value * lora.scale if part == "lora_B" and lora.scale != 1 else value
        out[f"blocks.{block}.{_DIFFUSERS_MODULES[name]}.{part}.default.weight"] = scaled
    return write_safetensors(path, out, {"format": "pt"})


def load_lora(path: str | Path, transformer: nn.Module | None = None) -> LoraWeights:
    """A LoRA in our layout or MACE's (told apart by the metadata), checked against `transformer`."""
    path = Path(path)
    tensors, metadata = read_safetensors(path)
    if metadata.get("format") != LORA_FORMAT:
        return import_mace_lora(path, transformer)
    if metadata.get("version") != FORMAT_VERSION:
        raise ValueError(f"{path}: LoRA format version {metadata.get('version')!r}, expected {FORMAT_VERSION}")
    try:
        rank, alpha = int(metadata["rank"]), float(metadata["alpha"])
    except (KeyError, ValueError) as error:
        raise ValueError(f"{path}: LoRA metadata has no valid rank/alpha ({error})") from error
    extra = {k: v for k, v in metadata.items() if k not in ("format", "version", "rank", "alpha", "target_modules")}
    lora = LoraWeights(tensors, rank, alpha, extra)
    check_lora(path, lora, transformer)
    return lora


def set_lora(transformer: nn.Module, lora: LoraWeights, path: str | Path = "<memory>") -> None:
    """Load LoRA tensors into the transformer's peft layers (added by `add_lora` with the same rank), every key checked."""
    from peft.utils import set_peft_model_state_dict

    check_lora(path, lora, transformer)
    current = lora_state(transformer)
    if set(current) != set(lora.tensors):
        missing = sorted(set(current) ^ set(lora.tensors))
        raise _first_error_key(Path(path), "LoRA keys differ from the transformer's LoRA layers", missing)
    result = set_peft_model_state_dict(transformer, lora.tensors)
    if result.unexpected_keys:
        raise _first_error_key(Path(path), "LoRA keys not loaded", list(result.unexpected_keys))


@torch.no_grad()
def merge_lora(transformer: nn.Module, lora: LoraWeights, weight: float, path: str | Path = "<memory>") -> int:
    """Add weight * (alpha/rank) * B @ A into each target Linear's weight (in fp32, cast back); returns modules merged."""
    check_lora(path, lora, transformer)
    modules = dict(transformer.named_modules())
    for module in lora.modules():
        layer = getattr(modules[module], "base_layer", modules[module])
        a = lora.tensors[f"{module}.lora_A.weight"].to(layer.weight.device, torch.float32)
        b = lora.tensors[f"{module}.lora_B.weight"].to(layer.weight.device, torch.float32)
        merged = layer.weight.float() + (weight * lora.scale) * (b @ a)
        layer.weight.copy_(merged.to(layer.weight.dtype))
    return len(lora.modules())



# ---------------------------------------------------------------------------------------------------- inference


def load_adapter_into(transformer: nn.Module, path: str | Path) -> dict[str, torch.Tensor]:
    """Load a body adapter file (ours or MACE's), checked against the transformer, into its pose_patch_embedding."""
    tensors = load_adapter(path, transformer)
    apply_adapter(transformer, tensors)
    return tensors


def merge_lora_into(transformer: nn.Module, path: str | Path, weight: float) -> LoraWeights:
    """Merge a LoRA file (ours or MACE's) into the transformer's weights at `weight` (ModelConfig.lora_weight, 0.5)."""
    lora = load_lora(path, transformer)
    merge_lora(transformer, lora, weight, path)
    return lora
