"""`python -m leaderboard submit|show|render|check`: the leaderboard's command line."""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

import jsonschema
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from benchmark.results import validate, write_atomic
from leaderboard.boards import BOARDS
from leaderboard.html_page import render_html
from leaderboard.integrity import non_finite_problems
from leaderboard.listing import board_entries
from leaderboard.markdown_page import render_markdown
from leaderboard.regression import (
    DEFAULT_BASELINE,
    DEFAULT_RUNS,
    BaselineError,
    Tolerance,
    compare_run,
    failures,
    load_baseline,
    match_results,
    run_reference,
    write_baseline,
)
from leaderboard.reports import report_dir_of
from leaderboard.store import DEFAULT_ENTRIES_DIR, DEFAULT_URL, Store
from leaderboard.submission import submit_results, sync_entry_files
from leaderboard.text_table import show
from leaderboard.validation import load_results_file, text_problems, url_problems
from models.command_line import ArgumentParser, UsageError, command, nonnegative_float, require_writable

log = logging.getLogger("leaderboard")
DB_ENV = "LEADERBOARD_DB_URL"


def _shown_url(url: str) -> str:
    """A database URL as it may be printed: the password hidden (the text as given when it does not parse)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except SQLAlchemyError:
        return repr(url[:80])


def _store(args: argparse.Namespace) -> Store:
    """The selected store, after importing committed entry files it lacks; an unusable --db is one usage error."""
    if args.entries.exists() and not args.entries.is_dir():
        raise UsageError(f"{args.entries}: is a file, --entries takes the folder of entry JSON files")
    try:
        store = Store(args.db, args.entries)
    except (SQLAlchemyError, ImportError) as error:
        reason = (str(error).splitlines() or [type(error).__name__])[0]
        raise UsageError(f"--db {_shown_url(args.db)}: cannot open the database ({reason})") from None
    sync_entry_files(store)
    return store


def _check_submit_flags(args: argparse.Namespace) -> None:
    """--name, --url and --paper before any file or database is read: a bad one is a usage error."""
    problems = text_problems("--name", args.name) if args.name is not None else []
    for flag, url in (("--url", args.url), ("--paper", args.paper)):
        if url is not None:
            problems += url_problems(flag, url)
    if problems:
        raise UsageError("; ".join(problems))


def cmd_submit(args: argparse.Namespace) -> int:
    _check_submit_flags(args)
    results = load_results_file(args.results)  # a bad file is told before any database is opened
    doc = submit_results(
        results, _store(args), source=str(args.results), name=args.name, code_url=args.url, paper_url=args.paper,
        checkpoint_free=args.checkpoint_free, report=report_dir_of(args.results),
    )
    print(f"accepted: entry {doc['id']} under {doc['results']['protocol']['id']} "
          f"(results sha256 {doc['results_sha256']}) -> {args.entries / (doc['id'] + '.json')}")
    if doc["report"]:
        print(f"report: {len(doc['report'])} picture(s) -> {args.entries.parent / 'reports' / doc['id']}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    print(show(board_entries(_store(args), args.protocol)))
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    for name in ("README.md", "index.html"):
        require_writable(require_writable(args.out, "--out", folder=True) / name, "--out")
    store = _store(args)
    boards = board_entries(store)
    reports_base = Path(os.path.relpath(store.reports_dir.resolve(), args.out.resolve())).as_posix()
    write_atomic(args.out / "README.md", render_markdown(boards, reports_base))
    write_atomic(args.out / "index.html", render_html(boards, reports_base))
    print(f"wrote {args.out / 'README.md'} and {args.out / 'index.html'} ({len(boards)} protocols)")
    return 0


def _load_checked_results(paths: list[Path]) -> list[dict]:
    loaded = []
    for path in paths:
        results = load_results_file(path, "--results")
        try:
            validate(results)
        except jsonschema.ValidationError as error:
            raise BaselineError(f"{path}: not a valid results JSON: {error.message}") from None
        if problems := non_finite_problems(results):
            raise BaselineError(f"{path}: {problems[0]}")
        loaded.append(results)
    return loaded


def _parse_runs(specs: list[str]) -> list[tuple[str, str]]:
    runs = []
    for spec in specs:
        method, sep, protocol = spec.partition(":")
        if not sep or protocol not in BOARDS:
            raise UsageError(f"--run {spec!r}: expected METHOD:PROTOCOL with a known protocol")
        runs.append((method, protocol))
    return runs


def _update(args: argparse.Namespace) -> int:
    require_writable(args.baseline, "--baseline")
    previous = load_baseline(args.baseline) if args.baseline.exists() else None
    if args.results:
        results = _load_checked_results(args.results)
    else:
        if args.run:
            runs = [(m, p, 0) for m, p in _parse_runs(args.run)]
        elif previous:
            runs = [(r["method"], r["protocol"], r["seed"]) for r in previous["runs"]]
        else:
            runs = [(m, p, 0) for m, p in DEFAULT_RUNS]
        results = [run_reference(m, p, seed) for m, p, seed in runs]
    baseline = write_baseline(args.baseline, results, previous)
    print(f"wrote baseline {args.baseline} with {len(baseline['runs'])} run(s)")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    if args.update_baseline:
        return _update(args)
    baseline = load_baseline(args.baseline)
    if args.results:
        pairs = match_results(baseline, _load_checked_results(args.results))
    else:
        pairs = []
        for run in baseline["runs"]:
            log.info("running %s under %s (seed %d)", run["method"], run["protocol"], run["seed"])
            pairs.append((run, run_reference(run["method"], run["protocol"], run["seed"])))
    override = None
    if args.tolerance is not None or args.abs_tolerance is not None:
        default = Tolerance(**baseline.get("tolerance", {}))
        override = Tolerance(
            args.tolerance if args.tolerance is not None else default.rel,
            args.abs_tolerance if args.abs_tolerance is not None else default.abs,
        )
    changes = [c for run, results in pairs for c in compare_run(baseline, run, results, override)]
    failing = failures(changes, strict=args.strict)
    for change in changes:
        if change in failing:
            print(f"FAIL {change.describe()}")
        elif change.verdict != "ok":
            print(f"note {change.describe()}")
        elif args.verbose:
            print(f"ok   {change.describe()}")
    for run, results in pairs:
        if run.get("data_manifest_sha256") != results["protocol"].get("data_manifest_sha256"):
            print(f"note {run['method']} @ {run['protocol']}: the data manifest hash differs from the baseline's")
    verdict = "FAILED" if failing else "passed"
    print(
        f"regression check {verdict}: {len(failing)} of {len(changes)} values beyond tolerance "
        f"({len(pairs)} run(s), baseline {args.baseline}{', strict' if args.strict else ''})"
    )
    return 1 if failing else 0


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog="python -m leaderboard",
        description="Validated leaderboard of benchmark results: submit results JSON, show ranked "
        "tables, render Markdown/HTML, and check reference scores against a baseline (CI).",
        epilog="Ranking rule, storage and submission policy: docs/leaderboard.md",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=os.environ.get(DB_ENV, DEFAULT_URL),
                        help=f"SQLAlchemy database URL (env {DB_ENV}; default: SQLite file in leaderboard/data/)")
    common.add_argument("--entries", type=Path, default=DEFAULT_ENTRIES_DIR,
                        help="folder of committed entry JSON files (default: leaderboard/data/entries)")
    common.add_argument("-v", "--verbose", action="store_true", help="log progress; `check` lists every value")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("submit", parents=[common], help="validate a results JSON and store it as an entry",
                       description="Validate RESULTS (schema, protocol, metric ranges, CIs, provenance) "
                       "and store it; a rejection lists every reason on one line. Duplicates (same method name, "
                       "checkpoint and protocol) are rejected.")
    p.add_argument("results", type=Path, help="results JSON from benchmark.run / benchmark.evaluate")
    p.add_argument("--name", help="display name (default: the results' method name)")
    p.add_argument("--url", help="code link (http/https)")
    p.add_argument("--paper", help="paper link (http/https)")
    p.add_argument("--checkpoint-free", action="store_true",
                   help="declare a method without learned weights (accepts a null checkpoint hash; shown on the board)")
    p.set_defaults(func=cmd_submit)

    p = sub.add_parser("show", parents=[common], help="ranked tables in the terminal")
    p.add_argument("--protocol", choices=sorted(BOARDS), help="only this protocol (default: all with entries)")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("render", parents=[common], help="write README.md (Markdown tables) and index.html (static page)")
    p.add_argument("--out", type=Path, required=True, help="output folder, e.g. leaderboard/")
    p.set_defaults(func=cmd_render)

    p = sub.add_parser("check", parents=[common], help="regression check of reference scores against a baseline",
                       description="Score the baseline's reference runs on the bundled sample (or read "
                       "--results) and fail when a value moved beyond max(abs, rel*|baseline|) in its "
                       "worse direction (--strict: in either direction).")
    p.add_argument("--baseline", type=Path, default=DEFAULT_BASELINE, help="baseline JSON (default: leaderboard/baseline.json)")
    p.add_argument("--results", type=Path, nargs="+", help="compare these results JSONs instead of running benchmark.run")
    p.add_argument("--tolerance", type=nonnegative_float, help="relative tolerance for every metric (default: the baseline's)")
    p.add_argument("--abs-tolerance", type=nonnegative_float, help="absolute tolerance for every metric (default: the baseline's)")
    p.add_argument("--strict", action="store_true", help="also fail on moves in the better direction")
    p.add_argument("--update-baseline", action="store_true", help="rewrite the baseline from the new scores")
    p.add_argument("--run", action="append", metavar="METHOD:PROTOCOL",
                   help="with --update-baseline: runs to record (default: the baseline's, else the built-in set)")
    p.set_defaults(func=cmd_check)
    return parser


@command
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(name)s: %(message)s")
    return args.func(args)  # errors (SubmissionRejected, BaselineError, SQLAlchemyError) -> one line via @command
