"""`show`: one ranked plain-text table per protocol for the terminal."""

from __future__ import annotations

from leaderboard.boards import Board
from leaderboard.entry import Entry
from leaderboard.formatting import (
    format_value,
    metric_header,
    metric_of,
    metric_text,
    not_computed_reasons,
    plain,
    position_text,
    status_text,
)
from leaderboard.ranking import RankedRow, rank

PENDING_NOTE = "protocol implementation pending: reported numbers only"


def _cells(row: RankedRow, board: Board, footnotes: dict[str, int]) -> list[str]:
    metrics = [metric_of(row.entry, spec.name) for spec in board.metrics]
    return (
        [position_text(row), " ".join([plain(row.entry.name), *(f"[{f.text}]" for f in row.entry.flags)])]
        + [metric_text(m, footnotes) for m in metrics]
        + [format_value(row.entry.extras.get(c)) for c in board.extra_columns]
        + [status_text(row.entry)]
    )


def board_table(board: Board, entries: list[Entry]) -> str:
    """Aligned columns: position, method, each metric as 'value [CI]', extras, status."""
    header = ["#", "method", *map(metric_header, board.metrics), *board.extra_columns, "status"]
    ranked = rank(entries, board)
    footnotes = not_computed_reasons(ranked, board)
    rows = [_cells(row, board, footnotes) for row in ranked]
    widths = [max(len(cells[i]) for cells in [header, *rows]) for i in range(len(header))]
    out = [f"{board.id}: {plain(board.title)}"]
    if board.pending:
        out.append(f"({PENDING_NOTE})")
    for cells in [header, ["-" * w for w in widths], *rows]:
        out.append("  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip())
    if not rows:
        out.append("(no entries)")
    out += [f"n/c ({number}): {plain(reason)}" for reason, number in footnotes.items()]
    return "\n".join(out)


def show(boards: list[tuple[Board, list[Entry]]]) -> str:
    """All requested boards' tables separated by blank lines."""
    return "\n\n".join(board_table(board, entries) for board, entries in boards)
