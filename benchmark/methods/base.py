"""The method interface and registry: anything that turns test items (music, length) into motion.

`mace_dance`, `edge` and output-folder adapters register here the same way the built-ins do.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from benchmark.methods.speed import measure_generation_fps
from models.body.motion import Motion
from models.command_line import UsageError


@dataclass(frozen=True)
class TestItem:
    """One benchmark item: the music to dance to, how long, and (when known) the real dance."""

    id: str
    num_frames: int
    fps: float
    music_path: Path | None = None
    genre: str | None = None
    gt: Motion | None = None


@dataclass
class Method:
    """A registered generator. Subclasses implement `generate`; provenance fields go into results."""

    name: str = ""
    version: str = "0"
    checkpoint_sha256: str | None = None
    config: dict[str, Any] = field(default_factory=dict)
    label: str | None = None  # e.g. "demo, not a reproduction": carried into every output

    needs_ground_truth: bool = False  # methods that replay data have no generation speed

    def generate(self, items: list[TestItem], seed: int) -> dict[str, Motion]:
        raise NotImplementedError(f"method {self.name!r} does not implement generate()")

    def timing(self, items: list[TestItem], frames: int = 1024, batch: int = 8) -> dict[str, Any]:
        """Generation speed for the results (spec section 11): latency at batch 1 and T frames,
        throughput at a fixed batch, on synthetic items with the first item's music and fps."""
        if self.needs_ground_truth or not items:
            return {"latency_fps": None, "throughput_fps": None}
        template = items[0]

        def run(b: int, t: int) -> None:
            probe = [replace(template, id=f"speed{k}", num_frames=t, gt=None) for k in range(b)]
            self.generate(probe, seed=0)

        return measure_generation_fps(run, frames=frames, throughput_batch=batch).as_timing()


_REGISTRY: dict[str, Callable[..., Method]] = {}


def register_method(name: str) -> Callable[[Callable[..., Method]], Callable[..., Method]]:
    """Class/factory decorator adding a method under `name`."""

    def add(factory: Callable[..., Method]) -> Callable[..., Method]:
        if name in _REGISTRY:
            raise ValueError(f"method {name!r} is already registered")
        _REGISTRY[name] = factory
        return factory

    return add


def available_methods() -> list[str]:
    return sorted(_REGISTRY)


def takes_option(name: str, option: str) -> bool:
    """Whether the registered method `name` accepts the keyword `option` (a checkpoint, a folder)."""
    return option in inspect.signature(_REGISTRY[name]).parameters


def create_method(name: str, **options: Any) -> Method:
    """Instantiate a registered method, listing the known names when `name` is unknown."""
    if name not in _REGISTRY:
        raise UsageError(f"--method {name}: unknown method; available: {', '.join(available_methods())}")
    unknown = [option for option in options if not takes_option(name, option)]
    if unknown:
        raise UsageError(f"--method {name} takes no option {', '.join(unknown)}")
    method = _REGISTRY[name](**options)
    method.name = name
    return method
