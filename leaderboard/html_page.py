"""`render`: a self-contained static HTML page, one tab per protocol, sortable columns.

All submitter text is HTML-escaped; links are emitted only for http(s) URLs. As a second line
of defence the page carries a Content-Security-Policy that allows only its own inline script
and style (by hash), so injected markup could not run a script even if escaping were bypassed.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from html import escape
from pathlib import Path
from string import Template

from leaderboard.boards import Board
from leaderboard.entry import Entry, MetricValue
from leaderboard.formatting import (
    NOT_COMPUTED_CELL,
    coverage_note,
    format_ci,
    format_value,
    metric_header,
    metric_of,
    position_text,
    safe_url,
    status_text,
)
from leaderboard.ranking import RankedRow, rank
from leaderboard.reports import report_link

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def _number_cell(value: float | None, ci: tuple[float, float] | None = None) -> str:
    data = "" if value is None else repr(float(value))
    ci_text = f'<span class="ci">{escape(format_ci(ci))}</span>' if ci else ""
    return f'<td data-value="{data}">{escape(format_value(value))}{ci_text}</td>'


def _metric_cell(metric: MetricValue) -> str:
    """A metric's cell; 'n/c' with the reason as its tooltip when the run could not compute it."""
    if metric.not_computed:
        return f'<td data-value="" class="nc"><abbr title="{escape(metric.note or "")}">{NOT_COMPUTED_CELL}</abbr></td>'
    return _number_cell(metric.value, metric.ci95)


def _method_cell(row: RankedRow, board: Board) -> str:
    entry = row.entry
    flags = "".join(
        f'<span class="badge flag flag-{escape(f.key)}" title="{escape(f.detail)}">&#9888; {escape(f.text)}</span>'
        for f in entry.flags
    )
    notes = [n for n in entry.notes if n != "reported, not reproduced"]
    if entry.source and entry.status == "reported":
        notes.append(entry.source)
    if entry.method_version:
        notes.append(f"version {entry.method_version}")
    if entry.checkpoint_sha256:
        notes.append(f"checkpoint {entry.checkpoint_sha256[:12]}")
    notes += [n for n in (coverage_note(row, board),) if n]
    note_html = "".join(f'<span class="note">{escape(n)}</span>' for n in notes)
    return f'<td data-value="{escape(entry.name.lower())}">{escape(entry.name)}{flags}{note_html}</td>'


def _links_cell(entry: Entry, reports_base: str | None = None) -> str:
    links = [(label, safe_url(url)) for label, url in (("paper", entry.paper_url), ("code", entry.code_url))]
    anchors = [
        f'<a href="{escape(url)}" rel="noopener noreferrer nofollow">{label}</a>' for label, url in links if url
    ]
    report = report_link(reports_base, entry.id, entry.report)
    if report:
        anchors.append(f'<a href="{escape(report)}">report</a>')
    return f"<td>{' '.join(anchors)}</td>"


def _row(row: RankedRow, board: Board, order: int, reports_base: str | None = None) -> str:
    entry = row.entry
    badge_class = "reported" if entry.status == "reported" else "flag" if entry.flags else "reproduced"
    cells = (
        [f'<td data-value="{row.position if row.position is not None else ""}">{escape(position_text(row))}</td>',
         _method_cell(row, board)]
        + [_metric_cell(metric_of(entry, s.name)) for s in board.metrics]
        + [_number_cell(entry.extras.get(c)) for c in board.extra_columns]
        + [f'<td><span class="badge {badge_class}">{escape(status_text(entry))}</span></td>', _links_cell(entry, reports_base)]
    )
    return f'<tr data-order="{order}" data-entry="{escape(entry.id)}">' + "".join(cells) + "</tr>"


def _header(board: Board) -> str:
    def sortable(label: str, kind: str, title: str = "") -> str:
        title_attr = f' title="{escape(title)}"' if title else ""
        return f'<th data-type="{kind}"{title_attr}><button type="button" class="sort">{escape(label)}</button></th>'

    cells = [sortable("#", "number"), sortable("method", "text")]
    cells += [sortable(metric_header(s), "number", f"{s.better} is better; {s.description}") for s in board.metrics]
    cells += [sortable(c, "number") for c in board.extra_columns]
    cells += ["<th>status</th>", "<th>links</th>"]
    return "<thead><tr>" + "".join(cells) + "</tr></thead>"


def _panel(index: int, board: Board, entries: list[Entry], reports_base: str | None = None) -> str:
    rows = rank(entries, board)

    def body(keep: Callable[[RankedRow], bool]) -> str:
        return "".join(_row(r, board, i, reports_base) for i, r in enumerate(rows) if keep(r))

    references = body(lambda r: r.entry.role == "reference")
    ranked = body(lambda r: r.position is not None)
    unranked = body(lambda r: r.position is None and r.entry.role != "reference")
    notes = [f"<h2>{escape(board.id)}: {escape(board.title)}</h2>"]
    if board.pending:
        notes.append('<p class="pending">Protocol implementation pending: reported numbers only.</p>')
    if board.doc:
        notes.append(f"<p>Protocol definition: <code>{escape(board.doc)}</code></p>")
    table = (
        f'<table class="board" data-board="{escape(board.id)}">{_header(board)}'
        f'<tbody class="reference">{references}</tbody><tbody class="ranked">{ranked}</tbody>'
        f'<tbody class="unranked">{unranked}</tbody></table>'
    )
    return (
        f'<section class="panel" id="panel-{index}" role="tabpanel" aria-labelledby="tab-{index}">'
        + "".join(notes) + table + "</section>"
    )


def render_html(boards: list[tuple[Board, list[Entry]]], reports_base: str | None = None) -> str:
    """The whole page as one string (inline CSS and JS, no external resources); reports linked from `reports_base`."""
    style = (TEMPLATES / "leaderboard.css").read_text()
    script = (TEMPLATES / "leaderboard.js").read_text()
    csp = (
        f"default-src 'none'; script-src {_csp_hash(script)}; style-src {_csp_hash(style)}; "
        "base-uri 'none'; form-action 'none'"
    )
    tabs = "\n".join(
        f'<button type="button" class="tab" role="tab" id="tab-{i}" aria-controls="panel-{i}">'
        f"{escape(board.id)}{' (pending)' if board.pending else ''}</button>"
        for i, (board, _) in enumerate(boards)
    )
    panels = "\n".join(_panel(i, board, entries, reports_base) for i, (board, entries) in enumerate(boards))
    page = Template((TEMPLATES / "leaderboard.html").read_text())
    return page.substitute(csp=escape(csp), style=style, script=script, tabs=tabs, panels=panels)
