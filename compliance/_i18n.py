"""Languages: English msgids in the code, Chinese (the default) from a Babel catalogue.

Messages are marked with N_() where they are defined and translated where they are shown,
so a finding carries its message as (msgid, arguments) and every view renders it in the
report's language. `pybabel extract -F babel.cfg -k N_` collects them.
"""

from __future__ import annotations

import datetime
import gettext
import io
import re
import string
from functools import lru_cache
from pathlib import Path

from ._errors import PLACE_IN_FILE
from .rules import catalogue
from .vocabulary import (DISTRICT_FIGURE_NAMES, FIELD_ALIASES, FIELD_NAMES, STATUS_NAMES,
                         VERDICT_NAMES, Severity, Status, Verdict, field_name, kind_name)

LANGUAGES = {"zh": "zh_CN", "en": "en"}
DEFAULT_LANGUAGE = "zh"
_LOCALE_DIR = Path(__file__).parent / "locale"

def N_(msgid: str) -> str:
    """Mark a message for extraction; it is translated when shown."""
    return msgid


@lru_cache(maxsize=None)
def translations(lang: str) -> gettext.NullTranslations:
    """The catalogue of `lang`: the compiled messages.mo shipped beside messages.po (read in
    a millisecond; `scripts/update_catalogue.py` writes it and a test keeps it equal to the
    .po), else the .po compiled here."""
    if lang not in LANGUAGES:
        raise ValueError(lang)
    folder = _LOCALE_DIR / LANGUAGES[lang] / "LC_MESSAGES"
    if (folder / "messages.mo").exists():
        with open(folder / "messages.mo", "rb") as fh:
            return gettext.GNUTranslations(fh)
    if not (folder / "messages.po").exists():
        return gettext.NullTranslations()
    return gettext.GNUTranslations(io.BytesIO(compiled(folder / "messages.po", lang)))


