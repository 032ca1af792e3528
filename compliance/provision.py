"""Which facilities each parcel provides (配建), and which parcels pool them (统筹配置).

A facility names the parcel(s) that provide it in `parcel_id` ("P1;P2" when several small
parcels share it); without that, the parcel containing it provides it. Parcels that share a
facility, directly or through a chain of shared facilities, form one group, and the area rules
judge a group's summed requirement against the group's summed floor area.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Provision:
    parcel: np.ndarray      # link rows: parcel position …
    facility: np.ndarray    # … provides facility position
    group: np.ndarray       # per parcel: group label (a parcel alone is a group of one)
    group_size: np.ndarray  # per parcel: how many parcels its group has

    @property
    def n_parcels(self) -> int:
        return len(self.group)

    def group_total(self, per_parcel: np.ndarray) -> np.ndarray:
        """Per parcel, the sum of `per_parcel` over the parcel's group."""
        sums = np.bincount(self.group, weights=np.nan_to_num(per_parcel, nan=0.0),
                           minlength=self.group.max() + 1 if len(self.group) else 0)
        return sums[self.group]

    def group_terms(self, ids: np.ndarray, per_parcel: np.ndarray) -> np.ndarray:
        """Per parcel, its group's terms as a printed sum ("P1 400 + P2 300"), so that a
        shared formula shows the arithmetic behind the group's figure; "" alone."""
        out = np.full(self.n_parcels, "", dtype=object)
        shared = np.flatnonzero(self.group_size > 1)
        if not len(shared):
            return out
        frame = pd.DataFrame({"group": self.group[shared], "term": [
            f"{pid} {value:,.0f}" for pid, value in zip(ids[shared], per_parcel[shared])]})
        text = frame.groupby("group")["term"].agg(" + ".join)
        out[shared] = text.loc[self.group[shared]].to_numpy()
        return out

    def provided_total(self, per_facility: np.ndarray) -> np.ndarray:
        """Per parcel, the sum of `per_facility` over the facilities its group provides.

        A facility shared by two parcels of one group counts once.
        """
        if len(self.parcel) == 0:
            return np.zeros(self.n_parcels)
        pairs = pd.DataFrame({"group": self.group[self.parcel], "facility": self.facility})
        pairs = pairs.drop_duplicates()
        sums = np.bincount(pairs["group"].to_numpy(),
                           weights=per_facility[pairs["facility"].to_numpy()],
                           minlength=self.group.max() + 1)
        return sums[self.group]

    def provided_any(self, per_facility: np.ndarray) -> np.ndarray:
        """Per parcel: does any facility its group provides have the flag set?"""
        return self.provided_total(per_facility.astype(float)) > 0

    def links(self) -> pd.DataFrame:
        return pd.DataFrame({"parcel": self.parcel, "facility": self.facility})

    def group_links(self) -> pd.DataFrame:
        """Every (parcel, facility) pair of `provided_by_group`, as a frame, with `pooled`:
        the facility is a site that several parcels name or contain (a pooled site)."""
        if len(self.parcel) == 0:
            return pd.DataFrame({"parcel": [], "facility": [], "pooled": []}).astype(
                {"parcel": int, "facility": int, "pooled": bool})
        direct = pd.DataFrame({"group": self.group[self.parcel], "facility": self.facility})
        named_by = direct.groupby("facility").size()
        sites = direct.drop_duplicates()
        members = pd.DataFrame({"group": self.group, "parcel": np.arange(self.n_parcels)})
        pairs = members.merge(sites, on="group")[["parcel", "facility"]]
        pairs["pooled"] = named_by.reindex(pairs["facility"]).to_numpy() > 1
        return pairs.sort_values(["parcel", "facility"]).reset_index(drop=True)

    def provided_by_group(self) -> list[list[tuple[int, bool]]]:
        """Per parcel, the facilities whose floor area counts for it, as (facility position,
        named or contained by this parcel itself), in facility order.

        The one definition of "the facilities a parcel provides": a parcel in a group of
        parcels that pool facilities (统筹配置) provides every facility of its group, since
        the area rules judge the group's sums; the flag says which it provides directly.
        Every view lists, draws and exports exactly these.
        """
        out: list[list[tuple[int, bool]]] = [[] for _ in range(self.n_parcels)]
        if len(self.parcel) == 0:
            return out
        pairs = pd.DataFrame({"group": self.group[self.parcel], "facility": self.facility,
                              "parcel": self.parcel})
        by_group = pairs.drop_duplicates(["group", "facility"]).sort_values("facility") \
            .groupby("group")["facility"].agg(list)
        direct = set(zip(self.parcel.tolist(), self.facility.tolist()))
        for position in range(self.n_parcels):
            for f in by_group.get(self.group[position], []):
                out[position].append((int(f), (position, int(f)) in direct))
        return out


def link_facilities(parcels: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame) -> Provision:
    """Build the parcel–facility links and the pooling groups, all parcels at once.

    `facilities.parcel_ids` holds the already-validated list of parcel ids per facility (empty
    when the field was absent); unknown ids were reported by validation and removed.
    """
    n = len(parcels)
    position = pd.Series(np.arange(n), index=parcels["id"].to_numpy())
    named = facilities["parcel_ids"].explode().dropna()
    named = named[named.isin(position.index)]
    explicit = pd.DataFrame({"parcel": position[named.to_numpy()].to_numpy(),
                             "facility": named.index.to_numpy()})

    unnamed = facilities.index[facilities["parcel_ids"].map(len).eq(0).to_numpy(dtype=bool)]
    has_geom = ~(parcels.geometry.isna() | parcels.geometry.is_empty)
    spatial = pd.DataFrame({"parcel": [], "facility": []}, dtype=int)
    if len(unnamed) and has_geom.any():
        points = facilities.loc[unnamed].geometry.representative_point()
        pts = gpd.GeoDataFrame({"facility": unnamed}, geometry=points.to_numpy(),
                               crs=facilities.crs)
        candidates = parcels.loc[has_geom, ["geometry"]].assign(parcel=np.flatnonzero(has_geom))
        joined = gpd.sjoin(pts, candidates, predicate="within", how="inner")
        # A point on the shared edge of two parcels goes to the first one, deterministically.
        joined = joined.sort_values(["facility", "parcel"]).drop_duplicates("facility")
        spatial = joined[["parcel", "facility"]]

    links = pd.concat([explicit, spatial], ignore_index=True).astype(int)
    links = links.drop_duplicates().sort_values(["parcel", "facility"]).reset_index(drop=True)
    parcel = links["parcel"].to_numpy()
    facility = links["facility"].to_numpy()

    # Parcels and facilities as one bipartite graph: its components are the pooling groups.
    if not len(facility) or np.bincount(facility).max() <= 1:
        # No facility is provided by two parcels: every parcel is a group of its own (and a
        # quick check need not load scipy).
        group = np.arange(n)
    else:
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        m = len(facilities)
        graph = coo_matrix((np.ones(len(links)), (parcel, n + facility)),
                           shape=(n + m, n + m))
        _, labels = connected_components(graph, directed=False)
        _, group = np.unique(labels[:n], return_inverse=True)
    group_size = np.bincount(group)[group] if n else np.zeros(0, dtype=int)
    return Provision(parcel=parcel, facility=facility, group=group, group_size=group_size)
