"""Where work items run: in this process, a local process pool, or a Ray cluster.

Every executor maps a picklable function over items and yields `Outcome`s in completion order; an
exception inside the function becomes a failed outcome carrying its message, so one bad item never
stops a run.
"""

from __future__ import annotations

import logging
import os
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any, Protocol

logger = logging.getLogger(__name__)

EXECUTORS = ("local", "ray")


@dataclass(frozen=True)
class Outcome:
    """The result of one item: `value` when ok, else `error` (one line, with the exception type)."""

    index: int
    value: Any = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _set_env(env: dict[str, str]) -> None:
    os.environ.update(env)


def call_safely(fn: Callable[[Any], Any], index: int, item: Any) -> Outcome:
    """Run fn(item), turning any exception into a failed Outcome (logged with its traceback)."""
    try:
        return Outcome(index, value=fn(item))
    except Exception as error:  # noqa: BLE001 (one item's failure must not stop the run)
        logger.debug("item %d failed:\n%s", index, traceback.format_exc())
        return Outcome(index, error=f"{type(error).__name__}: {error}")


class Executor(Protocol):
    def map(self, fn: Callable[[Any], Any], items: Sequence[Any]) -> Iterator[Outcome]:
        """Yield one Outcome per item, in completion order."""
        ...

    def close(self) -> None: ...


class LocalExecutor:
    """`workers` spawned processes (fresh interpreters: safe with GL contexts); 1 runs in-process.

    If a worker process dies, the pool breaks and its unfinished items come back failed (a rerun
    with --retry-failed redoes them).
    """

    def __init__(self, workers: int | None = None, env: dict[str, str] | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        if self.workers < 1:
            raise ValueError(f"workers must be >= 1, got {self.workers}")
        self.env = dict(env or {})  # set in each worker process (the in-process worker keeps ours)
        self._pool: ProcessPoolExecutor | None = None

    def map(self, fn: Callable[[Any], Any], items: Sequence[Any]) -> Iterator[Outcome]:
        if self.workers == 1:
            for index, item in enumerate(items):
                yield call_safely(fn, index, item)
            return
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.workers, mp_context=get_context("spawn"), initializer=_set_env, initargs=(self.env,)
            )
        futures = {self._pool.submit(call_safely, fn, i, item): i for i, item in enumerate(items)}
        pending = set(futures)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                try:
                    yield future.result()
                except BrokenProcessPool as error:  # a worker died: the pool's unfinished items all fail
                    yield Outcome(futures[future], error=f"worker process died: {error}")
                    self._pool = None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None


class RayExecutor:
    """Ray tasks, one CPU each: `address` None starts a local Ray (num_cpus = workers), 'auto' joins one."""

    def __init__(
        self, workers: int | None = None, address: str | None = None, env: dict[str, str] | None = None
    ) -> None:
        try:
            import ray
        except ImportError as error:
            raise ImportError('the Ray executor needs Ray: pip install -e ".[cluster]"') from error
        self._ray = ray
        self._owns_ray = not ray.is_initialized()  # shut down only a Ray this executor started
        if self._owns_ray:
            options: dict[str, Any] = {"runtime_env": {"env_vars": dict(env or {})}, "include_dashboard": False}
            if address is None:
                options["num_cpus"] = workers or os.cpu_count() or 1
            debug = logging.getLogger().isEnabledFor(logging.DEBUG)  # --log-level DEBUG shows Ray's own lines
            ray.init(address=address, logging_level=logging.INFO if debug else logging.ERROR, **options)
        self._task = ray.remote(num_cpus=1)(call_safely)

    def map(self, fn: Callable[[Any], Any], items: Sequence[Any]) -> Iterator[Outcome]:
        ray = self._ray
        fn_ref = ray.put(fn)
        refs = {self._task.remote(fn_ref, i, item): i for i, item in enumerate(items)}
        pending = list(refs)
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            try:
                yield ray.get(done[0])
            except (ray.exceptions.RayError, OSError) as error:  # the worker or node died
                yield Outcome(refs[done[0]], error=f"Ray task failed: {type(error).__name__}: {error}")

    def close(self) -> None:
        if self._owns_ray:
            self._ray.shutdown()


def make_executor(
    kind: str, workers: int | None = None, address: str | None = None, env: dict[str, str] | None = None
) -> Executor:
    """An executor by name ('local' or 'ray')."""
    if kind == "local":
        if address is not None:
            raise ValueError("--ray-address needs --executor ray")
        return LocalExecutor(workers, env)
    if kind == "ray":
        return RayExecutor(workers, address, env)
    raise ValueError(f"unknown executor {kind!r}; expected one of {EXECUTORS}")
