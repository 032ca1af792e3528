"""Languages: English msgids in the code, Chinese (the default) from a Babel catalogue.

Messages are marked with N_() where they are defined and translated where they are shown,
so a finding carries its message as (msgid, arguments) and every view renders it in the
report's language. `pybabel extract -F babel.cfg -k N_` collects them.
"""

from __future__ import annotations

import io
import string
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LANGUAGES = {"zh": "zh_CN", "en": "en"}
DEFAULT_LANGUAGE = "zh"
_LOCALE_DIR = Path(__file__).parent / "locale"

KIND_LABELS = {
    "community_station": ("社区养老服务站", "community eldercare station"),
    "day_care_center": ("日间照料中心", "day-care centre"),
    "street_center": ("街道养老服务中心", "street eldercare centre"),
    "township_center": ("镇乡养老服务中心", "township eldercare centre"),
    "village_point": ("村级互助养老点", "village mutual-aid point"),
    "care_home": ("养老机构", "care home"),
}


def N_(msgid: str) -> str:
    """Mark a message for extraction; it is translated when shown."""
    return msgid


@lru_cache(maxsize=None)
def translations(lang: str):
    if lang not in LANGUAGES:
        raise ValueError(lang)
    locale = LANGUAGES[lang]
    po = _LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return NullTranslations()
    with open(po, "rb") as fh:
        catalog = read_po(fh, locale=locale)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(fp=buf)


class _Args(dict):
    def __missing__(self, key):
        return "—"


class _Formatter(string.Formatter):
    def format_field(self, value, spec):
        try:
            return super().format_field(value, spec)
        except (ValueError, TypeError):
            return str(value)


_FORMATTER = _Formatter()


class Translator:
    def __init__(self, lang: str = DEFAULT_LANGUAGE):
        self.lang = lang
        self._t = translations(lang)

    def gettext(self, msgid: str) -> str:
        return self._t.gettext(msgid)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._t.ngettext(singular, plural, n)

    def kind(self, kind: str | None) -> str:
        if not kind:
            return "—"
        zh, en = KIND_LABELS.get(kind, (kind, kind))
        return zh if self.lang == "zh" else en

    def text(self, text) -> str:
        """Render a result.Text (msgid + arguments) in this language."""
        if text is None:
            return ""
        args = _Args(text.args)
        for key, value in list(args.items()):
            if key == "kind_label":
                args[key] = self.kind(value)
            elif key.endswith("_label") and isinstance(value, str):
                args[key] = self.gettext(value)
        return _FORMATTER.vformat(self.gettext(text.msgid), (), args)

    def pick(self, zh: str | None, en: str | None) -> str:
        """Bilingual data fields (titles, consequences) stored in the standard files."""
        return (zh or en or "") if self.lang == "zh" else (en or zh or "")


RULE_LABELS = {
    "area_per_households": ("每百户配建面积", "Floor area per 100 households"),
    "minimum_area": ("设施面积下限", "Minimum total floor area"),
    "per_capita_land": ("人均用地", "Land per resident"),
    "service_radius": ("步行服务半径", "Walking radius"),
    "facility_minimum_area": ("设施类别最低面积", "Minimum area by facility kind"),
    "first_phase": ("首期建设", "Built in the first phase"),
    "nursing_bed_ratio": ("护理型床位占比", "Share of nursing-type beds"),
    "dementia_bed_ratio": ("认知障碍照护床位占比", "Share of dementia-care beds"),
    "social_workers_per_100_beds": ("每百张床位社会工作者", "Social workers per 100 beds"),
    "configuration_rate": ("配建达标率", "Share of parcels meeting the configuration standard"),
    "day_care_coverage": ("日间照料中心覆盖率", "Day-care centre coverage"),
    "station_per_community": ("每个社区一个养老服务站", "One station per community"),
    "radius_coverage": ("服务半径覆盖率", "Share of parcels within the walking radius"),
}


def rule_label(rule: str, lang: str) -> str:
    zh, en = RULE_LABELS.get(rule, (rule, rule))
    return zh if lang == "zh" else en
