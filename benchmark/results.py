"""Results JSON: assembly, provenance (hashes, environment), schema validation, atomic writing, table.

The schema (`benchmark/schemas/results.schema.json`) is the contract with the leaderboard.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import math
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any, Iterable

import jsonschema

from models.files import atomic_write, sha256_file

SCHEMA_VERSION = "1.0"
SCHEMA_PATH = Path(__file__).parent / "schemas" / "results.schema.json"


def load_schema() -> dict:
    """The published results JSON Schema."""
    return json.loads(SCHEMA_PATH.read_text())


def sha256_paths(paths: Iterable[str | os.PathLike]) -> str:
    """One sha256 over several files or folders (relative names and contents, sorted)."""
    digest = hashlib.sha256()
    for root in sorted(Path(p) for p in paths):
        files = sorted(f for f in root.rglob("*") if f.is_file()) if root.is_dir() else [root]
        for f in files:
            rel = f.relative_to(root).as_posix() if root.is_dir() else f.name
            digest.update(rel.encode() + b"\0" + sha256_file(f).encode() + b"\0")
    return digest.hexdigest()


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "absent"


def git_commit() -> str | None:
    """The checkout's commit (with '-dirty' when the tree has changes), or None outside git."""
    here = Path(__file__).resolve().parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=here, capture_output=True, text=True, check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("-dirty" if dirty else "")


def environment(device: str = "cpu") -> dict[str, Any]:
    """Versions that can move metric values, recorded with every result."""
    return {
        "python": platform.python_version(),
        "numpy": _version("numpy"),
        "scipy": _version("scipy"),
        "torch": _version("torch"),
        "librosa": _version("librosa"),
        "device": device,
        "platform": platform.platform(),
        "git_commit": git_commit(),
    }


def metric_entry(value: float | None, ci95: tuple[float, float] | None, n: int, better: str | None = None, note: str | None = None) -> dict[str, Any]:
    """One metric record; non-finite values become null so JSON stays valid (warnings say why)."""
    finite = value is not None and math.isfinite(value)
    entry: dict[str, Any] = {
        "value": float(value) if finite else None,
        "ci95": [float(ci95[0]), float(ci95[1])] if finite and ci95 is not None else None,
        "n": int(n),
    }
    if better:
        entry["better"] = better
    if note:
        entry["note"] = note
    return entry


def now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def validate(results: dict) -> None:
    """Raise `jsonschema.ValidationError` listing the first problem when results break the schema."""
    jsonschema.Draft202012Validator(load_schema()).validate(results)


def write_atomic(path: str | os.PathLike, text: str) -> None:
    """Write text to path via a temp file and a rename: never a partial file."""
    atomic_write(path, lambda handle: handle.write(text.encode()))


def _null_if_not_finite(value: Any) -> Any:
    return None if isinstance(value, float) and not math.isfinite(value) else value


def write_results(results: dict, path: str | os.PathLike) -> None:
    """Validate then write results JSON atomically: strict JSON, per-item values that are NaN/inf written as null.

    A per-item NaN means "not computable for this item" (set values skip it); anywhere else a non-finite
    number is a bug, refused here rather than written into a file the leaderboard would refuse.
    """
    validate(results)
    rows = [{key: _null_if_not_finite(value) for key, value in row.items()} for row in results.get("per_item", [])]
    try:
        text = json.dumps({**results, "per_item": rows}, indent=1, sort_keys=False, allow_nan=False)
    except ValueError as error:
        raise ValueError(f"{path}: results hold a NaN or infinite value outside per_item ({error}); not written") from None
    write_atomic(path, text + "\n")


def format_table(results: dict) -> str:
    """A plain-text table of metrics with CIs, the GT reference row and any label/warnings."""
    lines = []
    if results.get("label"):
        lines.append(f"[{results['label']}]")
    lines.append(f"method {results['method']['name']} under {results['protocol']['id']}")
    header = f"{'metric':<10} {'value':>12} {'95% CI':>27} {'n':>4}   {'GT reference':>12}"
    lines += [header, "-" * len(header)]
    ref = results.get("reference", {})
    for name, m in results["metrics"].items():
        value = "n/a" if m["value"] is None else f"{m['value']:.6g}"
        ci = "" if m["ci95"] is None else f"[{m['ci95'][0]:.6g}, {m['ci95'][1]:.6g}]"
        gt = ref.get(name)
        gt_text = "" if gt is None or gt["value"] is None else f"{gt['value']:.6g}"
        arrow = {"lower": "v", "higher": "^"}.get(m.get("better", ""), " ")
        lines.append(f"{name:<8} {arrow} {value:>12} {ci:>27} {m['n']:>4}   {gt_text:>12}")
    for w in results.get("warnings", []):
        lines.append(f"warning: {w}")
    return "\n".join(lines)
