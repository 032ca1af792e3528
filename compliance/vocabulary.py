"""The words of the domain, each defined once: statuses, verdicts, severities, facility kinds,
facility states, and the plan's field names with the Chinese names planners use for them.

Statuses and verdicts are `str` enums, so they compare equal to the strings of the JSON contract
(RESULT-FORMAT.md) and serialise as those strings; code compares against the members, never
against string literals.
"""

from __future__ import annotations

import re
from enum import Enum


class _Word(str, Enum):
    def __str__(self) -> str:  # f-strings and str() give the contract's word
        return self.value


class Status(_Word):
    """A finding's status."""

    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "not_applicable"
    INSUFFICIENT_DATA = "insufficient_data"
    INFO = "info"  # a district figure without a target


class Verdict(_Word):
    COMPLIANT = "compliant"
    NON_COMPLIANT = "non_compliant"
    INCOMPLETE = "incomplete"


class Severity(_Word):
    MANDATORY = "mandatory"
    ADVISORY = "advisory"


class FacilityState(_Word):
    """Whether a facility is planned or already stands (PLAN-FORMAT.md `status`)."""

    PLANNED = "planned"
    EXISTING = "existing"


# Each status shown to the reader, decides nothing: (Chinese, English).
STATUS_NAMES = {
    Status.PASS: ("达标", "pass"),
    Status.FAIL: ("不达标", "fail"),
    Status.NOT_APPLICABLE: ("不适用", "not applicable"),
    Status.INSUFFICIENT_DATA: ("资料不全", "insufficient data"),
    Status.INFO: ("参考", "for information"),
}
VERDICT_NAMES = {
    Verdict.COMPLIANT: ("合规", "Compliant"),
    Verdict.NON_COMPLIANT: ("不合规", "Non-compliant"),
    Verdict.INCOMPLETE: ("资料不全", "Incomplete"),
}

# District figures (区域指标): id → (Chinese, English).
DISTRICT_FIGURE_NAMES = {
    "configuration_rate": ("配建达标率", "Share of parcels meeting the configuration standard"),
    "day_care_coverage": ("日间照料中心覆盖率", "Day-care centre coverage"),
    "station_per_community": ("每个社区一个养老服务站", "One station per community"),
    "radius_coverage": ("服务半径覆盖率", "Share of parcels within the walking radius"),
}

# Facility kinds (PLAN-FORMAT.md): id → (Chinese, English).
FACILITY_KINDS = {
    "community_station": ("社区养老服务站", "community eldercare station"),
    "day_care_center": ("日间照料中心", "day-care centre"),
    "street_center": ("街道养老服务中心", "street eldercare centre"),
    "township_center": ("镇乡养老服务中心", "township eldercare centre"),
    "village_point": ("村级互助养老点", "village mutual-aid point"),
    "care_home": ("养老机构", "care home"),
}
# Kinds that make a community's own station (X区: one per community), urban and rural.
STATION_KINDS_URBAN = ("community_station", "street_center")
STATION_KINDS_RURAL = ("village_point", "township_center")
DAY_CARE_KIND = "day_care_center"

# The words that name a facility's kind in a drawing's label, a table's cell or a block's
# attribute, longest first, so that a label's 街道养老服务中心 is not read as 养老服务中心.
KIND_WORDS = (
    ("街道养老服务中心", "street_center"), ("镇乡养老服务中心", "township_center"),
    ("社区养老服务站", "community_station"), ("日间照料中心", "day_care_center"),
    ("养老服务站", "community_station"), ("互助养老点", "village_point"),
    ("幸福院", "village_point"), ("养老机构", "care_home"), ("养老院", "care_home"),
    ("护理院", "care_home"), ("敬老院", "care_home"),
    # Beijing's community-level station is a 社区养老服务驿站.
    ("养老服务驿站", "community_station"),
)


def kind_in_words(text: str) -> str | None:
    """The kind a name or label says in its words (滨湖社区日间照料中心: day_care_center), the
    longest word first; None if it says none."""
    return next((kind for word, kind in KIND_WORDS if word in text), None)


