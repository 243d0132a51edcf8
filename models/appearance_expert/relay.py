"""Relay rendering: a video of any length from Wan-Animate segments, streamed segment by segment.

Same algorithm as diffusers' `WanAnimatePipeline.__call__` and Wan2.2's `animate.py` (spec section 3):
segments of L = 4k+1 frames advance by e = L - p; segment k is conditioned on the last p decoded frames of
segment k-1 (mask 1 on them, zeros elsewhere; all zeros for the first); the reference-image latent stays at
latent frame 0 of every segment; pose and face are reflect-padded past the end; every segment but the first
drops its first p frames; the output is cut to exactly N frames. Unlike the pipeline call, which holds the
whole padded pose/face video and every decoded segment until the end, this loop draws each segment's
conditioning on demand and yields its frames as soon as they are decoded, so memory stays flat in the
number of segments (a 3-minute video needs the memory of one segment). It reuses the pipeline's own
encoders and `prepare_*` methods; only the segment loop is ours.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import PIL.Image
import torch
from diffusers import WanAnimatePipeline

from models.appearance_expert.config import RenderConfig
from models.video.frames import reflect_index

Frame = Callable[[int], np.ndarray]  # frame index (0..N-1) -> (H,W,3) uint8 RGB


@dataclass(frozen=True)
class Segment:
    """One relay segment: frames [start, start + length) of the padded video; output keeps those from `keep`."""

    index: int
    start: int
    length: int
    keep: int  # 0 for the first segment, p (the conditioning frames) for the others


@dataclass(frozen=True)
class SegmentRecord:
    """What one segment was handed and produced: the conditioning frames (p,H,W,3) uint8 or None, its decoded frames."""

    segment: Segment
    conditioning: np.ndarray | None
    decoded: np.ndarray


def plan_segments(num_frames: int, length: int, prev: int) -> list[Segment]:
    """Segments covering `num_frames`, as the pipeline plans them (the last one runs into reflect padding)."""
    if num_frames < 1:
        raise ValueError(f"cannot render {num_frames} frames")
    if (length - 1) % 4 or not 0 < prev < length:
        raise ValueError(f"segment length must be 4k+1 above the {prev} conditioning frames, got {length}")
    step = length - prev
    count = max(1, math.ceil((num_frames - prev) / step))
    return [Segment(k, k * step, length, 0 if k == 0 else prev) for k in range(count)]


def _to_uint8(video: torch.Tensor) -> np.ndarray:
    """(1,3,T,H,W) in [-1,1] -> (T,H,W,3) uint8."""
    frames = ((video[0].float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    return frames.permute(1, 2, 3, 0).cpu().numpy()


class RelayRenderer:
    """Renders pose-driven video of any length with one `WanAnimatePipeline` and one `RenderConfig`."""

    def __init__(self, pipe: WanAnimatePipeline, render: RenderConfig) -> None:
        self.pipe, self.render = pipe, render

    @torch.no_grad()
    def frames(
        self,
        image: np.ndarray,
        pose: Frame,
        face: Frame,
        num_frames: int,
        on_segment: Callable[[SegmentRecord], None] | None = None,
        progress: bool = True,
    ) -> Iterator[np.ndarray]:
        """Yield exactly `num_frames` (H,W,3) uint8 frames of `image`'s person following `pose` (face from `face`)."""
        pipe, cfg = self.pipe, self.render
        device = pipe._execution_device
        generator = torch.Generator(device="cpu").manual_seed(cfg.seed)
        dtype = pipe.transformer.dtype
        use_cfg = cfg.guidance > 1.0
        prompt, negative = pipe.encode_prompt(
            cfg.prompt, do_classifier_free_guidance=use_cfg, max_sequence_length=cfg.max_sequence_length, device=device
        )
        prompt = prompt.to(dtype)
        negative = negative.to(dtype) if negative is not None else None
        reference = PIL.Image.fromarray(image)
        image_embeds = pipe.encode_image(reference, device).to(dtype)
        pixels = pipe.vae_image_processor.preprocess(reference, height=cfg.height, width=cfg.width, resize_mode="fill")
        reference_latents = pipe.prepare_reference_image_latents(
            pixels.to(device, torch.float32), 1, generator=generator, device=device
        )
        segments = plan_segments(num_frames, cfg.segment_frames, cfg.prev_frames)
        previous: torch.Tensor | None = None  # the last p decoded frames in [-1,1], as the pipeline hands them on
        emitted = 0
        bar = pipe.progress_bar(total=len(segments)) if progress else None
        for segment in segments:
            indices = [reflect_index(segment.start + i, num_frames) for i in range(segment.length)]
            video = self._segment(
                segment, [pose(i) for i in indices], [face(i) for i in indices], previous, prompt, negative,
                image_embeds, reference_latents, generator,
            )  # fmt: skip
            decoded = _to_uint8(video)
            if on_segment is not None:
                on_segment(SegmentRecord(segment, None if previous is None else _to_uint8(previous), decoded))
            previous = video[:, :, -cfg.prev_frames :].clone()
            for frame in decoded[segment.keep :][: num_frames - emitted]:
                emitted += 1
                yield frame
            if bar is not None:
                bar.update()
        if bar is not None:
            bar.close()

    def _segment(
        self,
        segment: Segment,
        pose: list[np.ndarray],
        face: list[np.ndarray],
        previous: torch.Tensor | None,
        prompt: torch.Tensor,
        negative: torch.Tensor | None,
        image_embeds: torch.Tensor,
        reference_latents: torch.Tensor,
        generator: torch.Generator,
    ) -> torch.Tensor:
        """Denoise and decode one segment; returns its (1,3,L,H,W) frames in [-1,1]."""
        pipe, cfg = self.pipe, self.render
        device, dtype = pipe._execution_device, pipe.transformer.dtype
        size = pipe.transformer.config.motion_encoder_size
        pose_video = pipe.video_processor.preprocess_video(
            [PIL.Image.fromarray(f) for f in pose], height=cfg.height, width=cfg.width
        ).to(device, torch.float32)
        face_video = pipe.video_processor.preprocess_video(
            [PIL.Image.fromarray(f) for f in face], height=size, width=size
        ).to(device, dtype)
        latents = pipe.prepare_latents(
            1, pipe.vae.config.z_dim, cfg.height, cfg.width, segment.length, torch.float32, device, generator
        )
        pose_latents = pipe.prepare_pose_latents(pose_video, 1, generator=generator, device=device).to(dtype)
        condition = pipe.prepare_prev_segment_cond_latents(
            previous,
            batch_size=1, segment_frame_length=segment.length, start_frame=segment.start, height=cfg.height,
            width=cfg.width, prev_segment_cond_frames=cfg.prev_frames, task="animate", generator=generator,
            device=device,
        )  # fmt: skip
        conditioning = torch.cat([reference_latents, condition], dim=2)
        pipe.scheduler.set_timesteps(cfg.steps, device=device)
        for t in pipe.scheduler.timesteps:
            model_input = torch.cat([latents, conditioning], dim=1).to(dtype)
            timestep = t.expand(1)
            arguments = dict(hidden_states=model_input, timestep=timestep, encoder_hidden_states_image=image_embeds,
                             pose_hidden_states=pose_latents, return_dict=False)  # fmt: skip
            noise = pipe.transformer(**arguments, encoder_hidden_states=prompt, face_pixel_values=face_video)[0]
            if negative is not None:
                blank = face_video * 0 - 1  # the pipeline's unconditional face
                uncond = pipe.transformer(**arguments, encoder_hidden_states=negative, face_pixel_values=blank)[0]
                noise = uncond + cfg.guidance * (noise - uncond)
            latents = pipe.scheduler.step(noise, t, latents, return_dict=False)[0]
        vae = pipe.vae
        mean = torch.tensor(vae.config.latents_mean).view(1, -1, 1, 1, 1).to(device, vae.dtype)
        std = torch.tensor(vae.config.latents_std).view(1, -1, 1, 1, 1).to(device, vae.dtype)
        video = vae.decode(latents.to(vae.dtype)[:, :, 1:] * std + mean, return_dict=False)[0]
        return video
