"""The options of a run and the tool's fixed tolerances, each in one place."""

from __future__ import annotations

from dataclasses import dataclass

# Figures are judged as reported (to 0.01) with this slack, so that reprojection noise never
# fails a parcel the report shows passing.
TOLERANCE = 1e-6
# Ratios (bed shares, district rates) are compared with a finer slack.
RATIO_TOLERANCE = 1e-9

# No real parcel holds more; a bigger figure is a unit or typing error.
MAX_COUNT = 5_000_000
MAX_AREA_M2 = 10_000_000.0


@dataclass(frozen=True)
class Options:
    """Everything a user can set that changes a number or a verdict."""

    distance: str = "straight"          # "straight" or "network"
    radius_m: float | None = None       # overrides the standard's radius for every parcel
    walking_speed_km_h: float | None = None  # overrides the standard's walking speed
    suggest: bool = False               # propose sites for new facilities (batch)
    crs: str | None = None              # the CRS of layers that declare none
    coords: str | None = None           # web-map coordinates to convert (gcj02, bd09)
    as_of: str | None = None            # the date whose rules apply (ISO); today when None

    def as_run_options(self, standard) -> dict:
        """The effective value of every option that can change a number or a verdict."""
        return {"distance": self.distance, "radius_m": self.radius_m,
                "walking_speed_km_h": self.walking_speed_km_h_for(standard),
                "crs": self.crs, "coords": self.coords, "as_of": standard.as_of}

    def walking_speed_km_h_for(self, standard) -> float:
        """The one definition of the walking speed in force: the user's, else the standard's."""
        return float(self.walking_speed_km_h or standard.walking_speed_km_h)

    def walking_speed_m_per_min_for(self, standard) -> float:
        return self.walking_speed_km_h_for(standard) * 1000.0 / 60.0
