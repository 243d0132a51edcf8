"""Row flags: results that are not a model's result (mannequin or tiny renderer, random-init backbones, stand-in
test set), found in the results' method record and label, so the board marks them and never ranks them.

The label prefixes below are the start of the labels `benchmark` writes (`MANNEQUIN_LABEL`, `TINY_LABEL`,
`RANDOM_INIT_LABEL`, `STANDIN_LABEL`); they are matched as text so the leaderboard needs no renderer import
(tests/leaderboard/test_video_boards.py checks them against the real constants).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Flag:
    """A mark on a board row: a short badge text and the results' own label text that explains it."""

    key: str  # CSS-safe id: mannequin, tiny, random-init, stand-in
    text: str  # badge shown on the row
    detail: str  # tooltip / footnote: the label part that raised the flag (or a default)


@dataclass(frozen=True)
class _Rule:
    key: str
    text: str
    renderer: str | None  # appearance renderer name that raises the flag
    label_prefix: str  # a label part starting with this raises it too
    default_detail: str


RULES: tuple[_Rule, ...] = (
    _Rule("tiny", "tiny random renderer: test only, not a model result", "tiny",
          "tiny random Wan-Animate", "tiny random Wan-Animate: tests only, its videos are noise"),
    _Rule("mannequin", "mannequin renderer: not a model result", "mannequin",
          "mannequin renderer", "mannequin renderer: suite body render, no learned appearance"),
    _Rule("random-init", "random-init backbones: not a score", None,
          "random-init", "random-init appearance backbones: a wiring check, not a score"),
    _Rule("stand-in", "stand-in test set: not MA-Data", None,
          "stand-in test set", "stand-in test set, not MA-Data"),
)
# Renderers without learned weights: a composition whose parts are all checkpoint-free needs no checkpoint hash.
WEIGHTLESS_RENDERERS = frozenset(r.renderer for r in RULES if r.renderer)
_LABEL_SPLIT = re.compile(r"; | / ")


def method_parts(name: str) -> list[str]:
    """The parts of a composed method name ('mace_dance+mannequin' -> motion method, renderer)."""
    return name.split("+")


def renderer_of(method: dict[str, Any]) -> str | None:
    """The appearance renderer of a results' method record: the composed record's, else the name's last part."""
    config = method.get("config") if isinstance(method.get("config"), dict) else {}
    appearance = config.get("appearance")
    if isinstance(appearance, dict) and isinstance(appearance.get("name"), str):
        return appearance["name"]
    name = method.get("name")
    return method_parts(name)[-1] if isinstance(name, str) else None


def flags_of(results: dict[str, Any]) -> tuple[Flag, ...]:
    """Every flag the results raise, in `RULES` order (empty for a model's result)."""
    method = results.get("method") if isinstance(results.get("method"), dict) else {}
    renderer = renderer_of(method)
    label = results.get("label") if isinstance(results.get("label"), str) else ""
    parts = [p.strip() for p in _LABEL_SPLIT.split(label) if p.strip()]
    flags = []
    for rule in RULES:
        matching = [p for p in parts if p.startswith(rule.label_prefix)]
        if matching or (rule.renderer is not None and renderer == rule.renderer):
            flags.append(Flag(rule.key, rule.text, matching[0] if matching else rule.default_detail))
    return tuple(flags)
