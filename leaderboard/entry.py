"""Leaderboard entries: the stored submission document and the row view built from it.

A submission document holds the submitted results JSON untouched, their content hash
(`results_sha256`, checked whenever entry files are read) plus the submitter's metadata
(display name, links, flags); every displayed number is derived from the results, so an entry
file cannot show numbers its results do not contain; nor can it drop the "not a model result"
flags (`leaderboard.flags`), read from the results too. Published paper numbers are entries too,
with status "reported" and no results.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from leaderboard.flags import WEIGHTLESS_RENDERERS, Flag, flags_of, method_parts
from leaderboard.integrity import content_hash

ENTRY_FORMAT = 2  # 2: `results_sha256`, the content hash of the submitted results
NOT_COMPUTED = "not computed"  # the note prefix of a metric benchmark could not compute (value null, with the reason)
# Built-in methods with no learned weights: they need no checkpoint hash.
CHECKPOINT_FREE_METHODS = frozenset({"ground_truth", "random_motion", *WEIGHTLESS_RENDERERS})
REFERENCE_METHODS = frozenset({"ground_truth"})  # shown above the ranking, not ranked


@dataclass(frozen=True)
class MetricValue:
    """A metric as shown: point value, optional 95% CI and sample count; `note` says why it was not computed."""

    value: float | None
    ci95: tuple[float, float] | None = None
    n: int | None = None
    note: str | None = None  # "not computed: <reason>" when value is None

    @property
    def not_computed(self) -> bool:
        """Whether the run could not compute this metric (null with a reason): shown 'n/c', left out of ranks."""
        return self.value is None and self.note is not None


@dataclass(frozen=True)
class Entry:
    """One row of one protocol's table."""

    id: str
    protocol_id: str
    name: str
    status: Literal["reproduced", "reported"]
    metrics: dict[str, MetricValue]
    role: Literal["method", "reference"] = "method"
    extras: dict[str, float | None] = field(default_factory=dict)
    method_version: str | None = None
    checkpoint_sha256: str | None = None
    code_url: str | None = None
    paper_url: str | None = None
    source: str | None = None
    notes: tuple[str, ...] = ()
    submitted_at: str | None = None
    report: tuple[str, ...] = ()  # picture names in the store's reports/<id>/ folder (leaderboard.reports)
    flags: tuple[Flag, ...] = ()  # not a model result (mannequin/tiny renderer, ...): listed, never ranked

    @property
    def ranked(self) -> bool:
        """Whether the row takes a place: a method's own result (no reference, no flag)."""
        return self.role == "method" and not self.flags


def checkpoint_free_method(name: str) -> bool:
    """A built-in method without learned weights, or a composition of them ('ground_truth+mannequin')."""
    return all(part in CHECKPOINT_FREE_METHODS for part in method_parts(name))


def not_computed_note(record: dict) -> str | None:
    """The reason of a metric record that is null with a 'not computed: reason' note, else None."""
    note = record.get("note")
    if record.get("value") is None and isinstance(note, str) and note.startswith(NOT_COMPUTED):
        return note
    return None


def duplicate_key(results: dict) -> tuple[str, str, str]:
    """What makes two submissions the same: protocol id, method name, checkpoint (or 'none')."""
    return (
        results["protocol"]["id"],
        results["method"]["name"],
        results["method"]["checkpoint_sha256"] or "none",
    )


def slug(text: str, limit: int = 40) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:limit] or "entry"


def entry_id(key: tuple[str, str, str]) -> str:
    """A file-name-safe id, unique per duplicate key and readable in a directory listing."""
    digest = hashlib.sha256("\0".join(key).encode()).hexdigest()[:12]
    return f"{slug(key[0])}--{slug(key[1])}--{digest}"


def make_submission(
    results: dict,
    *,
    name: str | None = None,
    code_url: str | None = None,
    paper_url: str | None = None,
    checkpoint_free: bool = False,
    submitted_at: str | None = None,
    report: list[str] | None = None,
) -> dict[str, Any]:
    """The document stored for an accepted results JSON (one committed file, one database row)."""
    return {
        "entry_format": ENTRY_FORMAT,
        "id": entry_id(duplicate_key(results)),
        "name": name or results["method"]["name"],
        "code_url": code_url,
        "paper_url": paper_url,
        "checkpoint_free": bool(checkpoint_free),
        "submitted_at": submitted_at
        or _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "results": results,
        "results_sha256": content_hash(results),
        "report": list(report or []),
    }


def _metric(record: dict) -> MetricValue:
    ci = record.get("ci95")
    return MetricValue(record.get("value"), tuple(ci) if ci else None, record.get("n"), not_computed_note(record))


def entry_from_submission(doc: dict) -> Entry:
    """The row view of a stored submission document."""
    results = doc["results"]
    method = results["method"]
    notes = [results["label"]] if results.get("label") else []
    if doc.get("checkpoint_free") and not checkpoint_free_method(method["name"]):
        notes.append("declared checkpoint-free: no checkpoint hash")
    return Entry(
        id=doc["id"],
        protocol_id=results["protocol"]["id"],
        name=doc["name"],
        status="reproduced",
        metrics={k: _metric(v) for k, v in results["metrics"].items()},
        role="reference" if method["name"] in REFERENCE_METHODS else "method",
        extras={"fps": results.get("timing", {}).get("latency_fps")},
        method_version=method["version"],
        checkpoint_sha256=method["checkpoint_sha256"],
        code_url=doc.get("code_url"),
        paper_url=doc.get("paper_url"),
        source="submitted results",
        notes=tuple(notes),
        submitted_at=doc.get("submitted_at"),
        report=tuple(doc.get("report") or ()),
        flags=flags_of(results),
    )
