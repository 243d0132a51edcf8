"""Submission checks: JSON Schema, protocol registry, metric ranges, CIs, provenance, safe text, integrity.

Every check runs even when an earlier one failed, so a rejected submission gets all its reasons
at once. Values within `RANGE_SLACK` of a bound count as inside it: floating-point noise (the
Bailando FID form gives -8e-6 for two identical sets) is not an error. A metric the run could not compute
(value and CI null, n 0, a "not computed: <reason>" note, e.g. missing VBench weights) is accepted and shown
as n/c; a null without that note is refused, and so is NaN or infinity anywhere in the file. Set values that are
means of per-item rows are recomputed, and reference-row names are reserved (`leaderboard.integrity`).
"""

from __future__ import annotations

import json
import math
import os
import unicodedata
from typing import Any
from urllib.parse import urlsplit

import jsonschema

from benchmark.protocols.registry import PROTOCOLS, Protocol
from benchmark.results import load_schema
from leaderboard.boards import BOARDS
from leaderboard.entry import NOT_COMPUTED, checkpoint_free_method, not_computed_note
from leaderboard.integrity import aggregate_problems, non_finite_problems, reserved_name_problems
from models.command_line import InputError, require_file

RANGE_SLACK = 1e-4
MAX_NAME_CHARS = 100
MAX_LABEL_CHARS = 1000  # a video run's label joins the motion method's, the renderer's and the test set's
MAX_NOTE_CHARS = 1000  # a not-computed reason names the weight file, where it was looked for and where to get it
MAX_URL_CHARS = 500
REQUIRED_ENVIRONMENT = ("python", "numpy", "torch", "device", "platform")


class SubmissionRejected(ValueError):
    """A submission that failed validation; `reasons` lists every problem found (one line, '; '-separated)."""

    def __init__(self, source: str, reasons: list[str]):
        self.source = source
        self.reasons = list(reasons)
        one_line = (" ".join(line.strip() for line in reason.splitlines()) for reason in self.reasons)
        super().__init__(f"{source}: rejected: " + "; ".join(one_line))


def load_results_file(path: str | os.PathLike, flag: str = "RESULTS") -> dict:
    """Parse a results JSON file; InputError naming it when it is missing, empty, not JSON or not an object."""
    path = require_file(path, flag)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(path, "not a results JSON (not UTF-8 text)") from None
    if not text.strip():
        raise InputError(path, "is empty, expected a results JSON object")
    try:
        results = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(path, f"not JSON: line {error.lineno} column {error.colno}: {error.msg}") from None
    if not isinstance(results, dict):
        raise InputError(path, f"expected a results JSON object, got a JSON {type(results).__name__}")
    return results


def text_problems(field: str, text: Any, limit: int = MAX_NAME_CHARS) -> list[str]:
    """Problems with a string shown on the board: empty, too long, control characters, markup."""
    if not isinstance(text, str) or not text.strip():
        return [f"{field} must be a non-empty string"]
    problems = []
    if len(text) > limit:
        problems.append(f"{field} is {len(text)} characters long (at most {limit})")
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in text):
        problems.append(f"{field} contains control or invisible formatting characters")
    if "<" in text or ">" in text:
        problems.append(f"{field} contains markup characters '<' or '>': {text[:60]!r}")
    return problems


def url_problems(field: str, url: str) -> list[str]:
    """Problems with a link: only absolute http(s) URLs without spaces, quotes or markup."""
    if len(url) > MAX_URL_CHARS:
        return [f"{field} is longer than {MAX_URL_CHARS} characters"]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return [f"{field} must be an absolute http(s) URL, got {url[:60]!r}"]
    if any(c.isspace() or c in "<>\"'`" or not c.isprintable() for c in url):
        return [f"{field} contains spaces, quotes, markup or control characters: {url[:60]!r}"]
    return []


def _schema_problems(results: dict) -> list[str]:
    validator = jsonschema.Draft202012Validator(load_schema())
    problems = []
    for error in sorted(validator.iter_errors(results), key=lambda e: list(map(str, e.path))):
        where = "/".join(map(str, error.path)) or "(top level)"
        problems.append(f"schema: {where}: {error.message}")
    return problems