# Words planners write for a kind or a state, mapped to the format's.
KIND_ALIASES = {zh: kind for kind, (zh, _) in FACILITY_KINDS.items()} | dict(KIND_WORDS)
# A facility being built (在建) is not yet in service: planned. 改建 / 扩建 are left unread,
# as they say neither whether the room serves now nor with which area.
PLANNED_WORDS = ("规划", "新建", "规划新建", "拟建", "在建")
EXISTING_WORDS = ("现状", "已建", "现状保留", "保留", "已建成", "建成", "现有")
STATE_ALIASES = {"planned": FacilityState.PLANNED, "existing": FacilityState.EXISTING} \
    | dict.fromkeys(PLANNED_WORDS, FacilityState.PLANNED) \
    | dict.fromkeys(EXISTING_WORDS, FacilityState.EXISTING)

# The plan's layers: name → the singular a GeoJSON feature carries in `layer`.
LAYERS = ("parcels", "facilities", "buildings", "streets")
SINGULAR = {"parcel": "parcels", "facility": "facilities", "building": "buildings",
            "street": "streets"}

# Field names as planners' spreadsheets and CAD exports spell them, mapped to the format's.
FIELD_ALIASES = {
    "parcels": {"编号": "id", "地块编号": "id", "名称": "name", "地块名称": "name",
                "新建户数": "households_new", "已建户数": "households_existing",
                "既有户数": "households_existing", "老旧户数": "households_existing",
                "新建住宅户数": "households_new", "已建住宅户数": "households_existing",
                "既有住宅户数": "households_existing",
                # A dwelling (套) is a household in housing tables (_validate: 户, 套).
                "新建套数": "households_new", "新建住宅套数": "households_new",
                "已建套数": "households_existing", "已建住宅套数": "households_existing",
                "既有套数": "households_existing", "既有住宅套数": "households_existing",
                "人口": "population", "居住人口": "population",
                "完整居住社区": "complete_community", "农村": "rural",
                "老年人口": "elderly_population", "分期": "phases", "分期数": "phases",
                "住宅建筑面积": "residential_floor_area_m2",
                "地上住宅建筑面积": "residential_floor_area_m2",
                "总建筑面积": "gross_floor_area_m2",
                # A Shapefile cuts field names to 10 characters: the short names people use
                # there, and the unambiguous cuts GDAL makes of ours.
                "hh_new": "households_new", "hh_exist": "households_existing",
                "complete_c": "complete_community", "elderly_po": "elderly_population",
                "residentia": "residential_floor_area_m2", "gross_floo": "gross_floor_area_m2"},
    "facilities": {"编号": "id", "名称": "name", "类型": "kind", "类别": "kind",
                   # A facilities layer names its own columns for the facility: 设施类型 left
                   # unread judged every facility without its kind, and so without its minimum.
                   "设施编号": "id", "设施名称": "name", "设施类型": "kind", "设施类别": "kind",
                   "养老设施类型": "kind", "养老设施类别": "kind", "设施状态": "status",
                   "建设状态": "status",
                   "建筑面积": "floor_area_m2", "用地面积": "land_area_m2", "状态": "status",
                   "地块编号": "parcel_id", "所属地块": "parcel_id", "分期": "phase",
                   "期次": "phase", "床位": "beds", "床位数": "beds",
                   "护理型床位": "nursing_beds", "认知障碍床位": "dementia_beds",
                   "认知障碍照护床位": "dementia_beds", "社会工作者": "social_workers",
                   "楼层": "floor", "所在楼层": "floor", "层数": "floors",
                   "独立出入口": "own_entrance", "电梯": "lift", "无障碍电梯": "lift",
                   "无障碍坡道": "ramp", "建成时住宅完成比例": "housing_share_complete",
                   "floor_area": "floor_area_m2", "land_area_": "land_area_m2",
                   "nursing_be": "nursing_beds", "dementia_b": "dementia_beds",
                   "social_wor": "social_workers", "own_entran": "own_entrance",
                   "housing_sh": "housing_share_complete"},
    "buildings": {"编号": "id", "户数": "households", "地块编号": "parcel_id",
                  "所属地块": "parcel_id"},
    "streets": {"可步行": "walkable", "连通": "connect"},
}


def kind_name(kind: str | None, lang: str) -> str:
    if not kind:
        return "—"
    zh, en = FACILITY_KINDS.get(kind, (kind, kind))
    return zh if lang == "zh" else en


# Words in a drawing's or a GIS file's layer names that say which plan layer it is, matched
# case-insensitively as substrings (PLAN-FORMAT.md, "CAD drawings"). Facilities are tried first
# (养老 is the most specific word), streets last.
LAYER_WORDS = {
    "facilities": ("养老", "FACILITY", "ELDERCARE"),
    "parcels": ("用地红线", "红线", "地块", "用地", "PARCEL", "REDLINE"),
    "buildings": ("住宅", "楼栋", "建筑", "BUILDING", "BLDG"),
    "streets": ("道路中心线", "道路中线", "中心线", "道路", "ROAD", "STREET", "CENTERLINE"),
}


