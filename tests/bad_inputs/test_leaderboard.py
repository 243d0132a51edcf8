"""Bad inputs to `python -m leaderboard` (submit, show, render, check): one clear `error:` line, early, and
nothing stored or overwritten. The valid parts come from a real `benchmark.run` results JSON (the mannequin
ma_video@mace run in tests/fixtures/leaderboard); each case breaks one thing, including the integrity rules
(recomputed per-item means, NaN anywhere, reserved reference-row names, entry content hashes)."""

from __future__ import annotations

import json
import math
import shutil
from collections.abc import Callable
from pathlib import Path

from leaderboard.regression import DEFAULT_BASELINE
from tests.bad_inputs import make
from tests.bad_inputs.corpus import Case, check_case, parametrize
from tests.golden import FIXTURES

REAL_RUN = FIXTURES / "leaderboard" / "mace_dance_mannequin_ma_video_at_mace.json"
FAST = 20.0  # seconds: these refusals read one file and open no model


def _db(folder: Path) -> list[str]:
    """A store of the case's own (the repository's leaderboard/data is never touched)."""
    return ["--db", f"sqlite:///{folder / 'lb.sqlite'}", "--entries", str(folder / "entries")]


def _results(folder: Path, edit: Callable[[dict], object] = lambda r: None, name: str = "run.json") -> Path:
    """The real run's results JSON with one edit, written as Python's json writes it (NaN included)."""
    results = json.loads(REAL_RUN.read_text())
    edit(results)
    path = folder / name
    path.write_text(json.dumps(results, indent=1))
    return path


def _submit(edit: Callable[[dict], object] = lambda r: None, *flags: str) -> Callable[[Path], list[str]]:
    return lambda d: ["submit", str(_results(d, edit)), *flags, *_db(d)]


def _text(name: str, content: str) -> Callable[[Path], list[str]]:
    def setup(d: Path) -> list[str]:
        (d / name).write_text(content)
        return ["submit", str(d / name), *_db(d)]

    return setup


def _baseline_with_nan(d: Path) -> list[str]:
    baseline = json.loads(DEFAULT_BASELINE.read_text())
    baseline["runs"][0]["metrics"]["div_k"]["value"] = math.nan
    (d / "baseline.json").write_text(json.dumps(baseline))
    return ["check", "--baseline", str(d / "baseline.json"), "--results", str(_results(d))]


def _update_with_nan_results(d: Path) -> list[str]:
    baseline = make.earlier_output(d / "baseline.json", DEFAULT_BASELINE.read_text())
    results = _results(d, lambda r: r["metrics"]["bas"].update(value=math.nan))
    return ["check", "--baseline", str(baseline), "--update-baseline", "--results", str(results)]


def _tampered_entry(d: Path) -> list[str]:
    """An accepted entry whose committed file was then edited (a better FID): refused by its content hash."""
    from leaderboard.cli import main

    assert main(["submit", str(_results(d)), *_db(d)]) == 0
    (entry,) = (d / "entries").glob("*.json")
    doc = json.loads(entry.read_text())
    doc["results"]["metrics"]["fid_k"]["value"] = 1.0
    entry.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    return ["show", *_db(d)]


def _render_into_file(d: Path) -> list[str]:
    return ["render", "--out", str(make.earlier_output(d / "site")), *_db(d)]


def _copy_folder(d: Path) -> list[str]:
    shutil.copytree(REAL_RUN.parent, d / "results_folder")
    return ["submit", str(d / "results_folder"), *_db(d)]


