"""The rule catalogue: every rule's stable id, one-line summary, labels, parameters, and what
the engine and the views need to know about it. Data only, like a linter's rule table.

The standards loader validates against it, `compliance rules` and docs/rules.md list it, the
engine asks it which rules are judged per shared group and which defines the walking radius,
and every view may read it. It imports nothing of the rules' implementations, so that any
module can read it without pulling in the engine.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ParamSpec:
    name: str
    description: str
    required: bool = True
    minimum: float = 0.0
    maximum: float | None = None
    nullable: bool = False
    unit: str = ""
    # "number" or "flag" (true/false: a condition the source states, such as 不得拆分).
    type: str = "number"


@dataclass(frozen=True)
class RuleInfo:
    id: str
    summary: str
    summary_zh: str
    label_zh: str
    label_en: str
    # "parcel": findings per parcel; "facility": one per eldercare institution.
    scope: str
    unit: str
    params: tuple[ParamSpec, ...] = ()
    # Where parcels share facilities (统筹配置), judged on the group's sums.
    pooled: bool = False
    # Counts toward the district's configuration rate (配建达标率).
    configuration: bool = False
    # Its required figure is the walking radius, and it decides which households are covered.
    defines_radius: bool = False
    # The headline floor-area figure of a parcel (district tables, map layers).
    headline_area: bool = False
    # The plan's fields it reads ("layer.field"): a bad value in one of them, in a feature
    # that counts for a parcel, makes that parcel's finding say so.
    reads: tuple[str, ...] = ()

    def param(self, name: str) -> ParamSpec | None:
        return next((p for p in self.params if p.name == name), None)

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en


# Bounds that no source approaches: a larger figure in a standard file is a typing error.
_MAX_RATE = 1000.0      # m² per 100 households
_MAX_AREA = 1_000_000.0  # m²
_KIND_MINIMA = ("street_center", "community_station", "township_center", "village_point",
                "day_care_center", "care_home")
_RATIO = ParamSpec("min_ratio", "the minimum share (0–1)", maximum=1.0, unit="ratio")


def _flag(name: str, description: str) -> ParamSpec:
    return ParamSpec(name, description, required=False, type="flag")

RULES: tuple[RuleInfo, ...] = (
    RuleInfo(
        id="area_per_households",
        reads=("parcels.households", "facilities.floor_area_m2", "facilities.geometry"),
        summary="Eldercare floor area at least the rate per 100 households, new and existing "
                "housing.",
        summary_zh="养老服务设施建筑面积不少于每百户指标 × 户数 / 100（新建、已建分别计）",
        label_zh="每百户配建面积", label_en="Floor area per 100 households",
        scope="parcel", unit="m2", pooled=True, configuration=True, headline_area=True,
        params=(
            ParamSpec("rate_new", "m² per 100 households in new housing (新建); null where the "
                      "standard measures new housing otherwise (floor_area_share)",
                      maximum=_MAX_RATE, unit="m2/100hh", nullable=True),
            ParamSpec("rate_existing", "m² per 100 households in existing housing (已建、老旧)",
                      maximum=_MAX_RATE, unit="m2/100hh"),
            ParamSpec("rate_new_recommended",
                      "recommended m² per 100 new households (a note only)", required=False,
                      maximum=_MAX_RATE, unit="m2/100hh"),
        )),
    RuleInfo(
        id="minimum_area",
        reads=("facilities.floor_area_m2", "facilities.geometry"),
        summary="Total eldercare floor area at least a fixed minimum, where the standard "
                "applies it.",
        summary_zh="养老服务设施总建筑面积不小于规定下限（如完整居住社区350平方米）",
        label_zh="设施面积下限", label_en="Minimum total floor area",
        scope="parcel", unit="m2", pooled=True, configuration=True,
        params=(ParamSpec("min_floor_area_m2", "the minimum total floor area (m²)",
                          maximum=_MAX_AREA, unit="m2"),)),
    RuleInfo(
        id="per_capita_land",
        reads=("parcels.households", "parcels.population", "facilities.land_area_m2",
               "facilities.geometry"),
        summary="Eldercare land area at least the rate per resident.",
        summary_zh="养老服务设施用地面积不少于人均指标 × 人口",
        label_zh="人均用地", label_en="Land per resident",
        scope="parcel", unit="m2", pooled=True,
        params=(ParamSpec("rate_m2_per_person", "m² of land per resident", maximum=10.0,
                          unit="m2/person"),)),
    RuleInfo(
        id="service_radius",
        reads=("facilities.geometry", "buildings.geometry", "buildings.households"),
        summary="Every household within the walking radius of an eldercare facility (any in "
                "the plan).",
        summary_zh="每户居民在步行服务半径内可达养老服务设施（规划或现状，不限本地块）",
        label_zh="步行服务半径", label_en="Walking radius",
        scope="parcel", unit="m", defines_radius=True,
        params=(
            ParamSpec("minutes_urban", "walking minutes in urban areas", maximum=120.0,
                      unit="min"),
            ParamSpec("minutes_rural", "walking minutes for parcels marked rural",
                      required=False, maximum=120.0, unit="min"),
            ParamSpec("radius_m", "a fixed radius in metres instead of minutes × speed",
                      required=False, maximum=20_000.0, unit="m"),
        )),
    RuleInfo(
        id="facility_minimum_area",
        reads=("facilities.kind", "facilities.floor_area_m2", "facilities.geometry"),
        summary="Each facility at least the minimum floor area of its kind (站, 中心, 点).",
        summary_zh="各类设施建筑面积不低于该类最低标准（服务站、服务中心、互助点）",
        label_zh="设施类别最低面积", label_en="Minimum area by facility kind",
        scope="parcel", unit="m2",
        params=tuple(ParamSpec(k, f"minimum floor area of a {k} (m²)", required=False,
                               maximum=_MAX_AREA, unit="m2") for k in _KIND_MINIMA) + (
            ParamSpec("community_station_few_elderly",
                      "minimum for a community station where few elderly live (m²)",
                      required=False, maximum=_MAX_AREA, unit="m2"),
            ParamSpec("few_elderly_threshold",
                      "below this many residents aged 60+, the few-elderly minimum applies; "
                      "null: never applied automatically", required=False, nullable=True,
                      maximum=10_000_000.0, unit="persons"),
        )),
    RuleInfo(
        id="first_phase",
        reads=("facilities.phase", "facilities.housing_share_complete", "facilities.geometry"),
        summary="In a phased development, every eldercare facility it provides is in phase 1 "
                "(or, where the standard allows, finished before a share of the housing).",
        summary_zh="分期开发项目的养老服务设施安排在首期建设（或按标准在住宅完成一定比例之前建成）",
        label_zh="首期建设", label_en="Built in the first phase",
        scope="parcel", unit="",
        params=(
            ParamSpec("max_housing_share_complete",
                      "a facility not in phase 1 passes if finished before this share (0–1) of "
                      "the housing is complete", required=False, maximum=1.0, unit="ratio"),
            _flag("no_split", "the facilities are not split across phases (不得拆分)"),
        )),
    RuleInfo(
        id="single_site_minimum",
        reads=("facilities.floor_area_m2", "facilities.geometry", "parcels.households",
               "parcels.gross_floor_area_m2"),
        summary="Every eldercare facility site the parcel provides at least the single-site "
                "minimum floor area (单处／单体).",
        summary_zh="地块提供的每处养老服务设施建筑面积不少于单处（单体）最低面积",
        label_zh="单处最低面积", label_en="Minimum area of each site",
        scope="parcel", unit="m2",
        params=(
            ParamSpec("min_site_area_m2", "the minimum floor area of each site (m²)",
                      maximum=_MAX_AREA, unit="m2"),
            ParamSpec("pooled_min_site_area_m2",
                      "the minimum of a site shared by several parcels (相邻小区集中配置), m²",
                      required=False, maximum=_MAX_AREA, unit="m2"),
            ParamSpec("small_project_max_households",
                      "a parcel with fewer households is a small project: pooled with its "
                      "neighbours it is exempt from the single-site minimum",
                      required=False, maximum=1_000_000.0, unit="households"),
            ParamSpec("small_project_max_floor_area_m2",
                      "a parcel with less gross floor area (总建筑面积) is a small project",
                      required=False, maximum=100_000_000.0, unit="m2"),
            _flag("new_housing_only", "applies only to parcels with new housing (新建)"),
            _flag("one_site", "the parcel's provision is in one site, not dispersed (不得分散配置)"),
        )),
    RuleInfo(
        id="facility_siting",
        reads=("facilities.floor", "facilities.floors", "facilities.own_entrance",
               "facilities.lift", "facilities.ramp", "facilities.geometry"),
        summary="Each eldercare facility the parcel provides sits where the standard allows: "
                "not below ground, not above the stated floor, a lift where required, its own "
                "entrance.",
        summary_zh="地块提供的养老服务设施设置位置符合要求：不设在地下，不高于规定楼层，"
                   "二层及以上设无障碍电梯，有独立出入口",
        label_zh="设置位置", label_en="Siting",
        scope="parcel", unit="",
        params=(
            ParamSpec("max_floor", "the highest floor a facility may occupy (1 = ground)",
                      required=False, minimum=1.0, maximum=200.0, unit="floor"),
            _flag("below_ground_allowed",
                  "a facility may occupy a basement or semi-basement (地下层、半地下层)"),
            ParamSpec("lift_from_floor",
                      "a facility reaching this floor or higher needs a barrier-free lift",
                      required=False, minimum=2.0, maximum=200.0, unit="floor"),
            _flag("ramp_instead_of_lift", "a barrier-free ramp (无障碍坡道) may stand for the lift"),
            _flag("own_entrance", "the facility has its own entrance (独立出入口)"),
        )),
    RuleInfo(
        id="floor_area_share",
        reads=("parcels.residential_floor_area_m2", "parcels.households",
               "facilities.floor_area_m2", "facilities.geometry"),
        summary="Eldercare floor area at least a share of the above-ground residential floor "
                "area of the new housing.",
        summary_zh="养老服务用房面积不少于新建地上住宅总建筑面积的规定比例",
        label_zh="按住宅建筑面积比例配建", label_en="Share of residential floor area",
        scope="parcel", unit="m2", pooled=True, configuration=True,
        params=(ParamSpec("share", "the share of the above-ground residential floor area "
                                   "(e.g. 0.002 for 千分之二)", maximum=0.1, unit="ratio"),)),
    RuleInfo(
        id="nursing_bed_ratio",
        summary="Nursing-type beds (护理型床位) at least a share of all beds.",
        summary_zh="护理型床位占床位总数的比例不低于规定值",
        label_zh="护理型床位占比", label_en="Share of nursing-type beds",
        scope="facility", unit="ratio", params=(_RATIO,)),
    RuleInfo(
        id="dementia_bed_ratio",
        summary="Dementia-care beds (认知障碍照护床位) at least a share of nursing-type beds.",
        summary_zh="护理型床位中认知障碍照护床位占比不低于规定值",
        label_zh="认知障碍照护床位占比", label_en="Share of dementia-care beds",
        scope="facility", unit="ratio", params=(_RATIO,)),
    RuleInfo(
        id="social_workers_per_100_beds",
        summary="Social workers (社会工作者) at least a number per 100 beds.",
        summary_zh="每百张床位配备社会工作者不少于规定人数",
        label_zh="每百张床位社会工作者", label_en="Social workers per 100 beds",
        scope="facility", unit="per_100_beds",
        params=(ParamSpec("min_per_100_beds", "social workers per 100 beds", maximum=100.0,
                          unit="persons"),)),
)

CATALOGUE: dict[str, RuleInfo] = {r.id: r for r in RULES}

# The figures docs/standards.md gives a column of their own, for every standard:
# (column header, rule, parameter, fallback parameter with its unit suffix).
SUMMARY_FIGURES = (
    ("new", "area_per_households", "rate_new", None),
    ("existing", "area_per_households", "rate_existing", None),
    ("site", "single_site_minimum", "min_site_area_m2", None),
    ("radius", "service_radius", "radius_m", ("minutes_urban", " min")),
    ("land", "per_capita_land", "rate_m2_per_person", None),
)
KIND_MINIMA = _KIND_MINIMA


def info(rule_id: str) -> RuleInfo:
    return CATALOGUE[rule_id]


def label(rule_id: str, lang: str) -> str:
    """A rule's (or, falling back, any id's) name in the reader's language."""
    r = CATALOGUE.get(rule_id)
    return r.label(lang) if r else rule_id


