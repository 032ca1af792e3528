"""Beyond one process: the household points of a district measured on a Dask cluster.

The distance from a household to its nearest facility depends on that point alone (its snap
to the street network and the facilities' shortest-path tree, or the straight line), never on
which other points are measured with it. So the points are cut into spatial partitions and
each is measured on a worker. Along streets, the shortest-path tree from every facility is
solved once, on the whole network, before the points are cut: a path may leave any tile and
the nearest facility may lie in another, and both are counted. A worker then gets only the
streets within a halo of its partition and the tree's distances at their nodes
(routing.NetworkWindow), so its memory follows its partition, not the city; the rare point
whose street lies beyond the halo is placed by the whole network in this process. In a
straight line a worker gets every facility. The answers are put back in the points' order:
the result is the single-process result, to the byte.

`compliance batch --workers N` starts a local cluster of N processes; `--scheduler ADDRESS`
uses an existing one (dask.distributed).
"""

from __future__ import annotations

import numpy as np

from . import _process
from ._errors import ComplianceError, Problem
from ._i18n import N_

# Points per partition at most; a district gives at least two partitions per worker.
MAX_PARTITION_POINTS = 50_000


def _measure_partition(method, xy: np.ndarray):
    """On a worker: one partition's distances, nearest facilities, reachability and the
    method's notes about these points (how far they walked to a street); for a network
    window, also which points it could place (the rest go back to the whole network)."""
    if hasattr(method, "margin_m"):  # routing.NetworkWindow
        distance, nearest, reachable, resolved = method.measure(xy)
        notes = {k: v for k, v in method.notes.items() if k.startswith("household_")}
        return distance, nearest, reachable, notes, resolved
    if hasattr(method, "measure"):
        distance, nearest, reachable = method.measure(xy)
        # The worker's copy of the method now holds these points' connector notes.
        notes = {k: v for k, v in method.notes.items() if k.startswith("household_")}
        return distance, nearest, reachable, notes
    distance, nearest = method.nearest(xy)
    return distance, nearest, None, {}


def partitions(xy: np.ndarray, count: int) -> list[np.ndarray]:
    """Point indices cut into `count` spatially compact partitions: strips along x, each cut
    along y, of nearly equal size."""
    n = len(xy)
    count = max(1, min(count, n))
    strips = max(1, int(round(np.sqrt(count))))
    order = np.argsort(xy[:, 0], kind="stable")
    out = []
    for strip in np.array_split(order, strips):
        per = max(1, round(count * len(strip) / max(n, 1)))
        by_y = strip[np.argsort(xy[strip, 1], kind="stable")]
        out += [p for p in np.array_split(by_y, per) if len(p)]
    return out


def _combine(method, xy: np.ndarray, parts, answers):
    """The partitions' answers put back in the points' order; points no window could place
    measured by the whole method, here; the notes summed (or the longest kept)."""
    n = len(xy)
    distance = np.full(n, np.inf)
    nearest = np.full(n, -1)
    reachable = np.zeros(n, dtype=bool)
    has_reach = all(a[2] is not None for a in answers)
    unresolved = []
    partial_notes = []
    for idx, answer in zip(parts, answers):
        d, f, r, part_notes = answer[:4]
        distance[idx], nearest[idx] = d, f
        if has_reach:
            reachable[idx] = r
        partial_notes.append(part_notes)
        if len(answer) > 4:
            unresolved.append(idx[~answer[4]])
    unresolved = np.concatenate(unresolved) if unresolved else np.zeros(0, dtype=int)
    if len(unresolved):
        # Points no window could place: the whole network places them, here.
        d, f, r = method.measure(xy[unresolved])
        distance[unresolved], nearest[unresolved], reachable[unresolved] = d, f, r
        partial_notes.append({k: v for k, v in method.notes.items()
                              if k.startswith("household_")})
    notes: dict = {}
    for part_notes in partial_notes:
        for key, value in part_notes.items():
            # Counts add up; the longest connector is the longest of the partitions'.
            notes[key] = max(notes.get(key, value), value) if "longest" in key else \
                notes.get(key, 0) + value
    if n == 0:
        notes = {}
    return distance, nearest, (reachable if has_reach else None), notes


def fork_cores() -> int:
    """The cores forked copies of this process can use; 0 where there is no fork or only one
    core (work is then done in place)."""
    import multiprocessing
    import os

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
        else (os.cpu_count() or 1)
    return cores if cores > 1 and "fork" in multiprocessing.get_all_start_methods() else 0


# What a forked copy measures: set just before the fork, read by the copies.
_FORKED: tuple = ()


def _measure_forked(idx: np.ndarray):
    method, xy = _FORKED
    return _measure_partition(method, xy[idx])


