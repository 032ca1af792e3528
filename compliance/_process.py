"""Settings of a process that checks plans (the command line, a service worker)."""

from __future__ import annotations

import gc

# A district's result is millions of small dicts and tuples, none of them in a cycle that
# matters while it is built. Python's default collects the youngest generation every 700
# new objects, and each collection walks objects that are all still alive: a fifth of a
# 10,000-parcel batch. Collecting every 50,000 keeps the collector for real garbage and
# costs nothing measurable in memory.
GC_THRESHOLD = (50_000, 20, 20)


def configure() -> None:
    gc.set_threshold(*GC_THRESHOLD)
