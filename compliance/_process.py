"""Settings of a process that checks plans (the command line, a service worker)."""

from __future__ import annotations

import gc
import os
import signal
import sys

# A district's result is millions of small dicts and tuples, none of them in a cycle that
# matters while it is built. Python's default collects the youngest generation every 700
# new objects, and each collection walks objects that are all still alive: a fifth of a
# 10,000-parcel batch. Collecting every 50,000 keeps the collector for real garbage and
# costs nothing measurable in memory.
GC_THRESHOLD = (50_000, 20, 20)

# glibc gives a thread that allocates while another does an arena of its own, up to eight
# per core, and memory freed in one is not reused by the others. A batch reads buildings and
# deflates its workbook in threads; two arenas are enough for them and keep the freed memory
# in use: peak 412 → 393 MiB at 2,500 parcels, 1,864 → 1,701 MiB at 50,000, in the same time.
MALLOC_ARENAS = 2
_M_ARENA_MAX = -8  # mallopt's parameter number, from glibc's malloc.h


def configure() -> None:
    gc.set_threshold(*GC_THRESHOLD)
    _limit_malloc_arenas()


def _limit_malloc_arenas() -> None:
    # Only glibc's allocator has arenas to limit; a MALLOC_ARENA_MAX the user set is kept.
    if not sys.platform.startswith("linux") or "MALLOC_ARENA_MAX" in os.environ:
        return
    import ctypes

    try:
        ctypes.CDLL(None).mallopt(_M_ARENA_MAX, MALLOC_ARENAS)
    except (OSError, AttributeError):  # another C library (musl): nothing to set
        pass


def leave_signals_to_the_main_thread() -> None:
    """Block SIGINT and SIGTERM in the calling thread, a helper the batch starts. The kernel
    hands a process's signal to any thread that does not block it, and Python runs the
    handler only in the main thread, once that thread runs again: a batch waiting for its
    typesetter's answer slept through a SIGTERM taken by the thread talking to the
    typesetter until the typesetting ended (seen once in the suite, under load)."""
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})


# How often a wait on a helper wakes the main thread to run a signal's handler, for a signal
# a thread not started here took (multiprocessing's own, a Pool's).
WAKE_S = 0.2


def release_freed_memory() -> None:
    """Hand the memory freed so far back to the system. Between the stages of a check: a
    stage's arrays and geometries (the buildings' batches, the street graph's pieces) are
    freed into glibc's heap, where the next stage's Python objects, which come from arenas
    of their own, never reuse them. Dask's workers do the same, for the same reason.
    2,500 parcels: peak 393 → 363 MiB."""
    if "pyarrow" in sys.modules:  # Arrow's own allocator keeps what it freed for itself
        sys.modules["pyarrow"].default_memory_pool().release_unused()
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # another C library: nothing to hand back
        pass


def flush_file_system(path) -> None:
    """Make what was written under `path` durable: one syncfs(2) of its file system on
    Linux (os.sync elsewhere), where an fsync a file cost half a millisecond each, and a
    district's batch writes a page per parcel."""
    import os

    if sys.platform.startswith("linux"):
        import ctypes

        fd = os.open(path, os.O_RDONLY)
        try:
            if ctypes.CDLL(None, use_errno=True).syncfs(fd) == 0:
                return
        except (OSError, AttributeError):
            pass
        finally:
            os.close(fd)
    os.sync()
