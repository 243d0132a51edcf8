"""Logging of the curation CLIs: our INFO lines and progress bars on stderr, third-party chatter only on DEBUG.

Libraries that log at INFO through Python's logging (Ray, yt-dlp's urllib3, PySceneDetect, numba, ...)
are held at WARNING unless `--log-level DEBUG`; DEBUG also turns on the native C++ log lines of
MediaPipe / LiteRT / absl (models.pose.native_logs), inherited by worker processes through the environment.
"""

from __future__ import annotations

import logging
import os

from models.pose.native_logs import NATIVE_LOGS_ENV

ALWAYS_QUIET = ("numba",)  # its DEBUG is a dump of compiler passes (10k lines per run), never useful here
THIRD_PARTY = ("ray", "yt_dlp", "urllib3", "requests", "pyscenedetect", "scenedetect", "numba", "matplotlib",
               "PIL", "absl", "h5py", "fsspec", "filelock", "asyncio", "torch", "jax", "audioread", "librosa")  # fmt: skip


def hold_quiet(name: str) -> None:
    """Put a library logger that resets its own level on import (PySceneDetect) back to WARNING unless DEBUG."""
    if not logging.getLogger().isEnabledFor(logging.DEBUG):
        logging.getLogger(name).setLevel(logging.WARNING)


def configure_logging(level: str) -> None:
    """Root logging at `level`; third-party loggers at WARNING (and native logs hidden) unless DEBUG."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in ALWAYS_QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    if level == "DEBUG":
        os.environ[NATIVE_LOGS_ENV] = "1"
        return
    for name in THIRD_PARTY:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))
