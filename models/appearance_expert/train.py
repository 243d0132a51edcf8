"""Train the Appearance Expert (Wan2.2-Animate) the MACE-Dance way: the kinematic stage, then the aesthetic stage.

    python -m models.appearance_expert.train --stage kinematic --data MANIFEST.parquet --out RUN [--tiny | --weights DIR]
    python -m models.appearance_expert.train --stage aesthetic --data MANIFEST.parquet --out RUN2 --weights DIR \
        --init-adapter RUN/adapter.safetensors [--aesthetic-conditioning full|image_only]

Stages (spec section 1): `kinematic` trains only the body adapter `pose_patch_embedding.{weight,bias}`
(AdamW lr 1e-5, weight decay 0.01, constant LR); `aesthetic` trains a peft LoRA (ModelConfig rank/alpha,
32/32, on LORA_TARGET) at lr 1e-4 with the body adapter frozen at `--init-adapter` (a kinematic checkpoint;
without it the weights' own pose_patch_embedding). `--aesthetic-conditioning image_only` reproduces the
published aesthetic scripts (reference image only: pose latents zero, face video all -1); `full` (default)
also passes the pose and face videos. Everything else (DiT, VAE, text and image encoders) is frozen.

One step on one clip window (models.appearance_expert.train_data), the diffusers/Wan2.2 layout:
latent frame 0 = the reference image (the window's first frame) with the i2v mask, latent frames 1..T = the
window's frames, pose latents aligned with them. Conditioning comes from the pipeline's own methods
(encode_prompt, encode_image, prepare_reference_image_latents, prepare_prev_segment_cond_latents for the
first-segment condition block, prepare_pose_latents for the VAE latents of the pose video and of the target
video). Objective (DiffSynth's flow matching, spec section 1): sigmas = linspace(1, 0, 1001)[:-1] shifted by
5 (sigma' = 5s / (1 + 4s)), timestep = 1000 sigma', index uniform over the 1000; x_t = (1 - sigma) x0 +
sigma noise, target = noise - x0; loss = w(t) * MSE over latent frames 1..T (frame 0, the reference slot, is
dropped at inference and not scored) with w(t) = exp(-2 ((t - 500) / 1000)^2) minus its minimum over the
1000 timesteps, normalised to mean 1 (DiffSynth's `training_weight`). Clip, window start, timestep and
noise come from a generator seeded by (seed, step, process), so a resumed run repeats the same steps.

Checkpoints: RUN/checkpoints/step-NNNNNNN/ (adapter.safetensors, lora.safetensors for the aesthetic stage,
state.safetensors = optimizer tensors + RNG, state.json = step, settings, optimizer groups), each written
as a whole folder atomically every `--checkpoint-every` steps and at the end; the last `--keep-checkpoints`
are kept. Rerunning the same command resumes from the newest one and ends with the same weights as an
uninterrupted run. The final weights also go to RUN/adapter.safetensors (+ RUN/lora.safetensors); losses
to RUN/log.jsonl. A new resolution (MACE-Dance: 832x480, then 1280x720) is a new --out started with
`--init-adapter RUN/adapter.safetensors` (the optimizer restarts).

Not done: training with a previous segment's frames as condition (relay); every window is a first segment.

Scaling with accelerate (bf16 and gradient checkpointing on GPUs, fp32 on the CPU), e.g. 8 GPUs with
DeepSpeed ZeRO-2 and CPU optimizer offload (what MACE-Dance used for 81 frames at 720p):
    accelerate launch --num_processes 8 --use_deepspeed \
        --deepspeed_config_file models/appearance_expert/configs/zero2.json \
        -m models.appearance_expert.train --stage kinematic --weights DIR --data M.parquet --out RUN
or an accelerate YAML (from `accelerate config`; `deepspeed_config: {deepspeed_config_file: <zero2.json>}`)
given as `accelerate launch --config_file my.yaml -m models.appearance_expert.train ...`.
Under DeepSpeed the optimizer state is not in our checkpoints (a resume restarts the moments; weights, step
and data order are kept).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import shutil
import sys
import time
from collections import OrderedDict
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from tqdm import tqdm

from models.appearance_expert.config import PROMPT, TINY, ModelConfig
from models.appearance_expert.train_data import Clip, Sample, load_clips, load_sample
from models.appearance_expert.weights import (
    LoraWeights,
    adapter_state,
    add_lora,
    apply_adapter,
    load_adapter,
    load_lora,
    lora_state,
    read_safetensors,
    save_adapter,
    save_lora,
    set_lora,
    write_safetensors,
)
from models.files import atomic_dir, atomic_write_text, sha256_file
from models.plots import write_loss_plot
from models.command_line import (
    ArgumentParser,
    InputError,
    UsageError,
    command,
    nonnegative_float,
    nonnegative_int,
    positive_float,
    positive_int,
    require_file,
    require_writable,
)
from models.video.frames import FrameLimits

log = logging.getLogger(__name__)

STAGES = ("kinematic", "aesthetic")
DEFAULT_LR = {"kinematic": 1e-5, "aesthetic": 1e-4}
CHECKPOINTS, LOG = "checkpoints", "log.jsonl"
ADAPTER, LORA, STATE, STATE_JSON = "adapter.safetensors", "lora.safetensors", "state.safetensors", "state.json"
NUM_TRAIN_TIMESTEPS, SHIFT = 1000, 5.0
STATE_VERSION = 1
RESTART = "move that checkpoint folder away to resume from an earlier one, or use another --out"


@dataclass(frozen=True)
class TrainConfig:
    """One run's settings; all but steps / checkpointing / cache must match to resume."""

    stage: Literal["kinematic", "aesthetic"]
    steps: int = 1000
    lr: float = 1e-5
    weight_decay: float = 0.01
    frames: int = 81
    height: int = 832  # portrait, like the renderer's 1280x720 (H x W)
    width: int = 480
    conditioning: Literal["full", "image_only"] = "full"
    seed: int = 0
    prompt: str = PROMPT
    max_sequence_length: int = 512
    checkpoint_every: int = 100
    keep_checkpoints: int = 3
    cache_size: int = 8  # encoded windows kept in host memory (VAE/CLIP outputs are deterministic)

    def __post_init__(self) -> None:
        if self.stage not in STAGES:
            raise UsageError(f"--stage {self.stage}: expected one of {STAGES}")
        if (self.frames - 1) % 4 or self.frames < 5:
            raise UsageError(f"--frames {self.frames}: must be 4k+1 (>= 5)")
        if self.height % 16 or self.width % 16:
            raise UsageError(f"--height/--width {self.height}x{self.width}: must be multiples of 16")
        problem = FrameLimits.from_env().problem(self.width, self.height)
        if problem:
            raise UsageError(f"--width/--height: a frame {problem}")
        if self.conditioning not in ("full", "image_only"):
            raise UsageError(f"--aesthetic-conditioning {self.conditioning}: expected 'full' or 'image_only'")
        if self.steps < 1 or self.checkpoint_every < 1 or self.keep_checkpoints < 1:
            raise UsageError("--steps, --checkpoint-every and --keep-checkpoints must be >= 1")
        if not (math.isfinite(self.lr) and self.lr > 0 and math.isfinite(self.weight_decay) and self.weight_decay >= 0):
            raise UsageError(f"--lr {self.lr} / --weight-decay {self.weight_decay}: "
                             "need a finite lr > 0 and weight decay >= 0")

    def resume_key(self) -> dict[str, Any]:
        """The settings a checkpoint must share to be resumed."""
        free = ("steps", "checkpoint_every", "keep_checkpoints", "cache_size")
        return {k: v for k, v in asdict(self).items() if k not in free}