# Lines a site plan draws beside its plan layers, whose names hold those layers' words: a
# road's boundary (道路红线) and kerbs (道路边线) are neither parcels nor the centre-lines
# walked, a setback line (建筑红线, 退线) is no parcel. Left unread, and said so, unless a
# --cad-layers map names them.
NOT_PLAN_LAYER_WORDS = ("道路红线", "道路边线", "道路边缘", "路缘", "侧石", "人行道", "建筑红线",
                        "建筑控制线", "退线", "退让", "ROAD-EDGE", "ROAD_EDGE", "CURB", "KERB",
                        "SETBACK")


# Words that name a buildings layer as housing, beside layers of other buildings.
HOUSING_WORDS = ("住宅", "楼栋", "居住", "RESID")


def _holds_any(name: str, words) -> bool:
    """Whether a layer's name holds any of `words`, case aside."""
    upper = name.upper()
    return any(w.upper() in upper for w in words)


def is_housing_layer(name: str) -> bool:
    return _holds_any(name, HOUSING_WORDS)


def beside_the_plan(name: str) -> bool:
    """Whether a layer's name says it is a road boundary, a kerb or a setback line."""
    return _holds_any(name, NOT_PLAN_LAYER_WORDS)


def layer_by_words(name: str, words: dict[str, tuple[str, ...]] | None = None) -> str | None:
    """The plan layer a layer name says it is, by its words; None if it says none."""
    if (words is None or words is LAYER_WORDS) and beside_the_plan(name):
        return None
    words = words or LAYER_WORDS
    for plan_layer in LAYER_WORDS:  # in this order, whatever order a user's map has
        if _holds_any(name, words.get(plan_layer, ())):
            return plan_layer
    return None


# A plan's own layer and field map (`--fields`) where it travels with the plan: in a folder
# plan beside its layers (as meta.yaml), and under this name among a review-desk check's files.
FIELDS_FILE = "fields.yaml"


# The fields of each layer (PLAN-FORMAT.md), in the format's spelling.
LAYER_FIELDS = {
    "parcels": ("id", "name", "households_new", "households_existing", "population",
                "complete_community", "rural", "elderly_population", "phases",
                "residential_floor_area_m2", "gross_floor_area_m2"),
    "facilities": ("id", "name", "kind", "floor_area_m2", "land_area_m2", "status", "parcel_id",
                   "phase", "beds", "nursing_beds", "dementia_beds", "social_workers", "floor",
                   "floors", "own_entrance", "lift", "ramp", "housing_share_complete"),
    "buildings": ("id", "households", "parcel_id"),
    "streets": ("walkable", "connect"),
}


# A list of projects says, on each project's row, what the facility the project itself
# provides (配建) is: its field → the facility's field (PLAN-FORMAT.md, "Tables").
PROJECT_FACILITY_FIELDS = {"eldercare_floor_area_m2": "floor_area_m2",
                           "eldercare_land_area_m2": "land_area_m2",
                           "eldercare_kind": "kind", "eldercare_floor": "floor",
                           "eldercare_floors": "floors"}


def layer_fields(layer: str) -> set[str]:
    """Every spelling of a layer's fields that a reader keeps (lower-cased English names and
    the Chinese aliases)."""
    return {f.lower() for f in LAYER_FIELDS[layer]} | set(FIELD_ALIASES.get(layer, {})) \
        | {"layer", "_row"}


# Report metadata (PLAN-FORMAT.md, "Report metadata"): field → (Chinese, English) label.
META_FIELDS = {
    "project": ("项目名称", "Project"),
    "applicant": ("建设单位", "Applicant"),
    "address": ("项目地址", "Address"),
    "permit_no": ("规划条件／规划许可证编号", "Planning conditions / permit No."),
    "report_no": ("报告编号", "Report No."),
    "organisation": ("审查单位", "Reviewing office"),
    "reviewer": ("审查人", "Reviewed by"),
    "checker": ("审核人", "Checked by"),
    "approver": ("审定人", "Approved by"),
}
# The three who sign a review opinion, in order.
SIGNATORIES = ("reviewer", "checker", "approver")


