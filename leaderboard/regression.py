"""Regression check: reference methods' scores against a committed baseline, per-metric tolerance.

The reference runs (ground_truth, random_motion on the bundled sample) are deterministic, so any
move of a metric beyond `max(abs, rel * |baseline|)` means a change altered metric values. By
default a move in a metric's worse direction fails; `strict` also fails moves in the better
direction (a silent change either way). `update_baseline` rewrites the file deliberately.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from benchmark.protocols.registry import PROTOCOLS
from benchmark.results import write_atomic
from leaderboard.integrity import non_finite_problems

DEFAULT_BASELINE = Path(__file__).resolve().parent / "baseline.json"
DEFAULT_RUNS: tuple[tuple[str, str], ...] = (
    ("ground_truth", "finedance3d@v1"),
    ("random_motion", "finedance3d@v1"),
    ("ground_truth", "aist3d@bailando"),
    ("random_motion", "aist3d@bailando"),
)
BASELINE_FORMAT = 1
SECTIONS = ("metrics", "reference")

Verdict = Literal["ok", "worse", "better", "missing", "new"]


@dataclass(frozen=True)
class Tolerance:
    """A value may move by max(abs, rel * |baseline value|)."""

    rel: float = 1e-6
    abs: float = 1e-5

    def allowed(self, baseline: float) -> float:
        return max(self.abs, self.rel * abs(baseline))


@dataclass(frozen=True)
class Change:
    """One compared value: where it is, old and new, what was allowed and the verdict."""

    run: str
    metric: str  # "<section>.<name>"
    better: str | None
    old: float | None
    new: float | None
    allowed: float
    verdict: Verdict

    def describe(self) -> str:
        direction = f" ({self.better} is better)" if self.better else ""
        if self.verdict == "missing":
            return f"{self.run} {self.metric}{direction}: {self.old!r} -> {self.new!r} (value disappeared)"
        if self.verdict == "new":
            return f"{self.run} {self.metric}{direction}: new value {self.new!r}, not in the baseline"
        delta = self.new - self.old
        relative = f", {delta / abs(self.old):+.3%}" if self.old else ""
        return (
            f"{self.run} {self.metric}{direction}: {self.old:.10g} -> {self.new:.10g} "
            f"(diff {delta:+.4g}{relative}; allowed ±{self.allowed:.3g}): {self.verdict}"
        )


def run_key(method: str, protocol: str) -> str:
    return f"{method} @ {protocol}"


class BaselineError(ValueError):
    """The baseline file or a results file cannot be used."""


def load_baseline(path: str | os.PathLike) -> dict:
    """Read and structurally check a baseline file, naming it in every error."""
    try:
        baseline = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise BaselineError(f"{path}: baseline not found; create it with `check --update-baseline`") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BaselineError(f"{path}: unreadable baseline: {error}") from None
    if problems := non_finite_problems(baseline):
        raise BaselineError(f"{path}: {problems[0]}")
    if (not isinstance(baseline, dict) or baseline.get("format") != BASELINE_FORMAT
            or not isinstance(baseline.get("runs"), list) or not isinstance(baseline.get("metric_tolerances", {}), dict)):
        raise BaselineError(f"{path}: not a format-{BASELINE_FORMAT} baseline (needs 'format', a 'runs' list and any 'metric_tolerances' as an object)")
    for tolerance in [baseline.get("tolerance", {}), *baseline.get("metric_tolerances", {}).values()]:
        if not isinstance(tolerance, dict) or not set(tolerance) <= {"rel", "abs"} or not all(
            isinstance(v, (int, float)) for v in tolerance.values()
        ):
            raise BaselineError(f"{path}: a tolerance must be {{'rel': number, 'abs': number}}, got {tolerance!r}")
    for run in baseline["runs"]:
        if not isinstance(run, dict) or not {"method", "protocol", "seed", "metrics"} <= run.keys():
            raise BaselineError(f"{path}: every run needs method, protocol, seed and metrics: {run!r:.120}")
    return baseline


def run_reference(method: str, protocol: str, seed: int) -> dict:
    """Score one reference method on the bundled sample with `benchmark.run` (in process)."""
    from benchmark.run import main as benchmark_run  # heavy imports only when running

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "results.json"
        captured = io.StringIO()
        with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured):
            code = benchmark_run(["--method", method, "--protocol", protocol, "--seed", str(seed), "--out", str(out)])
        if code != 0:
            raise RuntimeError(f"benchmark.run {method} under {protocol} failed:\n{captured.getvalue()}")
        return json.loads(out.read_text())


def _better(protocol: str, name: str, recorded: str | None) -> str | None:
    spec = PROTOCOLS.get(protocol)
    if spec is not None:
        for metric in spec.metrics:
            if metric.name == name:
                return metric.better
    return recorded


def _tolerance(baseline: dict, name: str, override: Tolerance | None) -> Tolerance:
    if override is not None:
        return override
    default = Tolerance(**baseline.get("tolerance", {}))
    per_metric = baseline.get("metric_tolerances", {}).get(name, {})
    return Tolerance(per_metric.get("rel", default.rel), per_metric.get("abs", default.abs))


def _verdict(old: float | None, new: float | None, better: str | None, allowed: float) -> Verdict:
    if old is None:
        return "ok" if new is None else "new"
    if new is None:
        return "missing"
    if abs(new - old) <= allowed:
        return "ok"
    if better is None:
        return "worse"  # no direction known: any move counts against
    improved = new < old if better == "lower" else new > old
    return "better" if improved else "worse"


def compare_run(baseline: dict, run: dict, results: dict, tolerance: Tolerance | None = None) -> list[Change]:
    """Every baseline value of one run against the same run's new results."""
    key = run_key(run["method"], run["protocol"])
    changes = []
    for section in SECTIONS:
        old_values = run.get(section, {})
        new_values = {k: v.get("value") for k, v in results.get(section, {}).items()}
        for name in sorted(set(old_values) | set(new_values)):
            old = old_values.get(name, {}).get("value")
            new = new_values.get(name)
            better = _better(run["protocol"], name, old_values.get(name, {}).get("better"))
            allowed = _tolerance(baseline, name, tolerance).allowed(old or 0.0)
            changes.append(Change(key, f"{section}.{name}", better, old, new, allowed, _verdict(old, new, better, allowed)))
    return changes


