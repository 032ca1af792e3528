"""Where to add facilities: greedy maximum coverage of the uncovered households.

Candidates are the street nodes when the plan has streets, else the uncovered points
themselves. Each round takes the candidate whose radius reaches the most still-uncovered
households (a sparse matrix–vector product), until all are covered or MAX_SITES are chosen.
Reach is screened in a straight line, also when the plan is judged along streets: add a
chosen site to the plan and check again to see it along the network.
"""

from __future__ import annotations

import numpy as np
import pyproj
import shapely

from . import projection
from ._arrays import unique_rows

MAX_SITES = 50


def candidate_sites(coverage, covered, radius_m, parcel_ids, streets=None, crs=None):
    if coverage is None or covered is None or covered.all():
        return []
    out_mask = ~covered & np.isfinite(radius_m[coverage.parcel])
    if not out_mask.any():
        return []
    xy = coverage.xy[out_mask]
    # A parcel without buildings is sampled at points with no households: count each as one.
    weight = np.where(coverage.households[out_mask] > 0, coverage.households[out_mask], 1.0)
    reach = radius_m[coverage.parcel[out_mask]]
    if streets is not None and len(streets):
        cands = unique_rows(np.round(_line_ends(streets.geometry.to_numpy()), 1))[0]
    else:
        cands = unique_rows(np.round(xy, 1))[0]
    # Only candidates within reach of the box around the households left out can score: the
    # rest (most of a city's street ends) are set aside before any geometry is made for them.
    # Their order is kept, so ties are broken as before.
    grow = float(np.max(reach))
    lo, hi = xy.min(axis=0) - grow, xy.max(axis=0) + grow
    cands = cands[((cands >= lo) & (cands <= hi)).all(axis=1)]
    matrix = _reach_matrix(shapely.STRtree(shapely.points(cands)), shapely.points(xy), reach,
                           len(cands))
    if not matrix.nnz:
        return []
    remaining = weight.copy()
    households = np.where(coverage.households[out_mask] > 0, coverage.households[out_mask], 0)
    parcels = coverage.parcel[out_mask]
    # A plan in the local plane is nowhere on the Earth: its sites are given in x, y only.
    to_lonlat = projection.to_lonlat(pyproj.CRS(crs)) \
        if crs and not projection.is_local(crs) else None
    sites = []
    for rank in range(1, MAX_SITES + 1):
        score = matrix @ remaining
        best = int(np.argmax(score))
        if score[best] <= 0:
            break
        # The points the best candidate reaches, in their order: its entries in the columns.
        at = np.flatnonzero(matrix.indices == best)
        reached = np.searchsorted(matrix.indptr, at, side="right") - 1
        reached = reached[remaining[reached] > 0]
        x, y = cands[best]
        site = {"rank": rank, "x": round(float(x), 1), "y": round(float(y), 1),
                "households_covered": int(households[reached].sum()),
                "points_covered": int(len(reached)),
                "parcels": sorted({str(parcel_ids[p]) for p in parcels[reached]})}
        if to_lonlat is not None:
            lon, lat = to_lonlat.transform(x, y)
            site["lon"], site["lat"] = round(lon, 6), round(lat, 6)
        sites.append(site)
        remaining[reached] = 0
    return sites


# Points asked of the candidates' tree at a time: the pairs of one query are a few MiB.
_QUERY_POINTS = 4096


def _reach_matrix(tree, points: np.ndarray, reach: np.ndarray, n_cands: int):
    """Which candidate reaches which point, as a sparse matrix (candidates × points) in
    compressed columns, built a block of points at a time: 12 bytes a pair (7,194 points
    and 30,686 candidates at 10,000 parcels: 1.5 million pairs), where the pairs of one
    query and their COO and CSR copies took 50 MiB at once."""
    from scipy.sparse import csc_matrix  # here: a quick check never suggests sites

    counts, indices = [], []
    for start in range(0, len(points), _QUERY_POINTS):
        block = slice(start, start + _QUERY_POINTS)
        point_idx, cand_idx = tree.query(points[block], predicate="dwithin",
                                         distance=reach[block])
        order = np.argsort(point_idx, kind="stable")  # a point's candidates together
        counts.append(np.bincount(point_idx, minlength=len(points[block])))
        indices.append(cand_idx[order].astype(np.int32))
    indptr = np.r_[0, np.cumsum(np.concatenate(counts))]
    indices = np.concatenate(indices)
    return csc_matrix((np.ones(len(indices)), indices, indptr),
                      shape=(n_cands, len(points)))


def _line_ends(lines: np.ndarray) -> np.ndarray:
    """The end points of every line that is not closed, as `shapely.boundary` gives them, from
    the coordinates alone: a city's boundaries as geometries were the largest allocation of a
    2,500-parcel batch (92,667 streets: +38 MiB for a moment)."""
    if (shapely.get_type_id(lines) == 5).any():  # a MultiLineString: each part its own line
        lines = shapely.get_parts(lines)
    xy, which = shapely.get_coordinates(lines, return_index=True)
    if not len(xy):
        return np.zeros((0, 2))
    # Where each line's coordinates start and end.
    first = np.r_[0, np.flatnonzero(np.diff(which)) + 1]
    last = np.r_[first[1:] - 1, len(which) - 1]
    open_ = (xy[first] != xy[last]).any(axis=1)
    # As boundary(): both ends of each open line, line by line.
    return np.column_stack([xy[first[open_]], xy[last[open_]]]).reshape(-1, 2)
