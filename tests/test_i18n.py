"""Every message the code and templates can show has a Chinese translation."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from compliance._i18n import Translator
from compliance.rules.catalogue import CATALOGUE
from compliance.vocabulary import FACILITY_KINDS, STATUS_NAMES, VERDICT_NAMES

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "compliance" / "locale" / "zh_CN" / "LC_MESSAGES" / "messages.po"


def _msgids():
    method_map = [("compliance/templates/**.j2", "jinja2.ext:babel_extract"),
                  ("compliance/**.py", "python")]
    options = {"compliance/templates/**.j2": {"extensions": "jinja2.ext.i18n",
                                               "trim_blocks": "True", "lstrip_blocks": "True"}}
    keywords = {"N_": None, "_": None, "gettext": None, "_say": None, "_h": None}
    return {m[2] for m in extract_from_dir(str(ROOT), method_map, options, keywords)
            if isinstance(m[2], str) and m[2]}


def test_catalogue_is_complete():
    with open(PO, "rb") as fh:
        translated = {m.id for m in read_po(fh) if m.id and m.string}
    missing = sorted(_msgids() - translated)
    assert not missing, f"untranslated (run scripts/update_catalogue.py): {missing}"


def test_every_problem_says_its_words_from_the_catalogue():
    """A problem's message written as a bare string is never extracted, so it reached a
    Chinese reader in English ("no CRS declared and the coordinates are not degrees"): every
    message is N_(…) or a name bound to one."""
    import ast

    def literal(node):
        if isinstance(node, ast.IfExp):
            return literal(node.body) or literal(node.orelse)
        return isinstance(node, (ast.Constant, ast.JoinedStr))

    bare = []
    for path in sorted((ROOT / "compliance").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Problem"):
                continue
            words = node.args[1:2] + [k.value for k in node.keywords if k.arg == "message"]
            bare += [f"{path.relative_to(ROOT)}:{node.lineno}" for w in words if literal(w)]
    assert not bare, f"problem messages outside the catalogue: {bare}"


def test_shipped_compiled_catalogue_is_the_po_compiled():
    """The package reads messages.mo; the .po is what translators edit. They must agree."""
    import gettext
    import io

    from compliance._i18n import compiled

    shipped = gettext.GNUTranslations(io.BytesIO(PO.with_suffix(".mo").read_bytes()))
    fresh = gettext.GNUTranslations(io.BytesIO(compiled(PO, "zh")))
    assert shipped._catalog == fresh._catalog, \
        "messages.mo is stale: run scripts/update_catalogue.py"
    assert PO.with_suffix(".mo").read_bytes() == compiled(PO, "zh")  # and reproducible


def test_placeholders_survive_translation():
    import string

    with open(PO, "rb") as fh:
        for m in read_po(fh):
            if m.id and m.string:
                names = {f[1] for f in string.Formatter().parse(m.id) if f[1]}
                assert names == {f[1] for f in string.Formatter().parse(m.string) if f[1]}, m.id


def test_labels_in_both_languages():
    assert Translator("zh").kind("community_station") == "社区养老服务站"
    assert Translator("en").kind("community_station") == "community eldercare station"
    assert all(r.label_zh and r.label_en for r in CATALOGUE.values())
    for names in (FACILITY_KINDS, STATUS_NAMES, VERDICT_NAMES):
        assert all(zh and en for zh, en in names.values())


def test_chinese_punctuation_leaves_escaped_characters_whole():
    """A Chinese page's text takes full-width ； , but the semicolon that ends &#39; or &amp;
    is part of the escaped character: the sample DXF's "'比例 1:1000'" showed as
    &#39；比例 1:1000&#39； before."""
    from compliance.views.html import _typeset

    page = "<p>实际为 &#39;比例 1:1000&#39;; A &amp; B</p>"
    # The ; between the texts is punctuation (； and no space after it); 1:1000 keeps its colon.
    assert _typeset(page, "zh") == "<p>实际为 &#39;比例 1:1000&#39;；A &amp; B</p>"
    assert _typeset(page, "en") == page


def test_chinese_punctuation_leaves_codes_and_addresses_whole():
    """A label's colon is full-width in Chinese; the colon of a CRS code, a time or an
    address is part of it (the scheduler's address once read tcp：//10.0.0.5:8786)."""
    from compliance._i18n import zh_punctuation

    assert zh_punctuation("应为 tcp://10.0.0.5:8786 或 EPSG:4547、OGC:CRS84，12:30") == \
        "应为 tcp://10.0.0.5:8786 或 EPSG:4547、OGC:CRS84，12:30"
    assert zh_punctuation("字段: 户数; 实际为: abc") == "字段：户数；实际为：abc"
    assert zh_punctuation("文件 file:///tmp/a.gpkg") == "文件 file:///tmp/a.gpkg"


def test_chinese_brackets_take_no_space_before_them():
    """A count after a layer's name reads 商业建筑（1）, not 商业建筑 （1）."""
    from compliance._i18n import zh_punctuation

    assert zh_punctuation("实际为 商业建筑 (1), 现状建筑-拆除 (2)") == \
        "实际为 商业建筑（1），现状建筑-拆除（2）"
