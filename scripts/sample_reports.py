"""Regenerate the HTML, JSON and CSV reports of every sample: `python scripts/sample_reports.py`.

Writes reports/samples/<sample>.zh.html, .en.html, .zh.pdf, .json and .csv (linked from the
README), each with the sample's metadata from samples/meta/.
"""

from __future__ import annotations

import sys
from pathlib import Path

from compliance import io, workflow
from compliance.settings import Options
from compliance.standard import load_standard

ROOT = Path(__file__).resolve().parent.parent
META = Path("samples") / "meta"
SAMPLES = {
    "dongying-compliant": "dongying", "dongying-shared": "dongying", "zunyi-failing": "zunyi",
    "changzhou-existing": "changzhou", "tongchuan-phased": "tongchuan",
    "x-district-rural": "x-district",
}


def main() -> int:
    import os

    # Relative paths, so that reports name their input as a reader of the repository sees it;
    # a fixed check date (unless given), so that regenerating changes only what changed.
    os.chdir(ROOT)
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1795305600")  # 2026-11-22
    out = Path("reports") / "samples"
    for name, city in SAMPLES.items():
        standard = load_standard(city)
        plan = workflow.load_plan(f"samples/{name}.geojson", standard)
        result = workflow.run(plan, standard, Options(), meta=io.read_meta(META / f"{name}.yaml"))
        for lang in ("zh", "en"):
            workflow.write(result, str(out / f"{name}.{lang}.html"), "html", lang)
        workflow.write(result, str(out / f"{name}.zh.pdf"), "pdf", "zh")
        workflow.write(result, str(out / f"{name}.json"), "json", "zh")
        workflow.write(result, str(out / f"{name}.csv"), "csv", "zh")
        print(f"{name:<22} {city:<11} {result.summary}")
    # A CAD site plan with its indicator table, and a district office's list of projects.
    standard = load_standard("zunyi")
    for name, source, extra in (
            ("zunyi-site", "samples/zunyi-site.dxf", {"table": "samples/zunyi-site-指标.xlsx"}),
            ("zunyi-projects", "samples/zunyi-projects.xlsx", {})):
        plan = workflow.load_plan(source, standard, **extra)
        result = workflow.run(plan, standard, Options(), meta=io.read_meta(META / f"{name}.yaml"))
        for lang in ("zh", "en"):
            workflow.write(result, str(out / f"{name}.{lang}.html"), "html", lang)
        workflow.write(result, str(out / f"{name}.zh.pdf"), "pdf", "zh")
        for kind in ("json", "xlsx"):
            workflow.write(result, str(out / f"{name}.{kind}"), kind, "zh")
        print(f"{name:<22} {'zunyi':<11} {result.summary}")
    # A district on real OpenStreetMap streets, walked along the network.
    district = workflow.batch("samples/beijing-xueqing-osm.gpkg",
                              load_standard("national"), str(out / "beijing-xueqing"),
                              Options(distance="network"), lang="zh",
                              meta=str(META / "beijing-xueqing.yaml"))
    print(f"{'beijing-xueqing-osm':<22} {'national':<11} {district.result.summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
