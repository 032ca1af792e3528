"""The command line: exit codes, formats, the JSON contract, and clear usage errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from compliance.cli import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_standards_list_and_show():
    out = invoke("standards", "list")
    assert out.exit_code == 0
    for city in ("national", "zunyi", "dongying", "changzhou", "tongchuan", "x-district"):
        assert city in out.output
    show = invoke("standards", "show", "dongying")
    assert "350" in show.output and "二(一)1" in show.output and "列入完整居住社区" in show.output


def test_quick_check_zunyi():
    # 遵义 (十五): 20 × 1,200 / 100 = 240 m² > 200 → non-compliant (exit 1), 40 m² to add.
    out = invoke("check", "--city", "zunyi", "--households-new", 1200, "--facility-area", 200,
                 "--lang", "en")
    assert out.exit_code == 1
    assert "Add at least 40.0 m²" in out.output


def test_quick_check_names_its_parcel_the_project(tmp_path):
    # The one parcel of a quick check is the project: the report names it so (it said
    # "quick", a word of the program's), or by the project's name when --meta gives one.
    zh = invoke("check", "--city", "zunyi", "--households-new", 1200, "--facility-area", 200,
                "--lang", "zh")
    assert "本项目：不合规" in zh.output and "quick" not in zh.output
    meta = tmp_path / "meta.yaml"
    meta.write_text("project: 东湖小区\n", encoding="utf-8")
    out = tmp_path / "r.json"
    invoke("check", "--city", "zunyi", "--households-new", 1200, "--facility-area", 200,
           "--meta", meta, "-o", out)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [p["id"] for p in data["parcels"]] == ["东湖小区"]
    # The report names the plan in its language too (it said "quick check (command line
    # figures)" in a Chinese report).
    page = tmp_path / "r.html"
    invoke("check", "--city", "zunyi", "--households-new", 1200, "--facility-area", 200,
           "-o", page)
    html = page.read_text(encoding="utf-8")
    assert "快速核算" in html and "命令行给出的数字" in html and "quick" not in html.lower()


def test_quick_check_incomplete_without_geometry():
    # 240 ≤ 400 passes, and 400 m² meets Guizhou's 350 m² single site (inherited by Zunyi), but
    # Zunyi's mandatory radius cannot be measured without geometry → 3.
    out = invoke("check", "--city", "zunyi", "--households-new", 1200, "--facility-area", 400)
    assert out.exit_code == 3


def test_quick_check_zunyi_inherits_guizhou_single_site():
    # 贵州省通知: 单处用房面积不得少于350平方米; Zunyi says nothing of it, so the provincial
    # floor stands: 300 m² is 50 m² short, though 240 ≤ 300 meets the per-100 rate.
    out = invoke("check", "--city", "zunyi", "--households-new", 1200, "--facility-area", 300,
                 "--lang", "en")
    assert out.exit_code == 1
    # Its figures as the reports print them, with their unit (it printed "m2" once).
    assert "single_site_minimum  300 m² / 350 m²" in out.output


def test_sample_compliant_exit_0():
    # 东营 二(一)1: 20 × 1,500 / 100 = 300 ≤ 400 and 350 ≤ 400 (complete community).
    assert invoke("check", SAMPLES / "dongying-compliant.geojson", "--city", "dongying") \
        .exit_code == 0


def test_json_contract(tmp_path):
    out_file = tmp_path / "zunyi.json"
    out = invoke("check", SAMPLES / "zunyi-failing.geojson", "--city", "zunyi", "-o", out_file)
    assert out.exit_code == 1
    data = json.loads(out_file.read_text(encoding="utf-8"))
    assert data["standard"]["id"] == "zunyi"
    assert data["summary"] == {"parcels": 1, "compliant": 0, "non_compliant": 1, "incomplete": 0}
    parcel = data["parcels"][0]
    assert parcel["id"] == "ZY-01" and parcel["verdict"] == "non_compliant"
    area = next(f for f in parcel["findings"] if f["rule"] == "area_per_households")
    # 20 × 1,200 / 100 = 240 m² required, 200 provided.
    assert {k: area[k] for k in ("status", "severity", "required", "provided", "unit")} == {
        "status": "fail", "severity": "mandatory", "required": 240.0, "provided": 200.0,
        "unit": "m2"}
    assert area["citation"]["clause"] == "(十五)"
    # The 遵义 measures carry no document number (文号): cited by their title, not by the
    # issuing body's name.
    assert area["citation"]["document"] == "遵义市深化养老服务改革发展若干措施"
    assert "40" in area["fix"]


def test_json_is_byte_identical(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    for target in (a, b):
        invoke("check", SAMPLES / "dongying-shared.geojson", "--city", "dongying", "-o", target)
    assert a.read_bytes() == b.read_bytes()


def test_csv_has_bom_and_rows(tmp_path):
    target = tmp_path / "t.csv"
    invoke("check", SAMPLES / "tongchuan-phased.geojson", "--city", "tongchuan", "-o", target)
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert "first_phase" in text and "二(二)4" in text


def test_user_standard(tmp_path):
    std = tmp_path / "mine.yaml"
    std.write_text("id: mine\nextends: national\ndocument: {title: 自定文件}\nrules:\n"
                   "  area_per_households:\n    citation: {clause: 一, quote: 每百户30平方米}\n"
                   "    params: {rate_new: 30}\n", encoding="utf-8")
    assert invoke("standards", "validate", std).exit_code == 0
    # 30 × 1,200 / 100 = 360 > 300 → fails.
    out = invoke("check", "--standard", std, "--households-new", 1200, "--facility-area", 300,
                 "--lang", "en")
    assert out.exit_code == 1 and "60.0 m²" in out.output


@pytest.mark.parametrize("args, words", [
    (["check", "--households-new", "10", "--facility-area", "5"], "name the standard"),
    (["check", "--city", "atlantis", "--households-new", "10"], "no standard of this name"),
    # A typo is answered with the nearest id, in the reader's language.
    (["check", "--city", "changzho", "--households-new", "10"], "no standard of this name; expected changzhou"),
    (["check", "nowhere.geojson", "--city", "zunyi"], "no such file"),
    (["check", "--city", "zunyi"], "give a PLAN"),
    # In Chinese when asked (the words of these messages were English whatever --lang).
    (["check", "--city", "zunyi", "--standard", "x.yaml", "--lang", "zh"],
     "--city 与 --standard 只能给出一个"),
    (["check", "nowhere.geojson", "--city", "zunyi", "--lang", "zh"], "文件或文件夹不存在"),
])
def test_usage_errors_exit_2(args, words):
    out = CliRunner().invoke(main, args)
    assert out.exit_code == 2
    assert words in out.output
    assert "Traceback" not in out.output


def test_docs_page_is_generated_from_registry():
    from compliance.views.rules_doc import render_markdown

    assert (ROOT / "docs" / "rules.md").read_text(encoding="utf-8") == render_markdown(), \
        "docs/rules.md is stale: run `compliance rules --markdown > docs/rules.md`"


def test_standards_page_is_generated_from_the_standard_files():
    out = invoke("standards", "list", "--markdown")
    assert out.exit_code == 0
    assert (ROOT / "docs" / "standards.md").read_text(encoding="utf-8") == out.output, \
        "docs/standards.md is stale: run `compliance standards list --markdown > docs/standards.md`"


def test_process_limits_malloc_arenas_unless_the_user_did(monkeypatch):
    """A checking process asks glibc for two malloc arenas (threads' freed memory reused), and
    keeps a MALLOC_ARENA_MAX the user set."""
    import ctypes
    import sys

    from compliance import _process

    calls = []

    class FakeLibc:
        def mallopt(self, param, value):
            calls.append((param, value))
            return 1

    monkeypatch.setattr(ctypes, "CDLL", lambda name: FakeLibc())
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    _process.configure()
    assert calls == [(-8, 2)]  # M_ARENA_MAX is -8 in glibc's malloc.h
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    _process.configure()
    assert calls == [(-8, 2)]


def test_chinese_terminal_summary_is_punctuated_as_chinese():
    """The terminal speaks Chinese by default: its summary, advisory marks and problem heading
    take full-width punctuation (they showed 个地块:合规 0,不合规 1 and (提示性))."""
    import re

    out = CliRunner().invoke(main, ["check", "samples/zunyi-failing.geojson", "--city", "zunyi",
                                    "--lang", "zh"])
    assert out.exit_code == 1
    assert re.search(r"共 1 个地块：合规 0，不合规 1，资料不全 0", out.output)
    assert "（提示性）" in out.output and "(提示性)" not in out.output


def test_a_district_checked_into_one_report_is_pointed_to_batch(tmp_path, monkeypatch):
    """Written as asked, with a note: each parcel in full in one report grows to hundreds of
    megabytes for a district, which `batch` reports as an overview and summary."""
    from compliance import workflow

    monkeypatch.setattr(workflow, "FULL_REPORT_PARCELS", 1)
    plan = str(ROOT / "samples" / "dongying-shared.geojson")
    out = CliRunner().invoke(main, ["check", plan, "--city", "dongying", "--lang", "en",
                                    "-o", str(tmp_path / "r.html")])
    assert out.exit_code in (0, 1) and (tmp_path / "r.html").exists()
    assert "parcels, each in full in one report; `compliance batch`" in out.output
    out = CliRunner().invoke(main, ["check", plan, "--city", "dongying", "--lang", "en",
                                    "-o", str(tmp_path / "r.json")])
    assert "each in full" not in out.output
