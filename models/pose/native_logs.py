"""Hide the C++ log lines of MediaPipe / LiteRT / absl / TF Lite unless asked for (`MACE_NATIVE_LOGS=1`).

Those libraries write INFO/W lines straight to file descriptor 2, below Python's logging, so the only
reliable switch is to point that descriptor at /dev/null while their code runs; the environment
variables some of them read are also set before they load.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

NATIVE_LOGS_ENV = "MACE_NATIVE_LOGS"
_QUIET_ENV = {"GLOG_minloglevel": "2", "TF_CPP_MIN_LOG_LEVEL": "3", "ABSL_MIN_LOG_LEVEL": "2"}
_depth = 0  # blocks running now, in all threads
_saved: int | None = None  # the real descriptor 2 while redirected
_lock = threading.Lock()


def native_logs_shown() -> bool:
    """True when the user asked to see the native libraries' own log lines."""
    return os.environ.get(NATIVE_LOGS_ENV) == "1"


@contextmanager
def quiet_native_logs() -> Iterator[None]:
    """Send file descriptor 2 to /dev/null for the block; a no-op when native logs are shown.

    Re-entrant and thread-safe: the descriptor is redirected when the first block (of any thread) starts and
    restored when the last one ends, so threads running pose models side by side never lose stderr."""
    global _depth, _saved
    if native_logs_shown():
        yield
        return
    with _lock:
        if _depth == 0:
            for name, value in _QUIET_ENV.items():
                os.environ.setdefault(name, value)
            sys.stderr.flush()
            _saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)
            os.close(devnull)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _saved is not None:
                os.dup2(_saved, 2)
                os.close(_saved)
                _saved = None