def compiled(po: Path, lang: str) -> bytes:
    """A .po catalogue compiled to .mo bytes (Babel, a maintainer's and a test's tool)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with open(po, "rb") as fh:
        catalog = read_po(fh, locale=LANGUAGES[lang])
    # The .po has no header: Babel would stamp the compiled one with the hour it ran.
    catalog.creation_date = catalog.revision_date = datetime.datetime(2000, 1, 1)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    return buf.getvalue()


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


@lru_cache(maxsize=4096)
def _names_in(template: str) -> tuple[str, ...]:
    """The argument names a message template uses ({households:,.0f} → households)."""
    names = set()
    for _, field, spec, _ in _FORMATTER.parse(template):
        if field:
            names.add(re.split(r"[.\[]", field)[0])
        if spec and "{" in spec:
            names.update(_names_in(spec))
    return tuple(sorted(names))


@lru_cache(maxsize=4096)
def _label_names(template: str) -> tuple[str, ...]:
    """The arguments of a message template rendered through a translation: kind and other
    labels, field names."""
    return tuple(k for k in _names_in(template)
                 if k.endswith("_label") or k in ("applies_to", "numerator_field"))


# The severities, marked for extraction: Translator.severity names them through the catalogue.
_SEVERITY_WORDS = (N_("mandatory"), N_("advisory"))

_CHINESE_PLACES = {"line": "第 {} 行", "layer": "图层“{}”", "feature": "要素“{}”",
                   "field": "字段“{}”", "where": "，", "colon": "：", "found": "；实际为 {}",
                   "expected": "；应为 {}"}


class Translator:
    def __init__(self, lang: str = DEFAULT_LANGUAGE):
        self.lang = lang
        self._t = translations(lang)

    def gettext(self, msgid: str) -> str:
        return self._t.gettext(msgid)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._t.ngettext(singular, plural, n)

    def kind(self, kind: str | None) -> str:
        return kind_name(kind, self.lang)

    def status(self, status) -> str:
        zh, en = STATUS_NAMES[Status(status)]
        return zh if self.lang == "zh" else en

    def severity(self, severity) -> str:
        """mandatory / advisory in this language, from the catalogue, as the templates say
        them."""
        return self.gettext(Severity(severity).value)

    def aside(self, text: str) -> str:
        """A remark set after a name: " (advisory)" in English, "（提示性）" in Chinese."""
        return f"（{text}）" if self.lang == "zh" else f" ({text})"

    @property
    def colon(self) -> str:
        """What follows a label: "：" in Chinese, ": " in English."""
        return "：" if self.lang == "zh" else ": "

    def named(self, feature_id) -> str:
        """A feature's id as a reader is shown it. A table row without an id is named by its
        place in the file ("sheet '项目' row 3", its id in the JSON, the same in any
        language); a Chinese page says that place in Chinese: 工作表“项目”第 3 行 (and a
        project's own facility, "row 3-养老", 第 3 行-养老)."""
        text = str(feature_id)
        if self.lang != "zh" or ("row " not in text and "handle " not in text):
            return text
        # Wherever it stands: a message's argument may list several ("row 2-养老, row 3-养老").
        return PLACE_IN_FILE.sub(lambda m: _chinese_where(m[0]), text)

    def verdict(self, verdict) -> str:
        zh, en = VERDICT_NAMES[Verdict(verdict)]
        return zh if self.lang == "zh" else en

    def text(self, text) -> str:
        """Render a result.Text (msgid + arguments) in this language."""
        if text is None:
            return ""
        template = self.gettext(text.msgid)
        args = text.args
        # Only the arguments the message names are rendered (a finding carries all its
        # inputs), and only labels and field names are translated first: on a copy, made
        # only for a message that names one.
        labels = _label_names(template)
        if labels:
            args = _Args(args)
            for key in labels:
                value = args.get(key)
                if value is None:
                    continue
                if key == "kind_label":
                    args[key] = self.kind(value)
                elif key in ("applies_to", "numerator_field") and isinstance(value, str):
                    args[key] = field_name(value, self.lang)
                elif isinstance(value, str):
                    args[key] = self.gettext(value)
        # A message names parcels and facilities by their ids: a table row's as the reader
        # is shown it (named), before the Chinese punctuation is set.
        said = self._punctuate_named if self.lang == "zh" else self.punctuate
        try:  # str.format_map is C; the lenient Formatter only when a value defies its spec
            return said(template.format_map(args))
        except KeyError:  # an argument the message names is missing: shown as —
            args = _Args(args)
            try:
                return said(template.format_map(args))
            except (ValueError, TypeError):
                return said(_FORMATTER.vformat(template, (), args))
        except (ValueError, TypeError):
            return said(_FORMATTER.vformat(template, (), _Args(args)))

    def _punctuate_named(self, text: str) -> str:
        return self.punctuate(self.named(text))

    def pick(self, zh: str | None, en: str | None) -> str:
        """Bilingual data fields (titles, consequences) stored in the standard files."""
        return (zh or en or "") if self.lang == "zh" else (en or zh or "")

    def problem(self, p) -> str:
        """A problem with the input, said in this language: where (file, line, layer, feature,
        field), what is wrong, what was found and what was expected."""
        if self.lang != "zh":
            return str(p)
        return p.describe(_CHINESE_PLACES, lambda text: zh_punctuation(self.gettext(text)),
                          _chinese_place, _chinese_field, self.named)

    def punctuate(self, text: str | None) -> str:
        """Chinese text set as Chinese is set: full-width punctuation next to Chinese, no
        English glosses. English text is left as it is."""
        if not text:
            return text or ""
        return zh_punctuation(text) if self.lang == "zh" else text


# A feature's label: where it stands alone, or after its id in parentheses (_validate).
_ID_AND_PLACE = re.compile(r"(?P<id>.*) \((?P<where>[^()]*)\)")


def _chinese_where(where: str) -> str | None:
    m = PLACE_IN_FILE.fullmatch(where)
    if m is None:
        return None
    if m["handle"] is not None:
        return f"句柄 {m['handle']}"
    sheet = f"工作表“{m['sheet']}”" if m["sheet"] is not None else ""
    return f"{sheet}第 {m['row']} 行"


def _chinese_field(field: str) -> str:
    """A field as a Chinese reader finds it: the format's name, and the Chinese one a table
    heads it with (floors（层数）)."""
    zh = _CHINESE_FIELD.get(field)
    return f"{field}（{zh}）" if zh else field


def _chinese_place(label: str) -> str:
    """A feature's label with where it stands said in Chinese: P1（第 12 行）, 第 12 行; an
    id made from its place says it once (第 2 行-养老, not row 2-养老（第 2 行）)."""
    said = _chinese_where(label)
    if said is not None:
        return said
    m = _ID_AND_PLACE.fullmatch(label)
    said = _chinese_where(m["where"]) if m else None
    if said is None:
        return label
    ident = PLACE_IN_FILE.sub(lambda x: _chinese_where(x[0]), m["id"])
    return ident if said in ident else f"{ident}（{said}）"


# Chinese characters (CJK unified ideographs, extension A and compatibility).
CJK = "\u3400-\u9fff\uf900-\ufaff"


# Whether a text holds Chinese: one pattern, read by the tables too.
HAS_CHINESE = re.compile(f"[{CJK}]")
# Each field's Chinese name: the report's, else the first a table may head it with.
_CHINESE_FIELD = {field: zh for layer in FIELD_ALIASES.values()
                  for zh, field in reversed(layer.items()) if HAS_CHINESE.match(zh)} \
    | {field: zh for field, (zh, _) in FIELD_NAMES.items()}
_GLOSS = re.compile(r"\s*[（(][A-Za-z][A-Za-z ,:;'/-]*[)）]")
_COMMA = re.compile(r"(?<!\d),|,(?!\d)")
# A colon between letters or digits, or before "//", is part of a name: EPSG:4547, 12:30,
# OGC:CRS84, tcp://10.0.0.5:8786.
_COLON = re.compile(r"(?<![0-9A-Za-z]):(?!//)|:(?![0-9A-Za-z/])")
# Space before or after full-width punctuation, and before an opening bracket (商业建筑（1）),
# removed by a plain replacement (no callback).
_SPACED = re.compile(r"\s+(?=[，；：？！。（])|(?<=[，；：？！。])\s+")
_SPACE = re.compile(r"\s")
_HALF = str.maketrans({"(": "（", ")": "）", ";": "；", "?": "？", "!": "！"})


# Labels, verdicts and clause texts repeat on every parcel of a district.
@lru_cache(maxsize=1 << 16)
def zh_punctuation(text: str) -> str:
    """Chinese text takes full-width , ; : ( ) ? ! (numbers and names keep theirs: 1,200,
    12:30, EPSG:4547, tcp://host:8786), no
    space around them, and no English gloss in parentheses. Text without Chinese is left."""
    if not HAS_CHINESE.search(text):
        return text
    # Each pass only where its character occurs: most texts have one or two of them.
    if "(" in text or "（" in text:
        text = _GLOSS.sub("", text)
    text = text.translate(_HALF)
    if "," in text:
        text = _COMMA.sub("，", text)
    if ":" in text:
        text = _COLON.sub("：", text)
    if _SPACE.search(text):
        text = _SPACED.sub("", text)
    return text


def rule_label(rule: str, lang: str) -> str:
    """The name of a rule, or of a district figure, in the reader's language."""
    if rule in DISTRICT_FIGURE_NAMES:
        zh, en = DISTRICT_FIGURE_NAMES[rule]
        return zh if lang == "zh" else en
    return catalogue.label(rule, lang)
