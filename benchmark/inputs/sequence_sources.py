"""Which source sequence each item comes from, so CIs can resample sources rather than their windows."""

from __future__ import annotations

import re
from collections.abc import Iterable

WINDOW_ID = re.compile(r"^(?P<source>.+)_w\d+$")  # `<source>_w<k>`: window k cut from <source>


def sequence_sources(ids: Iterable[str]) -> dict[str, str] | None:
    """id -> source sequence (`<source>_w<k>` ids share <source>), or None when every item is its own source."""
    sources = {}
    for i in ids:
        match = WINDOW_ID.match(i)
        sources[i] = match.group("source") if match else i
    return sources if len(set(sources.values())) < len(sources) else None