# Plan fields as a sentence names them: (Chinese, English). Messages never print field names.
FIELD_NAMES = {
    "complete_community": ("列入完整居住社区建设", "in a complete-community programme"),
    "rural": ("农村", "rural"),
    "nursing_beds": ("护理型床位数", "the number of nursing beds"),
    "dementia_beds": ("认知障碍照护床位数", "the number of dementia-care beds"),
    "social_workers": ("社会工作者人数", "the number of social workers"),
    "beds": ("床位数", "the number of beds"),
    "land_area_m2": ("用地面积", "the land area"),
    "floor_area_m2": ("建筑面积", "the floor area"),
    "residential_floor_area_m2": ("地上住宅建筑面积", "the above-ground residential floor area"),
    "gross_floor_area_m2": ("总建筑面积", "the gross floor area"),
    "floor": ("所在楼层", "the floor"),
    "floors": ("层数", "the number of floors"),
    "own_entrance": ("是否有独立出入口", "whether it has its own entrance"),
    "lift": ("是否设无障碍电梯", "whether a lift serves it"),
    "ramp": ("是否设无障碍坡道", "whether a ramp serves it"),
    "housing_share_complete": ("建成时住宅完成比例", "the share of housing complete when it is finished"),
}


# The method's network notes (result-format: method.network), as a report's technical appendix
# names them: key → (Chinese, English, unit of its figure).
NETWORK_NOTE_NAMES = {
    "street_lines": ("纳入路网的道路线", "street lines in the network", ""),
    "street_segments": ("在交叉处打断后的道路段", "street segments, split at their crossings", ""),
    "street_nodes": ("道路节点", "street nodes", ""),
    "gaps_closed": ("接通的道路端点间隙", "gaps between street ends closed", ""),
    "node_tolerance_m": ("端点接通容差", "ends joined within", "m"),
    "join_slack_m": ("接入主路网允许多走的距离",
                     "extra distance allowed to join the main network", "m"),
    "street_components": ("路网连通片数", "connected pieces of the network", ""),
    "main_network_m": ("主路网长度", "length of the main network", "m"),
    "small_pieces": ("与主路网不连通的小片", "pieces cut off from the main network", ""),
    "small_pieces_m": ("小片总长", "length of the cut-off pieces", "m"),
    "largest_small_piece_m": ("最长小片", "longest piece cut off", "m"),
    "search_limit_m": ("沿路搜索上限", "search limit along the streets", "m"),
    "street_lines_beyond_reach": ("超出搜索范围而略去的道路线",
                                  "street lines beyond the search limit, set aside", ""),
    "unreachable_points": ("沿路到达不了任何设施的住户点",
                           "households' points from which no facility is reached", ""),
    "facility_longest_connector_m": ("设施接入道路的最长连线",
                                     "longest link from a facility to its street", "m"),
    "household_longest_connector_m": ("住户点接入道路的最长连线",
                                      "longest link from a households' point to its street", "m"),
}
# facility_connectors_over_100_m: the links longer than the figure in the key.
_LONG_CONNECTORS_KEY = re.compile(r"(facility|household)_connectors_over_(\d+)_m")
_LONG_CONNECTORS = {"facility": ("接入道路连线超过 {m} m 的设施",
                                 "facilities more than {m} m from a street"),
                    "household": ("接入道路连线超过 {m} m 的住户点",
                                  "households' points more than {m} m from a street")}


def network_note_rank(key: str) -> tuple[float, str]:
    """Where a network note stands in the appendix: in the order above, the count of long
    links before the longest one; a note without a name last."""
    order = list(NETWORK_NOTE_NAMES)
    m = _LONG_CONNECTORS_KEY.fullmatch(key)
    if m is not None:
        return order.index(f"{m[1]}_longest_connector_m") - 0.5, key
    return (order.index(key) if key in NETWORK_NOTE_NAMES else len(order)), key


def network_note_name(key: str, lang: str) -> tuple[str, str]:
    """A network note's name in a report (its key where it has none) and its figure's unit."""
    names = NETWORK_NOTE_NAMES.get(key)
    if names is None:
        m = _LONG_CONNECTORS_KEY.fullmatch(key)
        if m is None:
            return key, ""
        names = (*(x.format(m=m[2]) for x in _LONG_CONNECTORS[m[1]]), "")
    return (names[0] if lang == "zh" else names[1]), names[2]


def field_name(field: str, lang: str) -> str:
    zh, en = FIELD_NAMES.get(field, (field, field))
    return zh if lang == "zh" else en
