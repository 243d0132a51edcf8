"""Submitting results and importing committed entry files, both through the same validation."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from leaderboard.entry import duplicate_key, entry_id, make_submission
from leaderboard.integrity import content_hash, reserved_name_problems
from leaderboard.reports import report_dir_of, safe_report_name, store_report
from leaderboard.store import DuplicateEntry, Store
from leaderboard.validation import (
    SubmissionRejected,
    load_results_file,
    results_problems,
    submission_problems,
    text_problems,
    url_problems,
)

log = logging.getLogger("leaderboard.submission")


def _duplicate_reason(store: Store, results: dict) -> list[str]:
    try:
        existing = store.find_id(results)
    except (KeyError, TypeError):  # malformed results: the schema reasons already say why
        return []
    return [f"duplicate: the same method, checkpoint and protocol is already stored as entry {existing}"] if existing else []


def submit_results(
    results: dict,
    store: Store,
    *,
    source: str = "results",
    name: str | None = None,
    code_url: str | None = None,
    paper_url: str | None = None,
    checkpoint_free: bool = False,
    report: Path | None = None,
) -> dict:
    """Validate and store results (and the pictures of their `report` folder, when given); returns the stored
    document or raises `SubmissionRejected`."""
    problems = submission_problems(
        results, name=name, code_url=code_url, paper_url=paper_url, checkpoint_free=checkpoint_free
    )
    problems += _duplicate_reason(store, results)
    if problems:
        raise SubmissionRejected(source, problems)
    pictures = store_report(report, store.reports_dir, entry_id(duplicate_key(results))) if report else []
    doc = make_submission(
        results, name=name, code_url=code_url, paper_url=paper_url, checkpoint_free=checkpoint_free,
        report=pictures,
    )
    try:
        store.add(doc)
    except DuplicateEntry as error:  # lost a race with a concurrent submitter
        raise SubmissionRejected(source, [str(error)]) from None
    log.info("stored entry %s from %s", doc["id"], source)
    return doc


def submit_file(path: str | os.PathLike, store: Store, **options) -> dict:
    """`submit_results` on a results JSON file, with the report folder written beside it when there is one."""
    return submit_results(load_results_file(path), store, source=str(path), report=report_dir_of(path), **options)


def _document_problems(path: Path, doc: dict) -> list[str]:
    if not isinstance(doc.get("results"), dict):
        return ["entry has no results object"]
    problems = results_problems(doc["results"], checkpoint_free=bool(doc.get("checkpoint_free")))
    problems += text_problems("name", doc.get("name"))
    method = doc["results"].get("method") if isinstance(doc["results"].get("method"), dict) else {}
    problems += reserved_name_problems("name", doc.get("name"), method.get("name"))
    problems += _hash_problems(doc)
    problems += [p for f in ("code_url", "paper_url") if doc.get(f) for p in url_problems(f, doc[f])]
    if not isinstance(doc.get("submitted_at"), str):
        problems.append("submitted_at is missing")
    report = doc.get("report", [])
    if not isinstance(report, list) or not all(safe_report_name(n) for n in report):
        problems.append("report must be a list of plain .png file names")
    try:
        expected = entry_id(duplicate_key(doc["results"]))
    except (KeyError, TypeError):  # malformed results: the schema reasons already say why
        return problems
    if doc.get("id") != expected or path.stem != expected:
        problems.append(f"entry id and file name must be {expected!r} (derived from protocol, method, checkpoint)")
    return problems


def _hash_problems(doc: dict) -> list[str]:
    """Whether the entry's results are still the submitted ones: their content hash against the recorded one."""
    recorded = doc.get("results_sha256")
    if not isinstance(doc.get("results"), dict):
        return []  # `_document_problems` says so
    if not isinstance(recorded, str):
        return ["results_sha256 is missing: the entry was not written by `submit` (resubmit its results JSON)"]
    actual = content_hash(doc["results"])
    if actual != recorded:
        return [f"results changed since submission: they hash to sha256 {actual[:16]}... "
                f"but the entry records {recorded[:16]}..."]
    return []


def _read_entry(path: Path) -> dict:
    """An entry file's document; `SubmissionRejected` naming the file when it is unreadable or not an object."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SubmissionRejected(str(path), [f"unreadable entry file: {error}"]) from None
    if not isinstance(doc, dict):
        raise SubmissionRejected(str(path), ["expected a JSON object"])
    return doc


def sync_entry_files(store: Store) -> int:
    """Import committed entry files the database lacks (e.g. merged by pull request), and write the file of any
    row that lacks one (left by versions that stored the row first and were killed before the file).

    Each new file is validated like a submission, and every file's results are checked against their recorded
    content hash; a bad file raises `SubmissionRejected` naming it."""
    _restore_entry_files(store)
    known = store.ids()
    added = 0
    for path in store.entry_files():
        doc = _read_entry(path)
        problems = _hash_problems(doc) if path.stem in known else _document_problems(path, doc)
        if problems:
            raise SubmissionRejected(str(path), problems)
        if path.stem in known:
            continue
        try:
            store.add(doc, write_file=False)
            added += 1
            log.info("imported %s (results sha256 %s)", path.name, doc["results_sha256"])
        except DuplicateEntry:  # another process imported it first
            continue
    if added:
        log.info("imported %d entry file(s) into %s", added, store.url)
    return added


def _restore_entry_files(store: Store) -> None:
    """Write the entry file of every row that has none (created once: a concurrent writer's file is kept)."""
    restored = 0
    for doc in store.documents():
        if not store.entry_path(doc["id"]).exists():
            restored += store.write_entry_file(doc)
    if restored:
        log.warning("restored %d missing entry file(s) in %s from %s", restored, store.entries_dir, store.url)