# What each parameter (and the standard's assumptions) is called in a report: (Chinese,
# English). A report names figures by these, never by their field names.
PARAM_LABELS = {
    "rate_new": ("新建住宅每百户指标", "rate for new housing"),
    "rate_existing": ("已建住宅每百户指标", "rate for existing housing"),
    "rate_new_recommended": ("新建住宅每百户建议指标", "recommended rate for new housing"),
    "min_floor_area_m2": ("设施面积下限", "minimum floor area"),
    "rate_m2_per_person": ("人均用地指标", "land per resident"),
    "minutes_urban": ("城镇步行时间", "walking minutes (urban)"),
    "minutes_rural": ("农村步行时间", "walking minutes (rural)"),
    "radius_m": ("服务半径", "walking radius"),
    "min_ratio": ("最低比例", "minimum share"),
    "min_per_100_beds": ("每百张床位最低人数", "minimum per 100 beds"),
    "community_station_few_elderly": ("老年人口较少社区的服务站最低面积",
                                      "station minimum where few elderly live"),
    "few_elderly_threshold": ("老年人口较少的认定人数", "few-elderly threshold"),
    "persons_per_household": ("每户人数", "persons per household"),
    "max_housing_share_complete": ("建成时住宅完成比例上限", "housing complete when it is finished, at most"),
    "no_split": ("是否不得拆分", "not split"),
    "min_site_area_m2": ("单处最低面积", "minimum area of each site"),
    "pooled_min_site_area_m2": ("集中配置单处最低面积", "minimum area of a pooled site"),
    "small_project_max_households": ("小型项目户数上限", "small project: fewer households than"),
    "small_project_max_floor_area_m2": ("小型项目总建筑面积上限", "small project: less floor area than"),
    "new_housing_only": ("是否仅适用于新建住宅", "new housing only"),
    "one_site": ("是否不得分散配置", "in one site"),
    "max_floor": ("最高楼层", "highest floor"),
    "below_ground_allowed": ("是否允许设在地下", "below ground allowed"),
    "lift_from_floor": ("需设无障碍电梯的楼层", "lift required from floor"),
    "ramp_instead_of_lift": ("无障碍坡道可否代替电梯", "ramp may stand for the lift"),
    "own_entrance": ("是否须有独立出入口", "own entrance required"),
    "share": ("配建比例", "share"),
    "walking_speed_km_h": ("步行速度", "walking speed"),
    **{k: (f"{z}最低面积", f"minimum area of a {e}") for k, z, e in (
        ("street_center", "街道养老服务中心", "street centre"),
        ("community_station", "社区养老服务站", "community station"),
        ("township_center", "镇乡养老服务中心", "township centre"),
        ("village_point", "村级互助养老点", "village point"),
        ("day_care_center", "日间照料中心", "day-care centre"),
        ("care_home", "养老机构", "care home"))},
}


def param_label(name: str, lang: str) -> str:
    zh, en = PARAM_LABELS.get(name, (name, name))
    return zh if lang == "zh" else en
