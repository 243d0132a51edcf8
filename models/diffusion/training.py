"""Training loop and CLI shared by `python -m models.motion_expert.train` and `python -m models.edge.train`.

Data: a FineDance/AIST++ folder (see models.diffusion.data) or, by default, the bundled sample. The
MinMax normaliser is fit on the training windows and stored in the checkpoint. Adan or AdamW, EMA,
`OUT/last.safetensors` written atomically every `--save-every` steps with optimiser and RNG state:
rerunning the same command after a kill resumes from it and reproduces the uninterrupted run.
Loss per logged step goes to `OUT/log.jsonl`.
"""

from __future__ import annotations

import argparse
import copy
import json
import logging
import sys
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from manifests.sample import SAMPLE_ROOT
from models.diffusion.adan import Adan
from models.diffusion.checkpoint import (
    CheckpointMeta,
    build_model,
    export_checkpoint,
    load_checkpoint,
    prefixed,
    read_checkpoint_meta,
    save_checkpoint,
)
from models.diffusion.data import genre_vocabulary, load_dance_clips, make_windows, require_dance_data
from models.diffusion.guidance import (
    GUIDANCE_PRESETS,
    GuidanceConfig,
    training_prediction,
)
from models.diffusion.kinds import ModelKind
from models.diffusion.losses import dance_losses
from models.diffusion.normalizer import MinMaxNormalizer
from models.diffusion.schedule import DiffusionConfig, GaussianDiffusion
from models.files import atomic_write
from models.plots import write_loss_plot
from models.command_line import (
    ArgumentParser,
    InputError,
    UsageError,
    command,
    fraction,
    nonnegative_float,
    nonnegative_int,
    positive_float,
    positive_int,
    require_device,
    require_writable,
)

log = logging.getLogger(__name__)

LAST = "last.safetensors"
LOG = "log.jsonl"


@dataclass(frozen=True)
class TrainConfig:
    steps: int = 100_000
    batch_size: int = 128
    lr: float = 4e-4
    weight_decay: float = 0.02
    optimizer: str = "adan"
    ema_decay: float = 0.9999
    stride: int = 15  # window stride in frames (EDGE: 0.5 s)
    loss_variant: str = "public"
    log_every: int = 50
    save_every: int = 1000
    seed: int = 0


@dataclass
class TrainingData:
    motion: torch.Tensor  # (N, window, 151), unnormalised
    music: torch.Tensor  # (N, window, 35)
    genre: torch.Tensor  # (N,)
    genres: tuple[str, ...]


def load_training_data(root: Path, window: int, stride: int, num_genres: int, cache_dir: Path | None) -> TrainingData:
    clips = load_dance_clips(root, cache_dir)
    train = [c for c in clips if c.split == "train"]
    if not train:
        raise InputError(root, "no training clips (check sample.json / splits.json)")
    vocabulary = genre_vocabulary(train, num_genres)
    motion, music, genre = make_windows(train, window, stride, vocabulary)
    log.info("%d training clips -> %d windows of %d frames; genres %s", len(train), len(motion), window, vocabulary)
    return TrainingData(torch.from_numpy(motion), torch.from_numpy(music), torch.from_numpy(genre), vocabulary)


