"""What a rule sees: the projected plan, the provision links and the measured distances.

Rules read nothing from files and measure nothing themselves beyond arithmetic on these.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pyproj

from .settings import Options

if TYPE_CHECKING:  # types only: the context is built by the engine
    from .distance import Coverage
    from .provision import Provision
    from .standard import Standard


@dataclass(frozen=True)
class Context:
    standard: Standard
    parcels: gpd.GeoDataFrame     # positional index 0..n-1, metric CRS
    facilities: gpd.GeoDataFrame  # positional index 0..m-1
    buildings: gpd.GeoDataFrame | None
    provision: Provision
    coverage: Coverage | None
    options: Options
    # The CRS the plan's parcels came in (plan.given_crs): where a finding names a place, it
    # gives the coordinates the office's own drawing and layers have there.
    given_crs: pyproj.CRS | None = None

    @property
    def walking_speed_m_per_min(self) -> float:
        return self.options.walking_speed_m_per_min_for(self.standard)

    def parcel_column(self, name: str, default=np.nan) -> np.ndarray:
        if name in self.parcels:
            return self.parcels[name].to_numpy(dtype=float, na_value=default)
        return np.full(len(self.parcels), default, dtype=float)

    def facility_column(self, name: str, default=np.nan) -> np.ndarray:
        if name in self.facilities:
            return self.facilities[name].to_numpy(dtype=float, na_value=default)
        return np.full(len(self.facilities), default, dtype=float)
