"""The batch by place (`--place-field`) against the one-standard batch of the same plan.

    python benchmarks/by_place.py                       # 2,500 and 10,000 parcels, 4 places
    python benchmarks/by_place.py --sizes 2500 --places 2

The synthetic districts of scale.py (the real Wuhan street network, 20 buildings per parcel)
are given a 城市 field: the parcels cut into `--places` vertical strips by their centroids'
x, named 遵义市, 常州市, 东营市 and 武汉市 (whose parcels take the `--city national` given
beside the field). Each batch runs in a fresh process, network distance, without parcel
pages; the script prints wall time and peak memory (max RSS) of both, and the cost of each
folder beyond the first.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np

from scale import BENCH, measure, plan_for

PLACES = ("遵义市", "常州市", "东营市", "武汉市")


def plan_by_place(parcels: int, places: int) -> Path:
    path = BENCH / f"city-{parcels}-{places}-places.gpkg"
    if path.exists():
        return path
    source = plan_for(parcels)
    shutil.copy(source, path)
    layer = gpd.read_file(path, layer="parcels")
    x = layer.geometry.centroid.x.to_numpy()
    cuts = np.quantile(x, np.linspace(0, 1, places + 1)[1:-1])
    layer["城市"] = np.array(PLACES[:places])[np.searchsorted(cuts, x)]
    layer.to_file(path, layer="parcels", driver="GPKG")
    return path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[2500, 10000])
    ap.add_argument("--places", type=int, default=4, choices=range(1, len(PLACES) + 1))
    args = ap.parse_args()
    compliance = shutil.which("compliance") or "compliance"
    print("| plan | places | batch by place | one standard | per folder beyond the first |")
    print("|---|---|---|---|---|")
    for n in args.sizes:
        plan = plan_by_place(n, args.places)
        work = Path(tempfile.mkdtemp(prefix=f"by-place-{n}-"))
        common = ("--distance", "network", "--no-parcel-reports")
        by_place = measure(compliance, "batch", str(plan), "--place-field", "城市", "--city",
                           "national", *common, "-o", str(work / "by-place"))
        one = measure(compliance, "batch", str(plan), "--city", "national", *common,
                      "-o", str(work / "one"))
        extra = (by_place["wall"] - one["wall"]) / max(args.places - 1, 1)
        print(f"| {n:,} parcels | {args.places} | {by_place['wall']:.1f} s, "
              f"{by_place['rss_kib'] / 1024:,.0f} MiB | {one['wall']:.1f} s, "
              f"{one['rss_kib'] / 1024:,.0f} MiB | {extra:+.1f} s |")
        for code in (by_place["code"], one["code"]):
            if code not in (0, 1, 3):
                print(f"  (a batch exited {code})")
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