def _finite(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _non_finite(x: Any) -> bool:
    """NaN or infinity: reported once, with its JSON path, by `non_finite_problems`."""
    return isinstance(x, float) and not math.isfinite(x)


def _not_computed_problems(where: str, record: dict) -> list[str]:
    """A metric benchmark could not compute: null value and CI, n 0, a safe 'not computed: reason' note."""
    problems = text_problems(f"{where}.note", record["note"], MAX_NOTE_CHARS)
    if record.get("ci95") is not None:
        problems.append(f"{where}.ci95 must be null for a metric that was not computed")
    if record.get("n") != 0:
        problems.append(f"{where}.n must be 0 for a metric that was not computed, got {record.get('n')!r}")
    return problems


def _metric_problems(name: str, record: Any, spec: Any) -> list[str]:
    """Value present, finite, in range; CI two finite ordered numbers around it; n >= 1 (or not computed, with why)."""
    where = f"metrics.{name}"
    if not isinstance(record, dict):
        return [f"{where} is missing (required by the protocol)"]
    better = record.get("better")
    problems = []
    if spec is not None and better is not None and better != spec.better:
        problems.append(f"{where}.better is {better!r} but the protocol says {spec.better!r}")
    if not_computed_note(record) is not None:
        return problems + _not_computed_problems(where, record)
    value, ci, n = record.get("value"), record.get("ci95"), record.get("n")
    if value is None:
        problems.append(f"{where}.value is null without a '{NOT_COMPUTED}: <reason>' note: say why it was not computed")
    elif _non_finite(value):
        pass
    elif not _finite(value):
        problems.append(f"{where}.value is not a number: {value!r:.40}")
    elif spec is not None and not spec.low - RANGE_SLACK <= value <= spec.high + RANGE_SLACK:
        problems.append(f"{where}.value {value:.6g} is outside its valid range [{spec.low:g}, {spec.high:g}]")
    if ci is None:
        problems.append(f"{where}.ci95 is null: a 95% bootstrap CI is required")
    elif isinstance(ci, list) and any(map(_non_finite, ci)):
        pass
    elif not (isinstance(ci, list) and len(ci) == 2 and all(map(_finite, ci))):
        problems.append(f"{where}.ci95 must be two finite numbers, got {ci!r:.80}")
    elif ci[0] > ci[1]:
        problems.append(f"{where}.ci95 is reversed: low {ci[0]:.6g} > high {ci[1]:.6g}")
    elif _finite(value):
        slack = RANGE_SLACK + 1e-9 * abs(value)
        if not ci[0] - slack <= value <= ci[1] + slack:
            problems.append(f"{where}.value {value:.6g} lies outside its ci95 [{ci[0]:.6g}, {ci[1]:.6g}]")
    if not isinstance(n, int) or n < 1:
        problems.append(f"{where}.n must be a positive integer, got {n!r}")
    return problems


def _protocol(results: dict) -> tuple[Protocol | None, list[str]]:
    section = results.get("protocol")
    pid = section.get("id") if isinstance(section, dict) else None
    if not isinstance(pid, str):
        return None, ["protocol.id is missing"]
    if pid not in PROTOCOLS:
        if pid in BOARDS:
            return None, [f"protocol {pid!r} is reported-only: its implementation is pending in benchmark.protocols"]
        return None, [f"unknown protocol {pid!r}; known: {', '.join(sorted(PROTOCOLS))}"]
    protocol = PROTOCOLS[pid]
    if section.get("version") != protocol.version:
        return protocol, [
            f"protocol {pid} version {section.get('version')!r} does not match the registry's {protocol.version!r}"
        ]
    return protocol, []


def _provenance_problems(results: dict, checkpoint_free: bool) -> list[str]:
    method = results.get("method") if isinstance(results.get("method"), dict) else {}
    protocol = results.get("protocol") if isinstance(results.get("protocol"), dict) else {}
    env = results.get("environment") if isinstance(results.get("environment"), dict) else {}
    problems = text_problems("method.name", method.get("name"))
    problems += reserved_name_problems("method.name", method.get("name"), method.get("name"))
    problems += text_problems("method.version", method.get("version"))
    name = method.get("name")
    weightless = isinstance(name, str) and checkpoint_free_method(name)
    if not method.get("checkpoint_sha256") and not checkpoint_free and not weightless:
        problems.append(
            "method.checkpoint_sha256 is null: record the checkpoint's sha256, or declare a method "
            "without learned weights with --checkpoint-free"
        )
    if not protocol.get("data_manifest_sha256"):
        problems.append("protocol.data_manifest_sha256 is missing: which test data was scored is unknown")
    missing = [k for k in REQUIRED_ENVIRONMENT if not isinstance(env.get(k), str) or not env.get(k)]
    if missing:
        problems.append(f"environment lacks {', '.join(missing)}")
    if "label" in results:
        problems += text_problems("label", results["label"], MAX_LABEL_CHARS)
    return problems


def results_problems(results: dict, *, checkpoint_free: bool = False) -> list[str]:
    """Every reason these results cannot enter the leaderboard (empty when they can)."""
    problems = non_finite_problems(results) + _schema_problems(results)
    protocol, protocol_problems = _protocol(results)
    problems += protocol_problems
    metrics = results.get("metrics") if isinstance(results.get("metrics"), dict) else {}
    if protocol is not None:
        for spec in protocol.metrics:
            problems += _metric_problems(spec.name, metrics.get(spec.name), spec)
        records = [metrics.get(spec.name) for spec in protocol.metrics]
        if records and all(isinstance(r, dict) and not_computed_note(r) for r in records):
            problems.append(f"no metric of {protocol.id} was computed: nothing to show or rank")
    problems += aggregate_problems(results)
    problems += _provenance_problems(results, checkpoint_free)
    return list(dict.fromkeys(problems))


def submission_problems(
    results: dict,
    *,
    name: str | None = None,
    code_url: str | None = None,
    paper_url: str | None = None,
    checkpoint_free: bool = False,
) -> list[str]:
    """Problems with the results plus the submitter's display name and links."""
    problems = results_problems(results, checkpoint_free=checkpoint_free)
    if name is not None:
        problems += text_problems("--name", name)
        method = results.get("method") if isinstance(results.get("method"), dict) else {}
        problems += reserved_name_problems("--name", name, method.get("name"))
    for field, url in (("--url", code_url), ("--paper", paper_url)):
        if url is not None:
            problems += url_problems(field, url)
    return problems
