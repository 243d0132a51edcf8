"""Integrity of stored results: finite numbers only, set values recomputed from their own per-item rows,
reserved reference-row names, and a content hash per entry.

A results JSON holds per-item rows (`per_item`) beside its set values (`metrics`, `reference`). Where a set
value is the mean of a per-item column (BAS, FSR, PFC, SSIM/PSNR/LPIPS, the per-video VBench dimensions),
`aggregate_problems` recomputes it with the benchmark's own rule and refuses a claimed value or `n` that
differs beyond float tolerance. FID, DIV, FVD and the frame-pooled VBench dimensions (subject and background
consistency) need features or per-frame values a results file does not hold: they cannot be recomputed.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from benchmark.metrics.motion.beat_align import LODGE_BAS_TEST_IDS
from benchmark.protocols.registry import PROTOCOLS

REL_TOLERANCE = 1e-7  # a recomputed mean differs from the written one by summation order only (~1e-16)
ABS_TOLERANCE = 1e-9
MAX_LISTED_PATHS = 5  # a file with NaN in every row is told the first few places, and how many more
GT_SUFFIX = "_gt"  # per-item column of the ground truth's value (2D motion, VBench) beside the method's
REFERENCE_METHOD = "ground_truth"  # the built-in method whose entries are the boards' reference rows
RESERVED_NAMES = frozenset({"groundtruth", "gt"})  # reference-row names, compared by `name_key`


@dataclass(frozen=True)
class Mean:
    """A set value that is the mean over items of per-item `columns` (several: the mean of the columns' means)."""

    metric: str
    columns: tuple[str, ...] = ()
    reference: bool = False  # the rows also hold `<column>_gt`: the reference block's value is recomputable
    id_prefixes: frozenset[str] | None = None  # only items whose id starts with one of these (LODGE compat BAS)

    @property
    def sources(self) -> tuple[str, ...]:
        return self.columns or (self.metric,)


_BAS_MEAN = Mean("bas")
_MOTION3D = (Mean("bas_fact"), Mean("pfc"), Mean("fsr", ("fsr_left", "fsr_right")), Mean("bas_sync"))
# VBench dimensions averaged per video first (imaging quality, aesthetic quality, motion smoothness, flickering):
# the mean of the per-video rows. Subject and background consistency pool frames: not recomputable here.
_PER_VIDEO_VBENCH = ("iq", "aq", "ms", "tf")
RECOMPUTED: dict[str, tuple[Mean, ...]] = {
    "motion3d": (_BAS_MEAN, *_MOTION3D),
    "motion2d": (Mean("bas", reference=True),),
    "ma_video": (Mean("bas", reference=True), *(Mean(m, reference=True) for m in _PER_VIDEO_VBENCH)),
    "animation": (Mean("ssim"), Mean("psnr"), Mean("lpips")),
}
LODGE_BAS = Mean("bas", id_prefixes=frozenset(LODGE_BAS_TEST_IDS))  # LODGE's compat BAS keeps its 19 song ids


def recomputed_means(protocol_id: str) -> tuple[Mean, ...]:
    """The set values of a protocol that its results' per-item rows determine (empty for an unknown protocol)."""
    protocol = PROTOCOLS.get(protocol_id)
    if protocol is None:
        return ()
    means = RECOMPUTED.get(protocol.kind, ())
    if getattr(protocol, "lodge_bas_id_filter", False):
        means = tuple(LODGE_BAS if m.metric == "bas" else m for m in means)
    return means


def json_path(parts: tuple[str | int, ...]) -> str:
    """`metrics.fid_k.ci95[1]` for ("metrics", "fid_k", "ci95", 1)."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text or "(top level)"


def non_finite(node: Any, parts: tuple[str | int, ...] = ()) -> Iterator[tuple[str, float]]:
    """(JSON path, value) of every NaN or infinity anywhere in a parsed JSON document."""
    if isinstance(node, float) and not math.isfinite(node):
        yield json_path(parts), node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from non_finite(value, (*parts, str(key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from non_finite(value, (*parts, index))


def _constant(value: float) -> str:
    return "NaN" if math.isnan(value) else "Infinity" if value > 0 else "-Infinity"


def non_finite_problems(doc: Any) -> list[str]:
    """One reason naming where NaN/Infinity sit (JSON has no such numbers; Python's json writes and reads them)."""
    found = list(non_finite(doc))
    if not found:
        return []
    listed = ", ".join(f"{path} is {_constant(value)}" for path, value in found[:MAX_LISTED_PATHS])
    more = f" (and {len(found) - MAX_LISTED_PATHS} more)" if len(found) > MAX_LISTED_PATHS else ""
    return [f"non-finite number: {listed}{more}; write null for a value that could not be computed"]


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _kept(row: Any, mean: Mean) -> bool:
    """Whether an item enters the mean (LODGE's compat BAS keeps only its song ids)."""
    return isinstance(row, dict) and (mean.id_prefixes is None or str(row.get("id", ""))[:3] in mean.id_prefixes)


def _cell(row: dict, index: int, column: str, problems: list[str]) -> float | None:
    """A per-item value as the benchmark averages it: None, NaN and inf are skipped; a non-number is a problem."""
    value = row.get(column)
    if value is None:
        return None
    if not _number(value):
        problems.append(f"per_item[{index}].{column} is not a number: {value!r:.40}")
        return None
    return float(value) if math.isfinite(value) else None


def _recompute(rows: list, mean: Mean, suffix: str) -> tuple[float | None, int, list[str]]:
    """(recomputed value, items with every column finite, problems); value None when a column has no value."""
    problems: list[str] = []
    table = [[_cell(row, i, source + suffix, problems) for source in mean.sources]
             for i, row in enumerate(rows) if _kept(row, mean)]
    columns = [[cells[k] for cells in table if cells[k] is not None] for k in range(len(mean.sources))]
    if any(not values for values in columns):
        return None, 0, problems
    value = sum(math.fsum(values) / len(values) for values in columns) / len(columns)
    return value, sum(all(c is not None for c in cells) for cells in table), problems


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=REL_TOLERANCE, abs_tol=ABS_TOLERANCE)


def _record_problems(where: str, record: Any, rows: list, mean: Mean, suffix: str) -> list[str]:
    """A claimed set value (and n) against the one its per-item rows give."""
    if not isinstance(record, dict) or not _number(record.get("value")) or not math.isfinite(record["value"]):
        return []  # absent, not computed or non-finite: other checks say so
    value, count, problems = _recompute(rows, mean, suffix)
    columns = " and ".join(f"'{s}{suffix}'" for s in mean.sources)
    if value is None:
        missing = f"{where}: value {record['value']:.10g} has no per-item {columns} values to recompute it from"
        return [*problems, missing]
    if not _close(record["value"], value):
        problems.append(
            f"{where}: claimed {record['value']:.10g} but its per-item {columns} values give {value:.10g}"
        )
    if record.get("n") != count:
        problems.append(f"{where}: n is {record.get('n')!r} but {count} per-item {columns} values are finite")
    return problems


def aggregate_problems(results: dict) -> list[str]:
    """Every set value of `results` that its own per-item rows contradict (metric, claimed and recomputed value)."""
    protocol = results.get("protocol") if isinstance(results.get("protocol"), dict) else {}
    rows = results.get("per_item") if isinstance(results.get("per_item"), list) else []
    problems = []
    for mean in recomputed_means(str(protocol.get("id"))):
        for section, suffix, wanted in (("metrics", "", True), ("reference", GT_SUFFIX, mean.reference)):
            block = results.get(section) if isinstance(results.get(section), dict) else {}
            if wanted:
                problems += _record_problems(f"{section}.{mean.metric}", block.get(mean.metric), rows, mean, suffix)
    return problems


def name_key(name: str) -> str:
    """A name as compared with the reserved ones: case, whitespace, '_' and '-' ignored ('Ground  Truth', 'g_t')."""
    return "".join(c for c in name.casefold() if not c.isspace() and c not in "_-")


def reserved_name_problems(field: str, name: Any, method: Any) -> list[str]:
    """A name that would pose as a reference row ('Ground Truth', 'GT') on a result not of the ground truth."""
    if not isinstance(name, str) or name_key(name) not in RESERVED_NAMES or method == REFERENCE_METHOD:
        return []
    return [f"{field} {name!r} is reserved for the ground-truth reference row (method {REFERENCE_METHOD!r})"]


def content_hash(results: dict) -> str:
    """sha256 of the results' canonical JSON (sorted keys, no spaces, UTF-8), recorded with the entry and checked."""
    text = json.dumps(results, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