def checkpoint_folders(out_dir: Path) -> list[Path]:
    """The complete checkpoint folders of a run folder (those with their state.json), oldest first."""
    folder = Path(out_dir) / CHECKPOINTS
    return sorted(p for p in folder.glob("step-*") if (p / STATE_JSON).is_file()) if folder.is_dir() else []


def read_state(path: Path) -> dict[str, Any]:
    """A checkpoint folder's state.json; InputError naming it when it is not the JSON object we write."""
    try:
        info = json.loads((path / STATE_JSON).read_text(encoding="utf-8"))
    except (ValueError, OSError) as error:
        raise InputError(path / STATE_JSON, f"unreadable checkpoint state ({error}); {RESTART}") from error
    if not isinstance(info, dict) or not isinstance(info.get("step"), int) or "optimizer_groups" not in info:
        raise InputError(path / STATE_JSON, f"not a training state (no step / optimizer_groups); {RESTART}")
    return info


class FlowMatchSchedule:
    """DiffSynth's Wan training schedule: 1000 shifted sigmas (shift 5, sigma_min 0) and the Gaussian timestep weights."""

    def __init__(self, shift: float = SHIFT, num_timesteps: int = NUM_TRAIN_TIMESTEPS) -> None:
        sigmas = torch.linspace(1.0, 0.0, num_timesteps + 1, dtype=torch.float64)[:-1]
        self.sigmas = shift * sigmas / (1 + (shift - 1) * sigmas)
        self.timesteps = self.sigmas * num_timesteps
        bell = torch.exp(-2 * ((self.timesteps - num_timesteps / 2) / num_timesteps) ** 2)
        bell = bell - bell.min()
        self.weights = bell * (num_timesteps / bell.sum())

    def sample(self, generator: torch.Generator) -> int:
        """A timestep index, uniform over the schedule."""
        return int(torch.randint(0, len(self.sigmas), (1,), generator=generator).item())


