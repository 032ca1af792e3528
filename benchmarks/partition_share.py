"""What a cluster worker is sent to measure its partition, against the whole network.

    python benchmarks/partition_share.py [build/bench/city-10000.gpkg] [--partitions 4 16 64]

The district's streets are built as a batch builds them (streets beyond reach set aside), the
household points are cut as `compliance batch --workers` cuts them, and for each partition
count it prints the pickled size of the whole measuring method (what each worker got before
routing.NetworkWindow) and of the largest and the mean window (what each gets now), and the
share of points a window could not place (measured by the whole network in the driver).
"""

from __future__ import annotations

import argparse
import pickle
import sys
from pathlib import Path

import numpy as np

from compliance import distance, io
from compliance.cluster import partitions
from compliance.plan import build_plan
from compliance.routing import Network

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("plan", nargs="?", default=str(ROOT / "build" / "bench" / "city-10000.gpkg"))
    ap.add_argument("--partitions", type=int, nargs="+", default=[4, 16, 64])
    args = ap.parse_args()
    if not Path(args.plan).exists():
        print(f"no {args.plan}: run benchmarks/scale.py (or make_city.py) first", file=sys.stderr)
        return 2
    plan = build_plan(io.read_plan(args.plan), strict=False)
    network = Network.from_streets(plan.streets, plan.facilities, 1000.0, extent=plan.extent())
    _, _, xy, _ = distance.household_points(plan.parcels, plan.buildings, plan.facilities)
    whole = len(pickle.dumps(network))
    print(f"{len(plan.parcels):,} parcels, {len(xy):,} household points; the whole method "
          f"pickles to {whole / 1e6:.1f} MB")
    print("| partitions | largest window | mean window | points left to the driver |")
    print("|---|---|---|---|")
    for count in args.partitions:
        sizes, unresolved = [], 0
        for idx in partitions(xy, count):
            window = network.window((*xy[idx].min(axis=0), *xy[idx].max(axis=0)))
            sizes.append(len(pickle.dumps(window)))
            unresolved += int((~window.measure(xy[idx])[3]).sum())
        print(f"| {count} | {max(sizes) / 1e6:.1f} MB | {np.mean(sizes) / 1e6:.1f} MB | "
              f"{unresolved:,} of {len(xy):,} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
