"""What the benchmark commands share: turn a scoring run into an exit code, a table and a file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable

from benchmark.results import format_table, write_results


def run_scoring(produce: Callable[[], dict], out: Path) -> int:
    """Call `produce` for a results dict, write it atomically and print its table.

    Bad input (ValueError, FileNotFoundError) becomes a one-line error and exit code 1, and any
    results file from an earlier run is left untouched.
    """
    try:
        results = produce()
        write_results(results, out)
    except (ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(format_table(results))
    print(f"wrote {out}")
    return 0
