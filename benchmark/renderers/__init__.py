"""Appearance renderers by name: the second half of a music -> dance video composition.

`create_renderer(name, settings)` builds one (its module is imported then: pyrender or diffusers load only
when needed); adding a renderer is one module and one line in RENDERERS.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from benchmark.renderers.base import AppearanceRenderer, RenderedClip, RenderSettings


def _mannequin(settings: RenderSettings) -> AppearanceRenderer:
    from benchmark.renderers.mannequin import MannequinRenderer

    return MannequinRenderer(settings)


def _expert(name: str, settings: RenderSettings) -> AppearanceRenderer:
    from benchmark.renderers.wan import EXPERT_LOADERS, ExpertRenderer

    return ExpertRenderer(name, EXPERT_LOADERS[name], settings)


RENDERERS: dict[str, Callable[[RenderSettings], AppearanceRenderer]] = {
    "mannequin": _mannequin,
    **{name: partial(_expert, name) for name in ("tiny", "wan_animate", "appearance_expert")},
}


def available_renderers() -> list[str]:
    return list(RENDERERS)


def create_renderer(name: str, settings: RenderSettings) -> AppearanceRenderer:
    """The named renderer; ValueError listing the known names for an unknown one."""
    if name not in RENDERERS:
        raise ValueError(f"unknown appearance renderer {name!r}; available: {', '.join(RENDERERS)}")
    return RENDERERS[name](settings)


__all__ = ["RENDERERS", "AppearanceRenderer", "RenderSettings", "RenderedClip", "available_renderers", "create_renderer"]
