"""Read the next item in a background thread while the caller works on the current one (decode || score).

`prefetch(paths, read_frames)` yields each path with a Future of its frames, in order; when item i is handed
out, item i+1 is already being read, and nothing further: at most two items' results are held at once. A read
that fails does not stop the others: its Future raises the error when asked, so the caller decides whether
one bad file ends the run or is recorded and skipped. Readers run in daemon threads: an exception or Ctrl-C in
the caller ends the loop at once (the read in flight finishes on its own, within the decode limits of
models.video.io, or dies with the interpreter), and nothing waits on it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")
_END = object()


def start_read(read: Callable[[T], R], item: T) -> Future[R]:
    """A Future of `read(item)`, computed in a new daemon thread (its exception, if any, raised by .result())."""
    future: Future[R] = Future()

    def run() -> None:
        try:
            future.set_result(read(item))
        except BaseException as error:  # handed to the caller, which re-raises it
            future.set_exception(error)

    threading.Thread(target=run, name=f"prefetch {item}", daemon=True).start()
    return future


def prefetch(items: Iterable[T], read: Callable[[T], R]) -> Iterator[tuple[T, Future[R]]]:
    """(item, Future of read(item)) in order, the next item's read started before the current one is handed out."""
    upcoming = iter(items)
    current = next(upcoming, _END)
    pending = None if current is _END else start_read(read, current)
    while pending is not None:
        following = next(upcoming, _END)
        following_read = None if following is _END else start_read(read, following)
        yield current, pending
        current, pending = following, following_read
