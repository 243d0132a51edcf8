"""A folder of one published baseline's output files (`--pred-format`) read as a MotionSet."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from benchmark.inputs.motion_sets import MotionSet
from benchmark.results import sha256_paths
from models.body.formats_baselines import OUTPUT_READERS, OUTPUT_SUFFIXES, POSITIONS_FPS, detect_layout, output_id
from models.body.motion import Motion

log = logging.getLogger(__name__)

PRED_FORMATS = ("auto", *OUTPUT_READERS)


def load_output_set(path: str | Path, layout: str, name: str) -> MotionSet:
    """Every `<id>.pkl|.npy` in the folder read with the `layout` reader ("auto": detected, with a message)."""
    path = Path(path)
    if layout not in PRED_FORMATS:
        raise ValueError(f"unknown output layout {layout!r}; known: {', '.join(PRED_FORMATS)}")
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: no such folder (--pred-format reads a folder of output files)")
    suffixes = {s for layouts in OUTPUT_SUFFIXES.values() for s in layouts} if layout == "auto" else set(OUTPUT_SUFFIXES[layout])
    files = sorted(f for f in path.iterdir() if f.is_file() and f.suffix.lower() in suffixes)
    if not files:
        raise ValueError(f"{path}: no {layout} output files ({', '.join(sorted(suffixes))}) in this folder")
    if layout == "auto":
        found = {f: detect_layout(f) for f in files}
        kinds = sorted(set(found.values()))
        if len(kinds) != 1:
            raise ValueError(f"{path}: files in several output layouts {kinds}; give --pred-format")
        layout = kinds[0]
        log.warning("%s: %d files read as %s outputs (detected; --pred-format %s to insist)", path, len(files), layout, layout)
    outputs = {output_id(f): OUTPUT_READERS[layout](f) for f in files}
    if len(outputs) != len(files):
        raise ValueError(f"{path}: several files share an id")
    ids, digest = tuple(outputs), sha256_paths(files)
    if layout in POSITIONS_FPS:
        return MotionSet(name, ids, POSITIONS_FPS[layout], None, {i: np.asarray(o) for i, o in outputs.items()}, digest)
    motions: dict[str, Motion] = outputs  # type: ignore[assignment]
    rates = {m.fps for m in motions.values()}
    if len(rates) != 1:
        raise ValueError(f"{path}: files have different frame rates {sorted(rates)}")
    return MotionSet(name, ids, rates.pop(), motions, None, digest)
