"""The bad-input corpus harness: run one command in-process on inputs made at test time and hold it to docs/errors.md.

A `Case` names a command's `main`, builds its inputs (and any earlier outputs) in a fresh folder and
states the exit code and the one `error:` line it must print. `check_case` runs it with a time limit
and fails on a traceback, a hang, a different line or code, or any earlier file changed.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import io
import os
import re
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

Setup = Callable[[Path], list[str]]  # makes the inputs in a folder and returns the argv


@dataclass(frozen=True)
class Case:
    """One malformed input: the command, how to make it, and the exit code and error line it must give."""

    name: str
    command: str  # "benchmark.evaluate" -> its module's main(argv); "leaderboard" -> leaderboard.cli
    setup: Setup
    code: int
    error: str  # regex searched in the single `error:` line
    timeout_s: float = 60.0
    entry: str = "main"
    main_args: tuple = field(default=())  # positional arguments before argv (the training CLIs take a model kind)

    @property
    def id(self) -> str:
        return f"{self.command}:{self.name}"


MODULES = {"leaderboard": "leaderboard.cli"}


def snapshot(root: Path) -> dict[str, str]:
    """sha256 of every file under root (the earlier outputs that a failed run must leave byte-identical)."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@contextlib.contextmanager
def _time_limit(seconds: float, case: Case) -> Iterator[None]:
    def expire(*_: object) -> None:
        raise TimeoutError(f"{case.id}: still running after {seconds:g} s (a hang)")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_case(case: Case, folder: Path) -> tuple[int, str, str]:
    """Make the case's inputs in `folder`, run its command there; (exit code, stdout, stderr)."""
    argv = case.setup(folder)
    main = getattr(importlib.import_module(MODULES.get(case.command, case.command)), case.entry)
    out, err = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        with _time_limit(case.timeout_s, case), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(*case.main_args, argv)
            except SystemExit as exit_:  # argparse's usage errors
                code = exit_.code if isinstance(exit_.code, int) else 1
    finally:
        os.chdir(cwd)
    return code, out.getvalue(), err.getvalue()


def check_case(case: Case, folder: Path) -> None:
    """Run the case and assert the convention: its code, one matching `error:` line, no traceback, nothing changed."""
    inputs = folder / "case"
    inputs.mkdir()
    before: dict[str, str] = {}
    original = case.setup

    def setup_and_snapshot(root: Path) -> list[str]:
        argv = original(root)
        before.update(snapshot(root))
        return argv

    code, out, err = run_case(Case(**{**case.__dict__, "setup": setup_and_snapshot}), inputs)
    assert "Traceback" not in err + out, f"{case.id}: traceback\n{err}"
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, f"{case.id}: expected one error line, got:\n{err}"
    assert re.search(case.error, errors[0]), f"{case.id}: {errors[0]!r} does not match {case.error!r}"
    assert code == case.code, f"{case.id}: exit {code}, expected {case.code}: {errors[0]}"
    after = snapshot(inputs)
    changed = [name for name, digest in before.items() if after.get(name) != digest]
    assert not changed, f"{case.id}: earlier files changed or removed: {changed}"


def parametrize(cases: list[Case]) -> pytest.MarkDecorator:
    """pytest parametrization of a group's cases, with readable ids."""
    return pytest.mark.parametrize("case", cases, ids=[case.name for case in cases])
