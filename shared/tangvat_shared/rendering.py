"""CPU-bound rendering (label sheets, certificates) in a worker process, off the service's event loop.

reportlab and segno are pure Python here (reportlab's C accelerator is not installed), so a render holds the
GIL for all of its seconds. Measured with 120 labels on a loaded 2-core machine (/tmp script, loop ticking every
10 ms): inline the loop stood still for the whole render (22.8 s); in a thread its longest gap was 0.14 s; in a
worker process 0.08 s, and the render no longer competes with the requests for the one interpreter. So: a
process, started on first use (spawn: never a fork of a process that runs threads and an event loop).
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class Renderer:
    """A small pool of worker processes; `render` runs a picklable module-level function there."""

    def __init__(self, workers: int = 1) -> None:
        self._workers = workers
        self._pool: ProcessPoolExecutor | None = None

    async def render(self, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        if kwargs:
            raise TypeError("render takes positional arguments only")
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self._workers, mp_context=multiprocessing.get_context("spawn"))
        return await asyncio.get_running_loop().run_in_executor(self._pool, function, *args)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
