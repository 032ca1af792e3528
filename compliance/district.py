"""District figures (区域指标): shares of parcels meeting the standard, against the targets the
city's document sets, computed from the parcels' findings and the plan's facilities."""

from __future__ import annotations

import numpy as np
import shapely

from ._i18n import N_
from .result import DistrictFigure, Text
from .rules.catalogue import CATALOGUE
from .settings import RATIO_TOLERANCE, TOLERANCE
from .vocabulary import DAY_CARE_KIND, STATION_KINDS_RURAL, STATION_KINDS_URBAN, Status

CONFIGURATION = N_("{numerator} of {denominator} parcels with households meet the floor-area "
                   "rules (配建达标).")
RADIUS = N_("{numerator} of {denominator} parcels have every household within the walking "
            "radius of a facility.")
DAY_CARE = N_("{numerator} of {denominator} urban parcels have a day-care centre (日间照料中心) "
              "within the walking radius of their centre.")
STATION = N_("{numerator} of {denominator} communities provide their own station (urban: "
             "社区养老服务站 or 街道中心; rural: 互助养老点 or 镇乡中心).")

_CONFIGURATION_RULES = tuple(r.id for r in CATALOGUE.values() if r.configuration)
_RADIUS_RULES = tuple(r.id for r in CATALOGUE.values() if r.defines_radius)
_JUDGED = (Status.PASS, Status.FAIL)


def _figure(fid, numerator, denominator, target, citation, msgid) -> DistrictFigure:
    achieved = numerator / denominator if denominator else None
    if target is None or achieved is None:
        status = Status.INFO
    else:
        status = Status.PASS if achieved + RATIO_TOLERANCE >= target else Status.FAIL
    return DistrictFigure(id=fid, target=target, achieved=achieved, numerator=int(numerator),
                          denominator=int(denominator), status=status, citation=citation,
                          message=Text(msgid, {"numerator": int(numerator),
                                               "denominator": int(denominator)}))


def figures(parcel_results, standard, ctx, radius_m) -> tuple[DistrictFigure, ...]:
    targets = standard.district_targets
    out = []

    def target(name):
        t = targets.get(name)
        return (t.target, t.citation) if t else (None, None)

    area = [[f for f in p.findings if f.rule in _CONFIGURATION_RULES] for p in parcel_results]
    judged = [fs for fs in area if any(f.status in _JUDGED for f in fs)]
    ok = sum(all(f.status != Status.FAIL for f in fs) for fs in judged)
    out.append(_figure("configuration_rate", ok, len(judged), *target("configuration_rate"),
                       CONFIGURATION))

    radius = [f for p in parcel_results for f in p.findings if f.rule in _RADIUS_RULES
              and f.status in _JUDGED]
    if radius:
        out.append(_figure("radius_coverage", sum(f.status == Status.PASS for f in radius),
                           len(radius), *target("radius_coverage"), RADIUS))

    rural = ctx.parcel_column("rural", 0.0) > 0
    kinds = ctx.facilities["kind"].to_numpy() if len(ctx.facilities) else np.array([])
    if "day_care_coverage" in targets and radius_m is not None:
        urban = np.flatnonzero(~rural & ~ctx.parcels.geometry.isna().to_numpy())
        day_care = ctx.facilities.geometry.to_numpy()[kinds == DAY_CARE_KIND]
        covered = 0
        if len(day_care) and len(urban):
            centres = shapely.points(shapely.get_coordinates(
                ctx.parcels.geometry.iloc[urban].representative_point().to_numpy()))
            _, dist = shapely.STRtree(day_care).query_nearest(centres, return_distance=True,
                                                              all_matches=False)
            covered = int((dist <= radius_m[urban] + TOLERANCE).sum())
        out.append(_figure("day_care_coverage", covered, len(urban),
                           *target("day_care_coverage"), DAY_CARE))

    if "station_per_community" in targets:
        links = ctx.provision.links()
        links["kind"] = kinds[links["facility"].to_numpy()] if len(links) else []
        urban_ok = set(links.loc[links["kind"].isin(STATION_KINDS_URBAN),
                                 "parcel"])
        rural_ok = set(links.loc[links["kind"].isin(STATION_KINDS_RURAL),
                                 "parcel"])
        positions = np.arange(len(rural))
        has = np.where(rural, np.isin(positions, list(rural_ok)),
                       np.isin(positions, list(urban_ok)))
        out.append(_figure("station_per_community", int(has.sum()), len(has),
                           *target("station_per_community"), STATION))
    return tuple(out)