class ForkMapper:
    """The household points of one machine's batch measured on all its cores: forked copies
    of this process, each holding the measuring method already (nothing is shipped but the
    points' positions and the answers). Same partitions and the same answer as PointMapper;
    used by a batch with many points when there is fork and more than one core."""

    # Below this many points the copies cost more than they save.
    MIN_POINTS = 50_000

    def __init__(self, processes: int):
        self.processes = processes

    @classmethod
    def for_this_machine(cls) -> "ForkMapper | None":
        cores = fork_cores()
        return cls(cores) if cores else None

    def __call__(self, method, xy: np.ndarray):
        import multiprocessing

        global _FORKED
        if len(xy) < self.MIN_POINTS:
            return _combine(method, xy, [np.arange(len(xy))], [_measure_partition(method, xy)])
        parts = partitions(xy, self.processes)
        _FORKED = (method, xy)
        try:
            pool = multiprocessing.get_context("fork").Pool(self.processes)
            try:
                pending = pool.map_async(_measure_forked, parts)
                while not pending.ready():  # awake for a signal the pool's threads took
                    pending.wait(_process.WAKE_S)
                answers = pending.get()
                # Ended by being told, not by SIGTERM (what the pool's `with` sends): a copy
                # forked while this process handles SIGTERM (the command line does) may lose
                # the signal in the instant after the fork, and the pool then waits on it
                # forever (seen once in the test suite).
                pool.close()
            except BaseException:
                pool.terminate()
                raise
            finally:
                pool.join()
        finally:
            _FORKED = ()
        return _combine(method, xy, parts, answers)

    def close(self) -> None:
        pass


def _bounds(xy: np.ndarray) -> tuple[float, float, float, float]:
    return (*xy.min(axis=0), *xy.max(axis=0))


# How long a batch waits for a scheduler that does not answer (dask.distributed's default).
SCHEDULER_TIMEOUT_S = 30


def _connect(client_class, address: str):
    """A client of the scheduler at `address`; an address that is not one, or a scheduler that
    does not answer, is the user's to fix (exit 2), not an internal error."""
    try:
        client = client_class(address, timeout=f"{SCHEDULER_TIMEOUT_S}s")
    except ValueError as exc:  # "missing port number", "unknown address scheme 'http'"
        raise ComplianceError(Problem("--scheduler", N_("not the address of a Dask scheduler"),
                                      found=f"{address} ({exc})",
                                      expected=N_("tcp://HOST:PORT, as `dask scheduler` "
                                                  "prints it, e.g. tcp://10.0.0.5:8786"))
                              ) from None
    except (OSError, TimeoutError) as exc:
        raise ComplianceError(Problem("--scheduler", N_("the Dask scheduler does not answer"),
                                      found=f"{address} ({exc})",
                                      expected=N_("a running scheduler (`dask scheduler`) "
                                                  "this machine can reach, with workers "
                                                  "(`dask worker ADDRESS`)"))) from None
    try:
        # A scheduler without workers would take the points and never answer.
        client.wait_for_workers(1, timeout=SCHEDULER_TIMEOUT_S)
    except (OSError, TimeoutError):
        client.close()
        raise ComplianceError(Problem("--scheduler", N_("the Dask scheduler has no workers"),
                                      found=address,
                                      expected=N_("at least one worker started with the "
                                                  "scheduler's address (`dask worker "
                                                  "ADDRESS`)"))) from None
    return client


class PointMapper:
    """Measures household points on a Dask cluster; used as `distance.measure(mapper=…)`."""

    def __init__(self, workers: int | None = None, scheduler: str | None = None):
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise ComplianceError(Problem("--workers", N_("running on a cluster needs "
                                                         "dask.distributed"),
                                          expected="pip install 'eldercare-compliance[cluster]'")
                                  ) from None
        if scheduler:
            self.client = _connect(Client, scheduler)
            self._cluster = None
        else:
            self._cluster = LocalCluster(n_workers=int(workers or 2), threads_per_worker=1,
                                         processes=True, dashboard_address=None,
                                         silence_logs=50)
            self.client = Client(self._cluster)
        self.workers = max(1, len(self.client.scheduler_info().get("workers", {})) or
                           int(workers or 1))

    def __call__(self, method, xy: np.ndarray):
        n = len(xy)
        count = max(2 * self.workers, -(-n // MAX_PARTITION_POINTS))
        parts = partitions(xy, count)
        if hasattr(method, "window"):
            # Each worker gets the streets near its own points (routing.NetworkWindow).
            futures = [self.client.submit(_measure_partition,
                                          method.window(_bounds(xy[idx])), xy[idx], pure=False)
                       for idx in parts]
        else:
            remote = self.client.scatter(method, broadcast=True)
            futures = [self.client.submit(_measure_partition, remote, xy[idx], pure=False)
                       for idx in parts]
        answers = self.client.gather(futures)
        return _combine(method, xy, parts, answers)

    def close(self) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
