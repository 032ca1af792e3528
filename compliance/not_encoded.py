"""Jurisdictions whose documents were found but deliberately not encoded as standards.

A draft is never binding, a planning target is not a per-project rule, and a figure no source
states is never written down: these places have no standard file. The list is the one home of
that knowledge: a user who asks for one of them (`--city 北京`) is told why and what to use
instead, and docs/standards-not-encoded.md is generated from it
(`compliance standards not-encoded --markdown`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ._i18n import N_


@dataclass(frozen=True)
class NotEncoded:
    jurisdiction: str         # as the docs' table names it: 北京市 Beijing
    names: tuple[str, ...]    # what a user may type for it (lower case); none for a rule's part
    seen: str                 # what the documents found state, in English
    why: str                  # why it is not encoded: a message of the catalogue (N_)


PLACES: tuple[NotEncoded, ...] = (
    NotEncoded("江苏省 Jiangsu", ("江苏", "江苏省", "jiangsu"),
               "20 / 15 per 100 households, first phase, pooling",
               N_("Only the 2022 draft (修订草案稿) was seen, and a draft is never "
                  "binding; Changzhou (changzhou) extends the national baseline until the "
                  "adopted text is quoted")),
    NotEncoded("云南省 Yunnan", ("云南", "云南省", "yunnan"),
               "20 per 100 households, 300 m² a site, siting (\"拟\")",
               N_("A draft (征求意见稿, 2021); the figures are marked 拟 "
                  "(proposed)")),
    NotEncoded("克州 Kizilsu (Xinjiang)",
               ("克州", "克孜勒苏", "克孜勒苏柯尔克孜自治州", "kizilsu"),
               "0.1 m² land per resident",
               N_("A draft (征求意见稿, 2025) seen on an unreliable mirror")),
    NotEncoded("北京市 Beijing", ("北京", "北京市", "beijing"),
               "tiers by household count; 800 m² in a 2015 draft",
               N_("The eldercare rows of the 2025 配置指标 table were not seen; the "
                  "800 m² is a 2015 draft and must not be encoded")),
    NotEncoded("深圳市 Shenzhen", ("深圳", "深圳市", "shenzhen"),
               "scope of the 四同步 measures",
               N_("No figure seen")),
    NotEncoded("南京市 Nanjing", ("南京", "南京市", "nanjing"),
               "20–30 / 15–20 per 100 households (2014)",
               N_("Ranges, not figures a parcel can be judged against; probably "
                  "superseded by Jiangsu")),
    NotEncoded("上海市 Shanghai", ("上海", "上海市", "shanghai"),
               "50 m² per 1,000 residents city-wide; 55 / 50 / 45 by district class by 2025",
               N_("A city-wide planning target, not a per-project rule")),
    NotEncoded("浙江省 Zhejiang, 宁夏 Ningxia, 山西省 Shanxi, 黑龙江省 Heilongjiang, "
               "广西 Guangxi",
               ("浙江", "浙江省", "zhejiang", "宁夏", "宁夏回族自治区", "ningxia", "山西",
                "山西省", "shanxi", "黑龙江", "黑龙江省", "heilongjiang", "广西",
                "广西壮族自治区", "guangxi"),
               "statutes or notices that defer to a standard",
               N_("No figure in the words "
                  "seen; their cities (shaoxing, yinchuan, datong, harbin, nanning) extend the "
                  "national baseline and name their province")),
    NotEncoded("哈尔滨市 Harbin, siting", (), "低层, not in a basement",
               N_("Seen only in the 2023 draft; the final statute's "
                  "rates (30 / 20) are encoded, the siting is not")),
    NotEncoded("合肥市 Hefei, 2017 rate and site", (),
               "30 m² 使用面积 per 100 households, 150 m² a site",
               N_("Displaced by Anhui's 2022 细则 (350 m² a site); "
                  "only the 500 m radius, which nothing later contradicts, is kept, as "
                  "advisory")),
)


def find(name: str) -> NotEncoded | None:
    """The place found but not encoded that `name` names, if any."""
    wanted = name.strip().lower()
    return next((p for p in PLACES if wanted in p.names), None)
