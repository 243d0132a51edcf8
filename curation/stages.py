"""Pipeline stages: a named, picklable function mapped over work items on an executor.

`run_stage` shows one progress bar per stage and hands every item's outcome (value or error) to
the caller in completion order; `pending` is the resumability rule shared by all sources.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from tqdm import tqdm

from curation.executors import Executor, Outcome
from curation.manifest_store import RowStore

Item = TypeVar("Item")


@dataclass(frozen=True)
class Stage:
    """One step of a pipeline: `fn(item)` runs in a worker (module-level function or functools.partial)."""

    name: str
    fn: Callable[[Any], Any]
    unit: str = "item"


def run_stage(
    stage: Stage, items: Sequence[Item], executor: Executor, on_outcome: Callable[[Item, Outcome], None]
) -> None:
    """Map the stage over `items`, calling on_outcome(item, outcome) in the driver as each finishes."""
    if not items:
        return
    with tqdm(total=len(items), desc=stage.name, unit=stage.unit, dynamic_ncols=True) as bar:
        for outcome in executor.map(stage.fn, items):
            on_outcome(items[outcome.index], outcome)
            bar.update()


def pending(items: Sequence[Item], row_id: Callable[[Item], str], store: RowStore, retry_failed: bool) -> list[Item]:
    """Items still to do: no row yet, an ok row with missing files, or (with retry_failed) a failed row."""
    return [item for item in items if not store.is_done(row_id(item), retry_failed)]
