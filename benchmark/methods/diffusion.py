"""The shared base of methods that sample a checkpoint of the dance diffusion core (Motion Expert, EDGE).

A subclass names its checkpoint `kind` and demo checkpoint; loading, labelling ("demo, not a
reproduction" without `--checkpoint`), generation from test music and the speed protocol live here.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field, fields
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from safetensors import SafetensorError, safe_open

from benchmark.methods.base import Method, TestItem
from benchmark.methods.speed import measure_generation_fps
from models.body.formats_edge import EDGE_FPS, decode_edge151
from models.body.motion import Motion
from models.command_line import InputError, require_file
from models.diffusion.checkpoint import FORMAT, CheckpointMeta, read_checkpoint_meta
from models.diffusion.generation import DanceGenerator
from models.music.features import edge_music_features
from models.registry import dance_generator

CHECKPOINT_DIR = Path(__file__).resolve().parents[2] / "models" / "checkpoints"
DEMO_LABEL = "demo, not a reproduction"
CPU_THROUGHPUT_BATCH = 2  # a batch-8 x 1024-frame call takes minutes on a 2-core CPU


def fit_length(feature: np.ndarray, frames: int) -> np.ndarray:
    """Crop, or pad by repeating the last row, to exactly `frames` rows."""
    if len(feature) >= frames:
        return feature[:frames]
    return np.concatenate([feature, np.repeat(feature[-1:], frames - len(feature), axis=0)])


CONVERT_HINT = "convert the public MACE-Dance release with python -m models.motion_expert.convert"


def _suite_version() -> str:
    """The installed mace-bench version, for messages about checkpoints written by a newer one."""
    try:
        return version("mace-bench")
    except PackageNotFoundError:
        return "this version"


def _header(path: Path) -> dict[str, str]:
    """A checkpoint's safetensors metadata, read without its tensors; a torch pickle or junk is named as such."""
    with path.open("rb") as handle:
        legacy_pickle = handle.read(2) == b"\x80\x02"  # torch.save's pre-1.6 format: pickle protocol 2
    if legacy_pickle or zipfile.is_zipfile(path):
        raise InputError(path, f"a torch.save pickle, not a mace-bench safetensors checkpoint; {CONVERT_HINT}")
    try:
        with safe_open(str(path), framework="pt") as handle:
            return handle.metadata() or {}
    except (SafetensorError, OSError, ValueError) as error:
        raise InputError(path, f"not a safetensors checkpoint ({str(error).splitlines()[0]})") from None


def check_checkpoint(path: Path, kind: str) -> CheckpointMeta:
    """The checkpoint's metadata from its header alone (milliseconds, before any weights load), refusing a torch
    pickle, a checkpoint of a newer format or with metadata fields this version does not know, and another kind."""
    require_file(path, "--checkpoint")
    header = _header(path)
    found = header.get("format", "")
    if found.startswith(FORMAT.rpartition("/")[0] + "/") and found != FORMAT:
        raise InputError(path, f"checkpoint format {found} is newer than mace-bench {_suite_version()} reads ({FORMAT}); "
                         "update mace-bench to the version that wrote it")  # fmt: skip
    if found != FORMAT:
        raise InputError(path, f"no mace-bench checkpoint metadata (format {found or 'absent'}, expected {FORMAT}); {CONVERT_HINT}")
    try:
        raw = json.loads(header.get("meta", ""))
    except json.JSONDecodeError as error:
        raise InputError(path, f"checkpoint metadata is not JSON ({error})") from None
    known = {f.name for f in fields(CheckpointMeta)}
    unknown = sorted(set(raw) - known) if isinstance(raw, dict) else []
    if unknown:
        raise InputError(path, f"checkpoint metadata field(s) {', '.join(unknown)} are unknown to mace-bench "
                         f"{_suite_version()} ({FORMAT} knows {', '.join(sorted(known))}): it was written by a newer "
                         "mace-bench; update to that version")  # fmt: skip
    meta = read_checkpoint_meta(path)
    if meta.kind != kind:
        raise InputError(path, f"a {meta.kind} checkpoint, but this method needs a {kind} one")
    return meta


@dataclass
class DanceDiffusionMethod(Method):
    """A checkpoint of the dance diffusion core (Motion Expert or EDGE) generating from test music."""

    kind: ClassVar[str]  # the checkpoint kind this method loads (models.registry)
    default_checkpoint: ClassVar[Path]

    checkpoint: str | None = None
    sampling_steps: int | None = None
    weights: str = "ema"
    device: str = "cpu"
    version: str = "1"
    generator: DanceGenerator = field(init=False, repr=False)

    def __post_init__(self) -> None:
        path = Path(self.checkpoint) if self.checkpoint else self.default_checkpoint
        check_checkpoint(path, self.kind)
        self.generator = dance_generator(path, self.weights, self.device, self.sampling_steps)
        meta = self.generator.loaded.meta
        self.checkpoint_sha256 = self.generator.loaded.sha256
        label = meta.label or ""
        if self.checkpoint is None and DEMO_LABEL not in label:
            label = f"{DEMO_LABEL}: {label}" if label else DEMO_LABEL
        self.label = label or None
        self.config = {
            "checkpoint": str(path), "weights": self.weights, "model": meta.model, "guidance": meta.guidance,
            "diffusion": {**meta.diffusion, "sampling_steps": self.generator.diffusion.config.sampling_steps},
            "genres": list(meta.genres), "trained_steps": meta.step,
        }

    def _music(self, item: TestItem, frames: int) -> np.ndarray:
        if item.music_path is None:
            raise ValueError(f"{self.name}: test item {item.id!r} has no music file")
        return fit_length(edge_music_features(item.music_path, fps=EDGE_FPS), frames)

    def generate(self, items: list[TestItem], seed: int) -> dict[str, Motion]:
        frames = [max(2, round(item.num_frames * EDGE_FPS / item.fps)) for item in items]
        music = [self._music(item, n) for item, n in zip(items, frames)]
        arrays = self.generator.generate(music, [item.genre for item in items], seed)
        out = {}
        for item, array in zip(items, arrays):
            motion = decode_edge151(array, EDGE_FPS, source=f"{self.name} output for {item.id}").resample(item.fps)
            out[item.id] = motion.slice(0, item.num_frames)
        return out

    def backend(self) -> str:
        return "torch"

    def timing(self, items: list[TestItem], frames: int = 1024, batch: int = 8) -> dict[str, Any]:
        """Spec section 11: one whole sampling call (music encoding + all DDIM steps) on synthetic
        35-d features, feature extraction and loading excluded; batch 1 latency and batch throughput
        (on CPU at most CPU_THROUGHPUT_BATCH; the batch used is recorded)."""
        if self.generator.device.type != "cuda":
            batch = min(batch, CPU_THROUGHPUT_BATCH)
        music = torch.randn(batch, frames, self.generator.loaded.model.config.music_dim, generator=torch.Generator().manual_seed(0))
        music = music.to(self.generator.device)
        genre = torch.zeros(batch, dtype=torch.long, device=self.generator.device)

        def run(b: int, t: int) -> None:
            self.generator.sample_batch(music[:b, :t], genre[:b], torch.Generator(self.generator.device).manual_seed(0))

        report = measure_generation_fps(
            run, frames=frames, throughput_batch=batch, device=str(self.generator.device), backend=self.backend()
        )
        return report.as_timing()
