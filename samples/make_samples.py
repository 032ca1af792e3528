"""Regenerate the sample plans: `python samples/make_samples.py`.

Each sample is laid out in metres around a real spot of its city and written as WGS 84
GeoJSON (RFC 7946). Households, facilities and phases are invented to show one situation
each (see samples/README.md); the geometry is simple on purpose so that every figure in the
README and the tests can be checked by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

from pyproj import Transformer

HERE = Path(__file__).parent

# (longitude, latitude) of a residential area in each city, and its UTM zone.
ORIGINS = {
    "dongying": ((118.5820, 37.4490), 32650),   # 东营区 西城
    "zunyi": ((106.9270, 27.7250), 32648),      # 汇川区
    "changzhou": ((119.9740, 31.8110), 32650),  # 天宁区
    "tongchuan": ((108.9450, 34.8970), 32649),  # 新区
    "x-district": ((106.5500, 29.5630), 32648),  # 重庆 (X区)
}


class Site:
    def __init__(self, city: str):
        (lon, lat), epsg = ORIGINS[city]
        self.to_m = Transformer.from_crs(4326, epsg, always_xy=True)
        self.to_ll = Transformer.from_crs(epsg, 4326, always_xy=True)
        self.x0, self.y0 = self.to_m.transform(lon, lat)
        self.features = []

    def _ll(self, x, y):
        lon, lat = self.to_ll.transform(self.x0 + x, self.y0 + y)
        return [round(lon, 8), round(lat, 8)]

    def rect(self, x, y, w, h):
        ring = [(x, y), (x + w, y), (x + w, y + h), (x, y + h), (x, y)]
        return {"type": "Polygon", "coordinates": [[self._ll(*p) for p in ring]]}

    def point(self, x, y):
        return {"type": "Point", "coordinates": self._ll(x, y)}

    def add(self, layer, geometry, **props):
        self.features.append({"type": "Feature", "properties": {"layer": layer, **props},
                              "geometry": geometry})

    def write(self, name, title):
        doc = {"type": "FeatureCollection", "name": title, "features": self.features}
        (HERE / f"{name}.geojson").write_text(
            json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def buildings_grid(site, parcel_id, x, y, cols, rows, households, dx=60, dy=50, prefix="B"):
    n = 0
    for r in range(rows):
        for c in range(cols):
            n += 1
            site.add("building", site.rect(x + c * dx, y + r * dy, 40, 15),
                     id=f"{parcel_id}-{prefix}{n}", households=households, parcel_id=parcel_id)
    return n


def dongying_compliant():
    # 1,500 new households in 10 × 5 buildings of 30; a 400 m² station in the middle.
    # 20 × 1500 / 100 = 300 m² ≤ 400; complete community: 350 ≤ 400.
    s = Site("dongying")
    s.add("parcel", s.rect(0, 0, 600, 300), id="DY-01", name="东营西城·悦澜苑",
          households_new=1500, complete_community=True)
    buildings_grid(s, "DY-01", 10, 20, 10, 5, 30)
    s.add("facility", s.rect(280, 130, 30, 20), id="DY-F1", name="悦澜苑社区养老服务站",
          kind="community_station", floor_area_m2=400, land_area_m2=600, status="planned",
          parcel_id="DY-01", phase=1)
    s.write("dongying-compliant", "东营西城·悦澜苑(新建,完整居住社区)")


def dongying_shared():
    # Three small parcels pool one facility (统筹配置): 20 × (400 + 300 + 350) / 100 = 210 m²
    # against 240 m²: the group passes. A fourth pair shares 150 m² against
    # 20 × 500 / 100 + 15 × 600 / 100 = 100 + 90 = 190 m²: that group fails by 40 m².
    s = Site("dongying")
    s.add("parcel", s.rect(0, 0, 200, 150), id="DY-11", name="河口路小区", households_new=400)
    s.add("parcel", s.rect(210, 0, 200, 150), id="DY-12", name="淄博路小区", households_new=300)
    s.add("parcel", s.rect(420, 0, 200, 150), id="DY-13", name="济南路小区", households_new=350)
    s.add("facility", s.point(310, 75), id="DY-F11", name="三区共建养老服务站",
          kind="community_station", floor_area_m2=240, parcel_id="DY-11;DY-12;DY-13")
    s.add("parcel", s.rect(0, 400, 250, 200), id="DY-21", name="府前街小区", households_new=500)
    s.add("parcel", s.rect(260, 400, 250, 200), id="DY-22", name="府前街老旧小区",
          households_existing=600)
    s.add("facility", s.point(255, 500), id="DY-F21", name="府前街日间照料中心",
          kind="day_care_center", floor_area_m2=150, parcel_id="DY-21;DY-22", status="existing")
    s.write("dongying-shared", "东营西城 统筹配置示例")


def zunyi_failing():
    # 1,200 new households, a 200 m² station: 20 × 1200 / 100 = 240 m², 40 m² short.
    # The parcel is 1,600 m long and the station sits near its west end, so the eastern
    # buildings are beyond the 15-minute radius (1,000 m).
    s = Site("zunyi")
    s.add("parcel", s.rect(0, 0, 1600, 200), id="ZY-01", name="汇川·山水名城三期",
          households_new=1200)
    buildings_grid(s, "ZY-01", 20, 30, 20, 2, 30, dx=78, dy=100)
    s.add("facility", s.point(200, 100), id="ZY-F1", name="山水名城社区养老服务站",
          kind="community_station", floor_area_m2=200, parcel_id="ZY-01")
    s.write("zunyi-failing", "遵义汇川·山水名城三期(新建,配建不足)")


def changzhou_existing():
    # An old neighbourhood (老旧小区) with 2,000 existing households: 15 × 2000 / 100 = 300 m².
    # It converts a 320 m² building (existing). An existing day-care centre 300 m east of the
    # parcel, run by the next community, brings every building within reach but is not the
    # parcel's, so it does not count towards its area.
    s = Site("changzhou")
    s.add("parcel", s.rect(0, 0, 700, 500), id="CZ-01", name="天宁·红梅新村", households_existing=2000)
    buildings_grid(s, "CZ-01", 20, 20, 10, 8, 25, dx=68, dy=60)
    s.add("facility", s.rect(20, 440, 30, 20), id="CZ-F1", name="红梅新村养老服务站(改造)",
          kind="community_station", floor_area_m2=320, status="existing", parcel_id="CZ-01")
    s.add("facility", s.point(1000, 250), id="CZ-F2", name="青龙街道日间照料中心",
          kind="day_care_center", floor_area_m2=600, status="existing")
    s.write("changzhou-existing", "常州天宁·红梅新村(老旧小区改造)")


def tongchuan_phased():
    # A phased development (2 phases) with its facility in phase 2: first_phase fails.
    # 20 × 900 / 100 = 180 m² ≤ 200 passes; land: 0.1 × 2,700 (900 × 3.0) = 270 m² ≤ 300.
    s = Site("tongchuan")
    s.add("parcel", s.rect(0, 0, 400, 300), id="TC-01", name="新区·锦阳华府", households_new=900,
          phases=2)
    buildings_grid(s, "TC-01", 20, 20, 6, 5, 30)
    s.add("facility", s.rect(180, 130, 20, 20), id="TC-F1", name="锦阳华府日间照料中心",
          kind="day_care_center", floor_area_m2=200, land_area_m2=300, phase=2,
          parcel_id="TC-01")
    s.write("tongchuan-phased", "铜川新区·锦阳华府(分期开发)")


def x_district_rural():
    # An urban parcel with a 250 m² community station: below the 300 m² station minimum
    # (it would meet the 200 m² few-elderly minimum, which needs a threshold the text lacks).
    # 20 × 1000 / 100 = 200 m² ≤ 250 passes; below the recommended 30 × 1000 / 100 = 300 m².
    # A rural village strung 1,500 m along a valley; its mutual-aid point is at the west end,
    # so the farthest house is about 1,380 m away: within 25 min (1,667 m), beyond 15 (1,000 m).
    s = Site("x-district")
    s.add("parcel", s.rect(0, 0, 500, 300), id="XQ-01", name="X区·滨江花园", households_new=1000)
    buildings_grid(s, "XQ-01", 20, 20, 8, 5, 25)  # 40 buildings × 25 = the 1,000 households
    s.add("facility", s.point(250, 150), id="XQ-F1", name="滨江花园社区养老服务站",
          kind="community_station", floor_area_m2=250, parcel_id="XQ-01")
    s.add("parcel", s.rect(2000, 0, 1500, 200), id="XQ-02", name="X区·石龙村",
          households_existing=120, rural=True)
    buildings_grid(s, "XQ-02", 2010, 20, 8, 1, 15, dx=200, dy=90)
    s.add("facility", s.point(1000, 100), id="XQ-F2", name="石龙镇养老服务中心",
          kind="township_center", floor_area_m2=900, beds=60, nursing_beds=32)
    s.add("facility", s.point(2050, 100), id="XQ-F3", name="石龙村互助养老点",
          kind="village_point", floor_area_m2=20, parcel_id="XQ-02")
    s.write("x-district-rural", "X区 城乡示例(社区站与农村服务圈)")


if __name__ == "__main__":
    dongying_compliant()
    dongying_shared()
    zunyi_failing()
    changzhou_existing()
    tongchuan_phased()
    x_district_rural()