def step_generator(seed: int, step: int, process: int = 0) -> torch.Generator:
    """The generator of one step's data choice and noise, a pure function of (seed, step, process)."""
    return torch.Generator().manual_seed((seed * 1_000_003 + step) * 1009 + process)


def _pil(frames: np.ndarray) -> list[Image.Image]:
    return [Image.fromarray(frame) for frame in frames]


@dataclass
class Conditions:
    """The encoded (frozen) inputs of one window: target latents and everything the transformer is conditioned on."""

    x0: torch.Tensor  # (1, 16, T+1, h, w): reference latent, then the window's latents
    reference: torch.Tensor  # (1, 20, T+1, h, w): [mask, latents] of the reference + first-segment condition block
    image_embeds: torch.Tensor
    pose: torch.Tensor  # (1, 16, T, h, w)
    face: torch.Tensor  # (1, 3, N, S, S) in [-1, 1]


class Trainer:
    """One stage's training run in `out_dir`: fresh, or resumed from its newest checkpoint."""

    def __init__(
        self, config: TrainConfig, model: ModelConfig, clips: list[Clip], out_dir: Path, weights: Path | None = None,
        init_adapter: Path | None = None, accelerator: Any = None,
    ) -> None:  # fmt: skip
        from accelerate import Accelerator

        self.config, self.model_config, self.clips, self.out_dir = config, model, clips, Path(out_dir)
        cuda = torch.cuda.is_available()
        self.accelerator = accelerator or Accelerator(mixed_precision="bf16" if cuda else "no")
        self.device = self.accelerator.device
        self.pipe = self._pipeline(weights)
        transformer = self.pipe.transformer
        self.dtype = transformer.dtype  # the frozen weights' dtype (trained tensors are fp32)
        transformer.requires_grad_(False)
        self.init_adapter = {"path": str(init_adapter), "sha256": sha256_file(init_adapter)} if init_adapter else None
        if init_adapter is not None:
            apply_adapter(transformer, load_adapter(init_adapter, transformer))
        if config.stage == "kinematic":
            transformer.pose_patch_embedding.to(torch.float32).requires_grad_(True)
        else:
            torch.manual_seed(config.seed)  # LoRA A's random init
            add_lora(transformer, model.lora_rank, model.lora_alpha)
            for name, param in transformer.named_parameters():
                if "lora_" in name:
                    param.data = param.data.float()
                    param.requires_grad_(True)
        self.trained = sorted((n, p) for n, p in transformer.named_parameters() if p.requires_grad)
        self.optimizer = torch.optim.AdamW([p for _, p in self.trained], lr=config.lr, weight_decay=config.weight_decay)
        self.schedule = FlowMatchSchedule()
        self.base = "tiny" if weights is None else str(Path(weights).resolve())
        self.step = 0
        self._cache: OrderedDict[tuple[int, int], Conditions] = OrderedDict()
        latest = self.latest_checkpoint()
        if latest is not None:
            self._resume(latest)
        if cuda:
            transformer.enable_gradient_checkpointing()
        transformer.train()
        self.transformer, self.optimizer = self.accelerator.prepare(transformer, self.optimizer)
        self._prompt, self._condition_block = self._constant_inputs()
        if cuda:  # the prompt is fixed: the umT5 encoder (11 GB in bf16) is not needed on the GPU any more
            self.pipe.text_encoder.to("cpu")

    # ------------------------------------------------------------------ setup
    def _pipeline(self, weights: Path | None):  # -> WanAnimatePipeline
        from models.appearance_expert.pipeline import LoadConfig, build_tiny_pipeline, load_pipeline

        if weights is None:
            return build_tiny_pipeline(self.model_config, seed=0).to(self.device)
        dtype = "bfloat16" if self.device.type == "cuda" else "float32"
        return load_pipeline(LoadConfig(weights=Path(weights), dtype=dtype, device=str(self.device), offload="off"))

    @torch.no_grad()
    def _constant_inputs(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The prompt embedding and the first segment's (empty, mask 0) condition block, shared by every step."""
        cfg, pipe = self.config, self.pipe
        prompt, _ = pipe.encode_prompt(cfg.prompt, do_classifier_free_guidance=False,
                                       max_sequence_length=cfg.max_sequence_length, device=self.device)  # fmt: skip
        block = pipe.prepare_prev_segment_cond_latents(
            None, batch_size=1, segment_frame_length=cfg.frames, start_frame=0, height=cfg.height, width=cfg.width,
            prev_segment_cond_frames=1, device=self.device,
        )  # fmt: skip
        return prompt.to(self.dtype), block.to(self.dtype)

    @torch.no_grad()
    def encode(self, sample: Sample) -> Conditions:
        """A window's frozen encodings through the pipeline's own methods (VAE argmax latents, CLIP, face pixels)."""
        cfg, pipe, device = self.config, self.pipe, self.device
        video = pipe.video_processor.preprocess_video(_pil(sample.frames), height=cfg.height, width=cfg.width)
        latents = pipe.prepare_pose_latents(video, 1, device=device)  # VAE encode + standardise, as for the pose video
        reference_image = Image.fromarray(sample.reference)
        pixels = pipe.vae_image_processor.preprocess(reference_image, height=cfg.height, width=cfg.width,
                                                     resize_mode="fill").to(device, dtype=torch.float32)  # fmt: skip
        reference = pipe.prepare_reference_image_latents(pixels, 1, device=device)
        image_embeds = pipe.encode_image(reference_image, device)
        size = self.model_config.motion_encoder_size
        if cfg.conditioning == "full":
            pose_video = pipe.video_processor.preprocess_video(_pil(sample.pose), height=cfg.height, width=cfg.width)
            pose = pipe.prepare_pose_latents(pose_video, 1, device=device)
            face = pipe.video_processor.preprocess_video(_pil(sample.face), height=size, width=size).to(device)
        else:  # the published aesthetic scripts: reference image only
            pose = torch.zeros_like(latents)
            face = torch.full((1, 3, cfg.frames, size, size), -1.0, device=device)
        dtype = self.dtype
        return Conditions(
            x0=torch.cat([reference[:, 4:], latents], dim=2).float(),
            reference=torch.cat([reference, self._condition_block], dim=2).to(dtype),
            image_embeds=image_embeds.to(dtype), pose=pose.to(dtype), face=face.to(dtype),
        )  # fmt: skip

    def conditions(self, clip_index: int, start: int) -> Conditions:
        """Encodings of a window, from the in-memory cache when there."""
        key = (clip_index, start)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        cfg = self.config
        sample = load_sample(self.clips[clip_index], start, cfg.frames, cfg.height, cfg.width,
                             self.model_config.motion_encoder_size)  # fmt: skip
        found = self.encode(sample)
        if cfg.cache_size > 0:  # kept on the host: a 720p window's face video alone is ~130 MB
            self._cache[key] = Conditions(**{f.name: getattr(found, f.name).cpu() for f in fields(Conditions)})
            while len(self._cache) > cfg.cache_size:
                self._cache.popitem(last=False)
        return found

    # ------------------------------------------------------------------ training
    def _draw(self, generator: torch.Generator) -> tuple[int, int, int]:
        """(clip index, window start, timestep index) from the generator."""
        clip_index = int(torch.randint(0, len(self.clips), (1,), generator=generator).item())
        clip = self.clips[clip_index]
        start = int(torch.randint(0, clip.num_frames - self.config.frames + 1, (1,), generator=generator).item())
        return clip_index, start, self.schedule.sample(generator)

    def _loss(
        self, clip_index: int, start: int, index: int, generator: torch.Generator
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(weighted loss, plain MSE) of one window at timestep `index` with noise from the generator."""
        cond = Conditions(**{f.name: getattr(self.conditions(clip_index, start), f.name).to(self.device)
                             for f in fields(Conditions)})  # fmt: skip
        noise = torch.randn(cond.x0.shape, generator=generator, dtype=torch.float32).to(self.device)
        x0 = cond.x0
        sigma = float(self.schedule.sigmas[index])
        noisy = (1 - sigma) * x0 + sigma * noise
        target = noise - x0
        inputs = torch.cat([noisy.to(self.dtype), cond.reference], dim=1)
        timestep = torch.tensor([float(self.schedule.timesteps[index])], device=self.device)
        with self.accelerator.autocast():
            prediction = self.transformer(
                hidden_states=inputs, timestep=timestep, encoder_hidden_states=self._prompt,
                encoder_hidden_states_image=cond.image_embeds, pose_hidden_states=cond.pose,
                face_pixel_values=cond.face, return_dict=False,
            )[0]  # fmt: skip
        mse = F.mse_loss(prediction[:, :, 1:].float(), target[:, :, 1:].float())
        return mse * float(self.schedule.weights[index]), mse

    def train_step(self) -> dict[str, float]:
        """One optimiser step on the window, timestep and noise drawn for this step; returns its loss."""
        generator = step_generator(self.config.seed, self.step, self.accelerator.process_index)
        clip_index, start, index = self._draw(generator)
        loss, mse = self._loss(clip_index, start, index, generator)
        self.accelerator.backward(loss)
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        self._refuse_divergence(loss)
        return {"loss": float(loss.item()), "mse": float(mse.item()), "timestep": float(self.schedule.timesteps[index]),
                "clip": self.clips[clip_index].id, "start": start}  # type: ignore[dict-item]  # fmt: skip

    def _refuse_divergence(self, loss: torch.Tensor) -> None:
        """Stop on a non-finite loss or trained tensor, before the log or a checkpoint sees it."""
        if bool(torch.isfinite(loss)) and all(bool(torch.isfinite(p).all()) for _, p in self.trained):
            return
        latest = self.latest_checkpoint()
        kept = f"{latest} is kept" if latest is not None else "no checkpoint was written"
        what = "the trained weights hold NaN or inf" if bool(torch.isfinite(loss)) else f"the loss is {loss.item()}"
        raise RuntimeError(f"step {self.step + 1}: {what}, training diverged (try a lower --lr); {kept}")

    @torch.no_grad()
    def evaluate(self, draws: int = 8, seed: int = 12345) -> float:
        """Mean weighted loss over `draws` fixed (window, timestep, noise) draws: comparable across steps."""
        self.transformer.eval()
        losses = []
        for k in range(draws):
            generator = step_generator(seed, k)
            losses.append(float(self._loss(*self._draw(generator), generator)[0].item()))
        self.transformer.train()
        return float(np.mean(losses))

    def unwrapped(self) -> torch.nn.Module:
        return self.accelerator.unwrap_model(self.transformer) if hasattr(self, "transformer") else self.pipe.transformer

    # ------------------------------------------------------------------ checkpoints
    def _metadata(self) -> dict[str, str]:
        """What the weight files record: stage, conditioning (image_only = the published aesthetic scripts), step."""
        cfg = self.config
        return {"stage": cfg.stage, "conditioning": cfg.conditioning, "step": str(self.step), "base": self.base,
                "model": self.model_config.name}  # fmt: skip

    def _settings(self) -> dict[str, Any]:
        return {"train": self.config.resume_key(), "model": self.model_config.name, "base": self.base,
                "init_adapter": self.init_adapter and self.init_adapter["sha256"]}  # fmt: skip

    def _deepspeed(self) -> bool:
        return str(self.accelerator.distributed_type).endswith("DEEPSPEED")

    def checkpoints(self) -> list[Path]:
        """Complete checkpoint folders, oldest first."""
        return checkpoint_folders(self.out_dir)

    def latest_checkpoint(self) -> Path | None:
        found = self.checkpoints()
        return found[-1] if found else None

    def write_weights(self, folder: Path) -> None:
        """The trained tensors (adapter; + LoRA in the aesthetic stage) in our layout."""
        transformer, meta = self.unwrapped(), self._metadata()
        save_adapter(folder / ADAPTER, adapter_state(transformer), meta)
        if self.config.stage == "aesthetic":
            lora = LoraWeights(lora_state(transformer), self.model_config.lora_rank, self.model_config.lora_alpha, meta)
            save_lora(folder / LORA, lora)

    def save(self) -> Path | None:
        """Write checkpoint step-NNNNNNN (whole folder atomically) on the main process; prune old ones."""
        self.accelerator.wait_for_everyone()
        if not self.accelerator.is_main_process:
            return None
        path = self.out_dir / CHECKPOINTS / f"step-{self.step:07d}"
        tensors: dict[str, torch.Tensor] = {"rng.torch": torch.get_rng_state()}
        if torch.cuda.is_available():
            tensors["rng.cuda"] = torch.cuda.get_rng_state()
        groups: list = []
        if not self._deepspeed():
            state = self.optimizer.state_dict()
            tensors.update({f"optim.{i}.{k}": v for i, s in state["state"].items() for k, v in s.items()})
            groups = state["param_groups"]
        info = {"version": STATE_VERSION, "step": self.step, "settings": self._settings(), "optimizer_groups": groups,
                "trained": [n for n, _ in self.trained]}  # fmt: skip
        with atomic_dir(path) as tmp:
            self.write_weights(tmp)
            write_safetensors(tmp / STATE, tensors, {"format": "mace-bench/appearance-train-state"})
            atomic_write_text(tmp / STATE_JSON, json.dumps(info, indent=1))
        for old in self.checkpoints()[: -self.config.keep_checkpoints]:
            shutil.rmtree(old, ignore_errors=True)
        return path

    def _resume(self, path: Path) -> None:
        info = read_state(path)
        mine = json.loads(json.dumps(self._settings()))
        if info.get("settings") != mine:
            theirs = info.get("settings") or {}
            changed = sorted(k for k in set(mine) | set(theirs) if mine.get(k) != theirs.get(k))
            detail = [k for k in mine.get("train", {}) if mine["train"].get(k) != theirs.get("train", {}).get(k)]
            raise ValueError(f"{path}: was trained with other settings ({', '.join(changed + detail)}); use another --out")
        transformer = self.pipe.transformer
        apply_adapter(transformer, load_adapter(path / ADAPTER, transformer))
        if self.config.stage == "aesthetic":
            set_lora(transformer, load_lora(path / LORA, transformer), path / LORA)
        tensors, _ = read_safetensors(path / STATE)
        if info["optimizer_groups"]:
            state: dict[int, dict[str, torch.Tensor]] = {}
            for key, value in tensors.items():
                if key.startswith("optim."):
                    index, name = key[len("optim.") :].split(".", 1)
                    state.setdefault(int(index), {})[name] = value
            self.optimizer.load_state_dict({"state": state, "param_groups": info["optimizer_groups"]})
        else:
            log.warning("%s: no optimizer state (DeepSpeed run): AdamW moments restart", path)
        torch.set_rng_state(tensors["rng.torch"])
        if "rng.cuda" in tensors and torch.cuda.is_available():
            torch.cuda.set_rng_state(tensors["rng.cuda"])
        self.step = int(info["step"])
        log.info("resumed from %s at step %d", path, self.step)

    def _rewrite_log(self) -> None:
        """Keep log lines up to the resumed step (steps lost in a kill are redone and logged again)."""
        path = self.out_dir / LOG
        if not path.is_file():
            return
        kept = []
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                if json.loads(line)["step"] <= self.step:
                    kept.append(line)
            except (ValueError, KeyError, TypeError):
                continue  # a line cut by a kill
        atomic_write_text(path, "".join(f"{line}\n" for line in kept))

    def run(self, progress: bool = True) -> Path:
        """Train to `config.steps`, checkpointing on the way; writes the final weights into the run folder."""
        cfg, main = self.config, self.accelerator.is_main_process
        self.out_dir.mkdir(parents=True, exist_ok=True)
        if main:
            self._rewrite_log()
        bar = tqdm(total=cfg.steps, initial=self.step, desc=f"train {cfg.stage}", disable=not (progress and main),
                   file=sys.stderr)  # fmt: skip
        with open(self.out_dir / LOG, "a", encoding="utf-8") as log_file:
            while self.step < cfg.steps:
                began = time.perf_counter()
                row = self.train_step()
                self.step += 1
                if main:
                    log_file.write(json.dumps({"step": self.step, **row, "seconds": time.perf_counter() - began}) + "\n")
                    log_file.flush()
                bar.update(1)
                bar.set_postfix(loss=f"{row['loss']:.4f}")
                if self.step % cfg.checkpoint_every == 0 or self.step == cfg.steps:
                    self.save()
        bar.close()
        if self.latest_checkpoint() is None or self.latest_checkpoint().name != f"step-{self.step:07d}":
            self.save()
        if main:
            self.write_weights(self.out_dir)
        self.accelerator.wait_for_everyone()
        return self.out_dir


def build_parser() -> argparse.ArgumentParser:
    p = ArgumentParser(prog="python -m models.appearance_expert.train",
                                description="Train the Appearance Expert's body adapter (kinematic) or LoRA (aesthetic). "
                                f"Rerun the same command to resume from OUT/{CHECKPOINTS}/.")  # fmt: skip
    p.add_argument("--stage", choices=STAGES, required=True)
    p.add_argument("--data", type=Path, required=True, help="MA-Data manifest .parquet (ok rows with video + pose_video)")
    p.add_argument("--out", type=Path, required=True, help="run folder")
    base = p.add_mutually_exclusive_group(required=True)
    base.add_argument("--tiny", action="store_true", help="the random tiny model (tests, CI)")
    base.add_argument("--weights", type=Path, help="Wan2.2-Animate-14B diffusers folder")
    p.add_argument("--init-adapter", type=Path, help="start from this body adapter (ours or MACE's Adapter.safetensors)")
    p.add_argument("--aesthetic-conditioning", choices=["full", "image_only"], default="full",
                   help="image_only = the published aesthetic scripts (no pose/face video)")
    p.add_argument("--steps", type=positive_int, default=1000)
    p.add_argument("--lr", type=positive_float, help="default: 1e-5 kinematic, 1e-4 aesthetic")
    p.add_argument("--weight-decay", type=nonnegative_float, default=0.01)
    p.add_argument("--frames", type=positive_int, help="window length, 4k+1 (default 81; tiny 9)")
    p.add_argument("--height", type=positive_int, help="default 832 (tiny 16); then continue at 1280 as MACE-Dance did")
    p.add_argument("--width", type=positive_int, help="default 480 (tiny 16); then 720")
    p.add_argument("--checkpoint-every", type=positive_int, default=100)
    p.add_argument("--keep-checkpoints", type=positive_int, default=3)
    p.add_argument("--cache-size", type=nonnegative_int, default=8, help="encoded windows kept in memory")
    p.add_argument("--seed", type=nonnegative_int, default=0)
    p.add_argument("--no-progress", action="store_true")
    p.add_argument("-v", "--verbose", action="store_true")
    return p


def _import_pipeline_quietly() -> None:
    """Import pipeline.py with transformers' warnings off: without torchvision, its image-processor fallback
    warning would otherwise add a line to this CLI's one-line errors (it is a warning, spec section 5)."""
    from transformers.utils import logging as hf_logging

    previous = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    try:
        import models.appearance_expert.pipeline  # noqa: F401
    finally:
        hf_logging.set_verbosity(previous)


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """The run's TrainConfig from the CLI (tiny defaults: 9 frames at 16x16)."""
    tiny = args.tiny
    return TrainConfig(
        stage=args.stage, steps=args.steps, lr=args.lr if args.lr is not None else DEFAULT_LR[args.stage],
        weight_decay=args.weight_decay, frames=args.frames or (TINY.render.segment_frames if tiny else 81),
        height=args.height or (TINY.render.height if tiny else 832),
        width=args.width or (TINY.render.width if tiny else 480),
        conditioning=args.aesthetic_conditioning if args.stage == "aesthetic" else "full", seed=args.seed,
        checkpoint_every=args.checkpoint_every, keep_checkpoints=args.keep_checkpoints, cache_size=args.cache_size,
    )  # fmt: skip


def check_run_paths(args: argparse.Namespace) -> None:
    """--data, --out, --weights, --init-adapter and a checkpoint to resume, checked before any model loads."""
    require_file(args.data, "--data")
    require_writable(args.out, "--out", folder=True)
    if args.weights is not None:
        from models.appearance_expert.pipeline import weights_folder

        weights_folder(args.weights)  # one-line error before anything loads
    if args.init_adapter is not None:
        load_adapter(require_file(args.init_adapter, "--init-adapter"))
    latest = checkpoint_folders(args.out)
    if latest:
        read_state(latest[-1])


@command
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    config = config_from_args(args)
    _import_pipeline_quietly()
    check_run_paths(args)
    from models.appearance_expert.config import REAL

    model = TINY if args.tiny else REAL
    clips = load_clips(args.data, config.frames)
    trainer = Trainer(config, model, clips, args.out, args.weights, args.init_adapter)
    out = trainer.run(progress=not args.no_progress)
    written = [out / ADAPTER] + ([out / LORA] if config.stage == "aesthetic" else [])
    if trainer.accelerator.is_main_process:
        write_loss_plot(out / LOG)
        print(f"trained {config.stage} to step {trainer.step}: {', '.join(map(str, written))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
