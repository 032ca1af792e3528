"""What a rule sees: the projected plan, the provision links and the measured distances.

Rules read nothing from files and measure nothing themselves beyond arithmetic on these.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np

from .distance import Coverage
from .provision import Provision
from .standard import Standard


@dataclass(frozen=True)
class Options:
    distance: str = "straight"          # "straight" or "network"
    radius_m: float | None = None       # overrides minutes × speed for every parcel
    walking_speed_km_h: float | None = None
    suggest: bool = False               # propose sites for new facilities (batch)


def walking_speed_m_per_min(standard: Standard, options: Options) -> float:
    """The user's speed when given, else the standard's."""
    if options.walking_speed_km_h:
        return options.walking_speed_km_h * 1000.0 / 60.0
    return standard.walking_speed_m_per_min


@dataclass(frozen=True)
class Context:
    standard: Standard
    parcels: gpd.GeoDataFrame     # positional index 0..n-1, metric CRS
    facilities: gpd.GeoDataFrame  # positional index 0..m-1
    buildings: gpd.GeoDataFrame | None
    provision: Provision
    coverage: Coverage | None
    options: Options

    @property
    def walking_speed_m_per_min(self) -> float:
        return walking_speed_m_per_min(self.standard, self.options)

    def parcel_column(self, name: str, default=np.nan) -> np.ndarray:
        if name in self.parcels:
            return self.parcels[name].to_numpy(dtype=float, na_value=default)
        return np.full(len(self.parcels), default, dtype=float)

    def facility_column(self, name: str, default=np.nan) -> np.ndarray:
        if name in self.facilities:
            return self.facilities[name].to_numpy(dtype=float, na_value=default)
        return np.full(len(self.facilities), default, dtype=float)