def failures(changes: Iterable[Change], strict: bool = False) -> list[Change]:
    """The changes that fail the check: worse or vanished values (and improvements when strict)."""
    failing = {"worse", "missing"} | ({"better"} if strict else set())
    return [c for c in changes if c.verdict in failing]


def match_results(baseline: dict, results: list[dict]) -> list[tuple[dict, dict]]:
    """Pair given results with baseline runs by method name and protocol id."""
    runs = {run_key(r["method"], r["protocol"]): r for r in baseline["runs"]}
    pairs = []
    for res in results:
        key = run_key(res["method"]["name"], res["protocol"]["id"])
        if key not in runs:
            raise BaselineError(f"no baseline run for {key}; baseline has: {', '.join(runs)}")
        pairs.append((runs[key], res))
    return pairs


def baseline_run(results: dict, seed: int) -> dict:
    """The baseline record of one results JSON: values and directions, no CIs or timings."""
    record = {
        "method": results["method"]["name"],
        "protocol": results["protocol"]["id"],
        "seed": seed,
        "data_manifest_sha256": results["protocol"].get("data_manifest_sha256"),
    }
    for section in SECTIONS:
        record[section] = {
            name: {"value": m.get("value"), "better": m.get("better")}
            for name, m in results.get(section, {}).items()
        }
    return record


def write_baseline(path: str | os.PathLike, results: list[dict], previous: dict | None = None) -> dict:
    """Write a baseline from results (keeping the previous file's tolerances), atomically; never one holding NaN."""
    previous = previous or {}
    baseline = {
        "format": BASELINE_FORMAT,
        "description": previous.get(
            "description",
            "Reference methods scored on the bundled sample by benchmark.run; checked by "
            "`python -m leaderboard check`. Rewrite only deliberately: `check --update-baseline`.",
        ),
        "tolerance": previous.get("tolerance", vars(Tolerance())),
        "metric_tolerances": previous.get("metric_tolerances", {}),
        "runs": [baseline_run(r, r.get("seed", 0)) for r in results],
    }
    if problems := non_finite_problems(baseline):
        raise BaselineError(f"{path}: not written: {problems[0]}")
    write_atomic(path, json.dumps(baseline, indent=1) + "\n")
    return baseline
