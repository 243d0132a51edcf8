"""The suite's one error convention for command lines (docs/errors.md).

Every command's `main` is wrapped by `command`: an error prints `error: <file>: <what is wrong>` on one
line and exits 2 for a usage error (a flag, a value, an output path) or 1 for an input error (a file
that is missing, malformed or out of limits); `--debug` prints the traceback too. Argument types and
the `require_*` checks here let commands refuse bad input cheaply, before models or decoders load.
"""

from __future__ import annotations

import argparse
import functools
import math
import os
import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

EXIT_INPUT = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class UsageError(ValueError):
    """The command line itself is wrong (flags that do not go together, an unusable output path): exit 2."""


class InputError(ValueError):
    """An input file is missing, malformed or outside the limits: exit 1, naming the file."""

    def __init__(self, path: str | Path, what: str) -> None:
        super().__init__(f"{path}: {what}")
        self.path = Path(path)


class ArgumentParser(argparse.ArgumentParser):
    """argparse with the suite's convention: one `error:` line and exit 2, and a `--debug` flag."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.add_help:
            self.add_argument("--debug", action="store_true", help="on an error, also print the Python traceback")

    def error(self, message: str) -> None:  # type: ignore[override]
        """Usage errors: one line naming the command, then exit 2."""
        print(f"error: {self.prog}: {message} (see --help)", file=sys.stderr)
        sys.exit(EXIT_USAGE)


def describe(error: BaseException) -> str:
    """The one-line text of an error: the suite's own messages as they are, OS errors as `<file>: <reason>`."""
    if isinstance(error, OSError) and error.filename is not None and error.strerror:
        text = f"{error.filename}: {error.strerror.lower()}"
    elif isinstance(error, MemoryError):
        text = f"out of memory ({error or 'an input is larger than this machine can hold'}); see docs/errors.md for the size limits"
    elif isinstance(error, ValueError | OSError | RuntimeError):
        text = str(error)
    else:
        text = f"{type(error).__name__}: {error} (unexpected: rerun with --debug and report the traceback)"
    return " ".join(line.strip() for line in text.splitlines() if line.strip()) or type(error).__name__


def exit_code(error: BaseException) -> int:
    """2 for usage errors, 1 for everything else."""
    return EXIT_USAGE if isinstance(error, UsageError) else EXIT_INPUT


def report(error: BaseException) -> int:
    """Print the error's one line to stderr and return its exit code."""
    print(f"error: {describe(error)}", file=sys.stderr)
    return exit_code(error)


def command(main: Callable[..., int]) -> Callable[..., int]:
    """Wrap a command's `main(argv)` so any exception becomes one `error:` line and an exit code."""

    @functools.wraps(main)
    def wrapped(*args, **kwargs) -> int:
        argv = kwargs.get("argv", args[-1] if args and isinstance(args[-1], list | tuple) else None)
        debug = "--debug" in (sys.argv[1:] if argv is None else argv)
        try:
            return main(*args, **kwargs)
        except KeyboardInterrupt:
            print("error: interrupted", file=sys.stderr)
            return EXIT_INTERRUPTED
        except Exception as error:  # noqa: BLE001 - the whole point: no traceback reaches the user
            if debug:
                traceback.print_exc()
            return report(error)

    return wrapped


def _number(kind: Callable[[str], float], test: Callable[[float], bool], wants: str) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {wants}, got {text!r}") from None
        if not math.isfinite(value) or not test(value):
            raise argparse.ArgumentTypeError(f"expected {wants}, got {text!r}")
        return value

    parse.__name__ = wants  # argparse names the type in its messages
    return parse


positive_int = _number(int, lambda v: v > 0, "an integer > 0")
nonnegative_int = _number(int, lambda v: v >= 0, "an integer >= 0")
finite_float = _number(float, lambda v: True, "a finite number")
positive_float = _number(float, lambda v: v > 0, "a finite number > 0")
nonnegative_float = _number(float, lambda v: v >= 0, "a finite number >= 0")
fraction = _number(float, lambda v: 0 <= v <= 1, "a number in [0, 1]")
open_fraction = _number(float, lambda v: 0 < v < 1, "a number strictly between 0 and 1")


def env_number(name: str, default: float) -> float:
    """A positive finite number from the environment variable `name` (else `default`); InputError naming it."""
    text = os.environ.get(name)
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not value > 0 or math.isinf(value):
        raise InputError(f"${name}", f"expected a number > 0, got {text!r}")
    return value


def require_file(path: str | Path, flag: str) -> Path:
    """`path` as a readable file, else InputError naming it and the flag that gave it."""
    path = Path(path)
    if path.is_dir():
        raise InputError(path, f"is a folder, {flag} takes a file")
    if not path.is_file():
        raise InputError(path, f"no such file ({flag})")
    if not os.access(path, os.R_OK):
        raise InputError(path, f"not readable ({flag})")
    return path


def require_dir(path: str | Path, flag: str) -> Path:
    """`path` as an existing folder, else InputError naming it and the flag that gave it."""
    path = Path(path)
    if path.is_file():
        raise InputError(path, f"is a file, {flag} takes a folder")
    if not path.is_dir():
        raise InputError(path, f"no such folder ({flag})")
    return path


def require_writable(path: str | Path, flag: str, folder: bool = False) -> Path:
    """Check, before any work, that `path` can be written as a file (or a folder): UsageError otherwise.

    The nearest existing ancestor must be a folder we can create a file in (tried for real, so read-only
    mounts are caught even as root); an existing path must be of the right kind.
    """
    path = Path(path)
    if path.is_dir() and not folder:
        raise UsageError(f"{path}: is a folder, {flag} takes a file path")
    if path.exists() and not path.is_dir() and folder:
        raise UsageError(f"{path}: is a file, {flag} takes a folder")
    ancestor = path if path.is_dir() else path.parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise UsageError(f"{path}: {ancestor} is a file, not a folder ({flag})")
    try:
        with tempfile.TemporaryFile(dir=ancestor):
            pass
    except OSError as error:
        raise UsageError(f"{path}: cannot write in {ancestor} ({(error.strerror or str(error)).lower()}) ({flag})") from None
    return path


def require_device(device: str, flag: str = "--device") -> str:
    """`device` if torch can use it here (cpu, cuda[:N], mps), else UsageError saying what this machine has."""
    name = device.split(":")[0]
    if name == "cpu":
        return device
    import torch

    if name == "cuda":
        count = torch.cuda.device_count()
        index = int(device.split(":")[1]) if ":" in device and device.split(":")[1].isdigit() else 0
        if index < count:
            return device
        have = f"{count} CUDA device(s)" if count else "no CUDA device"
        raise UsageError(f"{flag} {device}: this machine has {have}; use --device cpu")
    if name == "mps" and torch.backends.mps.is_available():
        return device
    raise UsageError(f"{flag} {device}: not a device this machine has (cpu, cuda[:N] or mps)")


def reject_unused(args: argparse.Namespace, names: Sequence[str], why: str) -> None:
    """UsageError naming the flags among `names` that were given but do nothing in this run."""
    given = [f"--{name.replace('_', '-')}" for name in names if getattr(args, name, None) not in (None, False, [])]
    if given:
        raise UsageError(f"{' '.join(given)}: {why}")
