"""Where the bundled sample lives and how to read its index (`sample.json`).

The sample is a tiny dataset in FineDance layout (motion/<id>.npy (T,315) at 30 fps, music/<id>.ogg)
built from one real dancer's motion capture and real CC-BY music by `python -m curation.bundled_sample`.
It stands in for FineDance when no dataset root is given; it is not FineDance.
"""

from __future__ import annotations

import json
from pathlib import Path

SAMPLE_ROOT: Path = Path(__file__).resolve().parent / "data" / "sample"
SAMPLE_INDEX = "sample.json"
SAMPLE_FPS = 30.0
SAMPLE_SPLITS = ("train", "val", "test")

_NUMBER = (int, float)
_REQUIRED: dict[str, type | tuple[type, ...]] = {
    "motion": str, "music": str, "frames": int, "source_window": dict, "mirrored": bool,
    "music_source": str, "music_start_s": _NUMBER, "music_end_s": _NUMBER, "genre": str, "split": str,
}  # fmt: skip


def load_sample_index(root: Path = SAMPLE_ROOT) -> dict[str, dict]:
    """Items of `root/sample.json` by id (e.g. "s001"); `motion`/`music` paths are relative to `root`."""
    path = Path(root) / SAMPLE_INDEX
    try:
        index = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{path}: not a readable sample index ({error})") from error
    items = index.get("items") if isinstance(index, dict) else None
    if not isinstance(items, dict) or not items:
        raise ValueError(f"{path}: expected an object with a non-empty 'items' object")
    for item_id, item in items.items():
        if not isinstance(item, dict):
            raise ValueError(f"{path}: item {item_id!r} is not an object")
        for key, kind in _REQUIRED.items():
            value = item.get(key)
            if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
                raise ValueError(f"{path}: item {item_id!r} has a missing or mistyped {key!r}: {value!r}")
        if item["split"] not in SAMPLE_SPLITS:
            raise ValueError(f"{path}: item {item_id!r} split {item['split']!r} is not one of {SAMPLE_SPLITS}")
    return items