CASES = [
    Case("results-missing", "leaderboard", lambda d: ["submit", str(d / "absent.json"), *_db(d)],
         1, r"absent\.json: no such file \(RESULTS\)", FAST),
    Case("results-is-folder", "leaderboard", _copy_folder, 1, r"results_folder: is a folder, RESULTS takes a file", FAST),
    Case("results-not-json", "leaderboard", _text("run.json", '{"schema_version": "1.0", "method": '),
         1, r"run\.json: not JSON: line 1 column \d+", FAST),
    Case("results-empty", "leaderboard", _text("run.json", "\n"), 1, r"run\.json: is empty, expected a results JSON object", FAST),
    Case("results-not-object", "leaderboard", _text("run.json", "[1, 2]"),
         1, r"run\.json: expected a results JSON object, got a JSON list", FAST),
    Case("wrong-schema-version", "leaderboard", _submit(lambda r: r.update(schema_version="2.0")),
         1, r"run\.json: rejected: schema: schema_version: '1\.0' was expected$", FAST),
    Case("url-not-http", "leaderboard", _submit(lambda r: None, "--url", "ftp://example.org/code"),
         2, r"--url must be an absolute http\(s\) URL, got 'ftp://example\.org/code'", FAST),
    Case("paper-javascript", "leaderboard", _submit(lambda r: None, "--paper", "javascript:alert(1)"),
         2, r"--paper must be an absolute http\(s\) URL, got 'javascript:alert\(1\)'", FAST),
    Case("render-out-is-file", "leaderboard", _render_into_file, 2, r"site: is a file, --out takes a folder", FAST),
    Case("render-out-read-only", "leaderboard", lambda d: ["render", "--out", str(Path(make.readonly_target()).parent), *_db(d)],
         2, r"mace_bench_out.*: cannot write in /(sys|proc) .*\(--out\)", FAST),
    Case("check-baseline-missing", "leaderboard", lambda d: ["check", "--baseline", str(d / "absent.json"), "--results", str(_results(d))],
         1, r"absent\.json: baseline not found", FAST),
    Case("check-baseline-corrupt", "leaderboard",
         lambda d: ["check", "--baseline", str(make.random_bytes(d / "baseline.json")), "--results", str(_results(d))],
         1, r"baseline\.json: unreadable baseline", FAST),
    Case("check-baseline-nan", "leaderboard", _baseline_with_nan,
         1, r"baseline\.json: non-finite number: runs\[0\]\.metrics\.div_k\.value is NaN", FAST),
    Case("update-baseline-nan-results", "leaderboard", _update_with_nan_results,
         1, r"run\.json: non-finite number: metrics\.bas\.value is NaN", FAST),
    Case("check-tolerance-nan", "leaderboard", lambda d: ["check", "--tolerance", "nan"],
         2, r"--tolerance: expected a finite number >= 0, got 'nan'", FAST),
    Case("check-tolerance-negative", "leaderboard", lambda d: ["check", "--abs-tolerance=-1e-5"],
         2, r"--abs-tolerance: expected a finite number >= 0, got '-1e-5'", FAST),
    Case("db-not-a-url", "leaderboard", lambda d: ["show", "--db", "leaderboard database", "--entries", str(d / "entries")],
         2, r"--db 'leaderboard database': cannot open the database \(Could not parse SQLAlchemy URL", FAST),
    Case("entries-is-a-file", "leaderboard",
         lambda d: ["show", "--db", f"sqlite:///{d / 'lb.sqlite'}", "--entries", str(make.earlier_output(d / "entries.json"))],
         2, r"entries\.json: is a file, --entries takes the folder of entry JSON files", FAST),
    Case("db-unknown-dialect", "leaderboard", lambda d: ["show", "--db", "nosuchdb://user:secret@host/lb", "--entries", str(d)],
         2, r"--db nosuchdb://user:\*\*\*@host/lb: cannot open the database \(Can't load plugin", FAST),
    Case("method-named-like-gt", "leaderboard", _submit(lambda r: r["method"].update(name="Ground  Truth")),
         1, r"run\.json: rejected: method\.name 'Ground  Truth' is reserved for the ground-truth reference row", FAST),
    Case("name-like-gt", "leaderboard", _submit(lambda r: None, "--name", " gt "),
         1, r"run\.json: rejected: --name ' gt ' is reserved for the ground-truth reference row", FAST),
    Case("edited-aggregate", "leaderboard", _submit(lambda r: r["metrics"]["tf"].update(value=99.6)),
         1, r"run\.json: rejected: metrics\.tf: claimed 99\.6 but its per-item 'tf' values give 99\.580589\d*$", FAST),
    Case("nan-per-item", "leaderboard", _submit(lambda r: r["per_item"][2].update(bas=math.nan)),
         1, r"run\.json: rejected: non-finite number: per_item\[2\]\.bas is NaN; .*metrics\.bas: claimed", FAST),
    Case("nan-reference-block", "leaderboard", _submit(lambda r: r["reference"]["div_k"].update(ci95=[5.3, math.inf])),
         1, r"run\.json: rejected: non-finite number: reference\.div_k\.ci95\[1\] is Infinity", FAST),
    Case("entry-file-edited", "leaderboard", _tampered_entry,
         1, r"entries/.*\.json: rejected: results changed since submission: they hash to sha256 [0-9a-f]{16}\.\.\. "
            r"but the entry records [0-9a-f]{16}\.\.\.$", FAST),
    Case("update-baseline-bad-run", "leaderboard",
         lambda d: ["check", "--baseline", str(d / "b.json"), "--update-baseline", "--run", "ground_truth"],
         2, r"--run 'ground_truth': expected METHOD:PROTOCOL with a known protocol", FAST),
]


@parametrize(CASES)
def test_case(case: Case, tmp_path: Path) -> None:
    check_case(case, tmp_path)
