"""Everything shown on the leaderboard: stored submissions plus seeded paper numbers, by board."""

from __future__ import annotations

from leaderboard.boards import BOARDS, Board, get_board
from leaderboard.entry import Entry, entry_from_submission
from leaderboard.published import published_entries
from leaderboard.store import Store


def board_entries(store: Store, protocol_id: str | None = None) -> list[tuple[Board, list[Entry]]]:
    """(board, entries) for every board with entries, or for one protocol (even when empty)."""
    boards = [get_board(protocol_id)] if protocol_id else list(BOARDS.values())
    entries = [entry_from_submission(doc) for doc in store.documents(protocol_id)]
    entries += published_entries()
    grouped = [(b, [e for e in entries if e.protocol_id == b.id]) for b in boards]
    return [(b, es) for b, es in grouped if es or protocol_id]