def _optimizer(name: str, model: torch.nn.Module, cfg: TrainConfig) -> torch.optim.Optimizer:
    if name == "adan":
        return Adan(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    if name == "adamw":
        return torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    raise ValueError(f"unknown optimizer {name!r}; expected 'adan' or 'adamw'")


def _optimizer_tensors(optimizer: torch.optim.Optimizer) -> tuple[dict[str, torch.Tensor], list]:
    state = optimizer.state_dict()
    tensors = {f"optim.{i}.{k}": v for i, s in state["state"].items() for k, v in s.items()}
    return tensors, state["param_groups"]


def _restore_optimizer(optimizer: torch.optim.Optimizer, tensors: dict[str, torch.Tensor], groups: list) -> None:
    state: dict[int, dict[str, torch.Tensor]] = {}
    for key, value in prefixed(tensors, "optim").items():
        index, name = key.split(".", 1)
        state.setdefault(int(index), {})[name] = value
    optimizer.load_state_dict({"state": state, "param_groups": groups})


def _logged_step(line: str) -> float:
    """The step of a log line; infinity (dropped) for a line a kill cut short."""
    try:
        return int(json.loads(line)["step"])
    except (ValueError, KeyError, TypeError):
        return float("inf")


class Trainer:
    """One training run in `out_dir`: fresh, or resumed from `out_dir/last.safetensors`."""

    def __init__(
        self, kind: ModelKind, model_config: Any, guidance: GuidanceConfig, data: TrainingData, out_dir: Path,
        train: TrainConfig, diffusion: DiffusionConfig | None = None, device: str = "cpu", label: str | None = None,
    ) -> None:
        self.out_dir, self.train_cfg, self.device, self.data = Path(out_dir), train, torch.device(device), data
        diffusion = diffusion or DiffusionConfig()
        self.diffusion = GaussianDiffusion(diffusion)
        self.meta = CheckpointMeta(
            kind=kind.name, model=model_config.to_dict(), guidance=asdict(guidance), diffusion=asdict(diffusion),
            genres=data.genres, train={k: v for k, v in asdict(train).items() if k != "steps"}, label=label,
        )
        torch.manual_seed(train.seed)
        self.model = build_model(self.meta, kind).to(self.device)
        self.ema = copy.deepcopy(self.model).eval().requires_grad_(False)
        self.optimizer = _optimizer(train.optimizer, self.model, train)
        self.normalizer = MinMaxNormalizer.fit(data.motion).to(self.device)
        self.generator = torch.Generator().manual_seed(train.seed)
        self.step = 0
        if (self.out_dir / LAST).is_file():
            self._resume(self.out_dir / LAST)

    def _resume(self, path: Path) -> None:
        meta, tensors = load_checkpoint(path)
        mine = {k: v for k, v in asdict(self.meta).items() if k not in ("step", "label")}
        theirs = {k: v for k, v in asdict(meta).items() if k not in ("step", "label")}
        theirs["train"] = {k: v for k, v in theirs["train"].items() if k != "optimizer_groups"}
        if mine != theirs:
            changed = sorted(k for k in mine if mine[k] != theirs.get(k))
            raise ValueError(f"{path}: was trained with different settings ({', '.join(changed)}); use another --out")
        self.model.load_state_dict(prefixed(tensors, "model"))
        self.ema.load_state_dict(prefixed(tensors, "ema"))
        norm = prefixed(tensors, "normalizer")
        self.normalizer = MinMaxNormalizer(norm["data_min"], norm["data_max"]).to(self.device)
        _restore_optimizer(self.optimizer, tensors, meta.train["optimizer_groups"])
        torch.set_rng_state(tensors["rng.torch"])
        self.generator.set_state(tensors["rng.data"])
        self.step = meta.step
        log.info("resumed from %s at step %d", path, self.step)

    def save(self) -> Path:
        optim, groups = _optimizer_tensors(self.optimizer)
        tensors = {f"model.{k}": v for k, v in self.model.state_dict().items()}
        tensors.update({f"ema.{k}": v for k, v in self.ema.state_dict().items()})
        tensors.update({f"normalizer.{k}": v for k, v in self.normalizer.state_dict().items()})
        tensors.update(optim)
        tensors["rng.torch"] = torch.get_rng_state()
        tensors["rng.data"] = self.generator.get_state()
        meta = replace(self.meta, step=self.step, train={**self.meta.train, "optimizer_groups": groups})
        return save_checkpoint(self.out_dir / LAST, meta, tensors)

    def train_step(self) -> dict[str, float]:
        cfg, data, g = self.train_cfg, self.data, self.generator
        self.model.train()
        index = torch.randint(0, len(data.motion), (cfg.batch_size,), generator=g)
        x0 = self.normalizer.normalize(data.motion[index].to(self.device))
        music, genre = data.music[index].to(self.device), data.genre[index].to(self.device)
        t = torch.randint(0, self.diffusion.train_steps, (cfg.batch_size,), generator=g).to(self.device)
        noise = torch.randn(x0.shape, generator=g).to(self.device)
        guidance = self.meta.guidance_config()
        pred = training_prediction(self.model, self.diffusion.q_sample(x0, t, noise), t, music, genre, guidance, g)
        terms = dance_losses(pred, x0, self.normalizer, cfg.loss_variant)  # type: ignore[arg-type]
        loss = sum(terms.values())
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self._refuse_divergence(loss)
        with torch.no_grad():
            for ema, p in zip(self.ema.parameters(), self.model.parameters()):
                ema.lerp_(p, 1 - cfg.ema_decay)
        return {"loss": loss.item(), **{k: v.item() for k, v in terms.items()}}

    def _refuse_divergence(self, loss: torch.Tensor) -> None:
        """Stop on a non-finite loss or weights, before they reach the EMA, the log or a checkpoint."""
        if bool(torch.isfinite(loss)) and all(bool(torch.isfinite(p).all()) for p in self.model.parameters()):
            return
        last = self.out_dir / LAST
        kept = f"{last} (step {read_checkpoint_meta(last).step}) is kept" if last.is_file() else "no checkpoint was written"
        what = "the weights hold NaN or inf" if bool(torch.isfinite(loss)) else f"the loss is {loss.item()}"
        raise RuntimeError(f"step {self.step + 1}: {what}, training diverged (try a lower --lr); {kept}")

    def _rewrite_log(self) -> None:
        """Drop log lines past the resumed step and any line cut by a kill (that work is redone and relogged)."""
        path = self.out_dir / LOG
        if path.is_file():
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
            kept = [line for line in lines if _logged_step(line) <= self.step]
            atomic_write(path, lambda h: h.write("".join(f"{line}\n" for line in kept).encode()))

    def run(self, steps: int, progress: bool = True) -> Path:
        """Train until `steps` total steps, saving every `save_every` and at the end."""
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self._rewrite_log()
        cfg = self.train_cfg
        bar = tqdm(total=steps, initial=self.step, desc=f"train {self.meta.kind}", disable=not progress, file=sys.stderr)
        running: list[float] = []
        with open(self.out_dir / LOG, "a", encoding="utf-8") as log_file:
            while self.step < steps:
                start = time.perf_counter()
                losses = self.train_step()
                self.step += 1
                running.append(losses["loss"])
                bar.update(1)
                if self.step % cfg.log_every == 0 or self.step == steps:
                    row = {"step": self.step, **losses, "mean_loss": float(np.mean(running)),
                           "seconds_per_step": time.perf_counter() - start}
                    log_file.write(json.dumps(row) + "\n")
                    log_file.flush()
                    bar.set_postfix(loss=f"{row['mean_loss']:.4f}")
                    log.info("step %d loss %.5f", self.step, row["mean_loss"])
                    running = []
                if self.step % cfg.save_every == 0 or self.step == steps:
                    self.save()
        bar.close()
        if self.step == 0 or not (self.out_dir / LAST).is_file():
            self.save()
        return self.out_dir / LAST


def build_parser(kind: ModelKind) -> argparse.ArgumentParser:
    p = ArgumentParser(
        prog=f"python -m models.{kind.name}.train",
        description=f"Train the {kind.name} dance diffusion model. Rerun the same command to resume from OUT/{LAST}.",
    )
    p.add_argument("--data", type=Path,
                   help="FineDance-layout folder (motion/ + music/) or an MA-Data manifest .parquet "
                   "(default: bundled sample)")
    p.add_argument("--out", type=Path, required=True, help=f"run folder ({LAST}, {LOG})")
    p.add_argument("--preset", default="cpu_small", choices=sorted(kind.config.PRESETS), help="model preset")
    p.add_argument("--window", type=positive_int, help="training window in frames, >= 2 (default: the preset's)")
    p.add_argument("--width", type=positive_int, help="override the preset's width (FFN width = 2x)")
    p.add_argument("--layers", type=positive_int, help="override the preset's number of dance (decoder) layers")
    p.add_argument("--guidance", default=kind.default_guidance, choices=sorted(GUIDANCE_PRESETS),
                   help="gft-paper: GFT as published; gft-public: the MACE-Dance code's variant; cfg: EDGE's")
    p.add_argument("--loss", default="public", choices=["public", "paper"], help="loss variant (models.diffusion.losses)")
    p.add_argument("--steps", type=positive_int, default=2000)
    p.add_argument("--batch-size", type=positive_int, default=32)
    p.add_argument("--lr", type=positive_float, default=4e-4)
    p.add_argument("--weight-decay", type=nonnegative_float, default=0.02)
    p.add_argument("--optimizer", default="adan", choices=["adan", "adamw"])
    p.add_argument("--ema-decay", type=fraction, default=0.9999)
    p.add_argument("--stride", type=positive_int, default=15, help="window stride in frames")
    p.add_argument("--log-every", type=positive_int, default=50)
    p.add_argument("--save-every", type=positive_int, default=500)
    p.add_argument("--seed", type=nonnegative_int, default=0)
    p.add_argument("--device", default="cpu")
    p.add_argument("--export", type=Path, help="also write a slim EMA-weights checkpoint here when done")
    p.add_argument("--label", help="label carried into the checkpoint and every benchmark output")
    p.add_argument("--no-progress", action="store_true")
    p.add_argument("-v", "--verbose", action="store_true")
    return p


def model_config_from_args(kind: ModelKind, args: argparse.Namespace) -> Any:
    """The preset with the CLI's overrides; UsageError for a window or width the model cannot take."""
    overrides: dict[str, int] = {}
    if args.window is not None:
        if args.window < 2:
            raise UsageError(f"--window {args.window}: a training window needs at least 2 frames")
        overrides["window"] = args.window
    if args.width is not None:
        overrides.update(width=args.width, ff_width=2 * args.width)
    if args.layers is not None:
        overrides["dance_layers"] = args.layers
    config = kind.config.preset(args.preset, **overrides)
    if config.width % config.heads or config.width % 2:
        raise UsageError(f"--width {config.width}: must be even and a multiple of the {config.heads} attention heads")
    return config


def check_run_paths(args: argparse.Namespace) -> Path:
    """The data source, with --out, --export, --device and a checkpoint to resume checked before any data loads."""
    data = require_dance_data(args.data or SAMPLE_ROOT, "--data")
    require_writable(args.out, "--out", folder=True)
    if args.export is not None:
        require_writable(args.export, "--export")
    require_device(args.device)
    if (args.out / LAST).is_file():
        read_checkpoint_meta(args.out / LAST)
    return data


@command
def main(kind: ModelKind, argv: list[str] | None = None) -> int:
    args = build_parser(kind).parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    model_config = model_config_from_args(kind, args)
    data_source = check_run_paths(args)
    train = TrainConfig(
        steps=args.steps, batch_size=args.batch_size, lr=args.lr, weight_decay=args.weight_decay,
        optimizer=args.optimizer, ema_decay=args.ema_decay, stride=args.stride, loss_variant=args.loss,
        log_every=args.log_every, save_every=args.save_every, seed=args.seed,
    )
    data = load_training_data(data_source, model_config.window, train.stride, getattr(model_config, "num_genres", 16),
                              args.out / "music_cache")  # fmt: skip
    trainer = Trainer(kind, model_config, GUIDANCE_PRESETS[args.guidance], data, args.out, train,
                      device=args.device, label=args.label)
    last = trainer.run(args.steps, progress=not args.no_progress)
    write_loss_plot(args.out / LOG)
    if args.export:
        export_checkpoint(last, args.export, label=args.label)
    print(f"trained {kind.name} to step {trainer.step}: {last}" + (f"; exported {args.export}" if args.export else ""))
    return 0
